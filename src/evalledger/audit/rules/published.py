"""History rewritten after a leaderboard published a commit of it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from evalledger.finding import ERROR, Finding
from evalledger.rule import Rule

PUBLISHED_COMMIT_UNREACHABLE = Rule(
    "published-commit-unreachable",
    ERROR,
    "a commit the leaderboard recorded is no longer in the model repo's history",
    """\
**What**: a leaderboard row records the model-repo commit its score was read from; that commit no
longer exists in the repository or is no longer an ancestor of HEAD (force-push, rebase,
`super_squash_history`). Pass the leaderboard with `--leaderboard FILE` (CSV or JSONL with a
`commit` column; rows are matched to the repo by `model` when the file lists several).

**Why**: git dates are client-written and history can be rewritten; the published commit is the
only anchor that proves which file the score came from. Once it is gone, the score cannot be
traced and anything before it may have been changed silently.

**Example** (flagged): the leaderboard shows `org/model` at commit `1a2b3c4`; after
`git push --force` that commit is not reachable from `main`.""",
    "audit",
)

RULES = (PUBLISHED_COMMIT_UNREACHABLE,)


@dataclass(frozen=True)
class PublishedRow:
    commit: str
    path: str  # where the row was read (the leaderboard file)
    line: int
    fields: dict[str, Any]


def check_rows(
    rows: Iterable[PublishedRow], exists: Callable[[str], bool], reachable: Callable[[str], bool], model: str
) -> Iterator[Finding]:
    seen = set()
    for row in rows:
        if row.commit in seen:
            continue
        seen.add(row.commit)
        if not exists(row.commit):
            why = "does not exist in the repository any more"
        elif not reachable(row.commit):
            why = "is no longer an ancestor of HEAD"
        else:
            continue
        evidence = {"model": row.fields.get("model") or model}
        for key in ("benchmark", "task", "setup"):
            if row.fields.get(key) is not None:
                evidence[key] = row.fields[key]
        yield Finding(
            row.path,
            row.line,
            1,
            PUBLISHED_COMMIT_UNREACHABLE.id,
            PUBLISHED_COMMIT_UNREACHABLE.severity,
            f"published commit {row.commit[:10]} of {evidence['model']} {why}: history was "
            "rewritten after the leaderboard read it",
            commit=row.commit,
            old=row.fields.get("value"),
            evidence=evidence,
        )
