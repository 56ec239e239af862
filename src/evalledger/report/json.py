"""Machine-readable output; the shapes are public contracts (DESIGN.md; aggregate's is
``evalledger.leaderboard.result``)."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any, TextIO

from evalledger.report import Report, Reporter

if TYPE_CHECKING:
    from evalledger.leaderboard.result import AggregateResult


def _plain(value: Any) -> Any:
    """JSON-safe value: dates become ISO strings, non-finite floats become strings."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def lint_document(report: Report) -> dict[str, Any]:
    return {
        "problems": [
            {
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "severity": f.severity,
                "rule": f.rule,
                "message": f.message,
            }
            for f in sorted(report.findings)
        ],
        "files": report.files,
    }


def audit_document(report: Report) -> dict[str, Any]:
    findings = []
    for f in sorted(report.findings):
        item = {
            "rule": f.rule,
            "severity": f.severity,
            "path": f.path,
            "line": f.line,
            "commit": f.commit,
            "message": f.message,
            "old": _plain(f.old),
            "new": _plain(f.new),
        }
        if f.evidence:
            item["evidence"] = _plain(f.evidence)
        findings.append(item)
    doc: dict[str, Any] = {"findings": findings}
    if "commits" in report.extra:
        doc["commits"] = report.extra["commits"]
    return doc


def _write_audit(doc: dict[str, Any], stream: TextIO) -> None:
    """One finding per line: a history audit can hold thousands of findings with their before/after
    entries, and ``indent`` forces json's pure-Python encoder (several times slower)."""
    stream.write('{\n  "findings": [')
    for number, item in enumerate(doc["findings"]):
        stream.write(("," if number else "") + "\n    " + json.dumps(item, ensure_ascii=False))
    stream.write("\n  ]" if doc["findings"] else "]")
    for key, value in doc.items():
        if key != "findings":
            stream.write(f",\n  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    stream.write("\n}\n")


class JsonReporter(Reporter):
    name = "json"

    def lint(self, report: Report, stream: TextIO) -> None:
        _dump(lint_document(report), stream)

    def audit(self, report: Report, stream: TextIO) -> None:
        _write_audit(audit_document(report), stream)

    def aggregate(self, result: AggregateResult, stream: TextIO) -> None:
        _dump(result.to_json(), stream)


def _dump(doc: dict[str, Any], stream: TextIO) -> None:
    json.dump(doc, stream, indent=2)
    stream.write("\n")


REPORTER = JsonReporter()
