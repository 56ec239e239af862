"""The fetch cache survives interrupted runs, explicit refs are stable, over-size blobs are never read.

Real git throughout: model repos are bare remotes over file:// (or a stalling HTTP listener on
127.0.0.1 for the timeout), the cache is the one ``aggregate`` keeps, and the debris planted in it
is exactly what a killed git leaves (git's lock files are plain files: their existence is the lock).
"""

from __future__ import annotations

import ast
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from evalledger import git
from evalledger.leaderboard import fetch
from evalledger.leaderboard.sources import ModelSource
from gitutil import GitRepo
from test_aggregate_support import World, aggregate, entry, read_csv, rows_by_model

SRC = Path(__file__).resolve().parent.parent / "src" / "evalledger"
TABLES = ("leaderboard/leaderboard.csv", "leaderboard/candidates.csv", "README.md")


def _bytes(world: World) -> dict[str, bytes]:
    return {rel: (world.bench.path / rel).read_bytes() for rel in TABLES}


def _entries(world: World) -> list[Path]:
    return sorted((world.tmp / "cache").glob("*.git"))


# --- 8.2: a registry ref other than the default branch ----------------------------------------


def _tagged_world(tmp_path) -> tuple[World, GitRepo, dict[str, str]]:
    """org/m: 50.0 at the commit tagged v1.2 (annotated) and v1.1 (lightweight), 51.0 on main."""
    world = World(tmp_path)
    world.model("m", {".eval_results/r.yaml": entry("alpha", 50.0)})
    work = world._work["m"]
    old = work.head()
    work.git("tag", "-a", "v1.2", "-m", "release 1.2")
    work.git("tag", "v1.1")
    bare = world.model("m", {".eval_results/r.yaml": entry("alpha", 51.0)})
    work.git("push", "-q", "--force", bare.url, "refs/tags/v1.2", "refs/tags/v1.1")
    world.pull_request("m", 1, {".eval_results/r.yaml": entry("alpha", 52.0)})
    return world, bare, {"old": old, "main": bare.head("main")}


@pytest.mark.parametrize("pulls", [False, True], ids=["merged", "with-pull-requests"])
@pytest.mark.parametrize(
    "ref, value",
    [("-", "51.0"), ("main", "51.0"), ("refs/heads/main", "51.0"), ("v1.2", "50.0"), ("v1.1", "50.0"), ("sha", "50.0")],
)
def test_an_explicit_ref_gives_the_same_bytes_and_no_commit_on_every_run(tmp_path, capsys, ref, value, pulls):
    world, _, commits = _tagged_world(tmp_path)
    shown = commits["old"] if ref == "sha" else ref
    world.registry([f"{world.url('m')} {shown} org/m"], commit=True)
    extra = ["--include-pull-requests"] if pulls else []
    code, doc = aggregate(world, "--commit", *extra, capsys=capsys)
    assert code == 0 and doc["unreachable"] == [] and doc["committed"], doc
    first = _bytes(world)
    assert rows_by_model(world.bench.path / TABLES[0], "alpha")["org/m"]["value"] == value
    head = world.bench.head()
    for _ in range(4):
        code, doc = aggregate(world, "--commit", *extra, capsys=capsys)
        assert code == 0 and doc["unreachable"] == [], doc["unreachable"]
        assert doc["changed"] is False and doc["committed"] is False and doc["written"] == []
        assert _bytes(world) == first
    assert world.bench.head() == head  # five runs, one commit
    if pulls:  # the pull request is read as a community row next to the ref's own row
        rows = read_csv(world.bench.path / TABLES[1])
        assert sorted((r["ref"], r["value"]) for r in rows) == sorted(
            [("refs/pull/1/head", "52.0"), ("HEAD" if ref == "-" else shown, value)]
        )


# --- 7.3: interrupted runs ---------------------------------------------------------------------


def _warm_world(tmp_path, capsys) -> World:
    world = World(tmp_path)
    world.model("m", {".eval_results/r.yaml": entry("alpha", 60.0)})
    world.model("n", {".eval_results/r.yaml": entry("alpha", 40.0)})
    world.registry([f"{world.url('m')} - org/m", f"{world.url('n')} - org/n"], commit=True)
    code, doc = aggregate(world, "--commit", capsys=capsys)
    assert code == 0 and doc["fetched"] == 2
    return world


def _entry_of(world: World, name: str) -> Path:
    source = ModelSource(url=world.url(name), location=world.url(name), model=f"org/{name}")
    return fetch.cache_path(world.tmp / "cache", source)


