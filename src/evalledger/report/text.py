"""``path:line:col: severity rule-id message``: clickable in editors, readable in pre-commit output.

Paths and messages quote other people's files: control characters in them (ANSI/OSC escapes,
bidi overrides, newlines that would forge another finding line) are shown escaped."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from evalledger.escape import log_line, terminal
from evalledger.finding import Finding
from evalledger.report import Report, Reporter

if TYPE_CHECKING:
    from evalledger.leaderboard.result import AggregateResult


def format_finding(f: Finding) -> str:
    where = f"{f.path}:{f.line}:{f.column}"
    commit = f" [{f.commit[:10]}]" if f.commit else ""
    return terminal(f"{where}: {f.severity} {f.rule} {f.message}{commit}")


def write(report: Report, stream: TextIO) -> None:
    for finding in sorted(report.findings):
        stream.write(format_finding(finding) + "\n")


def kept_note(kept: int) -> str:
    """What an unreachable repo still has on the board."""
    return f" (kept {kept} rows from the previous tables, marked stale)" if kept else ""


def registry_warnings(result: AggregateResult, stream: TextIO) -> None:
    """What aggregate read past (a duplicate registry line, a submission folder not read), each at
    its rule's severity in the catalogue (the JSON document names the rule, not the severity)."""
    if not result.board.warnings:
        return
    from evalledger.rules import all_rules

    rules = all_rules()
    for item in result.board.warnings:
        rule = rules.get(item.rule)  # a document from another version may name a rule unknown here
        severity = rule.severity if rule is not None else "warning"
        stream.write(log_line(f"{item.path}:{item.line}: {severity} {item.rule} {item.message}") + "\n")


def aggregate_summary(result: AggregateResult, stream: TextIO) -> None:
    """The closing lines of an aggregate run: counts, what was written, the commit."""
    board = result.board
    changes = board.changes
    stream.write(
        f"leaderboard: {board.rows} rows, {board.candidates} candidates, {board.conflicts} conflicts from "
        f"{board.fetched}/{board.sources} model repos; {len(changes.new)} new, {len(changes.moved)} moved, "
        f"{len(changes.removed)} removed, {len(changes.new_conflicts)} new conflicts"
        + (f", {len(board.stale)} stale" if board.stale else "")
        + "\n"
    )
    if board.written:
        stream.write(log_line("wrote " + ", ".join(board.written)) + "\n")
    else:
        stream.write("no change\n")
    if result.commit:
        stream.write(f"committed {result.commit}" + (" and pushed" if result.pushed else "") + "\n")


class TextReporter(Reporter):
    name = "text"

    def findings(self, report: Report, stream: TextIO) -> None:
        write(report, stream)

    def aggregate(self, result: AggregateResult, stream: TextIO) -> None:
        # model ids, file names, messages and git's errors are the model repos' text: escaped
        from evalledger.leaderboard.registry import MODEL_REPO_UNREACHABLE as UNREACHABLE

        registry_warnings(result, stream)
        for item in result.board.unreachable:
            stream.write(
                terminal(
                    f"{item.where or item.url}: {UNREACHABLE.severity} {UNREACHABLE.id} {item.url}: "
                    f"{item.message}{kept_note(item.kept)}"
                )
                + "\n"
            )
        for rejected in result.board.rejected:
            stream.write(
                terminal(
                    f"{rejected.model}:{rejected.file}:{rejected.line}: ineligible {rejected.rule} {rejected.message}"
                )
                + "\n"
            )
        aggregate_summary(result, stream)


REPORTER = TextReporter()
