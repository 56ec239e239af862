"""``path:line:col: severity rule-id message``: clickable in editors, readable in pre-commit output.

Paths and messages quote other people's files: control characters in them (ANSI/OSC escapes,
bidi overrides, newlines that would forge another finding line) are shown escaped."""
from __future__ import annotations

from typing import TextIO

from evalledger.escape import terminal
from evalledger.report import Report


def format_finding(f) -> str:
    where = f"{f.path}:{f.line}:{f.column}"
    commit = f" [{f.commit[:10]}]" if f.commit else ""
    return terminal(f"{where}: {f.severity} {f.rule} {f.message}{commit}")


def write(report: Report, stream: TextIO) -> None:
    for finding in sorted(report.findings):
        stream.write(format_finding(finding) + "\n")
