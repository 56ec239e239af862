"""Number cells of our own tables read back: one reader (``escape.number_cell``/``whole_cell``).

Every command that reads a previously written table (aggregate's carry-over of an unreachable
repo's rows and flags, aggregate's change summary, the site and its trends) is run for real over
tables aggregate wrote and a hand then edited: a cell such as ``inf``, ``nan``, ``1e999``, ``1_0``
or ``١٢`` is no value, never a number, and never a crash.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest

from evalledger.escape import number_cell, whole_cell
from site_scenario import site
from test_aggregate_support import World, aggregate, entry, read_csv

HOSTILE = ["inf", "-inf", "nan", "1e999", "1_0", "\u0661\u0662", "0x1p3", "Infinity"]
BOARD, CANDIDATES = "leaderboard/leaderboard.csv", "leaderboard/candidates.csv"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("80.0", 80.0),
        ("-0.5", -0.5),
        ("1e-05", 1e-05),
        ("+2", 2.0),
        (".5", 0.5),
        (" 3.25 ", 3.25),
        ("1.7976931348623157e308", 1.7976931348623157e308),
        *((text, None) for text in HOSTILE),
        ("", None),
        (None, None),
        (1.5, None),
        ("1.0.0", None),
        ("'=1", None),
        ("1" * 400, None),  # a plain decimal beyond float range
    ],
)
def test_number_cell_reads_a_plain_finite_decimal_else_no_value(text, number):
    assert number_cell(text) == number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1", 1),
        ("042", 42),
        ("", None),
        (None, None),
        ("1_0", None),
        ("\u0661", None),
        ("\u00b2", None),
        (" 1", None),
        ("-1", None),
        ("+1", None),
        ("1.0", None),
        ("9" * 5000, None),
        (3, None),
    ],
)
def test_whole_cell_reads_ascii_digits_else_no_value(text, number):
    assert whole_cell(text) == number


def _edit(path: Path, change) -> None:
    """Rewrite a CSV table with ``change(row)`` applied to each row, cells kept as written."""
    rows = read_csv(path)
    for row in rows:
        change(row)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue())


def _values_are_plain(world: World) -> None:
    """Every value cell aggregate wrote is a plain finite decimal or empty."""
    for rel in (BOARD, CANDIDATES):
        for row in read_csv(world.bench.path / rel):
            assert row["value"] == "" or number_cell(row["value"]) is not None, (rel, row)


def _edited(tmp_path: Path, capsys, edits: dict[str, object]) -> World:
    """org/a (alpha 80.0, beta 2.0) and org/b (alpha 70.0) after one aggregate run, then a hand's
    ``edits`` (table -> change of a row) to the tables that run wrote."""
    world = World(tmp_path)
    world.model("a", {".eval_results/r.yaml": entry("alpha", 80.0) + entry("beta", 2.0)})
    world.model("b", {".eval_results/r.yaml": entry("alpha", 70.0)})
    world.registry([f"{world.url('a')} - org/a", f"{world.url('b')} - org/b"], commit=True)
    assert aggregate(world, capsys=capsys)[0] == 0
    for rel, change in edits.items():
        _edit(world.bench.path / rel, change)
    return world


def _unreachable(world: World, name: str) -> None:
    os.rename(world.tmp / "models" / f"{name}.git", world.tmp / "models" / f"{name}.moved")


@pytest.mark.parametrize("text", HOSTILE)
def test_a_carried_row_whose_value_cell_is_not_a_number_is_not_carried(tmp_path, capsys, text):
    # a hand edits org/a's alpha candidate; then org/a cannot be fetched, so its rows are carried
    edit = lambda row: row.update(value=text) if (row["model"], row["task"]) == ("org/a", "alpha") else None  # noqa: E731
    world = _edited(tmp_path, capsys, {CANDIDATES: edit})
    _unreachable(world, "a")
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0, world.stderr
    assert "Traceback" not in world.stderr
    assert doc["unreachable"][0]["kept"] == 1  # beta only: the edited row is one we did not write
    assert [(s["task"], s["value"]) for s in doc["stale"]] == [("beta", 2.0)]
    board = [(r["task"], r["model"], r["rank"], r["value"]) for r in read_csv(world.bench.path / BOARD)]
    assert board == [("alpha", "org/b", "1", "70.0"), ("beta", "org/a", "1", "2.0")]
    _values_are_plain(world)


def test_carried_rows_of_an_ineligible_value_that_was_no_number_stay_carried(tmp_path, capsys):
    world = World(tmp_path)
    world.model("a", {".eval_results/r.yaml": entry("alpha", 80.0) + entry("alpha", "'high'", notes="x")})
    world.registry([f"{world.url('a')} - org/a"], commit=True)
    assert aggregate(world, capsys=capsys)[0] == 0
    assert [(r["value"], r["value_raw"]) for r in read_csv(world.bench.path / CANDIDATES)] == [
        ("80.0", ""),
        ("", "high"),
    ]
    _unreachable(world, "a")
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0 and doc["unreachable"][0]["kept"] == 2
    assert [(r["value"], r["value_raw"], r["stale"]) for r in read_csv(world.bench.path / CANDIDATES)] == [
        ("80.0", "", "true"),
        ("", "high", "true"),
    ]


@pytest.mark.parametrize("text", HOSTILE)
def test_the_change_summary_reads_a_hand_edited_value_or_rank_as_no_value(tmp_path, capsys, text):
    edit = lambda row: row.update(value=text, rank="\u0661") if row["model"] == "org/b" else None  # noqa: E731
    world = _edited(tmp_path, capsys, {BOARD: edit})
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0 and "Traceback" not in world.stderr
    [changed] = doc["changes"]["value_changed"]
    assert (changed["model"], changed["value"], changed["old_value"]) == ("org/b", 70.0, None)
    [moved] = doc["changes"]["moved"]
    assert (moved["model"], moved["rank"], moved["old_rank"]) == ("org/b", 2, None)
    _values_are_plain(world)


def test_carried_flags_with_a_hand_edited_line_cell_are_kept_without_a_line(tmp_path, capsys):
    token = "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.e30.c2ln"
    world = World(tmp_path)
    world.model("edited", {".eval_results/r.yaml": entry("alpha", 61.0, token=token)})
    world.model("edited", {".eval_results/r.yaml": entry("alpha", 79.0)}, message="bump")
    world.registry([f"{world.url('edited')} - org/edited"])
    assert aggregate(world, "--audit", capsys=capsys)[0] == 0
    flags = world.bench.path / "leaderboard/flags.csv"
    assert [r["line"] for r in read_csv(flags)] != []
    _edit(flags, lambda row: row.update(line="\u00b2"))  # isdigit() says yes, int() says no
    _unreachable(world, "edited")
    code, doc = aggregate(world, "--audit", capsys=capsys)
    assert code == 0, world.stderr
    assert "Traceback" not in world.stderr and doc["unreachable"][0]["kept"] == 1
    assert {r["line"] for r in read_csv(flags)} == {""}


def _site_data(out: Path) -> dict:
    [page] = [p for p in out.glob("*.html") if p.name != "index.html"]
    block = re.search(r'<script type="application/json" id="data">(.*?)</script>', page.read_text(), re.S)
    assert block
    return json.loads(block.group(1))


@pytest.mark.parametrize("text", HOSTILE)
def test_the_site_shows_a_hand_edited_value_cell_as_no_value(tmp_path, capsys, text):
    edit = lambda row: row.update(value=text) if row["model"] == "org/b" else None  # noqa: E731
    world = _edited(tmp_path, capsys, {BOARD: edit, CANDIDATES: edit})
    out = tmp_path / "site"
    assert site(world.bench.path, out) == 0
    assert "Traceback" not in capsys.readouterr().err
    [alpha] = [b for b in _site_data(out)["boards"] if b["task"] == "alpha"]
    columns = _site_data(out)["columns"]
    values = {item[columns["row"].index("model")]: item[columns["row"].index("value")] for item, _, _ in alpha["rows"]}
    assert values == {"org/a": 80.0, "org/b": None}
    assert [(model, value) for _, model, value in alpha["top"]] == [("org/a", 80.0)]  # no value: not in a top
    assert [(value, model) for _, value, model in alpha["sota"]] == [(80.0, "org/a")]


def test_the_site_reads_a_hand_edited_rank_or_line_cell_as_no_value(tmp_path, capsys):
    edit = lambda row: row.update(rank="\u00b2", line="\u0661") if row["model"] == "org/b" else None  # noqa: E731
    world = _edited(tmp_path, capsys, {BOARD: edit})
    out = tmp_path / "site"
    assert site(world.bench.path, out) == 0
    assert "Traceback" not in capsys.readouterr().err
    data = _site_data(out)
    [alpha] = [b for b in data["boards"] if b["task"] == "alpha"]
    row = data["columns"]["row"]
    ranks = {
        item[row.index("model")]: (item[row.index("rank")], item[row.index("line")]) for item, _, _ in alpha["rows"]
    }
    assert ranks["org/b"] == (None, None) and ranks["org/a"][0] == 1


def test_the_site_links_no_line_for_a_hand_edited_line_cell(tmp_path, capsys):
    def edit(row):
        row["model_repo"] = f"https://huggingface.co/{row['model']}"
        if row["model"] == "org/b":
            row["line"] = "\u00b2"  # isdigit() says yes

    world = _edited(tmp_path, capsys, {BOARD: edit})
    out = tmp_path / "site"
    assert site(world.bench.path, out) == 0
    data = _site_data(out)
    [alpha] = [b for b in data["boards"] if b["task"] == "alpha"]
    row = data["columns"]["row"]
    links = {item[row.index("model")]: item[row.index("link")] for item, _, _ in alpha["rows"]}
    assert re.fullmatch(r"https://huggingface.co/org/a/blob/[0-9a-f]{40}/.eval_results/r.yaml#L\d+", links["org/a"])
    assert re.fullmatch(r"https://huggingface.co/org/b/blob/[0-9a-f]{40}/.eval_results/r.yaml", links["org/b"])
