"""An unreachable model repo keeps its last known rows, marked stale, over real git remotes.

Outage: the model repo's bare remote is moved away (the URL in the registry stops answering) and
moved back; a source removed from the registry drops its rows; ``--drop-unreachable`` restores the
old behaviour. Determinism holds with the previous tables as an input.
"""

from __future__ import annotations

import os
import random

import pyarrow.parquet as pq

from test_aggregate_support import World, aggregate, entry, read_csv, rows_by_model

TABLES = ("leaderboard/leaderboard.csv", "leaderboard/candidates.csv", "README.md")


def _world(tmp_path):
    world = World(tmp_path)
    # org/a: two tasks, an older duplicate repo for the same model, and an entry lint rejects
    world.model(
        "a",
        {".eval_results/r.yaml": entry("alpha", 80.0) + entry("beta", 2.0) + entry("alpha", 150.0, notes="bad")},
        when=1_767_400_000,
    )
    world.model("a-old", {".eval_results/r.yaml": entry("alpha", 85.0)}, when=1_767_300_000)
    world.model("b", {".eval_results/r.yaml": entry("alpha", 70.0) + entry("beta", 1.0)})
    lines = [f"{world.url('a')} - org/a", f"{world.url('a-old')} - org/a", f"{world.url('b')} - org/b"]
    world.registry(lines, commit=True)
    return world, lines


def _move(world: World, name: str, back: bool = False) -> None:
    here, away = world.tmp / "models" / f"{name}.git", world.tmp / "models" / f"{name}.moved"
    os.rename(*((away, here) if back else (here, away)))


def _snapshot(world: World) -> dict[str, bytes]:
    return {rel: (world.bench.path / rel).read_bytes() for rel in TABLES}


def test_outage_keeps_rows_marked_then_recovery_restores_the_same_bytes(tmp_path, capsys):
    world, _ = _world(tmp_path)
    code, doc = aggregate(world, "--commit", capsys=capsys)
    assert code == 0 and doc["committed"] and doc["stale"] == []
    first = _snapshot(world)
    before = read_csv(world.bench.path / TABLES[0])
    assert {r["stale"] for r in before} == {"false"}

    # run 2: org/a's main repo stops answering
    _move(world, "a")
    code, doc = aggregate(world, "--commit", capsys=capsys)
    assert code == 0, doc
    [down] = doc["unreachable"]
    assert down["model"] == "org/a" and down["url"] == world.url("a") and down["message"]
    assert down["kept"] == 3  # alpha, beta and the ineligible entry: every candidate of that repo
    assert sorted((s["task"], s["model"], s["value"]) for s in doc["stale"]) == [
        ("alpha", "org/a", 80.0),
        ("beta", "org/a", 2.0),
    ]
    assert doc["rows"] == 4 and doc["changes"]["removed"] == [] and doc["changes"]["moved"] == []
    # the rows are the same rows, only marked: unmark them and run 1's table comes back
    after = read_csv(world.bench.path / TABLES[0])
    assert [r["stale"] for r in after if r["model"] == "org/a"] == ["true", "true"]
    assert [{**r, "stale": "false"} for r in after] == before
    candidates = read_csv(world.bench.path / TABLES[1])
    stale = [r for r in candidates if r["stale"] == "true"]
    assert {(r["value"], r["selected"], r["selection_reason"]) for r in stale} == {
        ("80.0", "true", "newest"),
        ("2.0", "true", "only-candidate"),
        ("150.0", "false", "ineligible:value-out-of-bounds"),
    }  # not on the board: not selected
    # a-old (reachable) still loses to the stale newer row, as before the outage
    assert [r["selection_reason"] for r in candidates if r["model_repo"] == world.url("a-old")] == ["lost:newest"]
    # committed: the rows are still in the benchmark repo, with the mark; nothing was removed
    assert doc["committed"] and doc["commit"] == world.bench.head()
    committed = world.bench.git("show", "HEAD:leaderboard/leaderboard.csv")
    assert committed.count("org/a") == 2
    assert "2 stale" in world.bench.git("log", "-1", "--format=%s")
    card = (world.bench.path / "README.md").read_text()
    assert "could not be fetched in this run (`stale`): 2" in card and "| stale |" in card
    assert aggregate(world, "--strict", capsys=capsys)[0] == 1

    # run 2 again, still down: nothing changes, nothing is committed (no churn during an outage)
    head = world.bench.head()
    code, doc = aggregate(world, "--commit", capsys=capsys)
    assert code == 0 and doc["written"] == [] and not doc["committed"] and world.bench.head() == head
    assert len(doc["stale"]) == 2

    # run 3: back; fresh rows, no mark, and exactly run 1's bytes
    _move(world, "a", back=True)
    code, doc = aggregate(world, "--commit", capsys=capsys)
    assert code == 0 and doc["unreachable"] == [] and doc["stale"] == [] and doc["committed"]
    assert _snapshot(world) == first


