"""Scores that disappear: an entry removed, a results file deleted or made unreadable, and back."""

from __future__ import annotations

from collections.abc import Iterator

from evalledger.audit.context import EventContext, fmt, label
from evalledger.audit.timeline import DELETED, FILE_DELETED, FILE_INVALID, RESTORED
from evalledger.finding import INFO, WARNING, Finding
from evalledger.rule import Rule

ENTRY_DELETED = Rule(
    "entry-deleted",
    WARNING,
    "a result entry was removed from a results file",
    """\
**What**: an entry (benchmark, task, setup) disappeared from the repo's results. Info instead of
warning when the same key still exists in another file (a duplicate was dropped).

**Why**: retracting a weak score after seeing it is selective disclosure: the leaderboard then
shows only the runs that went well. Deleting is allowed, but reviewers should see it.

**Example** (flagged): the `cais/hle` entry with `value: 4.2` is removed from `hle.yaml`.
Moving the entry to another file in the same commit is not a deletion.""",
    "audit",
)

RESULTS_FILE_DELETED = Rule(
    "results-file-deleted",
    WARNING,
    "a results file was deleted with the entries it held",
    """\
**What**: a file under `.eval_results/` (or the `model-index` of README.md) was deleted and its
entries did not reappear elsewhere in the same commit. One finding per entry lost.

**Why**: the same as `entry-deleted`, for a whole benchmark at once (silent deprecation).

**Example** (flagged): `git rm .eval_results/gpqa.yaml`.""",
    "audit",
)

RESULTS_FILE_INVALID = Rule(
    "results-file-invalid",
    WARNING,
    "a results file stopped being readable, so its entries vanished",
    """\
**What**: a commit left a results file that is not valid YAML or not a list of result entries
(for example a legacy `model-index` mapping pasted into `.eval_results/`). The Hub cannot read
it, so every entry it held disappears from leaderboards.

**Why**: a broken file retracts scores as surely as a deletion, and may smuggle in another value
(the audit compares what the stray `model-index` says with the entries it replaced).

**Example** (flagged): `- dataset: {id: openai/gsm8k, ...}` replaced by `model-index: [...]`.""",
    "audit",
)

ENTRY_RESTORED = Rule(
    "entry-restored",
    INFO,
    "a deleted entry came back with the value it had",
    """\
**What**: an entry that an earlier commit deleted (or made unreadable) reappeared with the same
value. A different value is judged like an edit (`value-raised`, `value-changed-without-evidence`…).

**Why**: a revert is usually a fix; it is listed so the earlier deletion reads as resolved.""",
    "audit",
)

RULES = (ENTRY_DELETED, RESULTS_FILE_DELETED, RESULTS_FILE_INVALID, ENTRY_RESTORED)


def check(ctx: EventContext) -> Iterator[Finding]:
    event = ctx.event
    if (
        event.kind == RESTORED
        and event.old is not None
        and event.new is not None
        and event.old.value == event.new.value
    ):
        yield ctx.finding(ENTRY_RESTORED, f"{label(event.new)} restored with its earlier value {fmt(event.new.value)}")
        return
    if event.kind != DELETED or event.old is None:
        return
    entry = event.old
    severity = INFO if event.duplicate else None
    still = " (the same key remains in another file)" if event.duplicate else ""
    if event.reason == FILE_DELETED:
        yield ctx.finding(
            RESULTS_FILE_DELETED,
            f"{label(entry)} ({fmt(entry.value)}) deleted with {entry.path}{still}",
            severity=severity,
        )
    elif event.reason == FILE_INVALID:
        yield ctx.finding(
            RESULTS_FILE_INVALID,
            f"{label(entry)} ({fmt(entry.value)}) can no longer be "
            f"read: {entry.path} is not a valid results file{still}",
            severity=severity,
        )
    else:
        yield ctx.finding(ENTRY_DELETED, f"{label(entry)} ({fmt(entry.value)}) removed{still}", severity=severity)
