"""What a rule sees for one event: the event, the commit, the model, the benchmark policy."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evalledger.audit.sources import Entry
from evalledger.audit.timeline import Event
from evalledger.dates import parse_datetime
from evalledger.finding import INFO, Finding
from evalledger.git import CommitChanges
from evalledger.policy import BenchmarkPolicy, TaskPolicy, infer_unit


@dataclass(frozen=True)
class Origin:
    """Who wrote an entry's current value, and in which commit."""

    commit: str
    name: str
    email: str


@dataclass
class EventContext:
    event: Event
    commit: CommitChanges
    model: str
    policy: BenchmarkPolicy
    origin: Callable[[], Origin | None]  # lazy: blame is only run when a rule asks

    @property
    def task_policy(self) -> TaskPolicy:
        return self.policy.for_task(self.event.entry.task)

    def unit(self, value: float) -> str:
        return self.task_policy.unit or infer_unit(abs(value))

    def finding(
        self, rule: Any, message: str, *, severity: str | None = None, entry: Entry | None = None, **extra: Any
    ) -> Finding:
        event = self.event
        at = entry or event.new or event.old
        assert at is not None
        severity = severity or rule.severity
        evidence: dict[str, Any] = {
            "model": self.model,
            "benchmark": at.benchmark,
            "task": at.task,
            "setup": at.setup,
            "author": self.commit.author_name,
        }
        if severity != INFO:
            # the entry before and after, for the semantic diff; info findings (the bulk of a long
            # history) carry only old/new values, so memory follows what reviewers must look at
            evidence["before"] = event.old.content if event.old is not None else None
            evidence["after"] = event.new.content if event.new is not None else None
        if event.old is not None and event.new is not None and event.old.path != event.new.path:
            evidence["moved_from"] = event.old.path
        evidence.update(extra)
        line = at.value_line if at is event.new else at.line
        if event.new is None or (at is not event.new and at.path != event.new.path):
            # the entry is gone: its line is one of the file as it was, not as it is
            message += f" (line {line} of {at.path} as it was before {self.commit.sha[:10]})"
        if len(self.commit.parents) > 1:
            message += "; made in the merge itself (no parent has it)"
            evidence["merge"] = {"parents": list(self.commit.parents)}
        return Finding(
            at.path,
            line,
            1,
            rule.id,
            severity,
            message,
            commit=self.commit.sha,
            old=event.old.value if event.old is not None else None,
            new=event.new.value if event.new is not None else None,
            evidence=evidence,
        )


def label(entry: Entry) -> str:
    """``benchmark · task (notes @revision)``, the notes as the file writes them (the setup key
    that identifies the entry folds their case and spaces)."""
    text = f"{entry.benchmark} · {entry.task}"
    if not entry.setup:
        return text
    parts = []
    if isinstance(entry.notes, str) and entry.notes.strip():
        parts.append(" ".join(entry.notes.split()))
    if isinstance(entry.revision, str) and entry.revision.strip():
        parts.append("@" + entry.revision.strip())
    return f"{text} ({' '.join(parts) or entry.setup})"


def fmt(value: float | None) -> str:
    if value is None:
        return "none"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{value:.1f}"
    return repr(value) if isinstance(value, float) else str(value)


@functools.lru_cache(maxsize=4096)
def parse_date(text: str | None) -> datetime.datetime | None:
    """An entry's ISO-8601 date as an aware datetime (dates at midnight UTC); None if unparsable.
    Memoised: a history repeats the same few dates in thousands of entry versions (a datetime is
    immutable)."""
    return parse_datetime(text) if text else None