def _rerun_reads_the_new_value(world: World, capsys) -> None:
    world.model("m", {".eval_results/r.yaml": entry("alpha", 61.0)})
    code, doc = aggregate(world, "--commit", capsys=capsys)
    assert code == 0 and doc["unreachable"] == [], doc["unreachable"]
    assert doc["fetched"] == 2 and doc["committed"]
    assert rows_by_model(world.bench.path / TABLES[0])["org/m"]["value"] == "61.0"
    # and the run after that is a no-op: the entry works again, it is not rebuilt every time
    code, doc = aggregate(world, "--commit", capsys=capsys)
    assert code == 0 and doc["unreachable"] == [] and doc["committed"] is False


def test_lock_files_left_by_a_killed_fetch_are_cleared(tmp_path, capsys):
    world = _warm_world(tmp_path, capsys)
    entry_dir = _entry_of(world, "m")
    # what `git fetch --depth=1 ... +HEAD:refs/evalledger/head` leaves when it is SIGKILLed
    (entry_dir / "shallow.lock").write_bytes(b"")
    (entry_dir / "refs" / "evalledger" / "head.lock").write_bytes(b"0" * 40 + b"\n")
    (entry_dir / "objects" / "pack" / "tmp_pack_Xy12ab").write_bytes(b"PACK\0\0")
    _rerun_reads_the_new_value(world, capsys)
    assert not (entry_dir / "shallow.lock").exists()
    assert not (entry_dir / "refs" / "evalledger" / "head.lock").exists()
    assert not (entry_dir / "objects" / "pack" / "tmp_pack_Xy12ab").exists()


@pytest.mark.parametrize("damage", ["config-cut-short", "objects-lost", "not-a-repository"])
def test_a_cache_entry_git_cannot_use_is_rebuilt_once(tmp_path, capsys, damage):
    world = _warm_world(tmp_path, capsys)
    entry_dir = _entry_of(world, "m")
    if damage == "config-cut-short":  # the old writer's config, cut short by a kill
        config = (entry_dir / "config").read_bytes()
        (entry_dir / "config").write_bytes(config[: config.index(b"[remote")])
    elif damage == "objects-lost":
        for path in (entry_dir / "objects").rglob("*"):
            if path.is_file():
                path.unlink()
    else:
        for child in entry_dir.iterdir():
            if child.name != "config":
                os.system(f"rm -rf '{child}'")
    _rerun_reads_the_new_value(world, capsys)
    assert not list((world.tmp / "cache").glob("*.fresh.git")) and not list((world.tmp / "cache").glob("*.old.git"))


def test_an_unreachable_repo_keeps_its_cache_entry_when_the_rebuild_fails_too(tmp_path, capsys):
    world = _warm_world(tmp_path, capsys)
    entry_dir = _entry_of(world, "m")
    before = sorted(p.relative_to(entry_dir) for p in entry_dir.rglob("*"))
    os.rename(world.tmp / "models" / "m.git", world.tmp / "models" / "m.moved")
    code, doc = aggregate(world, "--commit", capsys=capsys)
    assert code == 0 and [u["model"] for u in doc["unreachable"]] == ["org/m"]
    assert sorted(p.relative_to(entry_dir) for p in entry_dir.rglob("*")) == before
    assert not list((world.tmp / "cache").glob("*.fresh.git"))
    os.rename(world.tmp / "models" / "m.moved", world.tmp / "models" / "m.git")
    _rerun_reads_the_new_value(world, capsys)


