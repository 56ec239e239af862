"""The leaderboard as files in the benchmark repo: two (three with ``--audit``) tables and a card.

Why CSV by default (and not JSONL): a leaderboard changes a few rows at a time, and a CSV row is
one line with its columns in a fixed order, so ``git diff`` and a PR review show exactly the rows
that moved, in a table GitHub renders and spreadsheets open; JSONL repeats every key on every
line (about twice the bytes, and noisier diffs) and buys nothing here, since every column is a
scalar. The Hub dataset viewer reads both. Values are written canonically (``repr`` of floats,
``true``/``false``, empty for missing, UTC ISO times) so the same inputs give the same bytes; a
text cell a spreadsheet would run as a formula gets a leading ``'`` (``escape.csv_cell``, undone by
``read_table``).
Parquet (``--output-format parquet``, needs ``pyarrow``) is there for big boards and typed
columns; it is not diffable, so it is opt-in.

Files (under ``--output-dir``, default ``leaderboard/``):

* ``leaderboard.csv`` -- one row per (model, benchmark, task, setup), ranked per task;
* ``candidates.csv`` -- every entry read, selected or not, with why (losing, ineligible, conflict);
  ``selected`` is true exactly for the rows of ``leaderboard.csv``, and a value that is not a number
  is empty with its text in ``value_raw``;
* ``flags.csv`` -- with ``--audit``: history findings about the rows' model repos.

``stale`` (both tables) marks rows carried over from the previous tables because their model repo
could not be fetched this run (``carry.py``); ``read_table`` reads them back.

The card is the repo's ``README.md``: only its ``configs:`` entries named ``leaderboard*`` and the
part between the ``evalledger:leaderboard`` markers are ours; everything else is kept byte for byte.
Our part is found by the markers as whole lines, from the first begin line to the last end line, and
every text from a model repo in it is escaped (``evalledger.escape.markdown``: no ``<``, so no
``<!--``), so no model id or ``notes`` can forge a marker, and a card once grown by a forged marker
heals on the next run. It is bounded whatever the inputs: at most ``CARD_BOARDS`` (task, setup)
boards, ``CARD_ROWS`` rows each and ``CARD_TEXT`` characters of any one text, then "… more" with
the table that holds the rest.
"""

from __future__ import annotations

import csv
import gc
import io
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from evalledger.escape import FORMULA_START, csv_cell, csv_text, markdown, number_cell, whole_cell
from evalledger.leaderboard.result import Changes, NewConflict, RowChange, TopRow
from evalledger.leaderboard.select import Selection

FLAG_COLUMNS = (
    "rule",
    "severity",
    "model",
    "benchmark",
    "task",
    "setup",
    "model_repo",
    "commit",
    "file",
    "line",
    "message",
)
INT_COLUMNS = {"rank", "line", "candidates"}
BOOL_COLUMNS = {"verified", "community", "stale", "conflict", "selected", "eligible"}
FLOAT_COLUMNS = {"value"}
CONFIG_PREFIX = "leaderboard"
SPLIT = "latest"  # a split name must match ^\w+(\.\w+)*$
BEGIN = "<!-- evalledger:leaderboard:begin -->"
END = "<!-- evalledger:leaderboard:end -->"
CARD_BOARDS = 20  # (benchmark, task, setup) boards shown in the card; the rest are in the tables
CARD_ROWS = 10  # rows shown per board
CARD_TEXT = 80  # characters of one model id, task or setup shown in the card


class LeaderboardRow(NamedTuple):
    """One row of leaderboard.csv; the fields are its columns, in order. ``flags``, last, is a
    column only in an ``--audit`` run (the audit rule ids of the row's entry, "" when none); without
    one it is None and the table has no such column (``LEADERBOARD_COLUMNS``; ``render`` chooses)."""

    benchmark: str
    task: str
    setup: str
    rank: int
    model: str
    value: float
    verified: bool
    community: bool
    stale: bool
    date: str | None
    source_url: str | None
    source_name: str | None
    model_repo: str
    ref: str
    commit: str
    commit_time: str  # ISO-8601, UTC
    file: str
    line: int
    selection_reason: str
    candidates: int
    conflict: bool
    flags: str | None = None


