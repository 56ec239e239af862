"""Self-declared dates: they cannot move back on an edit nor lie ahead of the commit."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from evalledger.audit.context import EventContext, label, parse_date
from evalledger.audit.timeline import ADDED, EDITED, RESTORED
from evalledger.finding import WARNING, Finding
from evalledger.rule import Rule

DATE_MOVED_BACK = Rule(
    "date-moved-back",
    WARNING,
    "an entry's date was moved to an earlier day",
    """\
**What**: an edit changed `date` to a day earlier than the one it replaced (by more than
`audit.future-date-grace-days`, default 1 day).

**Why**: `date` says when the evaluation ran. Backdating a new number makes it look like it was
there first (before a competitor's release, before a benchmark revision) and hides that it was
re-scored later.

**Example** (flagged): `date: '2026-03-19'` -> `date: '2025-12-01'` in a commit of 2026-04.
**Fixed**: keep the real run date; add a new entry for a new run.""",
    "audit",
)

DATE_IN_FUTURE = Rule(
    "date-in-future",
    WARNING,
    "an entry's date is later than the commit that wrote it",
    """\
**What**: a `date` written by a commit is after that commit's time (beyond the grace days).

**Why**: an evaluation cannot have run after it was committed; a future date is a typo or an
attempt to look newer than the competition (sorting by date).

**Example** (flagged): `date: '2027-01-01'` in a commit of 2026-03-20.""",
    "audit",
)

RULES = (DATE_MOVED_BACK, DATE_IN_FUTURE)


def check(ctx: EventContext) -> Iterator[Finding]:
    event = ctx.event
    new = event.new
    if event.kind not in (ADDED, EDITED, RESTORED) or new is None:
        return
    grace = datetime.timedelta(days=ctx.policy.audit.future_date_grace_days)
    old = event.old
    new_date = parse_date(new.date)
    old_date = parse_date(old.date) if old is not None else None
    if new_date is None:
        return
    if old is not None and old_date is not None and new_date < old_date - grace:
        yield ctx.finding(
            DATE_MOVED_BACK,
            f"{label(new)} date moved back {old.date} → {new.date}",
            old_date=old.date,
            new_date=new.date,
        )
    if old is None or new.date != old.date:
        committed = datetime.datetime.fromtimestamp(ctx.commit.time, datetime.timezone.utc)
        if new_date > committed + grace:
            yield ctx.finding(
                DATE_IN_FUTURE,
                f"{label(new)} date {new.date} is after the commit ({committed.date().isoformat()})",
                new_date=new.date,
            )
