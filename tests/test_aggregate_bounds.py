"""Bounds on what one model repo can make `aggregate` fetch and read: the number of result files
per ref (``--max-result-files``), of pull-request refs (``--max-pull-requests``) and, with
``--audit``, the history clone. Real git repos over file://, aggregate run in-process as the CLI."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from evalledger.leaderboard import fetch
from evalledger.leaderboard.sources import ModelSource
from gitutil import GitRepo
from test_aggregate_support import World, aggregate, entry, read_csv, rows_by_model

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
        "(--max-result-files); none of them was read: the repo can hold one file per benchmark, or raise "
        "--max-result-files to read them all"
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


# --- the number of pull-request refs per repo -------------------------------------------------------


def _blob_id(text: str) -> str:
    import subprocess

    return subprocess.run(["git", "hash-object", "--stdin"], input=text, capture_output=True, text=True).stdout.strip()


def test_pull_requests_over_the_limit_read_the_newest_by_number_and_are_reported(tmp_path, capsys):
    """A repo with more PR refs than --max-pull-requests: the highest-numbered ones (the newest,
    as the host numbers them: not by name, not by the client-written commit time) are read, the
    others are never fetched, and one rejected result names the repo, the count and the limit.
    The same repo state gives the same bytes, from a cold or a warm cache."""
    world = World(tmp_path)
    world.model("m", {".eval_results/r.yaml": entry("alpha", 70.0)})
    texts = {}
    for number in (11, 10, 2, 9):  # pushed in this order: PR 9 has the latest commit time
        texts[number] = entry("alpha", 70.0 + number, notes=f"pr{number}")
        world.pull_request("m", number, {".eval_results/r.yaml": texts[number]}, hf=True)
    world.registry([f"{world.url('m')} - org/m"], commit=True)
    code, doc = aggregate(world, "--include-pull-requests", "--max-pull-requests", "2", capsys=capsys)
    assert code == 0, world.stderr
    [rejected] = doc["rejected"]
    assert (rejected["model"], rejected["rule"], rejected["ref"], rejected["file"]) == (
        "org/m",
        "too-many-pull-requests",
        "refs/pr/9",
        ".eval_results/",
    )
    assert rejected["message"] == (
        f"{world.url('m')} has 4 pull-request refs, over the limit of 2 (--max-pull-requests); the "
        "newest 2 by number were read, the 2 older ones (refs/pr/9 and below) were not: raise "
        "--max-pull-requests to read them all"
    )
    candidates = read_csv(world.bench.path / "leaderboard" / "candidates.csv")
    assert sorted(r["ref"] for r in candidates) == ["HEAD", "refs/pr/10", "refs/pr/11"]
    blobs = _blobs_in(_entry_of(world, "m"))
    assert {_blob_id(texts[n]) for n in (10, 11)} <= blobs  # read
    assert not {_blob_id(texts[n]) for n in (2, 9)} & blobs  # never fetched
    tables = {
        name: (world.bench.path / "leaderboard" / name).read_bytes() for name in ("leaderboard.csv", "candidates.csv")
    }
    for cache in ("cache", "cold"):  # warm, then a fresh cache: byte-identical tables
        code, again = aggregate(
            world, "--include-pull-requests", "--max-pull-requests", "2", capsys=capsys, cache=cache
        )
        assert code == 0 and again["rejected"] == doc["rejected"]
        assert {name: (world.bench.path / "leaderboard" / name).read_bytes() for name in tables} == tables
    code, _ = aggregate(world, "--include-pull-requests", "--max-pull-requests", "2", "--strict", capsys=capsys)
    assert code == 1  # a rejected result
    # exactly at the limit: all of them, nothing reported
    code, doc = aggregate(world, "--include-pull-requests", "--max-pull-requests", "4", capsys=capsys)
    assert code == 0 and doc["rejected"] == []
    candidates = read_csv(world.bench.path / "leaderboard" / "candidates.csv")
    assert sorted(r["ref"] for r in candidates) == ["HEAD", "refs/pr/10", "refs/pr/11", "refs/pr/2", "refs/pr/9"]


def test_pull_request_order_is_numeric_by_digits_and_other_names_come_last():
    """The order the limit keeps: numbers by value (leading zeros ignored; a ref of 5,000 digits,
    which ``int`` refuses, is the highest), then names that are no number, by name."""
    head = (fetch.HEAD_REF, "h")
    names = ["2", "9", "10", "11", "zz", "9" * 5000, "007", "0", "pr-x"]
    refs = [head] + [(f"refs/evalledger/pr/{n}", n) for n in names]
    kept, over = fetch._newest_pull_requests(refs, 6)
    assert [spec for _, spec in kept] == ["h", "9" * 5000, "11", "10", "9", "007", "2"]
    assert over == (9, "refs/pr/0")
    assert fetch._newest_pull_requests(refs, 9) == (refs, None)


def test_the_default_pull_request_limit_and_its_option(tmp_path, capsys):
    from evalledger.leaderboard.fetch import MAX_PULL_REQUESTS

    assert MAX_PULL_REQUESTS == 100  # the README's figure
    world = World(tmp_path)
    for bad in ("0", "-1", "many"):
        code, _ = aggregate(world, "--max-pull-requests", bad, capsys=capsys)
        assert code == 2
        assert "--max-pull-requests: must be a whole number of at least 1" in world.stderr


# --- the --audit history clone ---------------------------------------------------------------------


def _history_world(tmp_path: Path, versions: int = 3) -> World:
    world = World(tmp_path)
    for i in range(versions):
        world.model("long", {".eval_results/r.yaml": entry("alpha", 60.0 + i)}, message=f"v{i}")
    world.model("short", {".eval_results/r.yaml": entry("alpha", 50.0)})
    world.registry([f"{world.url('long')} - org/long", f"{world.url('short')} - org/short"], commit=True)
    return world


def _history_of(world: World, name: str) -> Path:
    return _entry_of(world, name).with_suffix(".history")


def _unaudited(world: World) -> dict[str, str]:
    rows = read_csv(world.bench.path / "leaderboard/flags.csv")
    return {r["model"]: r["message"] for r in rows if r["rule"] == "audit-unavailable"}


def _limits(monkeypatch, **changes: int) -> None:
    from evalledger.leaderboard import flags

    monkeypatch.setattr(flags, "HISTORY_LIMITS", dataclasses.replace(flags.HISTORY_LIMITS, **changes))


def test_a_history_over_the_commit_limit_is_reported_removed_and_the_run_goes_on(tmp_path, capsys, monkeypatch):
    world = _history_world(tmp_path, versions=6)  # 6 commits
    _limits(monkeypatch, max_commits=5)
    code, doc = aggregate(world, "--audit", capsys=capsys)
    assert code == 0, world.stderr
    assert _unaudited(world) == {
        "org/long": f"history could not be audited: {world.url('long')}: its history has more than 5 commits, the limit"
    }
    assert not _history_of(world, "long").exists()  # over a bound: never kept
    assert _history_of(world, "short").is_dir()  # within them: kept in the cache for the next run
    assert rows_by_model(world.bench.path / BOARD, "alpha")["org/long"]["value"] == "65.0"  # rows stay
    # the next run asks again, and is refused again; with the limit raised it is audited
    assert aggregate(world, "--audit", capsys=capsys)[0] == 0 and "org/long" in _unaudited(world)
    _limits(monkeypatch, max_commits=6)  # exactly the length of the history: audited
    assert aggregate(world, "--audit", capsys=capsys)[0] == 0 and _unaudited(world) == {}
    assert _history_of(world, "long").is_dir()
    # a later run fetches the new commit into the kept clone; past the limit, it is removed again
    world.model("long", {".eval_results/r.yaml": entry("alpha", 70.0)}, message="v6")
    assert aggregate(world, "--audit", capsys=capsys)[0] == 0
    assert "more than 6 commits" in _unaudited(world)["org/long"]
    assert not _history_of(world, "long").exists()


def test_only_the_commits_within_the_limit_travel(tmp_path):
    """The bound holds on the wire: a 30-commit history fetched with a limit of 5 brings 5 commits."""
    from evalledger import git

    world = World(tmp_path)
    for i in range(30):
        world.model("long", {".eval_results/r.yaml": entry("alpha", float(i))}, message=f"v{i}")
    head = GitRepo(world.tmp / "models" / "long.git").head()
    limits = git.HistoryLimits(max_commits=5, max_files=100, max_file_bytes=1 << 20)
    clone = tmp_path / "clone"
    with pytest.raises(git.LimitExceeded, match="more than 5 commits"):
        git.clone_history(clone, world.url("long"), head, [".eval_results", "README.md"], limits=limits)
    assert int(git.run_text(["rev-list", "--count", "--all"], clone)) <= 5
    assert not git.run_text(["rev-list", "--objects", "--all", "--missing=print"], clone).count("\n?") > 30


def test_too_many_result_file_versions_are_refused_before_any_is_fetched(tmp_path, capsys, monkeypatch):
    world = _history_world(tmp_path, versions=4)  # 4 versions of r.yaml + 1 README = 5 blobs
    _limits(monkeypatch, max_files=4)
    assert aggregate(world, "--audit", capsys=capsys)[0] == 0
    assert _unaudited(world) == {
        "org/long": f"history could not be audited: {world.url('long')}: its history holds 5 versions of result "
        "files and model cards, over the limit of 4"
    }
    assert not _history_of(world, "long").exists()


def test_a_result_file_over_the_size_limit_in_history_never_leaves_the_server(tmp_path, capsys, monkeypatch):
    from evalledger import git

    world = World(tmp_path)
    big = entry("alpha", 60.0) + "# " + "x" * 5000 + "\n"
    world.model("big", {".eval_results/r.yaml": big}, message="a big one")
    world.model("big", {".eval_results/r.yaml": entry("alpha", 61.0)}, message="small again")
    world.registry([f"{world.url('big')} - org/big"], commit=True)
    _limits(monkeypatch, max_file_bytes=4096)
    assert aggregate(world, "--audit", capsys=capsys)[0] == 0
    [message] = _unaudited(world).values()
    assert ".eval_results/r.yaml in its history " in message and "over the 4,096 byte limit" in message
    assert not _history_of(world, "big").exists()
    # at the git level: with size filters (git >= 2.36) the big version is never transferred
    bare = GitRepo(world.tmp / "models" / "big.git")
    old = bare.git("rev-parse", "HEAD~1:.eval_results/r.yaml").strip()
    limits = git.HistoryLimits(max_commits=100, max_files=100, max_file_bytes=4096)
    clone = tmp_path / "clone"
    with pytest.raises(git.LimitExceeded, match="over the 4,096 byte limit"):
        git.clone_history(clone, world.url("big"), bare.head(), [".eval_results", "README.md"], limits=limits)
    if git.git_version() >= (2, 36):
        assert old in git.missing_objects(clone, [bare.git("rev-parse", "HEAD~1:.eval_results").strip()])


def test_a_model_card_over_the_size_limit_is_refused_by_its_size(tmp_path, capsys, monkeypatch):
    world = World(tmp_path)
    world.model("card", {"README.md": "# card\n" + "y" * 6000, ".eval_results/r.yaml": entry("alpha", 60.0)})
    world.registry([f"{world.url('card')} - org/card"], commit=True)
    _limits(monkeypatch, max_file_bytes=4096)
    assert aggregate(world, "--audit", capsys=capsys)[0] == 0
    [message] = _unaudited(world).values()
    assert "README.md in its history is 6,007 bytes, over the 4,096 byte limit" in message


def test_a_history_clone_over_the_disk_limit_is_removed(tmp_path, capsys, monkeypatch):
    from evalledger.leaderboard import flags

    world = _history_world(tmp_path)
    monkeypatch.setattr(flags, "MAX_HISTORY_BYTES", 1000)
    assert aggregate(world, "--audit", capsys=capsys)[0] == 0
    messages = _unaudited(world)
    assert set(messages) == {"org/long", "org/short"}
    assert "its history clone takes " in messages["org/long"] and "over the limit of 1,000" in messages["org/long"]
    assert not _history_of(world, "long").exists(), messages
    assert not _history_of(world, "short").exists(), messages


def test_a_half_made_history_clone_is_reported_removed_and_rebuilt(tmp_path, capsys):
    world = _history_world(tmp_path)
    assert aggregate(world, "--audit", capsys=capsys)[0] == 0 and _unaudited(world) == {}
    clone = _history_of(world, "long")
    (clone / ".git" / "HEAD").write_text("garbage\n")  # what a killed clone can leave
    (clone / ".git" / "index.lock").write_text("")  # and a dead git's lock
    assert aggregate(world, "--audit", capsys=capsys)[0] == 0
    assert "org/long" in _unaudited(world) and not clone.exists()
    assert aggregate(world, "--audit", capsys=capsys)[0] == 0 and _unaudited(world) == {}
    assert clone.is_dir()


def test_a_local_path_history_clone_leaves_the_weights_behind(tmp_path, capsys):
    """A registry path (not file://) used to clone locally: git ignores --filter there and copied
    every object, weights included, into the cache."""
    world = World(tmp_path)
    world.model("local", {".eval_results/r.yaml": entry("alpha", 60.0)})
    world.registry([f"{world.tmp / 'models' / 'local.git'} - org/local"], commit=True)
    assert aggregate(world, "--audit", capsys=capsys)[0] == 0 and _unaudited(world) == {}
    weights = GitRepo(world.tmp / "models" / "local.git").head("HEAD:model.safetensors")
    source = ModelSource(
        url=str(world.tmp / "models" / "local.git"), location=str(world.tmp / "models" / "local.git"), model="org/local"
    )
    clone = fetch.cache_path(world.tmp / "cache", source).with_suffix(".history")
    assert clone.is_dir() and weights not in _blobs_in(clone)