class CandidateRow(NamedTuple):
    """One row of candidates.csv; the fields are its columns, in order."""

    benchmark: str
    task: str
    setup: str
    model: str
    value: float | None  # None: not a number (its text is in value_raw)
    value_raw: str | None
    selected: bool
    eligible: bool
    selection_reason: str
    conflict: bool
    verified: bool
    community: bool
    stale: bool
    date: str | None
    source_url: str | None
    source_name: str | None
    model_repo: str
    ref: str
    commit: str
    commit_time: str
    file: str
    line: int


AUDITED_COLUMNS: tuple[str, ...] = LeaderboardRow._fields  # the leaderboard of an --audit run
LEADERBOARD_COLUMNS: tuple[str, ...] = AUDITED_COLUMNS[:-1]  # without `flags`
CANDIDATE_COLUMNS: tuple[str, ...] = CandidateRow._fields


@dataclass
class Tables:
    """Rows as named tuples in column order: a million candidates must not be a million dicts."""

    leaderboard: list[LeaderboardRow]
    candidates: list[CandidateRow]
    flags: list[dict[str, Any]] | None = None
    directions: dict[str, str] = field(default_factory=dict)


def _iso(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds)) if seconds else ""


def build_tables(
    selection: Selection,
    flags: list[dict[str, Any]] | None = None,
    flagged: dict[tuple[str, str, str, str], list[str]] | None = None,
    directions: dict[str, str] | None = None,
) -> Tables:
    # a million new tuples would trigger full collections over an ever larger heap for nothing:
    # these rows hold no cycles
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build_tables(selection, flags, flagged, directions)
    finally:
        if enabled:
            gc.enable()


def _build_tables(
    selection: Selection,
    flags: list[dict[str, Any]] | None,
    flagged: dict[tuple[str, str, str, str], list[str]] | None,
    directions: dict[str, str] | None,
) -> Tables:
    t = selection.table
    times: dict[int, str] = {}

    def when(seconds: int) -> str:
        text = times.get(seconds)
        if text is None:
            text = times[seconds] = _iso(seconds)
        return text

    leaderboard: list[LeaderboardRow] = []
    for row in selection.rows:
        g = selection.group[row]
        item = (
            t.benchmark[row],
            t.task[row],
            t.setup[row],
            selection.rank[row],
            t.model[row],
            t.value[row],
            bool(t.verified[row]),
            bool(t.community[row]),
            bool(t.stale[row]),
            t.date[row],
            t.source_url[row],
            t.source_name[row],
            t.repo[row],
            t.ref[row],
            t.commit[row],
            when(t.commit_time[row]),
            t.file[row],
            t.line[row],
            selection.reason[row],
            selection.count[g],
            bool(selection.conflict[g]),
        )
        if flagged is not None:
            marks = " ".join(flagged.get((t.model[row], t.benchmark[row], t.task[row], t.setup[row]), []))
            leaderboard.append(LeaderboardRow(*item, marks))
        else:
            leaderboard.append(LeaderboardRow(*item))
    leaderboard.sort(key=lambda r: (r.benchmark, r.task, r.setup, r.rank, r.model))
    winner, group, ranked = selection.winner, selection.group, selection.rank
    order = sorted(
        range(len(t)),
        key=lambda r: (
            t.benchmark[r],
            t.task[r],
            t.setup[r],
            t.model[r],
            winner[group[r]] != r,
            t.repo[r],
            t.ref[r],
            t.commit[r],
            t.file[r],
            t.entry[r],
            t.line[r],
        ),
    )
    candidates = []
    for row in order:
        g = group[row]
        value = t.value[row]
        # selected: exactly the rows of the leaderboard (an ineligible key's best is not on it); a
        # value that is not a number is empty, its text in value_raw (never "nan")
        candidates.append(
            CandidateRow(
                t.benchmark[row],
                t.task[row],
                t.setup[row],
                t.model[row],
                None if math.isnan(value) else value,
                t.value_raw[row],
                row in ranked,
                not t.ineligible[row],
                selection.reason[row],
                bool(selection.conflict[g]),
                bool(t.verified[row]),
                bool(t.community[row]),
                bool(t.stale[row]),
                t.date[row],
                t.source_url[row],
                t.source_name[row],
                t.repo[row],
                t.ref[row],
                t.commit[row],
                when(t.commit_time[row]),
                t.file[row],
                t.line[row],
            )
        )
    del order
    if flags is not None:
        flags = sorted(flags, key=lambda f: tuple(str(f.get(c) or "") for c in FLAG_COLUMNS))
    return Tables(leaderboard, candidates, flags, dict(directions or {}))


