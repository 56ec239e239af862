"""Determinism, no-change runs, commit/push under a bot identity, clear errors, and a real push race."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

from gitutil import GitRepo
from test_aggregate_support import BENCH_ID, World, aggregate, entry, read_csv, rows_by_model

OUTPUTS = ("leaderboard/leaderboard.csv", "leaderboard/candidates.csv", "README.md")


def _world_with_models(tmp_path: Path, count: int = 6) -> tuple[World, list[str]]:
    world = World(tmp_path)
    lines = []
    for i in range(count):
        name = f"m{i}"
        text = entry("alpha", 50.0 + i % 3) + entry("beta", float(i))
        world.model(name, {".eval_results/r.yaml": text}, when=1_767_300_000 + (i % 2) * 1000)
        # two repos claim the same model id, so ordering ties must be broken by content, not order
        lines.append(f"{world.url(name)} - org/model{i // 2}")
    world.model("m0", {".eval_results/pr.yaml": entry("alpha", 77.0, notes="cot")})
    world.pull_request("m1", 3, {".eval_results/r.yaml": entry("alpha", 12.0)})
    return world, lines


def test_shuffled_registry_gives_identical_bytes(tmp_path, capsys):
    world, lines = _world_with_models(tmp_path)
    other = world.clone("bench2")
    world.registry(lines)
    shuffled = lines[:]
    random.Random(7).shuffle(shuffled)
    assert shuffled != lines
    world.registry(["# shuffled, with a comment", *reversed(shuffled)], repo=other)
    assert aggregate(world, "--include-pull-requests", "--jobs", "1", capsys=capsys)[0] == 0
    assert aggregate(world, "--include-pull-requests", "--jobs", "3", repo=other, cache="cache2", capsys=capsys)[0] == 0
    for rel in OUTPUTS:
        assert (world.bench.path / rel).read_bytes() == (other.path / rel).read_bytes(), rel
    assert len(read_csv(world.bench.path / OUTPUTS[0])) >= 4


def test_no_change_run_touches_nothing_and_commits_nothing(tmp_path, capsys):
    world, lines = _world_with_models(tmp_path, 3)
    world.registry(lines, commit=True)
    code, doc = aggregate(world, "--commit", capsys=capsys)
    assert code == 0 and doc["committed"] and doc["changed"]
    head = world.bench.head()
    stamps = {rel: os.stat(world.bench.path / rel).st_mtime_ns for rel in OUTPUTS}
    code, doc = aggregate(world, "--commit", capsys=capsys)
    assert code == 0
    assert doc["changed"] is False and doc["committed"] is False and doc["written"] == []
    assert world.bench.head() == head
    assert {rel: os.stat(world.bench.path / rel).st_mtime_ns for rel in OUTPUTS} == stamps
    assert doc["changes"]["new"] == [] and doc["changes"]["moved"] == [] and not doc["changes"]["first_run"]
    # a model repo update moves ranks: reported as changes, committed once
    world.model("m2", {".eval_results/r.yaml": entry("alpha", 10.0) + entry("beta", 2.0)})
    code, doc = aggregate(world, "--commit", capsys=capsys)
    assert code == 0 and doc["committed"] and doc["commit"] == world.bench.head()
    moved = {(m["model"], m["task"]): (m["old_rank"], m["rank"]) for m in doc["changes"]["moved"]}
    assert moved == {("org/model1", "alpha"): (1, 2), ("org/model0", "alpha"): (2, 1)}
    assert [v["model"] for v in doc["changes"]["value_changed"]] == ["org/model1"]


def test_push_commits_once_as_the_bot(tmp_path, capsys):
    world, lines = _world_with_models(tmp_path, 2)
    world.registry(lines, commit=True)
    world.bench.write("notes.txt", "a maintainer's unstaged work\n")
    code, doc = aggregate(world, "--push", capsys=capsys)
    assert code == 0, doc
    assert doc["pushed"] and doc["committed"] and doc["push_attempts"] == 1
    log = world.origin.git("log", "-1", "--format=%an <%ae>%n%s%n%H", "main").splitlines()
    assert log[0] == "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
    assert log[1].startswith("Update leaderboard: ")
    assert log[2] == doc["commit"]
    files = world.origin.git("show", "--name-only", "--format=", "main").split()
    assert sorted(files) == sorted(OUTPUTS)  # nothing else the maintainer had around
    assert (world.bench.path / "notes.txt").exists()


def test_detached_head_and_not_a_repo_are_clear_errors(tmp_path, capsys):
    world, lines = _world_with_models(tmp_path, 2)
    world.registry(lines, commit=True)
    world.bench.git("checkout", "-q", "--detach")
    code, _ = aggregate(world, "--commit", capsys=capsys)
    assert code == 2 and "HEAD is detached" in world.stderr and "Traceback" not in world.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "eval.yaml").write_text((world.bench.path / "eval.yaml").read_text())
    (plain / "models.txt").write_text((world.bench.path / "models.txt").read_text())
    code, _ = aggregate(world, "--push", repo=GitRepo(plain), capsys=capsys)
    assert code == 2 and "not a git repository" in world.stderr


def test_push_without_permission_is_a_clear_error(tmp_path, capsys):
    world, lines = _world_with_models(tmp_path, 2)
    world.registry(lines, commit=True)
    hook = world.origin.path / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\necho 'Permission to acme/bench.git denied to github-actions[bot].' >&2\n"
        "echo 'fatal: unable to access: The requested URL returned error: 403' >&2\nexit 1\n"
    )
    hook.chmod(0o755)
    code, doc = aggregate(world, "--push", "--push-backoff", "0", capsys=capsys)
    assert code == 2
    assert "write permission" in doc["error"] and "contents: write" in doc["error"]
    assert doc["push_attempts"] == 1 and not doc["pushed"]


BARRIER_HOOK = """#!/bin/sh
# both aggregations wait here until both have committed: then they really push at once
touch "{dir}/$$"
i=0
while [ "$(ls "{dir}" | wc -l)" -lt 2 ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i+1)); done
exit 0
"""


def _start(world: World, repo: GitRepo, cache: str) -> subprocess.Popen:
    argv = [
        sys.executable,
        "-m",
        "evalledger",
        "aggregate",
        "--repo",
        str(repo.path),
        "--models",
        str(repo.path / "models.txt"),
        "--benchmark-id",
        BENCH_ID,
        "--cache-dir",
        str(world.tmp / cache),
        "--format",
        "json",
        "--push",
        "--push-attempts",
        "4",
        "--push-backoff",
        "0.05",
    ]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_aggregations_racing_to_push_both_succeed(tmp_path, capsys):
    world, lines = _world_with_models(tmp_path, 4)
    world.registry(lines, commit=True)
    # runner 2 is a depth-1 clone, as actions/checkout makes by default
    first, second = world.clone("runner1"), world.clone("runner2", "--depth", "1")
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    for runner in (first, second):
        hook = runner.path / ".git" / "hooks" / "pre-push"
        hook.write_text(BARRIER_HOOK.format(dir=barrier))
        hook.chmod(0o755)
    one = _start(world, first, "cache1")
    # wait until runner 1 has fetched, committed and is at the push barrier...
    for _ in range(600):
        if any(barrier.iterdir()) or one.poll() is not None:
            break
        subprocess.run(["sleep", "0.05"])
    assert one.poll() is None, one.communicate()
    # ...then a model repo moves on, so runner 2 sees newer inputs than runner 1 did
    world.model("m3", {".eval_results/r.yaml": entry("alpha", 97.5) + entry("beta", 0.5)}, when=1_767_400_000)
    two = _start(world, second, "cache2")
    results = []
    for proc in (one, two):
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    # exactly one push was rejected and that run regenerated on the winner's commit
    assert sorted(r["push_attempts"] for r in results) == [1, 2]
    assert all(r["error"] is None for r in results)
    # the remote holds a linear history and a leaderboard equal to a fresh run over all inputs
    assert world.origin.git("rev-list", "--merges", "main").strip() == ""
    check = world.clone("check")
    code, doc = aggregate(world, repo=check, cache="cache3", capsys=capsys)
    assert code == 0 and doc["changed"] is False, doc["written"]
    board = rows_by_model(check.path / "leaderboard/leaderboard.csv", "alpha")
    assert board["org/model1"]["value"] == "97.5"


def test_switching_format_replaces_the_tables_in_one_commit(tmp_path, capsys):
    world, lines = _world_with_models(tmp_path, 2)
    world.registry(lines, commit=True)
    assert aggregate(world, "--commit", capsys=capsys)[0] == 0
    code, doc = aggregate(world, "--commit", "--output-format", "parquet", capsys=capsys)
    assert code == 0 and doc["committed"]
    assert sorted(p.name for p in (world.bench.path / "leaderboard").iterdir()) == [
        "candidates.parquet",
        "leaderboard.parquet",
    ]
    changed = world.bench.git("show", "--name-status", "--format=", "HEAD").split("\n")
    assert "D\tleaderboard/leaderboard.csv" in changed and "A\tleaderboard/leaderboard.parquet" in changed
    assert "leaderboard/leaderboard.parquet" in (world.bench.path / "README.md").read_text()
    assert world.bench.git("status", "--porcelain").strip() == ""