class _StallingHTTP:
    """Accepts connections on 127.0.0.1 and never answers (a host that hangs mid-request)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.conns:
            conn.close()


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(f"{pid}: {cmdline}")
    return found


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc to list processes")
def test_a_timed_out_http_fetch_leaves_no_git_process_behind(tmp_path, capsys):
    server = _StallingHTTP()
    try:
        world = World(tmp_path)
        world.model("m", {".eval_results/r.yaml": entry("alpha", 60.0)})
        url = f"http://127.0.0.1:{server.port}/models/hanging.git"
        world.registry([f"{url} - org/hanging", f"{world.url('m')} - org/m"])
        started = time.monotonic()
        code, doc = aggregate(world, "--timeout", "2", capsys=capsys)
        assert code == 0 and [u["model"] for u in doc["unreachable"]] == ["org/hanging"]
        assert "timed out after 2s" in doc["unreachable"][0]["message"]
        assert doc["fetched"] == 1 and time.monotonic() - started < 60
        left = _processes_mentioning(f"127.0.0.1:{server.port}")
        for _ in range(50):  # SIGKILL is delivered asynchronously: give the kernel a moment
            if not left:
                break
            time.sleep(0.1)
            left = _processes_mentioning(f"127.0.0.1:{server.port}")
        assert left == [], "orphaned git processes: " + "; ".join(left)
    finally:
        server.close()


def test_an_entry_locked_for_longer_than_the_timeout_is_read_through_a_private_entry(tmp_path, capsys):
    import fcntl

    world = _warm_world(tmp_path, capsys)
    entry_dir = _entry_of(world, "m")
    world.model("m", {".eval_results/r.yaml": entry("alpha", 62.0)})
    with open(entry_dir.with_suffix(".lock"), "a+") as held:  # a git process an earlier run left
        fcntl.flock(held, fcntl.LOCK_EX)
        code, doc = aggregate(world, "--timeout", "1", capsys=capsys)
    assert code == 0 and doc["unreachable"] == []
    assert rows_by_model(world.bench.path / TABLES[0])["org/m"]["value"] == "62.0"
    assert not list((world.tmp / "cache").glob("*.private.*"))


def test_every_git_process_starts_in_one_place():
    """git.start is the only caller of subprocess.Popen/run for git; no module runs "git" itself."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            if node.func.attr not in ("Popen", "run", "call", "check_output", "check_call"):
                continue
            if getattr(node.func.value, "id", None) != "subprocess":
                continue
            where = f"{path.relative_to(SRC)}:{node.lineno}"
            if path.name == "git.py" or "git" in ast.unparse(node.args[0] if node.args else node):
                offenders.append(where)
    starts = [o for o in offenders if o.startswith("git.py")]
    assert len(starts) == 1 and len(offenders) == 1, offenders


def test_files_are_written_whole_and_a_killed_writes_temporary_file_is_removed(tmp_path, capsys):
    world = _warm_world(tmp_path, capsys)
    table = world.bench.path / TABLES[0]
    debris = table.with_name(".leaderboard.csv.evalledger-tmp")
    debris.write_bytes(b"benchmark,task,set")  # a write killed before its rename
    code, doc = aggregate(world, "--commit", capsys=capsys)
    assert code == 0 and doc["committed"] is False and not debris.exists()
    assert world.bench.git("status", "--porcelain") == ""

    from evalledger.atomic import temp_path, write_atomic

    assert temp_path(table) == debris
    write_atomic(tmp_path / "x.txt", "one\n")
    assert (tmp_path / "x.txt").read_text() == "one\n" and not temp_path(tmp_path / "x.txt").exists()
    # the cache entry's own files are written the same way
    entry_dir = _entry_of(world, "m")
    assert (entry_dir / "config").read_text().endswith("partialclonefilter = blob:none\n")
    assert not list(entry_dir.glob(".*evalledger-tmp"))


# --- 7.6: over-size result blobs ---------------------------------------------------------------

BIG = 3 * 1024 * 1024  # over the 2 MiB limit


