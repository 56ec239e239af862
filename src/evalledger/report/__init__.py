"""Reporters: formats of the same Findings, chosen by name.

Every reporter takes the findings of one run plus a little context (which command produced them,
how many files were checked, the rule registry for docs) and writes text to a stream.
``auto`` picks ``github`` under GitHub Actions, ``text`` elsewhere.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence, TextIO

from evalledger.finding import Finding

FORMATS = ("text", "json", "github", "sarif", "markdown")


@dataclass
class Report:
    """What a command hands to a reporter."""

    command: str  # "lint" or "audit"
    findings: Sequence[Finding]
    files: int = 0
    rules: Mapping[str, Any] = field(default_factory=dict)  # rule id -> object with .severity/.summary
    extra: dict[str, Any] = field(default_factory=dict)  # command-specific context (audit diffs…)


def counted(n: int, word: str) -> str:
    """``1 error``, ``2 warnings``, ``3 info`` (a mass noun), ``2 info findings``."""
    plural = "" if n == 1 or word == "info" else "s"
    return f"{n} {word}{plural}"


def resolve_format(name: str, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    if name == "auto":
        return "github" if env.get("GITHUB_ACTIONS") == "true" else "text"
    return name


def render(report: Report, fmt: str, stream: TextIO) -> None:
    _reporter(fmt)(report, stream)


def _reporter(fmt: str) -> Callable[[Report, TextIO], None]:
    # imported on demand so the lint hook only pays for the format it prints
    if fmt == "text":
        from evalledger.report.text import write
    elif fmt == "json":
        from evalledger.report.json import write
    elif fmt == "github":
        from evalledger.report.github import write
    elif fmt == "sarif":
        from evalledger.report.sarif import write
    elif fmt == "markdown":
        from evalledger.report.markdown import write
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return write