# --- cells ---------------------------------------------------------------------------------------


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _tuples(rows: Sequence[Any], columns: Sequence[str]) -> Sequence[tuple[Any, ...]]:
    """Rows as tuples in column order: named tuples as they are (cells past the columns, such as an
    unaudited row's ``flags``, are not written), dicts (flags, read tables) looked up."""
    if rows and isinstance(rows[0], dict):
        return [tuple(r.get(c) for c in columns) for r in rows]
    return rows


def csv_bytes(rows: Sequence[Any], columns: Sequence[str]) -> bytes:
    """Rows (tuples in column order, or dicts) as canonical CSV.

    The csv module already writes None as empty, ints with ``str`` and floats with ``repr``; only
    booleans need spelling, so a row is copied once and its boolean cells patched (several times
    faster than formatting a million rows cell by cell).

    Text cells are the model repos' text: one a spreadsheet would run as a formula gets a leading
    ``'`` (``escape.csv_cell``; ``read_table`` takes it off again), and a row with a CR in a text
    cell is written fully quoted (with ``\\n`` line ends the csv module leaves a lone CR unquoted,
    and a reader would split the row there)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(columns)
    flags = [i for i, c in enumerate(columns) if c in BOOL_COLUMNS]
    floats = [i for i, c in enumerate(columns) if c in FLOAT_COLUMNS]
    texts = [
        i for i, c in enumerate(columns) if c not in BOOL_COLUMNS and c not in FLOAT_COLUMNS and c not in INT_COLUMNS
    ]
    width = len(columns)
    for row in _tuples(rows, columns):
        cells = list(row)
        del cells[width:]
        for i in flags:
            cells[i] = "true" if cells[i] else "false"
        for i in floats:
            if cells[i] is not None and not isinstance(cells[i], float):
                cells[i] = float(cells[i])
        crlf = False
        for i in texts:
            text = cells[i]
            if text and isinstance(text, str):
                if text[0] in FORMULA_START:
                    cells[i] = csv_cell(text)
                if "\r" in text:
                    crlf = True
        (quoted if crlf else writer).writerow(cells)
    return buffer.getvalue().encode("utf-8")


def parquet_bytes(rows: Sequence[Any], columns: Sequence[str]) -> bytes:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("--output-format parquet needs pyarrow: pip install 'evalledger[parquet]'") from exc

    def kind(name: str) -> Any:
        if name in INT_COLUMNS:
            return pa.int64()
        if name in BOOL_COLUMNS:
            return pa.bool_()
        if name in FLOAT_COLUMNS:
            return pa.float64()
        return pa.string()

    schema = pa.schema([(c, kind(c)) for c in columns])
    rows = _tuples(rows, columns)
    table = pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)}, schema=schema)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", row_group_size=100_000)
    data: bytes = sink.getvalue().to_pybytes()
    return data


#: a table read back (the previous run's, ``site``'s input, ``audit --leaderboard``'s): read whole
MAX_TABLE_BYTES = 64 * 1024 * 1024


def read_table(path: Path) -> list[dict[str, str]] | None:
    """A previously written table, cells as text (None when absent or unreadable: a FIFO, socket
    or device there is refused by the one reader, never waited on; over ``MAX_TABLE_BYTES``)."""
    from evalledger.yamlsource import Limits, read_file

    try:
        data = read_file(path, Limits(max_bytes=MAX_TABLE_BYTES), what="a table")
        if path.suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            return [{k: cell(v) for k, v in row.items()} for row in pq.read_table(pa.BufferReader(data)).to_pylist()]
        return [
            {k: csv_text(v) if v and isinstance(v, str) else v for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
        ]
    except Exception:  # a broken previous file is simply not compared against
        return None


# --- files ---------------------------------------------------------------------------------------


@dataclass
class Output:
    """Files to write: repo-relative path -> bytes; ``obsolete``: our tables this run does not
    produce (the other format, or flags without ``--audit``), removed so no stale table stays."""

    files: dict[str, bytes]
    obsolete: list[str] = field(default_factory=list)


def render(
    tables: Tables,
    *,
    output_dir: str,
    fmt: str,
    card_path: str | None,
    card_text: str | None,
    summary: dict[str, Any],
    charts: dict[tuple[str, str, str], list[tuple[str, str, bytes]]] | None = None,
) -> Output:
    ext = "parquet" if fmt == "parquet" else "csv"
    encode = parquet_bytes if fmt == "parquet" else csv_bytes
    prefix = output_dir.strip("/")
    files: dict[str, bytes] = {}
    lb_columns = AUDITED_COLUMNS if tables.flags is not None else LEADERBOARD_COLUMNS
    names: list[tuple[str, Sequence[Any], tuple[str, ...]]] = [
        ("leaderboard", tables.leaderboard, lb_columns),
        ("candidates", tables.candidates, CANDIDATE_COLUMNS),
    ]
    if tables.flags is not None:
        names.append(("flags", tables.flags, FLAG_COLUMNS))
    configs: list[dict[str, Any]] = []
    for name, rows, columns in names:
        path = f"{prefix}/{name}.{ext}" if prefix else f"{name}.{ext}"
        files[path] = encode(rows, columns)
        config = CONFIG_PREFIX if name == "leaderboard" else f"{CONFIG_PREFIX}_{name}"
        configs.append({"config_name": config, "data_files": [{"split": SPLIT, "path": path}]})
    if card_path:
        card_dir = os.path.dirname(card_path)
        if card_dir:  # data_files paths are relative to the card's folder
            for listed in configs:
                for item in listed["data_files"]:
                    item["path"] = os.path.relpath(item["path"], card_dir).replace(os.sep, "/")
        files[card_path] = card(
            card_text, configs, tables, summary, _chart_images(charts, os.path.dirname(card_path))
        ).encode("utf-8")
    files.update((path, data) for items in (charts or {}).values() for _, path, data in items)
    obsolete = [
        f"{prefix}/{name}.{other}" if prefix else f"{name}.{other}"
        for name in ("leaderboard", "candidates", "flags")
        for other in ("csv", "parquet")
    ]
    return Output(files, [path for path in obsolete if path not in files])


def card(
    existing: str | None,
    configs: list[dict[str, Any]],
    tables: Tables,
    summary: dict[str, Any],
    images: dict[tuple[str, str, str], list[tuple[str, str]]] | None = None,
) -> str:
    """``existing`` README with our configs and our section replaced (or added); ``images``: per
    board, charts to embed under its table as (alt text, path relative to the card)."""
    import yaml

    front, body = _split_front_matter(existing or "")
    try:
        data = yaml.safe_load(front) if front is not None else None
    except yaml.YAMLError:
        data = False
    if not isinstance(data, dict):
        data = {} if front is None or data is None else None  # None: not a mapping, not ours to fix
    paths = {c["config_name"]: c["data_files"][0]["path"] for c in configs}
    section = _section(tables, summary, paths, images=images)
    if data is None:  # front matter that is not a mapping: leave the card alone, say so in it
        return _replace_section(existing or "", section)
    theirs = [
        c
        for c in data.get("configs") or []
        if not (isinstance(c, dict) and str(c.get("config_name", "")).startswith(CONFIG_PREFIX))
    ]
    wanted = theirs + configs
    if front is not None and data.get("configs") == wanted:
        head = f"---\n{front}---\n"
    else:
        data["configs"] = wanted
        head = "---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000) + "---\n"
    if existing is None:
        body = "\n# Leaderboard\n\n"
    return head + _replace_section(body, section)


def _split_front_matter(text: str) -> tuple[str | None, str]:
    """(front matter YAML or None, the body after it), split as the Hub and lint split a card."""
    from evalledger.formats.model_index import split_front_matter

    found = split_front_matter(text)
    if found is None:
        return None, text
    front, _, body_start = found
    return front, text[body_start:]


def _replace_section(body: str, section: str) -> str:
    """``body`` with our section between the first begin line and the last end line replaced (or
    appended). Markers count only as whole lines: text inside a line (a heading from an older
    version that did not escape ``notes``) is never a marker."""
    block = f"{BEGIN}\n{section}{END}\n"
    lines = body.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() == BEGIN), None)
    stop = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip() == END), None)
    if start is not None and stop is not None and stop > start:
        tail = "".join(lines[stop + 1 :])
        return "".join(lines[:start]) + block + tail.lstrip("\n")
    if body and not body.endswith("\n"):
        body += "\n"
    return body + ("\n" if body.strip() else "") + block


def _md(value: Any, limit: int | None = CARD_TEXT) -> str:
    return markdown(cell(value), limit)


STALE_KEPT = (
    "When a model repo cannot be fetched (host down, repo moved or made private, ref gone), its rows "
    "from the previous run are kept, unchanged, with `stale` set to true, and they compete as they did "
    "when last read: an outage does not remove or reorder scores. They stay until the repo can be "
    "fetched again (its rows are then re-read and `stale` clears) or it is removed from the model "
    "registry (its rows are then dropped)."
)
STALE_DROPPED = (
    "This leaderboard is built with `--drop-unreachable`: the rows of a model repo that cannot be "
    "fetched are left out until it can be fetched again (`stale` is never set)."
)


def _chart_images(
    charts: dict[tuple[str, str, str], list[tuple[str, str, bytes]]] | None, card_dir: str
) -> dict[tuple[str, str, str], list[tuple[str, str]]]:
    """Chart files (``aggregate --charts``) as (alt, path relative to the card's folder) per board."""
    return {
        board: [(alt, os.path.relpath(path, card_dir or ".").replace(os.sep, "/")) for alt, path, _ in items]
        for board, items in (charts or {}).items()
    }


def _chart_lines(images: list[tuple[str, str]] | None) -> list[str]:
    """Markdown images of one board's charts (alt text escaped; paths are ours)."""
    return ["", *(f"![{markdown(alt, 200)}]({path})" for alt, path in images or ())] if images else []


def _section(
    tables: Tables,
    summary: dict[str, Any],
    paths: dict[str, str] | None = None,
    images: dict[tuple[str, str, str], list[tuple[str, str]]] | None = None,
) -> str:
    paths = paths or {}
    board_file = _md(paths.get(CONFIG_PREFIX, f"{CONFIG_PREFIX}.csv"), None)
    flags_file = _md(paths.get(f"{CONFIG_PREFIX}_flags", f"{CONFIG_PREFIX}_flags.csv"), None)
    audited = tables.flags is not None
    stale = summary.get("stale", 0)
    kept = f" Rows kept from model repos that could not be fetched in this run (`stale`): {stale}." if stale else ""
    flagged = sum(1 for row in tables.leaderboard if row.flags) if audited else 0
    marked = (
        f" Rows whose model repo's history has audit findings for the entry (`flags`): {flagged}; "
        f"each finding is in {flags_file} (config `leaderboard_flags`)."
        if audited
        else ""
    )
    lines = [
        "## Leaderboard",
        "",
        (
            f"{len(tables.leaderboard)} rows from {summary.get('sources', 0)} model repos; "
            f"{len(tables.candidates)} candidates; rows whose candidates disagree on the value: "
            f"{summary.get('conflicts', 0)}.{kept}{marked} Generated by `evalledger aggregate`; do not edit the "
            "tables by hand."
        ),
        "",
    ]
    boards = _boards(tables)
    shown = _shown_boards(boards)
    header = "| rank | model | value | verified | community | conflict | stale |" + (" flags |" if audited else "")
    for bench, task, setup in shown:
        rows = boards[(bench, task, setup)]
        direction = tables.directions.get(task, "higher")
        title = f"### {_md(task)}" + (f" ({_md(setup)})" if setup else "")
        lines += [
            title,
            "",
            f"{_md(bench)}, {direction} is better.",
            "",
            header,
            "|---:|---|---:|:-:|:-:|:-:|:-:|" + ("---|" if audited else ""),
        ]
        for row in rows[:CARD_ROWS]:
            line = (
                f"| {row.rank} | {_md(row.model)} | {_md(row.value)} | "
                f"{'yes' if row.verified else ''} | {'yes' if row.community else ''} | "
                f"{'yes' if row.conflict else ''} | {'yes' if row.stale else ''} |"
            )
            if audited:
                rules = (row.flags or "").split()
                line += f" {'⚑ ' + _md(', '.join(rules)) if rules else ''} |"
            lines.append(line)
        if len(rows) > CARD_ROWS:
            lines.append(
                f"\n{len(rows) - CARD_ROWS} more rows of this board are in {board_file} (config `leaderboard`)."
            )
        lines += _chart_lines((images or {}).get((bench, task, setup)))
        lines.append("")
    if len(boards) > len(shown):
        hidden = len(boards) - len(shown)
        rows_hidden = sum(len(boards[b]) for b in boards) - sum(len(boards[b]) for b in shown)
        lines += [
            (
                f"…and {hidden} more (task, setup) boards with {rows_hidden} rows: every row is in "
                f"{board_file} (config `leaderboard`)."
            ),
            "",
        ]
    lines += [
        "### How one score is chosen",
        "",
        (
            "One row per (model, benchmark, task, setup); `setup` is the entry's normalised `notes` (plus "
            "`dataset.revision`). Among the candidates for a row, in turn: an entry without lint errors; "
            "a verified entry (`verifyToken`); one merged in the model repo over an open pull request "
            "(`community`); the newest commit it was read at (the self-declared `date` is shown, never "
            "used); then the smaller commit sha, repo, file position. The highest value is never a "
            "criterion. Every candidate, and why it lost or was ineligible, is in the "
            "`leaderboard_candidates` config; `conflict` marks rows whose candidates disagree on the value."
        ),
        "",
        "### Stale rows",
        "",
        STALE_DROPPED if summary.get("drop_unreachable") else STALE_KEPT,
        "",
    ]
    return "\n".join(lines)


def _boards(tables: Tables) -> dict[tuple[str, str, str], list[LeaderboardRow]]:
    """Leaderboard rows per (benchmark, task, setup), in rank order."""
    boards: dict[tuple[str, str, str], list[LeaderboardRow]] = {}
    for row in tables.leaderboard:
        boards.setdefault((row.benchmark, row.task, row.setup), []).append(row)
    return boards


def _shown_boards(boards: dict[tuple[str, str, str], list[Any]]) -> list[tuple[str, str, str]]:
    """The boards the card and the job summary show, in (benchmark, task, setup) order: every
    task's default setup first, then the boards with the most rows, so a flood of one-row setups
    (distinct ``notes``) cannot push the real boards out."""
    return sorted(sorted(boards, key=lambda b: (b[2] != "", -len(boards[b]), b))[:CARD_BOARDS])


def write_files(root: Path, output: Output) -> list[str]:
    """Write the files whose bytes differ and remove obsolete tables; return their paths. Nothing
    is touched otherwise.

    Each file is written whole (``atomic.write_atomic``): a run killed or failing half-way leaves
    every table and the card either as it was or as it should be, never a prefix; a temporary
    file such a run left is removed here.
    """
    from evalledger.atomic import discard_temp, write_atomic
    from evalledger.yamlsource import Limits, YamlLoadError, read_file

    removed = [rel for rel in output.obsolete if (root / rel).is_file()]
    changed = []
    for rel, data in sorted(output.files.items()):
        target = root / rel
        discard_temp(target)
        try:  # one byte over tells it differs; a FIFO there is refused (never waited on) and replaced
            if read_file(target, Limits(max_bytes=len(data))) == data:
                continue
        except (OSError, YamlLoadError):
            pass
        changed.append(rel)
    for rel in changed:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, output.files[rel])
    for rel in removed:
        (root / rel).unlink()
    return sorted(changed + removed)


