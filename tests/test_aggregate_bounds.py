"""Bounds on what one model repo can make `aggregate` fetch and read: the number of result files
per ref (``--max-result-files``) and, with ``--audit``, the history clone. Real git repos over
file://, aggregate run in-process as the CLI."""

from __future__ import annotations

from pathlib import Path

from evalledger.leaderboard import fetch
from evalledger.leaderboard.sources import ModelSource
from gitutil import GitRepo
from test_aggregate_support import World, aggregate, entry, rows_by_model

BOARD = "leaderboard/leaderboard.csv"


def _entry_of(world: World, name: str) -> Path:
    source = ModelSource(url=world.url(name), location=world.url(name), model=f"org/{name}")
    return fetch.cache_path(world.tmp / "cache", source)


def _blobs_in(repo: Path) -> set[str]:
    out = GitRepo(repo).git("cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)")
    return {line.split()[0] for line in out.splitlines() if line.endswith(" blob")}


def _flood(count: int) -> dict[str, str]:
    return {f".eval_results/sample-{i:06d}.yaml": entry("beta", float(i)) for i in range(count)}


# --- the number of result files per ref -----------------------------------------------------------


def test_a_ref_with_more_result_files_than_the_default_limit_is_refused_whole_unfetched(tmp_path, capsys):
    world = World(tmp_path)
    world.model("flood", {".eval_results/r.yaml": entry("alpha", 90.0), **_flood(1000)})  # 1,001 files
    world.model("fine", {".eval_results/r.yaml": entry("alpha", 50.0)})
    world.registry([f"{world.url('flood')} - org/flood", f"{world.url('fine')} - org/fine"], commit=True)
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0 and doc["unreachable"] == []
    [rejected] = doc["rejected"]
    assert (rejected["model"], rejected["rule"], rejected["file"], rejected["ref"]) == (
        "org/flood",
        "too-many-result-files",
        ".eval_results/",
        "HEAD",
    )
    assert rejected["message"] == (
        f"{world.url('flood')} has 1,001 result files at HEAD, over the limit of 1,000 "
        "(--max-result-files); none of them was read"
    )
    rows = rows_by_model(world.bench.path / BOARD, "alpha")
    assert "org/flood" not in rows and rows["org/fine"]["value"] == "50.0"  # the run went on
    assert _blobs_in(_entry_of(world, "flood")) == set()  # not one of its files was fetched
    # --strict: a refused ref is a rejected result
    code, _ = aggregate(world, "--strict", capsys=capsys)
    assert code == 1
    # raising the limit reads them all (the cache did not remember the ref as read)
    code, doc = aggregate(world, "--max-result-files", "1001", capsys=capsys)
    assert code == 0 and doc["rejected"] == []
    assert rows_by_model(world.bench.path / BOARD, "alpha")["org/flood"]["value"] == "90.0"


def test_a_pull_request_over_the_limit_is_refused_and_the_merged_branch_still_counts(tmp_path, capsys):
    world = World(tmp_path)
    world.model("m", {".eval_results/r.yaml": entry("alpha", 70.0)})
    world.pull_request("m", 7, _flood(6), hf=True)
    world.registry([f"{world.url('m')} - org/m"], commit=True)
    code, doc = aggregate(world, "--include-pull-requests", "--max-result-files", "5", capsys=capsys)
    assert code == 0
    assert [(r["ref"], r["rule"]) for r in doc["rejected"]] == [("refs/pr/7", "too-many-result-files")]
    assert "has 7 result files at refs/pr/7, over the limit of 5" in doc["rejected"][0]["message"]
    assert rows_by_model(world.bench.path / BOARD, "alpha")["org/m"]["value"] == "70.0"
    # exactly at the limit is fine
    code, doc = aggregate(world, "--include-pull-requests", "--max-result-files", "7", capsys=capsys)
    assert code == 0 and doc["rejected"] == []


def test_a_submission_folder_over_the_limit_is_refused_whole(tmp_path, capsys):
    world = World(tmp_path)
    for name, text in {".eval_results/r.yaml": entry("alpha", 70.0), **_flood(3)}.items():
        world.bench.write(f"submissions/acme/m/{name}", text)
    world.bench.write("submissions/acme/n/.eval_results/r.yaml", entry("alpha", 60.0))
    world.bench.commit("submissions")
    code, doc = aggregate(
        world, "--models-dir", str(world.bench.path / "submissions"), "--max-result-files", "3", capsys=capsys
    )
    assert code == 0
    assert [(r["model"], r["rule"]) for r in doc["rejected"]] == [("acme/m", "too-many-result-files")]
    assert "has 4 result files at HEAD, over the limit of 3" in doc["rejected"][0]["message"]
    rows = rows_by_model(world.bench.path / BOARD, "alpha")
    assert "acme/m" not in rows and rows["acme/n"]["value"] == "60.0"


def test_max_result_files_must_be_a_positive_whole_number(tmp_path, capsys):
    world = World(tmp_path)
    for bad in ("0", "-1", "many"):
        code, _ = aggregate(world, "--max-result-files", bad, capsys=capsys)
        assert code == 2
        assert "--max-result-files: must be a whole number of at least 1" in world.stderr