def _big_yaml(size: int) -> str:
    line = entry("beta", 1.5)
    return (line * (size // len(line) + 1))[:size]


def _oversize_world(tmp_path) -> World:
    world = World(tmp_path)
    world.model("m", {".eval_results/r.yaml": entry("alpha", 60.0), ".eval_results/huge.yaml": _big_yaml(BIG)})
    world.registry([f"{world.url('m')} - org/m"], commit=True)
    return world


def _objects_in(repo: Path) -> set[str]:
    """Every object a repository holds (listing them never fetches from a promisor remote)."""
    out = GitRepo(repo).git("cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
    return set(out.split())


def test_an_over_size_blob_is_rejected_and_never_fetched_nor_read(tmp_path, capsys):
    world = _oversize_world(tmp_path)
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0 and doc["unreachable"] == []
    assert rows_by_model(world.bench.path / TABLES[0], "alpha")["org/m"]["value"] == "60.0"
    [rejected] = doc["rejected"]
    assert (rejected["file"], rejected["rule"], rejected["line"]) == (".eval_results/huge.yaml", "file-too-large", 1)
    assert "over the 2,097,152 byte limit" in rejected["message"]
    assert "--max-file-size" not in rejected["message"]  # a lint option: aggregate has none
    huge = world._work["m"].head("HEAD:.eval_results/huge.yaml")
    assert huge not in _objects_in(_entry_of(world, "m"))  # the server never sent it
    # a warm run knows it is over the limit without asking git for it (which would fetch it)
    code, again = aggregate(world, capsys=capsys)
    assert code == 0 and again["rejected"] == doc["rejected"] and again["unreachable"] == []
    assert huge not in _objects_in(_entry_of(world, "m"))

    seen = []

    def reduce(snapshot):
        for ref in snapshot.refs:
            seen.append((ref.too_large, [(path, len(data)) for path, data in ref.files]))
        return "done"

    source = ModelSource(url=world.url("m"), location=world.url("m"), model="org/m")
    options = fetch.FetchOptions(cache_dir=tmp_path / "cache2")
    [(snapshot, result)] = fetch.fetch_map([source], options, 1, reduce)
    assert result == "done" and snapshot.error is None
    small = len(entry("alpha", 60.0))
    assert seen == [(((".eval_results/huge.yaml", None),), [(".eval_results/r.yaml", small)])]
    assert [tuple(ref.files) for ref in snapshot.refs] == [()]  # contents are not kept after reduce


def test_on_git_older_than_2_36_an_over_size_blob_is_fetched_by_id_but_never_read(tmp_path, capsys, monkeypatch):
    """No --refetch before git 2.36, so no size-filtered fetch: the blob arrives (compressed) and
    its size, read from its header by a `cat-file --batch-check` process, keeps it unread."""
    world = _oversize_world(tmp_path)
    monkeypatch.setitem(git._VERSION, git.git_binary(), (2, 35, 0))
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0 and [r["rule"] for r in doc["rejected"]] == ["file-too-large"]
    assert f"file is {BIG:,} bytes" in doc["rejected"][0]["message"]
    assert rows_by_model(world.bench.path / TABLES[0], "alpha")["org/m"]["value"] == "60.0"
    seen = []
    source = ModelSource(url=world.url("m"), location=world.url("m"), model="org/m")
    fetch.fetch_map(
        [source],
        fetch.FetchOptions(cache_dir=world.tmp / "cache"),
        1,
        lambda snapshot: seen.extend((r.too_large, [p for p, _ in r.files]) for r in snapshot.refs),
    )
    assert seen == [(((".eval_results/huge.yaml", BIG),), [".eval_results/r.yaml"])]


def test_an_over_size_submission_file_is_rejected_unread(tmp_path, capsys):
    world = World(tmp_path)
    world.bench.write("submissions/acme/m/.eval_results/r.yaml", entry("alpha", 70.0))
    world.bench.write("submissions/acme/m/.eval_results/huge.yaml", _big_yaml(BIG))
    world.bench.commit("submissions")
    code, doc = aggregate(world, "--models-dir", str(world.bench.path / "submissions"), capsys=capsys)
    assert code == 0 and [(r["file"], r["rule"]) for r in doc["rejected"]] == [
        (".eval_results/huge.yaml", "file-too-large")
    ]
    assert rows_by_model(world.bench.path / TABLES[0], "alpha")["acme/m"]["value"] == "70.0"


def test_a_server_that_refuses_size_filters_sends_the_blobs_asked_for_by_id(tmp_path, capsys):
    world = _oversize_world(tmp_path)
    bare = GitRepo(world.tmp / "models" / "m.git")
    bare.git("config", "uploadpackfilter.allow", "false")  # only blob:none, as some forges do
    bare.git("config", "uploadpackfilter.blob:none.allow", "true")
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0 and doc["unreachable"] == []
    assert [(r["file"], r["rule"]) for r in doc["rejected"]] == [(".eval_results/huge.yaml", "file-too-large")]
    assert f"file is {BIG:,} bytes" in doc["rejected"][0]["message"]
    assert rows_by_model(world.bench.path / TABLES[0], "alpha")["org/m"]["value"] == "60.0"


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc to list processes")
def test_a_terminated_run_ends_its_git_processes_first(tmp_path):
    """A cancelled job sends SIGTERM to aggregate only: its git processes, in sessions of their own,
    are ended by it before it exits (143), not left running."""
    import signal
    import subprocess
    import sys

    from test_aggregate_support import BENCH_ID

    server = _StallingHTTP()
    try:
        world = World(tmp_path)
        world.registry([f"http://127.0.0.1:{server.port}/models/hanging.git - org/hanging"])
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "evalledger",
                "aggregate",
                "--repo",
                str(world.bench.path),
                "--models",
                str(world.bench.path / "models.txt"),
                "--benchmark-id",
                BENCH_ID,
                "--cache-dir",
                str(tmp_path / "cache"),
                "--timeout",
                "120",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        marker = f"127.0.0.1:{server.port}"
        for _ in range(600):  # until the fetch is under way
            if any("remote-http" in p for p in _processes_mentioning(marker)) or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
        assert proc.returncode == 143, proc.returncode
        left = _processes_mentioning(marker)
        for _ in range(50):
            if not left:
                break
            time.sleep(0.1)
            left = _processes_mentioning(marker)
        assert left == [], "git processes left running: " + "; ".join(left)
    finally:
        server.close()
