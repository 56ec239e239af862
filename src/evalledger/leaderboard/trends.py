"""What the leaderboard's pictures show, computed once from the committed tables.

The site (``site.py``) and the card's charts (``charts.py``) draw the same two things per board
(benchmark, task, setup), and both come from here so they cannot disagree:

* **top N**: the first ``n`` rows of ``leaderboard.csv`` for the board, in its order (rank, then
  model), ties sharing a rank as in the table;
* **state of the art over time**: walking the board's *eligible* candidates (``candidates.csv``,
  ``eligible=true``) in commit-time order, each candidate that beats the best value so far (in
  the task's direction; an equal value is no new record) is a point ``(commit_time, value,
  model)``. Candidates without a commit time are left out (they cannot be placed on the axis);
  candidates of one commit time are taken in table order, so the same tables give the same
  points. Commit time is the model repo's commit the value was read at, not the self-declared
  ``date`` (trivially editable, shown but never used).

Rows are the text cells ``write.read_table`` returns; a value cell is read by ``escape.number_cell``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from evalledger.escape import number_cell

Board = tuple[str, str, str]  # (benchmark, task, setup)


@dataclass(frozen=True)
class Record:
    """One point of the state of the art: ``model`` set ``value`` at ``when`` (ISO UTC)."""

    when: str
    seconds: int
    value: float
    model: str


def board_of(row: dict[str, str]) -> Board:
    return (row.get("benchmark") or "", row.get("task") or "", row.get("setup") or "")


_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z")


def seconds(text: str | None) -> int | None:
    """``commit_time`` (``%Y-%m-%dT%H:%M:%SZ``, as the tables write it) as Unix seconds, None when
    empty or unreadable. (``strptime`` would be most of the site's generation time.)"""
    match = _ISO.fullmatch(text or "")
    if not match:
        return None
    parts = tuple(int(x) for x in match.groups())
    if not (1 <= parts[1] <= 12 and 1 <= parts[2] <= 31 and parts[3] < 24 and parts[4] < 60 and parts[5] < 61):
        return None
    return calendar.timegm(parts + (0, 0, 0))


def better(value: float, best: float, direction: str) -> bool:
    return value < best if direction == "lower" else value > best


def state_of_the_art(candidates: Iterable[dict[str, str]], direction: str) -> list[Record]:
    """Record-setting points of one board's candidates (see the module doc)."""
    timed = []
    for position, row in enumerate(candidates):
        if row.get("eligible") != "true":
            continue
        value, when = number_cell(row.get("value")), seconds(row.get("commit_time"))
        if value is None or when is None:
            continue
        timed.append((when, position, value, row))
    timed.sort(key=lambda item: (item[0], item[1]))
    out: list[Record] = []
    for when, _, value, row in timed:
        if not out or better(value, out[-1].value, direction):
            out.append(Record(row.get("commit_time") or "", when, value, row.get("model") or ""))
    return out


def top(rows: Sequence[dict[str, str]], n: int) -> list[dict[str, str]]:
    """The first ``n`` rows of one board with a readable value, in the table's order."""
    return [row for row in rows if number_cell(row.get("value")) is not None][: max(n, 0)]


def boards(rows: Iterable[dict[str, str]]) -> dict[Board, list[dict[str, str]]]:
    """Rows grouped by board, boards sorted, rows kept in table order."""
    grouped: dict[Board, list[dict[str, str]]] = {}
    for row in rows:
        grouped.setdefault(board_of(row), []).append(row)
    return dict(sorted(grouped.items()))