def test_a_source_removed_from_the_registry_drops_its_rows_even_when_unreachable(tmp_path, capsys):
    world, lines = _world(tmp_path)
    assert aggregate(world, "--commit", capsys=capsys)[0] == 0
    _move(world, "a")
    code, doc = aggregate(world, "--commit", capsys=capsys)
    assert code == 0 and len(doc["stale"]) == 2
    world.registry(lines[1:], commit=True)  # the maintainer delists org/a's main repo
    code, doc = aggregate(world, "--commit", capsys=capsys)
    assert code == 0 and doc["unreachable"] == [] and doc["stale"] == []
    assert {r["model_repo"] for r in read_csv(world.bench.path / TABLES[1])} == {world.url("a-old"), world.url("b")}
    board = rows_by_model(world.bench.path / TABLES[0], "alpha")
    assert board["org/a"]["value"] == "85.0" and board["org/a"]["stale"] == "false"
    removed = [(r["model"], r["task"]) for r in doc["changes"]["removed"]]
    assert removed == [("org/a", "beta")]
    # a changed model id is a different source too: nothing is carried under the old id
    world.registry([lines[0].replace("org/a", "org/renamed"), *lines[1:]], commit=True)
    code, doc = aggregate(world, capsys=capsys)
    assert doc["unreachable"][0]["kept"] == 0 and doc["stale"] == []


def test_drop_unreachable_is_the_old_behaviour(tmp_path, capsys):
    world, _ = _world(tmp_path)
    assert aggregate(world, capsys=capsys)[0] == 0
    _move(world, "a")
    code, doc = aggregate(world, "--drop-unreachable", capsys=capsys)
    assert code == 0 and doc["unreachable"][0]["kept"] == 0 and doc["stale"] == []
    assert ("org/a", "beta") in [(r["model"], r["task"]) for r in doc["changes"]["removed"]]
    assert "--drop-unreachable" in (world.bench.path / "README.md").read_text()
    # rows once dropped are gone for good: a later run without the flag has nothing to carry
    code, doc = aggregate(world, capsys=capsys)
    assert doc["unreachable"][0]["kept"] == 0


def test_stale_output_is_deterministic_whatever_the_registry_order(tmp_path, capsys):
    world, lines = _world(tmp_path)
    world.model("c", {".eval_results/r.yaml": entry("beta", 3.0)})
    lines.append(f"{world.url('c')} - org/c")
    world.registry(lines, commit=True)
    assert aggregate(world, "--push", capsys=capsys)[0] == 0
    other = world.clone("bench2")  # holds run 1's committed tables
    _move(world, "a")
    _move(world, "c")
    shuffled = lines[:]
    random.Random(3).shuffle(shuffled)
    world.registry(shuffled, repo=other)
    assert aggregate(world, "--jobs", "1", capsys=capsys)[0] == 0
    assert aggregate(world, "--jobs", "3", repo=other, cache="cache2", capsys=capsys)[0] == 0
    for rel in TABLES:
        assert (world.bench.path / rel).read_bytes() == (other.path / rel).read_bytes(), rel
    assert sum(r["stale"] == "true" for r in read_csv(world.bench.path / TABLES[0])) == 3


