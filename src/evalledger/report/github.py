"""GitHub workflow-command annotations.

GitHub shows only 10 errors and 10 warnings per step, so annotations are capped and the full list
is always printed as plain text too (inside a collapsible group). Untrusted text (messages quote
other people's files) is escaped by ``evalledger.escape`` so it cannot inject workflow commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from evalledger.escape import log_line, workflow_command
from evalledger.finding import Finding
from evalledger.report import Report, Reporter
from evalledger.report.text import aggregate_summary, format_finding, kept_note, registry_warnings

if TYPE_CHECKING:
    from evalledger.leaderboard.result import AggregateResult

ANNOTATIONS_PER_LEVEL = 10
_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def annotation(f: Finding) -> str:
    return workflow_command(_LEVEL[f.severity], f.message, file=f.path, line=f.line, col=f.column, title=f.rule)


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
        stream.write(
            f"::notice::{hidden} more findings are not annotated (GitHub shows 10 per level); all are listed below\n"
        )
    if findings:
        stream.write("::group::evalledger findings\n")
        for f in findings:
            stream.write(log_line(format_finding(f)) + "\n")
        stream.write("::endgroup::\n")


class GithubReporter(Reporter):
    name = "github"

    def findings(self, report: Report, stream: TextIO) -> None:
        write(report, stream)

    def aggregate(self, result: AggregateResult, stream: TextIO) -> None:
        # model ids, file names, messages and git's errors are the model repos' text: escaped
        from evalledger.leaderboard.registry import MODEL_REPO_UNREACHABLE as UNREACHABLE

        board = result.board
        for item in board.unreachable[:ANNOTATIONS_PER_LEVEL]:
            stream.write(
                workflow_command(
                    _LEVEL[UNREACHABLE.severity],
                    f"{item.url}: {item.message}{kept_note(item.kept)}",
                    title=f"model repo unreachable ({UNREACHABLE.id})",
                )
                + "\n"
            )
        for rejected in board.rejected[:ANNOTATIONS_PER_LEVEL]:
            stream.write(
                workflow_command(
                    "warning",
                    f"{rejected.model} {rejected.file}:{rejected.line}: {rejected.message}",
                    title=f"result rejected ({rejected.rule})",
                )
                + "\n"
            )
        registry_warnings(result, stream)
        aggregate_summary(result, stream)


REPORTER = GithubReporter()
