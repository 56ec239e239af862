"""`aggregate --commit` killed with SIGKILL at 20 points of its work, then run again.

Each round the model repos move on (so fetch, write and commit all have work, and one repo's cache
entry is dropped so it is fetched cold), `aggregate --commit` starts as a real process, and after
a delay the whole process tree is frozen (SIGSTOP, so nothing more starts) and SIGKILLed: the
Python process and every git process it started, as a cancelled job's final kill does. The
points follow what the run does, not a clock: half are spread over the fetches (as long as the
unkilled run of the round before took to write its first file), a quarter come 0-12 ms after the
run replaced the leaderboard table (so between the writes and the commit), a quarter 0-12 ms
after its branch moved (inside `git commit` and after it). No environment variable or hook steers
the run; the test watches the table's inode and the branch ref.

After each kill: the benchmark repo is at the old leaderboard commit or at one new commit on top
of it, and every table and the card parse whole (at HEAD and in the work tree). Then a rerun must
read every model repo (none unreachable: debris of the killed run is cleared, a broken cache entry
rebuilt), commit the new board, and leave `git status` clean.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from evalledger.leaderboard.write import CANDIDATE_COLUMNS, LEADERBOARD_COLUMNS
from test_aggregate_support import BENCH_ID, World, entry

MODELS = 5
ROUNDS = 20
TABLES = {"leaderboard/leaderboard.csv": LEADERBOARD_COLUMNS, "leaderboard/candidates.csv": CANDIDATE_COLUMNS}


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(name))
    return tree


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _kill_tree(pid: int) -> int:
    """Freeze ``pid`` and all its descendants (until no new one appears), then SIGKILL them all."""
    _signal(pid, signal.SIGSTOP)
    frozen = {pid}
    while True:
        new = _descendants(pid) - frozen
        if not new:
            break
        for child in new:
            _signal(child, signal.SIGSTOP)
        frozen |= new
    for member in frozen:
        _signal(member, signal.SIGKILL)
    return len(frozen)


def _wait_for_first_child(proc: subprocess.Popen, limit: float = 120.0) -> float:
    """Seconds until ``proc`` has started its first child (a git process), or has exited."""
    start = time.monotonic()
    while time.monotonic() - start < limit and proc.poll() is None:
        if _children().get(proc.pid):
            break
        time.sleep(0.005)
    return time.monotonic()


def _parse_table(data: bytes, columns: tuple[str, ...], where: str) -> int:
    text = data.decode("utf-8")
    assert text.endswith("\n"), f"{where}: cut short"
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == columns, f"{where}: header {rows[0]}"
    assert all(len(row) == len(columns) for row in rows[1:]), f"{where}: a row is cut short"
    return len(rows) - 1


def _parse_card(data: bytes, where: str) -> None:
    text = data.decode("utf-8")
    assert text.startswith("---\n") and "\n---\n" in text, f"{where}: front matter cut"
    front = yaml.safe_load(text[4 : text.index("\n---\n")])
    assert {c["config_name"] for c in front["configs"]} >= {"leaderboard", "leaderboard_candidates"}, where
    assert text.rstrip().endswith("<!-- evalledger:leaderboard:end -->"), f"{where}: card cut short"


def _check_whole(world: World, rev: str | None) -> None:
    """Every table and the card parse whole: at ``rev`` (git's copy) or in the work tree."""
    for rel, columns in TABLES.items():
        data = world.bench.git("show", f"{rev}:{rel}").encode() if rev else (world.bench.path / rel).read_bytes()
        _parse_table(data, columns, f"{rev or 'work tree'}:{rel}")
    card = (
        world.bench.git("show", f"{rev}:README.md").encode() if rev else (world.bench.path / "README.md").read_bytes()
    )
    _parse_card(card, f"{rev or 'work tree'}:README.md")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="walks /proc to find the process tree")