def test_parquet_tables_and_pull_request_rows_are_carried(tmp_path, capsys):
    world = World(tmp_path)
    world.model("m", {".eval_results/r.yaml": entry("alpha", 60.0)})
    world.pull_request("m", 4, {".eval_results/r.yaml": entry("alpha", 60.0) + entry("beta", 7.0)})
    world.registry([f"{world.url('m')} - org/m"])
    args = ("--include-pull-requests", "--output-format", "parquet")
    assert aggregate(world, *args, capsys=capsys)[0] == 0
    table = world.bench.path / "leaderboard/candidates.parquet"
    first = table.read_bytes()
    _move(world, "m")
    code, doc = aggregate(world, *args, capsys=capsys)
    assert code == 0 and doc["unreachable"][0]["kept"] == 3
    rows = pq.read_table(table).to_pylist()
    assert all(r["stale"] for r in rows) and {r["community"] for r in rows} == {True, False}
    assert {(r["task"], r["ref"]) for r in rows} == {
        ("alpha", "HEAD"),
        ("alpha", "refs/pull/4/head"),
        ("beta", "refs/pull/4/head"),
    }
    # without --include-pull-requests a fresh read would not have PR rows: neither does a carry
    code, doc = aggregate(world, "--output-format", "parquet", capsys=capsys)
    assert doc["unreachable"][0]["kept"] == 1
    # and a switch of format during the outage still finds the previous (parquet) rows
    code, doc = aggregate(world, capsys=capsys)
    assert doc["unreachable"][0]["kept"] == 1
    assert [r["stale"] for r in read_csv(world.bench.path / "leaderboard/leaderboard.csv")] == ["true"]
    _move(world, "m", back=True)
    assert aggregate(world, *args, capsys=capsys)[0] == 0
    assert table.read_bytes() == first


def test_carried_rows_belong_to_the_source_by_url_model_and_ref():
    from evalledger.leaderboard.carry import Previous
    from evalledger.leaderboard.sources import ModelSource

    def row(ref, model="org/m", community="false", value="1.5", **kw):
        return {
            "model_repo": "https://h.co/org/m",
            "model": model,
            "ref": ref,
            "community": community,
            "value": value,
            "line": "3",
            "commit_time": "2026-01-02T00:00:00Z",
            "eligible": "true",
            "benchmark": "acme/bench",
            "task": "alpha",
            "setup": "",
            "commit": "c" * 40,
            "file": ".eval_results/r.yaml",
            **kw,
        }

    previous = Previous(
        [
            row("HEAD"),
            row("v1", value="2.5"),
            row("refs/pr/2", community="true"),
            row("HEAD", model="org/other"),
            row("HEAD", value="not a number"),
            row("HEAD", eligible="false", selection_reason="ineligible:task-id-unknown"),
        ]
    )
    default = ModelSource(url="https://h.co/org/m", location="x", model="org/m")
    pinned = ModelSource(url="https://h.co/org/m", location="x", model="org/m", ref="v1")
    got = previous.rows_for(default, include_pull_requests=False)
    assert [(r["ref"], r["value"], r["ineligible"]) for r in got] == [
        ("HEAD", 1.5, None),
        ("HEAD", 1.5, "task-id-unknown"),
    ]
    assert all(r["stale"] and r["commit_time"] == 1_767_312_000 and r["entry"] == 3 for r in got)
    assert [r["value"] for r in previous.rows_for(pinned, include_pull_requests=False)] == [2.5]
    assert [r["ref"] for r in previous.rows_for(pinned, include_pull_requests=True)] == ["v1", "refs/pr/2"]


def test_audit_flags_of_an_unreachable_repo_are_kept_with_its_rows(tmp_path, capsys):
    world = World(tmp_path)
    world.model("clean", {".eval_results/r.yaml": entry("alpha", 60.0)})
    world.model("edited", {".eval_results/r.yaml": entry("alpha", 61.0, token="tok.en.sig")})
    world.model("edited", {".eval_results/r.yaml": entry("alpha", 79.0)}, message="bump")
    world.registry([f"{world.url('clean')} - org/clean", f"{world.url('edited')} - org/edited"])
    assert aggregate(world, "--audit", capsys=capsys)[0] == 0
    first = {rel: (world.bench.path / rel).read_bytes() for rel in (*TABLES, "leaderboard/flags.csv")}
    marks = rows_by_model(world.bench.path / TABLES[0])["org/edited"]["flags"]
    assert marks
    _move(world, "edited")
    code, doc = aggregate(world, "--audit", capsys=capsys)
    assert code == 0 and doc["unreachable"][0]["kept"] == 1
    board = rows_by_model(world.bench.path / TABLES[0])
    assert board["org/edited"]["flags"] == marks and board["org/edited"]["stale"] == "true"
    assert (world.bench.path / "leaderboard/flags.csv").read_bytes() == first["leaderboard/flags.csv"]
    _move(world, "edited", back=True)
    assert aggregate(world, "--audit", capsys=capsys)[0] == 0
    assert {rel: (world.bench.path / rel).read_bytes() for rel in first} == first
