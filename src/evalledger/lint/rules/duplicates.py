"""Duplicate entries: two results for one (benchmark, task, setup) in one model repo."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from evalledger.finding import ERROR, Finding
from evalledger.formats.results import ResultEntry
from evalledger.formats.spec import Spec
from evalledger.lint.context import Context
from evalledger.lint.places import REPO_FILES, Check
from evalledger.rule import Rule

DUPLICATE_ENTRY = Rule(
    "duplicate-entry",
    ERROR,
    "two entries for one (benchmark, task, notes) in a repo",
    """\
Flags an entry with the same `dataset.id`, `dataset.task_id` and `notes` (case and spacing
ignored; a different `dataset.revision` makes a different setup) as an earlier entry in the same
model repo, within one file or across the files being linted.

Why it matters: a leaderboard shows one row per model and setup; with two, which score appears is
an accident of ordering, and the lower one can be kept around while the higher is displayed.
Different setups should say how they differ in `notes` ("with tools", "no-tools").

Bad (`.eval_results/hle.yaml` and `.eval_results/hle_with_tools.yaml`):
```yaml
- dataset: {id: cais/hle, task_id: hle}
  value: 12.5
```
```yaml
- dataset: {id: cais/hle, task_id: hle}
  value: 19.1
```
Fixed: the second file says `notes: "with tools"`.""",
)

RULES = [DUPLICATE_ENTRY]


def check_duplicates(files: Sequence[tuple[str, str, Sequence[ResultEntry]]]) -> Iterable[Finding]:
    """``files``: (path, repo, entries). Entries of different repos never collide."""
    seen: dict[tuple[str, tuple[str | None, str | None, str]], tuple[str, int]] = {}
    for path, repo, entries in files:
        for entry in entries:
            if entry.dataset_id is None or entry.task_id is None:
                continue
            key = (repo, entry.key)
            first = seen.get(key)
            if first is None:
                seen[key] = (path, entry.line)
                continue
            where = f"line {first[1]}" if first[0] == path else f"{first[0]}:{first[1]}"
            notes = f" and notes {entry.notes!r}" if entry.notes else " (no notes)"
            yield Finding(
                path,
                entry.line,
                entry.column,
                DUPLICATE_ENTRY.id,
                DUPLICATE_ENTRY.severity,
                f"second result for {entry.dataset_id} task {entry.task_id!r}{notes}"
                f" (first at {where}); say what differs in `notes`, or remove one",
            )


def check_repo_duplicates(
    ctx: Context, files: Sequence[tuple[str, str, Sequence[ResultEntry]]], specs: Sequence[Spec]
) -> None:
    """Entries of one repo that repeat an earlier one (the specs play no part)."""
    ctx.findings.extend(check_duplicates(files))


CHECKS = (Check(REPO_FILES, (DUPLICATE_ENTRY,), check_repo_duplicates),)