def changes(
    previous: list[dict[str, str]] | None, previous_candidates: list[dict[str, str]] | None, tables: Tables
) -> Changes:
    """What changed since the leaderboard on disk: new and removed rows, moved ranks, new conflicts."""

    def key(row: dict[str, str]) -> tuple[str, str, str, str]:
        return (row["benchmark"], row["task"], row["setup"], row["model"])

    old = {key(r): r for r in previous or []}
    new_rows = {(r.benchmark, r.task, r.setup, r.model): r for r in tables.leaderboard}
    added, moved, value_changed = [], [], []
    for k, row in sorted(new_rows.items()):
        before = old.get(k)
        short = RowChange(*k, rank=row.rank, value=row.value)
        if before is None:
            added.append(short)
            continue
        if before.get("rank") != cell(row.rank):
            moved.append(replace(short, old_rank=whole_cell(before.get("rank"))))
        if before.get("value") != cell(row.value):
            value_changed.append(replace(short, old_value=number_cell(before.get("value"))))
    removed = [
        RowChange(*k, rank=whole_cell(r.get("rank")), value=number_cell(r.get("value")))
        for k, r in sorted(old.items())
        if k not in new_rows
    ]
    old_conflicts = {key(r) for r in previous_candidates or [] if r.get("conflict") == "true"}
    values: dict[tuple[str, str, str, str], set[float]] = {}
    for candidate in tables.candidates:
        if candidate.conflict and candidate.eligible and candidate.value is not None:  # eligible: a number
            values.setdefault((candidate.benchmark, candidate.task, candidate.setup, candidate.model), set()).add(
                candidate.value
            )
    new_conflicts = [
        NewConflict(*k, values=tuple(sorted(v))) for k, v in sorted(values.items()) if k not in old_conflicts
    ]
    return Changes(
        first_run=previous is None,
        new=tuple(added),
        removed=tuple(removed),
        moved=tuple(moved),
        value_changed=tuple(value_changed),
        new_conflicts=tuple(new_conflicts),
    )


def top_rows(tables: Tables, top: int = CARD_ROWS) -> list[TopRow]:
    """The first rows of the boards the card shows, for job summaries."""
    out: list[TopRow] = []
    boards = _boards(tables)
    for board in _shown_boards(boards):
        for row in boards[board][:top]:
            # audit rule ids (--audit)
            out.append(TopRow.pick(row, flags=tuple((row.flags or "").split())))
    return out
