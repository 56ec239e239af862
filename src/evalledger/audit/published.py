"""Read a published leaderboard (CSV or JSONL) for what the audit checks against it: the commit
each row was read from, and the values (copied-value check)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from evalledger.audit.rules.published import PublishedRow
from evalledger.escape import csv_text, number_cell
from evalledger.leaderboard.write import MAX_TABLE_BYTES
from evalledger.yamlsource import Limits, YamlLoadError, finite_number, read_file

ALIASES = {
    "model": ("model", "model_id", "modelId", "repo", "repo_id"),
    "benchmark": ("benchmark", "dataset_id", "dataset", "benchmark_id"),
    "task": ("task", "task_id"),
    "setup": ("setup", "notes"),
    "value": ("value", "score"),
    "commit": ("commit", "commit_sha", "source_commit", "revision_sha"),
}


class LeaderboardError(Exception):
    pass


def read_leaderboard(path: str | Path) -> list[PublishedRow]:
    """Rows with a commit; raises LeaderboardError for a file that is not a leaderboard, or one
    that cannot be read (by the one reader: a FIFO, socket or device is refused, never waited on)."""
    path = Path(path)
    try:
        text = read_file(path, Limits(max_bytes=MAX_TABLE_BYTES), what="a leaderboard").decode("utf-8")
    except YamlLoadError as exc:  # over the size limit, refused before reading
        raise LeaderboardError(f"{path}: cannot read leaderboard ({exc.message})") from None
    except OSError as exc:
        raise LeaderboardError(f"{path}: cannot read leaderboard ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise LeaderboardError(f"{path}: cannot read leaderboard ({exc})") from None
    shown = str(path)
    raw_rows: list[tuple[int, dict[str, Any]]] = []
    if path.suffix in (".jsonl", ".ndjson"):
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LeaderboardError(f"{shown}:{number}:{exc.colno}: not JSON ({exc.msg})") from None
            if not isinstance(item, dict):
                raise LeaderboardError(f"{shown}:{number}:1: a leaderboard row must be a JSON object")
            raw_rows.append((number, item))
    else:
        reader = csv.DictReader(io.StringIO(text))
        for item in reader:  # text cells as aggregate wrote them: a formula-like cell has a leading '
            raw_rows.append((reader.line_num, {k: csv_text(v) if isinstance(v, str) else v for k, v in item.items()}))
    rows = []
    columns_seen = False
    for number, item in raw_rows:
        fields = {
            name: next((item[a] for a in aliases if item.get(a) not in (None, "")), None)
            for name, aliases in ALIASES.items()
        }
        if fields["commit"] is None:
            continue
        columns_seen = True
        fields["value"] = _number(fields["value"])
        rows.append(PublishedRow(str(fields["commit"]).strip(), shown, number, fields))
    if raw_rows and not columns_seen:
        raise LeaderboardError(
            f"{shown}: no row has a `commit` column (expected one of {', '.join(ALIASES['commit'])})"
        )
    return rows


def _number(value: Any) -> int | float | None:
    """A row's value as a number the copied-value check may compare, else None (no value): a JSON
    number or a CSV/JSON text written as a plain decimal, and finite. ``inf``, ``nan``, ``1e999``,
    ``1_0``, a JSON ``true`` or an integer beyond float range is not one."""
    if isinstance(value, str):
        return number_cell(value)
    return finite_number(value)
