"""Rules on an entry's ``date`` (when the evaluation was run)."""

from __future__ import annotations

import datetime

from evalledger.dates import parse_date
from evalledger.finding import ERROR, WARNING
from evalledger.lint.context import Context, describe
from evalledger.lint.places import DATE, Check
from evalledger.rule import Rule
from evalledger.yamlsource import Node

DATE_UNQUOTED = Rule(
    "date-unquoted",
    WARNING,
    "`date` is unquoted, so YAML turns it into a date object",
    """\
Flags an unquoted `date: 2026-01-15` (or datetime). YAML reads it as a date object, not the
ISO-8601 string the format specifies.

Why it matters: tools that expect a string crash or drop the field (a JSON Schema `type: string`
check fails, JSON serialisation of a date object fails), and a datetime loses its written form;
the Hub's own spec says "Format this as a string".

Bad:
```yaml
  date: 2026-01-15
```
Fixed:
```yaml
  date: '2026-01-15'
```""",
)

DATE_INVALID = Rule(
    "date-invalid",
    ERROR,
    "`date` is not an ISO-8601 date or datetime",
    """\
Flags a `date` that is not an ISO-8601 date (`2026-01-15`) or datetime
(`2026-01-15T10:30:00Z`): `15/01/2026`, `Jan 2026`, `2026-13-01`, a number.

Why it matters: leaderboards show and sort by the date; an unparseable one is dropped or sorted
wrongly, and ambiguous day/month orders make a stale result look recent.

Bad:
```yaml
  date: "15/01/2026"
```
Fixed:
```yaml
  date: "2026-01-15"
```""",
)

DATE_FUTURE = Rule(
    "date-future",
    ERROR,
    "`date` lies in the future",
    """\
Flags a `date` more than one day after today (UTC); the day of grace absorbs time zones.

Why it matters: the date says when the evaluation was run; one in the future is a typo or an
attempt to make a result look newer than any competing one (leaderboards prefer the latest
result per model).

Bad:
```yaml
  date: "2062-01-15"
```
Fixed:
```yaml
  date: "2026-01-15"
```""",
)

RULES = [DATE_UNQUOTED, DATE_INVALID, DATE_FUTURE]

GRACE = datetime.timedelta(days=1)


def parse_iso(text: str) -> datetime.date | None:
    """A date from an ISO-8601 date or datetime string (exactly as the JSON Schema pattern), or None."""
    return parse_date(text)


def check_date(ctx: Context, node: Node, today: datetime.date) -> None:
    value = node.value
    day: datetime.date | None
    if node.kind == "scalar" and isinstance(value, datetime.date):
        day = value.date() if isinstance(value, datetime.datetime) else value
        from evalledger.lint.edit import Edit, quote_date

        ctx.report(
            DATE_UNQUOTED,
            node,
            f"`date` is unquoted, so YAML reads a date object, not a string; quote it: '{node_text(value)}'",
            fix=Edit(node.line, node.column, quote_date(value, parse_iso), "quote the date"),
        )
    elif node.kind == "scalar" and isinstance(value, str):
        day = parse_iso(value)
        if day is None:
            ctx.report(
                DATE_INVALID,
                node,
                f"`date` {value!r} is not an ISO-8601 date or datetime (e.g. '2026-01-15' or '2026-01-15T10:30:00Z')",
            )
            return
    elif node.kind == "scalar" and value is None:
        return  # an empty date means "not given"; huggingface_hub treats it the same
    else:
        ctx.report(DATE_INVALID, node, f"`date` must be an ISO-8601 date string, got {describe(node)}")
        return
    if day > today + GRACE:
        ctx.report(
            DATE_FUTURE,
            node,
            f"`date` {day.isoformat()} is in the future (today is"
            f" {today.isoformat()}); it must say when the evaluation was run",
        )


def node_text(value: datetime.date) -> str:
    if isinstance(value, datetime.datetime):
        text = value.isoformat()
        return text.replace("+00:00", "Z")
    return value.isoformat()


CHECKS = (Check(DATE, (DATE_UNQUOTED, DATE_INVALID, DATE_FUTURE), check_date),)
