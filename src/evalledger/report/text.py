"""``path:line:col: severity rule-id message``: clickable in editors, readable in pre-commit output."""
from __future__ import annotations

from typing import TextIO

from evalledger.report import Report


def format_finding(f) -> str:
    where = f"{f.path}:{f.line}:{f.column}"
    commit = f" [{f.commit[:10]}]" if f.commit else ""
    return f"{where}: {f.severity} {f.rule} {f.message}{commit}"


def write(report: Report, stream: TextIO) -> None:
    for finding in sorted(report.findings):
        stream.write(format_finding(finding) + "\n")
