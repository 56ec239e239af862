"""ISO-8601 dates as the Hub docs write them, read the same way by lint, the models and audit.

One regular expression decides what is a date (a real calendar day, leap years included, with an
optional time and zone); it is also the JSON Schema ``pattern``, so editors and lint agree. Parsing
does not use ``datetime.fromisoformat``, whose accepted forms differ between Python 3.10 and 3.11.
"""

from __future__ import annotations

import datetime
import re

END = r"(?![\s\S])"  # end of text in ECMA-262, Python re and pydantic's python-re engine alike
_DAY = (
    r"(?!0000)(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    r"|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"
)
_HOUR = r"(?:[01][0-9]|2[0-3])"
_TIME = (
    r"[Tt ]" + _HOUR + r"(?::?[0-5][0-9](?::?[0-5][0-9](?:[.,][0-9]+)?)?)?"
    r"(?:[Zz]|[+-]" + _HOUR + r"(?::?[0-5][0-9])?)?"
)
DATE_PATTERN = "^" + _DAY + "(?:" + _TIME + ")?" + END

_VALID = re.compile(DATE_PATTERN)
_FIELDS = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2})(?::?([0-9]{2})(?::?([0-9]{2})"
    r"(?:[.,]([0-9]+))?)?)?(?:([Zz])|([+-])([0-9]{2})(?::?([0-9]{2}))?)?)?"
)


def parse_datetime(text: object) -> datetime.datetime | None:
    """An aware datetime (a bare date is midnight UTC, no zone means UTC), or None if not a date
    (or not a string: YAML may have read anything there)."""
    fields = _FIELDS.match(text) if isinstance(text, str) and _VALID.match(text) else None
    if fields is None:
        return None
    year, month, day, hour, minute, second, fraction, _zulu, sign, zone_hours, zone_minutes = fields.groups()
    zone = datetime.timezone.utc
    if sign:
        offset = datetime.timedelta(hours=int(zone_hours), minutes=int(zone_minutes or 0))
        zone = datetime.timezone(-offset if sign == "-" else offset)
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    return datetime.datetime(
        int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro, tzinfo=zone
    )


def parse_date(text: object) -> datetime.date | None:
    """The calendar day an ISO-8601 date or datetime string names (as written), or None."""
    stamp = parse_datetime(text)
    return stamp.date() if stamp is not None else None
