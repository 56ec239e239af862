"""The one currency of evalledger: a Finding, produced by lint and audit, rendered by every reporter.

Findings order by position (path, line, column, rule) so every report is sorted and stable.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)
SEVERITY_RANK = {ERROR: 2, WARNING: 1, INFO: 0}


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    column: int
    rule: str
    severity: str = field(compare=False)
    message: str = field(compare=False)
    # audit-only context; lint leaves these empty
    commit: str | None = field(default=None, compare=False)
    old: Any = field(default=None, compare=False)
    new: Any = field(default=None, compare=False)
    evidence: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    # lint only: a safe, mechanical text edit that removes the problem (``evalledger.lint.edit.Edit``),
    # applied by `lint --fix`; never rendered
    fix: Any = field(default=None, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"unknown severity {self.severity!r}")


#: the order of findings as a sort key: ``findings.sort(key=POSITION)`` orders as ``findings.sort()``
#: (the compared fields, in order) without a dataclass ``__lt__`` call per comparison, ~15x faster
#: on the thousands of findings of a long history
POSITION = operator.attrgetter("path", "line", "column", "rule")


def error_reason(exc: BaseException, limit: int = 200) -> str:
    """``Type: message`` of an exception, bounded: the reason shown when reading one repo or file
    failed and the run went on without it."""
    text = str(exc)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
