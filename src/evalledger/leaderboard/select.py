"""Selection: one leaderboard row per (model, benchmark, task, setup), by a stated policy.

For every key, candidates are ordered by, in turn (AUDIT.md §1.13):

1. **eligible** -- an entry with a lint error never wins (``ineligible:<rule>``);
2. **verified** -- an entry with a ``verifyToken`` beats one without;
3. **merged** -- the model repo's own branch beats an open pull request (community);
4. **newest** -- the later commit time of the commit the entry was read at (the self-declared
   ``date`` is display only: anyone can type any date);
5. **tie-break** -- the smaller commit sha, then model repo URL and ref, then file and position of
   the entry, so the order is total and no input order can change the result.

The highest value is never a criterion: picking the best of N runs is the bias leaderboards are
criticised for. A newer, lower score replaces an older, higher one.

Rows of the same key whose eligible values differ are a **conflict**; every candidate, selected or
not, and the conflict mark stay in the candidates table.

A **stale** candidate (carried over from the previous tables because its model repo could not be
fetched this run, see ``carry.py``) competes exactly as it did when it was last read: an outage
must not change who wins, only say that the row could not be re-checked.

Memory: a million candidates are held column-wise (``array``/``bytearray`` for numbers and flags,
interned strings for the repeated text columns), not as a million objects; the only per-key
structure is one dict from key to group number. See ``benchmarks/aggregate_select.py``.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from evalledger.policy import BenchmarkPolicy
from evalledger.records import ScoreRecord

CRITERIA = ("eligible", "verified", "merged", "newest", "tie-break-commit", "tie-break-source", "tie-break-entry")


class CandidateTable:
    """Candidates, column-wise. ``add_record`` appends one ScoreRecord."""

    def __init__(self) -> None:
        self.model: list[str] = []
        self.benchmark: list[str] = []
        self.task: list[str] = []
        self.setup: list[str] = []
        self.commit: list[str] = []
        self.repo: list[str] = []
        self.ref: list[str] = []
        self.file: list[str] = []
        self.date: list[str | None] = []
        self.source_url: list[str | None] = []
        self.source_name: list[str | None] = []
        self.ineligible: list[str] = []  # "" when eligible
        self.value_raw: list[str | None] = []
        self.value = array("d")
        self.commit_time = array("q")
        self.line = array("i")
        self.entry = array("i")
        self.verified = bytearray()
        self.community = bytearray()
        self.stale = bytearray()

    def __len__(self) -> int:
        return len(self.value)

    def add(
        self,
        *,
        model: str,
        benchmark: str,
        task: str,
        setup: str,
        value: float,
        commit: str,
        commit_time: int,
        repo: str,
        ref: str,
        file: str,
        line: int,
        entry: int,
        verified: bool = False,
        community: bool = False,
        date: str | None = None,
        source_url: str | None = None,
        source_name: str | None = None,
        ineligible: str | None = None,
        stale: bool = False,
        value_raw: str | None = None,
    ) -> None:
        intern = sys.intern
        self.model.append(intern(model))
        self.benchmark.append(intern(benchmark))
        self.task.append(intern(task))
        self.setup.append(intern(setup))
        self.commit.append(intern(commit))
        self.repo.append(intern(repo))
        self.ref.append(intern(ref))
        self.file.append(intern(file))
        self.date.append(date)
        self.source_url.append(source_url)
        self.source_name.append(source_name)
        self.ineligible.append(ineligible or "")
        self.value_raw.append(value_raw)  # the entry's value as written, when it is not a number
        self.value.append(value)
        self.commit_time.append(commit_time)
        self.line.append(line)
        self.entry.append(entry)
        self.verified.append(1 if verified else 0)
        self.community.append(1 if community else 0)
        self.stale.append(1 if stale else 0)

    def add_record(self, record: ScoreRecord) -> None:
        extra = record.extra or {}
        self.add(
            model=record.model,
            benchmark=record.benchmark,
            task=record.task,
            setup=record.setup,
            value=record.value,
            commit=record.commit or "",
            commit_time=record.commit_time or 0,
            repo=str(extra.get("repo", "")),
            ref=record.ref or "",
            file=record.file,
            line=record.line,
            entry=int(extra.get("entry", 0)),
            verified=record.verified,
            community=record.community,
            date=record.date,
            source_url=record.source_url,
            source_name=record.source_name,
            ineligible=extra.get("ineligible"),
            value_raw=extra.get("value_raw"),
        )

    def extend(self, records: Iterable[ScoreRecord]) -> None:
        for record in records:
            self.add_record(record)


@dataclass
class Selection:
    """The reduce's result, aligned with the table's rows (per row) and groups (per key)."""

    table: CandidateTable
    group: array[int]  # row -> key group
    winner: array[int]  # group -> row
    count: array[int]  # group -> number of candidates
    conflict: bytearray  # group -> eligible candidates disagree on the value
    reason: list[str]  # row -> selection reason
    rank: dict[int, int]  # winning row -> rank within (benchmark, task, setup); eligible winners only

    @property
    def rows(self) -> list[int]:
        """Winning rows that reach the leaderboard."""
        return sorted(self.rank)

    @property
    def conflicts(self) -> int:
        return sum(self.conflict)


def _compare(t: CandidateTable, a: int, b: int) -> tuple[int, int]:
    """(sign, criterion index): sign > 0 when row ``a`` is preferred to row ``b``."""
    ea, eb = not t.ineligible[a], not t.ineligible[b]
    if ea != eb:
        return (1 if ea else -1), 0
    if t.verified[a] != t.verified[b]:
        return (1 if t.verified[a] else -1), 1
    if t.community[a] != t.community[b]:
        return (1 if not t.community[a] else -1), 2
    if t.commit_time[a] != t.commit_time[b]:
        return (1 if t.commit_time[a] > t.commit_time[b] else -1), 3
    if t.commit[a] != t.commit[b]:
        return (1 if t.commit[a] < t.commit[b] else -1), 4
    sa, sb = (t.repo[a], t.ref[a]), (t.repo[b], t.ref[b])
    if sa != sb:
        return (1 if sa < sb else -1), 5
    ka, kb = (t.file[a], t.entry[a], t.line[a]), (t.file[b], t.entry[b], t.line[b])
    if ka != kb:
        return (1 if ka < kb else -1), 6
    return 0, 6


def select(table: CandidateTable, policy: BenchmarkPolicy | None = None) -> Selection:
    policy = policy or BenchmarkPolicy()
    n = len(table)
    groups: dict[tuple[str, str, str, str], int] = {}
    group = array("i", bytes(4 * n))
    winner = array("i")
    count = array("i")
    first_value = array("d")
    conflict = bytearray()
    model, benchmark, task, setup = table.model, table.benchmark, table.task, table.setup
    ineligible, value = table.ineligible, table.value
    for row in range(n):
        key = (model[row], benchmark[row], task[row], setup[row])
        g = groups.get(key)
        if g is None:
            g = groups[key] = len(winner)
            winner.append(row)
            count.append(1)
            first_value.append(value[row] if not ineligible[row] else math.nan)
            conflict.append(0)
        else:
            count[g] += 1
            if _compare(table, row, winner[g])[0] > 0:
                winner[g] = row
            if not ineligible[row]:
                seen = first_value[g]
                if math.isnan(seen):
                    first_value[g] = value[row]
                elif seen != value[row]:
                    conflict[g] = 1
        group[row] = g
    del groups, first_value
    reason = _reasons(table, group, winner, count)
    rank = _ranks(table, winner, policy)
    return Selection(table, group, winner, count, conflict, reason, rank)


def _reasons(table: CandidateTable, group: array[int], winner: array[int], count: array[int]) -> list[str]:
    """Losers: the criterion they lost on; winners: the closest call among their losers."""
    reason = [""] * len(table)
    decided = array("b", [-1]) * len(winner)
    for row in range(len(table)):
        g = group[row]
        best = winner[g]
        if row == best:
            continue
        if table.ineligible[row]:
            reason[row] = sys.intern("ineligible:" + table.ineligible[row])
            criterion = 0
        else:
            criterion = _compare(table, best, row)[1]
            reason[row] = "lost:" + CRITERIA[criterion]
        decided[g] = max(decided[g], criterion)
    for g, best in enumerate(winner):
        if table.ineligible[best]:
            reason[best] = "ineligible:" + table.ineligible[best]
        elif count[g] == 1:
            reason[best] = "only-candidate"
        else:
            reason[best] = CRITERIA[decided[g]]
    return reason


def _ranks(table: CandidateTable, winner: array[int], policy: BenchmarkPolicy) -> dict[int, int]:
    """Competition rank ("1, 2, 2, 4") per (benchmark, task, setup), in the task's direction."""
    boards: dict[tuple[str, str, str], list[int]] = {}
    for row in winner:
        if not table.ineligible[row]:
            boards.setdefault((table.benchmark[row], table.task[row], table.setup[row]), []).append(row)
    rank: dict[int, int] = {}
    for (_bench, task, _setup), rows in boards.items():
        lower = policy.for_task(task).direction == "lower"
        rows.sort(key=lambda r: (table.value[r] if lower else -table.value[r], table.model[r]))
        previous, current = None, 0
        for position, row in enumerate(rows, start=1):
            if table.value[row] != previous:
                current, previous = position, table.value[row]
            rank[row] = current
    return rank
