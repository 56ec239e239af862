"""GitHub workflow-command annotations.

GitHub shows only 10 errors and 10 warnings per step, so annotations are capped and the full list
is always printed as plain text too (inside a collapsible group). Untrusted text (messages quote
other people's files) is escaped so it cannot inject workflow commands.
"""
from __future__ import annotations

from typing import TextIO

from evalledger.report import Report
from evalledger.report.text import format_finding

ANNOTATIONS_PER_LEVEL = 10
_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(f) -> str:
    level = _LEVEL[f.severity]
    props = f"file={escape_property(f.path)},line={f.line},col={f.column},title={escape_property(f.rule)}"
    return f"::{level} {props}::{escape_data(f.message)}"


def write(report: Report, stream: TextIO) -> None:
    findings = sorted(report.findings)
    shown: dict[str, int] = {}
    for f in findings:
        level = _LEVEL[f.severity]
        shown[level] = shown.get(level, 0) + 1
        if shown[level] <= ANNOTATIONS_PER_LEVEL:
            stream.write(annotation(f) + "\n")
    hidden = sum(max(0, n - ANNOTATIONS_PER_LEVEL) for n in shown.values())
    if hidden:
        stream.write(f"::notice::{hidden} more findings are not annotated (GitHub shows 10 per level);"
                     " all are listed below\n")
    if findings:
        stream.write("::group::evalledger findings\n")
        for f in findings:
            # a line starting with '::' would be read as a command; the text format never starts so
            stream.write(escape_data(format_finding(f)) + "\n")
        stream.write("::endgroup::\n")
