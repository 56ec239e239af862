"""Score edits: a value that changed, how far, in which direction, with what evidence, by whom."""

from __future__ import annotations

from collections.abc import Iterator

from evalledger.audit.context import EventContext, fmt, label
from evalledger.audit.timeline import EDITED, RESTORED
from evalledger.finding import ERROR, INFO, WARNING, Finding
from evalledger.rule import Rule

VALUE_CHANGED = Rule(
    "value-changed",
    INFO,
    "a score changed together with its source, notes or dataset revision",
    """\
**What**: an entry's `value` changed in the same commit as its `source`, `notes` or
`dataset.revision` (or it got a new `verifyToken`).

**Why**: this is the normal way a score moves (a new run, an official evaluation replacing a
model-card number). It is listed so reviewers see every score that moved, not to block it.

**Example**: `value: 80.2` with `source.name: Model Card` becomes `value: 75.80` with
`source.name: SWE-Bench official evaluation`.""",
    "audit",
)

VALUE_CHANGED_WITHOUT_EVIDENCE = Rule(
    "value-changed-without-evidence",
    WARNING,
    "a score changed while its source, notes and dataset revision stayed the same",
    """\
**What**: an entry's `value` changed but `source.url`, `source.name`, `notes` and
`dataset.revision` are all unchanged and no new `verifyToken` was added.

**Why**: a re-scored number needs new evidence. Without it, a reader cannot tell a corrected
typo from a better run picked after the fact (best-of-N) or a number simply made up; the
leaderboard would show the new number under the old source's name.

**Example** (flagged): `value: 0.41` -> `value: 0.47`, `source.url` unchanged.
**Fixed**: point `source.url` at the new run's logs, or say in `notes` what changed.""",
    "audit",
)

VALUE_RAISED = Rule(
    "value-raised",
    WARNING,
    "a score improved by more than the benchmark's threshold",
    """\
**What**: an entry's `value` improved (went up, or down for a lower-is-better task) by more than
the threshold for its unit: 2 points for percent and points, 0.02 for fractions by default;
set `audit.raise-threshold` in the benchmark's `.evalledger.yaml`. Error when the source,
notes and revision did not change either.

**Why**: a large jump in a reported score is the leaderboard-moving edit; with no new evidence it
is the pattern of a gamed or mistyped result.

**Example** (error): `value: 54.8` -> `value: 62.0` with the same `source.url`.
**Fixed**: the raise comes with the new run's `source.url` (still a warning for a reviewer to
look at) or is reverted.""",
    "audit",
)

SCALE_FLIP = Rule(
    "scale-flip",
    WARNING,
    "a score changed between a fraction and a percent (x100 or /100)",
    """\
**What**: the new value is the old one multiplied or divided by 100 (within 1 %).

**Why**: the format has no unit field, so 0.2767 and 27.67 sort as wildly different scores on a
leaderboard; a flip silently moves a model to the top or the bottom.

**Example** (flagged): `value: 0.2767` -> `value: 27.67`.
**Fixed**: keep the scale the benchmark uses (its `.evalledger.yaml` `unit`).""",
    "audit",
)

VALUE_EDITED_BY_OTHER_AUTHOR = Rule(
    "value-edited-by-other-author",
    INFO,
    "a score was changed by someone other than the author who wrote it",
    """\
**What**: the commit changing a value has a different author than the commit that wrote the
previous value, and the editor is not the entry's `source.user`. For history before an audited
range, the previous value's author is found with `git blame` at the line where that value stood
at the range's base, even when the range moved or reformatted the entry before editing it.

**Why**: results are attributed to whoever reported them; a third party rewriting someone else's
number should be visible to the model's maintainers.

**Example**: alice adds `value: 71.0`; bob changes it to `value: 74.0`.""",
    "audit",
)

RULES = (VALUE_CHANGED, VALUE_CHANGED_WITHOUT_EVIDENCE, VALUE_RAISED, SCALE_FLIP, VALUE_EDITED_BY_OTHER_AUTHOR)

SCALE_TOLERANCE = 0.01


def is_scale_flip(old: float, new: float) -> bool:
    if old == 0 or new == 0 or (old < 0) != (new < 0):
        return False
    ratio = new / old
    return abs(ratio / 100 - 1) <= SCALE_TOLERANCE or abs(ratio * 100 - 1) <= SCALE_TOLERANCE


def same_person(name_a: str, email_a: str, name_b: str, email_b: str) -> bool:
    if email_a and email_b and email_a.lower() == email_b.lower():
        return True
    return bool(name_a) and name_a.strip().lower() == name_b.strip().lower()


def new_evidence(ctx: EventContext) -> bool:
    old, new = ctx.event.old, ctx.event.new
    assert old is not None and new is not None
    token = bool(new.verify_token) and new.verify_token != old.verify_token
    return old.evidence != new.evidence or token


def check(ctx: EventContext) -> Iterator[Finding]:
    event = ctx.event
    if event.kind not in (EDITED, RESTORED) or event.old is None or event.new is None:
        return
    old, new = event.old.value, event.new.value
    if old is None or new is None or old == new:
        return
    what = label(event.new)
    verb = "re-added with" if event.kind == RESTORED else "changed"
    change = f"{fmt(old)} → {fmt(new)}"
    evidence = new_evidence(ctx)
    flagged = False
    if is_scale_flip(old, new):
        flagged = True
        way = "x100" if abs(new) > abs(old) else "/100"
        yield ctx.finding(SCALE_FLIP, f"{what} {verb} {change} ({way}): a fraction/percent scale flip", delta=new - old)
    else:
        policy = ctx.task_policy
        gain = (new - old) if policy.direction == "higher" else (old - new)
        unit = ctx.unit(old)
        threshold = ctx.policy.audit.raise_threshold.get(unit, 2.0)
        if gain > threshold:
            flagged = True
            tail = "" if evidence else " with source, notes and revision unchanged"
            yield ctx.finding(
                VALUE_RAISED,
                f"{what} improved {change} ({new - old:+.4g}, over the {threshold:g} {unit} threshold){tail}",
                severity=WARNING if evidence else ERROR,
                delta=new - old,
                unit=unit,
            )
        if not evidence:
            flagged = True
            yield ctx.finding(
                VALUE_CHANGED_WITHOUT_EVIDENCE,
                f"{what} {verb} {change} ({new - old:+.4g}) while source, notes and dataset revision stayed the same",
                delta=new - old,
            )
    if not flagged:
        yield ctx.finding(
            VALUE_CHANGED, f"{what} {verb} {change} ({new - old:+.4g}) with new evidence", delta=new - old
        )
    commit = ctx.commit
    user = (event.new.source_user or "").lower()
    if user and user in (commit.author_name.lower(), commit.author_email.split("@")[0].lower()):
        return  # the editor is the user the entry credits: no need to ask git blame
    origin = ctx.origin()
    if origin is not None and not same_person(origin.name, origin.email, commit.author_name, commit.author_email):
        yield ctx.finding(
            VALUE_EDITED_BY_OTHER_AUTHOR,
            f"{what} {change} edited by {commit.author_name}; the previous value was "
            f"written by {origin.name} in {origin.commit[:10]}",
            previous_author=origin.name,
            previous_commit=origin.commit,
        )
