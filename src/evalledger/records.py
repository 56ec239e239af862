"""ScoreRecord: one reported score, as collection, selection and the audit timeline all see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ScoreRecord:
    model: str  # model repo id (org/name) or the registry's id for it
    benchmark: str  # dataset.id
    task: str  # dataset.task_id
    value: float
    setup: str = ""  # normalised notes (+ revision): entries with different setups are different rows
    date: str | None = None  # self-declared, display only
    source_url: str | None = None
    source_name: str | None = None
    source_user: str | None = None
    source_org: str | None = None
    notes: str | None = None
    revision: str | None = None
    verified: bool = False  # a verifyToken is present (we cannot check its signature offline)
    verify_token: str | None = None
    file: str = ""
    line: int = 0
    commit: str | None = None
    commit_time: int | None = None  # committer time, unix seconds
    community: bool = False  # came from an open pull-request ref, not the default branch
    ref: str | None = None
    extra: dict[str, Any] | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity of a leaderboard row: (model, benchmark, task, setup)."""
        return (self.model, self.benchmark, self.task, self.setup)


def setup_key(notes: Any, revision: Any = None) -> str:
    """Normalise notes (+ dataset revision) so 'With tools' and 'with  tools' are one setup."""
    parts = []
    if isinstance(notes, str) and notes.strip():
        parts.append(" ".join(notes.lower().split()))
    if isinstance(revision, str) and revision.strip():
        parts.append("@" + revision.strip())
    return " ".join(parts)