def test_aggregate_commit_killed_at_twenty_points_then_rerun_reads_every_repo(tmp_path):
    world = World(tmp_path)
    for k in range(MODELS):
        world.model(f"m{k}", {".eval_results/r.yaml": entry("alpha", 50.0 + k) + entry("beta", 1.0 + k)})
    world.registry([f"{world.url(f'm{k}')} - org/m{k}" for k in range(MODELS)], commit=True)
    cache = tmp_path / "cache"
    argv = [
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
        str(cache),
        "--format",
        "json",
        "--jobs",
        "3",
        "--commit",
    ]

    table = world.bench.path / "leaderboard" / "leaderboard.csv"
    branch = world.bench.path / ".git" / "refs" / "heads" / "main"

    def marks() -> tuple[int | None, bytes | None]:
        try:
            inode = table.stat().st_ino  # a write is a rename: a new inode
        except OSError:
            inode = None
        try:
            tip = branch.read_bytes()
        except OSError:
            tip = None
        return inode, tip

    phases = {"written": None, "committed": None}  # seconds after the first git process

    def run_to_end() -> tuple[int, dict, float]:
        """Run unkilled; time when the table is replaced and when the branch moves."""
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        began = _wait_for_first_child(proc)
        inode, tip = marks()
        seen: dict[str, float] = {}
        while proc.poll() is None:
            now_inode, now_tip = marks()
            if now_inode != inode and "written" not in seen:
                seen["written"] = time.monotonic() - began
            if now_tip != tip and "committed" not in seen:
                seen["committed"] = time.monotonic() - began
            time.sleep(0.002)
        out, err = proc.communicate()
        phases.update(seen)
        doc = json.loads(out) if out.strip().startswith(b"{") else {}
        assert doc, err.decode()
        return proc.returncode, doc, time.monotonic() - began

    def kill_when(proc: subprocess.Popen, round_: int, began: float) -> None:
        """Rounds 0-9: spread over the fetches (up to when the last unkilled run wrote its first
        file; sooner if this run writes first). Rounds 10-14: 0-12 ms after this run replaced the
        table (write, then commit). Rounds 15-19: 0-12 ms after its branch moved (the commit)."""
        inode, tip = marks()
        if round_ < 10:
            deadline = began + (phases["written"] or 0.5) * (round_ + 0.5) / 10
            event = None
        else:
            deadline = None
            event = "written" if round_ < 15 else "committed"
        while proc.poll() is None:
            now_inode, now_tip = marks()
            happened = now_inode != inode if event == "written" else now_tip != tip
            if deadline is not None and (time.monotonic() >= deadline or now_inode != inode):
                break
            if event is not None and happened:
                time.sleep(0.003 * (round_ % 5))
                break
            time.sleep(0.001)

    code, doc, work = run_to_end()  # the board exists before the first kill
    assert code == 0 and doc["committed"] and doc["unreachable"] == []

    outcomes = {
        "killed before any file changed": 0,
        "killed with files written, not committed": 0,
        "killed after the commit": 0,
        "finished before the kill": 0,
    }
    lock_retries = 0
    for round_ in range(ROUNDS):
        values = {k: 10.0 + round_ + k / 10 for k in range(MODELS)}  # percent: within (1, 100]
        for k, value in values.items():
            world.model(f"m{k}", {".eval_results/r.yaml": entry("alpha", value) + entry("beta", 1.0 + k)})
        entries = sorted(cache.glob("*.git"))
        if entries:  # one repo fetched cold each round
            subprocess.run(["rm", "-rf", str(entries[round_ % len(entries)])], check=True)
        old_head = world.bench.head()
        old_files = {rel: (world.bench.path / rel).read_bytes() for rel in (*TABLES, "README.md")}

        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        kill_when(proc, round_, _wait_for_first_child(proc))
        if proc.poll() is None:
            _kill_tree(proc.pid)
        finished = proc.wait() == 0

        # right after the kill: old commit or one new commit on it, and nothing half-written
        head = world.bench.head()
        assert head == old_head or world.bench.head(f"{head}^") == old_head, f"round {round_}: HEAD moved oddly"
        _check_whole(world, "HEAD")
        _check_whole(world, None)
        world.bench.git("status", "--porcelain")  # the index reads
        if finished:
            outcomes["finished before the kill"] += 1
        elif head != old_head:
            outcomes["killed after the commit"] += 1
        elif any((world.bench.path / rel).read_bytes() != data for rel, data in old_files.items()):
            outcomes["killed with files written, not committed"] += 1
        else:
            outcomes["killed before any file changed"] += 1

        code, doc, work = run_to_end()
        assert doc["unreachable"] == [] and doc["fetched"] == MODELS, f"round {round_}: {doc['unreachable']}"
        for _ in range(3):  # index.lock, then HEAD.lock or the branch's lock
            stale_lock = re.search(r"Unable to create '([^']+\.lock)': File exists", doc.get("error") or "")
            if code != 2 or not stale_lock:
                break
            # git's own locks (index.lock, HEAD.lock) in the benchmark repo, left by a `git commit`
            # killed mid-way: git says to remove them by hand once no git process runs, and
            # evalledger never removes a lock in a repository it does not own
            lock_retries += 1
            Path(stale_lock.group(1)).unlink()
            code, doc, work = run_to_end()
            assert doc["unreachable"] == [] and doc["fetched"] == MODELS
        assert code == 0, doc.get("error")
        assert doc["unreachable"] == [] and doc["fetched"] == MODELS, f"round {round_}: {doc['unreachable']}"
        board = {
            r["model"]: r["value"]
            for r in csv.DictReader(io.StringIO((world.bench.path / "leaderboard/leaderboard.csv").read_text()))
            if r["task"] == "alpha"
        }
        assert board == {f"org/m{k}": repr(v) for k, v in values.items()}, f"round {round_}"
        assert world.bench.git("status", "--porcelain", "--untracked-files=all", "--ignored") == ""
        assert world.bench.git("log", "-1", "--format=%s").startswith("Update leaderboard")
        _check_whole(world, "HEAD")

    print(
        f"\n{ROUNDS} kills: "
        + ", ".join(f"{n} {what}" for what, n in outcomes.items())
        + f"; reruns that first met a lock file of a killed git commit: {lock_retries}"
    )
    assert outcomes["finished before the kill"] < ROUNDS // 2, outcomes  # the kills did hit the work
