"""Stale rows: what a model repo contributed last time, kept while it cannot be fetched.

A model repo that cannot be fetched (host down, repo moved or made private, ref deleted) used to
drop out of the board, so one outage committed the removal of a model's scores and the next run
re-added them: churn, and a history that says the scores were withdrawn when they were not. Now
its candidates are read back from the previous candidates table in the output dir -- what is
committed in the benchmark repo, the only memory a scheduled run has -- and enter the selection
again, unchanged, with ``stale`` set.

Which rows belong to a source: ``model_repo`` is the registry URL and ``model`` the model id (both
written as given), and ``ref`` the registry ref (``HEAD`` by default); open pull-request rows
(``community``) only while ``--include-pull-requests`` is on, as a fresh read would. A source
removed from the registry, or whose model id changed, carries nothing: only sources listed now and
unreachable now are carried, so stale rows last until the repo can be fetched again or is removed.
There is no expiry by age: it would make the output depend on the clock, not on the inputs.
With ``--audit``, the repo's rows of the previous flags table and its marks are kept the same way.

The candidates table has every column a candidate needs except the entry's position in its file;
the line stands in for it (entries of one file are in line order), so a carried row sorts and wins
exactly as it did when it was read.
"""

from __future__ import annotations

import calendar
import math
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from evalledger.escape import number_cell, whole_cell
from evalledger.leaderboard.sources import ModelSource
from evalledger.leaderboard.write import read_table

INELIGIBLE = "ineligible:"


class Previous:
    """The previous candidates table, indexed by (model_repo, model)."""

    def __init__(self, rows: Iterable[dict[str, str]] | None) -> None:
        self.by_source: dict[tuple[str, str], list[dict[str, str]]] = {}
        for row in rows or ():
            self.by_source.setdefault((row.get("model_repo") or "", row.get("model") or ""), []).append(row)

    def rows_for(self, source: ModelSource, include_pull_requests: bool) -> list[dict[str, Any]]:
        """Keyword arguments for ``CandidateTable.add`` (``stale=True``) of ``source``'s last rows."""
        merged_ref = source.ref or "HEAD"
        out = []
        for row in self.by_source.get((source.url, source.model), ()):
            community = row.get("community") == "true"
            if community and not include_pull_requests:
                continue
            if not community and row.get("ref") != merged_ref:
                continue
            candidate = _candidate(row, community)
            if candidate is not None:
                out.append(candidate)
        return out


def load_previous(root: Path, out_dir: str, ext: str) -> list[dict[str, str]] | None:
    """The candidates table on disk: this run's format first, then the other one (a format switch
    during an outage must not lose the rows)."""
    for suffix in (ext, "parquet" if ext == "csv" else "csv"):
        path = root / out_dir / f"candidates.{suffix}"
        if path.is_file():
            rows = read_table(path)
            if rows is not None:
                return rows
    return None


def _candidate(row: dict[str, str], community: bool) -> dict[str, Any] | None:
    """One table row back as a candidate; None for a row we did not write (hand-edited, broken).

    Its value is the cell's number (``escape.number_cell``), or NaN for the empty cell we write for
    an ineligible value that was not a number (its text in ``value_raw``). Any other value cell
    (``inf``, ``nan``, ``1_0``, ``١٢``, text) or an eligible row without a value is one we did not
    write: never read as a number, never ranked."""
    try:
        text = row["value"]
        value = number_cell(text)
        if value is None and (text or row.get("eligible") != "false"):
            return None
        line = whole_cell(row["line"])
        when = row.get("commit_time") or ""
        commit_time = calendar.timegm(time.strptime(when, "%Y-%m-%dT%H:%M:%SZ")) if when else 0
    except (KeyError, TypeError, ValueError):
        return None
    if line is None:
        return None
    ineligible = None
    if row.get("eligible") == "false":
        reason = row.get("selection_reason") or ""
        ineligible = reason[len(INELIGIBLE) :] if reason.startswith(INELIGIBLE) else "ineligible"
    return {
        "model": row.get("model") or "",
        "benchmark": row.get("benchmark") or "",
        "task": row.get("task") or "",
        "setup": row.get("setup") or "",
        "value": math.nan if value is None else value,
        "commit": row.get("commit") or "",
        "commit_time": commit_time,
        "repo": row.get("model_repo") or "",
        "ref": row.get("ref") or "",
        "file": row.get("file") or "",
        "line": line,
        "entry": line,
        "verified": row.get("verified") == "true",
        "community": community,
        "date": row.get("date") or None,
        "source_url": row.get("source_url") or None,
        "source_name": row.get("source_name") or None,
        "ineligible": ineligible,
        "stale": True,
        "value_raw": row.get("value_raw") or None,
    }


def previous_flags(root: Path, out_dir: str, ext: str) -> list[dict[str, str]]:
    """The flags table on disk (``--audit``), this run's format first."""
    for suffix in (ext, "parquet" if ext == "csv" else "csv"):
        path = root / out_dir / f"flags.{suffix}"
        if path.is_file():
            return read_table(path) or []
    return []


def carry_flags(
    rows: list[dict[str, str]],
    stale: Iterable[ModelSource],
    benchmark_id: str,
    flags: list[dict[str, Any]],
    flagged: dict[tuple[str, str, str, str], list[str]],
) -> None:
    """Keep the audit findings of unreachable repos too (their history cannot be read either), and
    their marks on the carried rows: an outage must not make a flagged row look clean."""
    models = {source.url: source.model for source in stale}
    for row in rows:
        model = models.get(row.get("model_repo") or "")
        if model is None:
            continue
        item: dict[str, Any] = {key: (value if value != "" else None) for key, value in row.items()}
        line = item.get("line")
        item["line"] = whole_cell(line)
        flags.append(item)
        if item.get("benchmark") == benchmark_id and item.get("task") is not None:
            key = (model, benchmark_id, str(item["task"]), item.get("setup") or "")
            marks = flagged.setdefault(key, [])
            if item.get("rule") and item["rule"] not in marks:
                marks.append(item["rule"])
                marks.sort()
