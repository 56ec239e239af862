"""Reporters: the formats a command's report is printed in, chosen by name.

A report is typed: ``Report`` holds the findings of a ``lint`` or ``audit`` run plus a little
context (how many files were checked, the rule registry for docs, audit diffs), and
``evalledger.leaderboard.result.AggregateResult`` is what one ``aggregate`` run did. Each has a
``kind`` ("lint", "audit", "aggregate"), and a reporter has one method per kind: ``render`` calls
the reporter of the format, named in ``REPORTER_BY_NAME``, with the method of the report's kind.
``auto`` picks ``github`` under GitHub Actions, ``text`` elsewhere.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from evalledger.finding import Finding
from evalledger.rule import Rule

if TYPE_CHECKING:  # the lint hook never prints one
    from evalledger.leaderboard.result import AggregateResult

# format name -> the module whose ``REPORTER`` prints it; imported on demand, so the lint hook
# only pays for the format it prints
REPORTER_BY_NAME: dict[str, str] = {
    "text": "evalledger.report.text",
    "json": "evalledger.report.json",
    "github": "evalledger.report.github",
    "sarif": "evalledger.report.sarif",
    "markdown": "evalledger.report.markdown",
}
FORMATS = tuple(REPORTER_BY_NAME)


@dataclass
class Report:
    """The findings of one lint or audit run."""

    command: str  # "lint" or "audit"
    findings: Sequence[Finding]
    files: int = 0
    rules: Mapping[str, Rule] = field(default_factory=dict)  # the command's rules, by id (docs, SARIF)
    extra: dict[str, Any] = field(default_factory=dict)  # command-specific context (audit diffs…)

    @property
    def kind(self) -> str:
        return self.command


class Reporter:
    """One format. ``lint`` and ``audit`` print findings the same way unless a format says
    otherwise; a format with no view of a kind refuses it."""

    name = ""

    def lint(self, report: Report, stream: TextIO) -> None:
        self.findings(report, stream)

    def audit(self, report: Report, stream: TextIO) -> None:
        self.findings(report, stream)

    def findings(self, report: Report, stream: TextIO) -> None:
        raise ValueError(f"format {self.name!r} cannot print findings")

    def aggregate(self, result: AggregateResult, stream: TextIO) -> None:
        raise ValueError(f"format {self.name!r} cannot print an aggregate result")


def counted(n: int, word: str) -> str:
    """``1 error``, ``2 warnings``, ``3 info`` (a mass noun), ``2 info findings``."""
    plural = "" if n == 1 or word == "info" else "s"
    return f"{n} {word}{plural}"


def resolve_format(name: str, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    if name == "auto":
        return "github" if env.get("GITHUB_ACTIONS") == "true" else "text"
    return name


def reporter(fmt: str) -> Reporter:
    """The reporter of format ``fmt`` (``auto`` resolved first)."""
    module = REPORTER_BY_NAME.get(fmt)
    if module is None:
        raise ValueError(f"unknown format {fmt!r}")
    found = importlib.import_module(module).REPORTER
    if not isinstance(found, Reporter):
        raise TypeError(f"{module}.REPORTER is not a Reporter")
    return found


def render(report: Report | AggregateResult, fmt: str, stream: TextIO) -> None:
    """Print ``report`` (a ``Report`` or an ``AggregateResult``) in format ``fmt``."""
    getattr(reporter(fmt), report.kind)(report, stream)
