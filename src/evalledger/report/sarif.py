"""SARIF 2.1.0, for code-scanning upload (hand-built: the format is small and stable)."""

from __future__ import annotations

import json
from typing import Any, TextIO

from evalledger import __version__
from evalledger.report import Report, Reporter

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def write(report: Report, stream: TextIO) -> None:
    findings = sorted(report.findings)
    used = sorted({f.rule for f in findings} | set(report.rules))
    rules = []
    for rule_id in used:
        rule = report.rules.get(rule_id)
        entry: dict[str, Any] = {"id": rule_id, "name": rule_id}
        if rule is not None:
            entry["shortDescription"] = {"text": rule.summary}
            entry["defaultConfiguration"] = {"level": _LEVEL[rule.severity]}
        rules.append(entry)
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for f in findings:
        result = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.path},
                        "region": {"startLine": max(f.line, 1), "startColumn": max(f.column, 1)},
                    }
                }
            ],
        }
        if f.commit:
            result["properties"] = {"commit": f.commit}
        results.append(result)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "evalledger",
                        "version": __version__,
                        "informationUri": "https://github.com/evalledger/evalledger",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    json.dump(doc, stream, indent=2)
    stream.write("\n")


class SarifReporter(Reporter):
    name = "sarif"

    def findings(self, report: Report, stream: TextIO) -> None:
        write(report, stream)


REPORTER = SarifReporter()
