"""verifyToken and value must change together: a token signs one value."""

from __future__ import annotations

from collections.abc import Iterator

from evalledger.audit.context import EventContext, fmt, label
from evalledger.audit.timeline import EDITED, RESTORED
from evalledger.finding import ERROR, Finding
from evalledger.rule import Rule

VERIFY_TOKEN_REMOVED = Rule(
    "verify-token-removed",
    ERROR,
    "a verifyToken was removed in the commit that changed the value",
    """\
**What**: the entry had a `verifyToken` and the commit that changed its `value` removed it.

**Why**: the token is the only proof a score was produced by an auditable run. Dropping it while
changing the number replaces a verified score with an unverified one under the same row; a
reader of the diff sees a small edit, the leaderboard loses its verified badge silently.

**Example** (flagged): `value: 22.1` + `verifyToken: eyJ...` -> `value: 31.4`, no token.
**Fixed**: keep the verified entry and add the new run as a separate entry (other `notes`), or
get a new token for the new run.""",
    "audit",
)

VERIFY_TOKEN_STALE = Rule(
    "verify-token-stale",
    ERROR,
    "a value changed while its verifyToken stayed the same",
    """\
**What**: an entry's `value` changed but its `verifyToken` is the same string as before.

**Why**: a token signs the result of one run; reusing it for another number makes an unverified
score look verified.

**Example** (flagged): `value: 22.1` -> `value: 31.4`, `verifyToken` unchanged.
**Fixed**: remove the token (the entry becomes self-reported) or attach the new run's token.""",
    "audit",
)

RULES = (VERIFY_TOKEN_REMOVED, VERIFY_TOKEN_STALE)


def check(ctx: EventContext) -> Iterator[Finding]:
    event = ctx.event
    if event.kind not in (EDITED, RESTORED) or event.old is None or event.new is None:
        return
    if event.old.value == event.new.value or not event.old.verify_token:
        return
    change = f"{fmt(event.old.value)} → {fmt(event.new.value)}"
    if not event.new.verify_token:
        yield ctx.finding(VERIFY_TOKEN_REMOVED, f"{label(event.new)} {change}: verifyToken removed in the same commit")
    elif event.new.verify_token == event.old.verify_token:
        yield ctx.finding(
            VERIFY_TOKEN_STALE, f"{label(event.new)} {change}: verifyToken unchanged, so it signs another value"
        )
