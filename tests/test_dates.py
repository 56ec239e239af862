"""ISO-8601 dates: one pattern for lint, the models' JSON Schema and audit, on any Python."""

from __future__ import annotations

import datetime
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from evalledger.dates import DATE_PATTERN, parse_date, parse_datetime
from evalledger.lint.api import lint_results_bytes

ENTRY = "- dataset: {{id: Idavidrein/gpqa, task_id: diamond}}\n  value: 71.0\n  date: '{}'\n"


def test_forms_the_hub_docs_use():
    assert parse_date("2026-01-15") == datetime.date(2026, 1, 15)
    assert parse_datetime("2025-01-15T10:30:00Z") == datetime.datetime(
        2025, 1, 15, 10, 30, tzinfo=datetime.timezone.utc
    )
    stamp = parse_datetime("2026-01-15T10:30:00.25+05:30")
    assert stamp.utcoffset() == datetime.timedelta(hours=5, minutes=30) and stamp.microsecond == 250000


def test_not_dates():
    for text in (
        "2026-02-30",
        "2023-02-29",
        "15/01/2026",
        " 2026-01-15",
        "2026-01-15\n",
        "2026-01-15T10.5",
        "20260115",
        "2026-1-5",
        "",
        "0000-01-01",
    ):
        assert parse_datetime(text) is None, text
    assert parse_date("2024-02-29") == datetime.date(2024, 2, 29)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime.datetime(1, 1, 1), timezones=st.just(datetime.timezone.utc)),
    st.sampled_from(["date", "seconds", "minutes", "microseconds"]),
)
def test_round_trips_what_isoformat_writes(stamp, precision):
    text = stamp.date().isoformat() if precision == "date" else stamp.isoformat(timespec=precision)
    assert re.match(DATE_PATTERN, text)
    parsed = parse_datetime(text)
    expected = (
        stamp
        if precision != "date"
        else datetime.datetime.combine(stamp.date(), datetime.time(), datetime.timezone.utc)
    )
    if precision == "seconds":
        expected = expected.replace(microsecond=0)
    if precision == "minutes":
        expected = expected.replace(second=0, microsecond=0)
    assert parsed == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789-:TZ+. ", min_size=8, max_size=30))
def test_lint_accepts_a_date_exactly_when_the_schema_pattern_does(text):
    _, findings = lint_results_bytes(
        ENTRY.format(text).encode(), ".eval_results/x.yaml", today=datetime.date(9999, 1, 1)
    )
    invalid = any(f.rule == "date-invalid" for f in findings)
    assert invalid == (re.match(DATE_PATTERN, text) is None)
