"""Audit speed and memory on a generated model repo, against `git log -p` on the same repo.

    python benchmarks/audit_history.py            # 50,000 commits, 2,000 result edits
    python benchmarks/audit_history.py --size 0.1 # quick run (5,000 commits, 200 edits)

The repo is built with `git fast-import` (seconds, not minutes) and gets a commit-graph with
changed-path Bloom filters, the setup the audit recommends (both sides use it). Measured:

1. full audit wall time / `git log -p -- .eval_results` wall time    target <= 3
2. PR-range audit of 10 commits / full audit                            target < 1/20
3. peak RSS when the same edits are spread over 12.5k, 25k, 50k commits  target: flat (<= 1.10x)
   (and, for scale, on prefixes of the history where the edits grow with it)

Every measure runs once per round, --repeat rounds, in an order that rotates from round to round;
times are medians and ratios are medians of the per-round ratios (same repo, same run, so load
from other jobs hits both sides alike). CLI runs are fresh processes, as CI runs them. The range
target is judged on the audit's work in-process (run_audit in one warm process): interpreter
start-up and imports (~0.1 s, constant) are what no 10-commit run of a Python tool can amortise;
the whole-CLI ratio is printed beside it. Prints a table and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCHMARKS = [
    ("Idavidrein/gpqa", "diamond", "fraction"),
    ("cais/hle", "hle", "percent"),
    ("TIGER-Lab/MMLU-Pro", "mmlu_pro", "percent"),
    ("SWE-bench/SWE-bench_Verified", "swe_bench_verified", "percent"),
    ("openai/gsm8k", "gsm8k", "percent"),
    ("MathArena/aime_2025", "aime", "percent"),
    ("allenai/olmOCR-bench", "overall", "percent"),
    ("ScaleAI/SWE-bench_Pro", "SWE_Bench_Pro", "percent"),
]
SETUPS = ["", "with tools", "no tools", "chain-of-thought"]
PR_COMMITS = 10


def entry_yaml(bench: str, task: str, value: float, url: str, notes: str, flow: bool) -> str:
    if flow:
        text = (
            f"- {{dataset: {{id: {bench}, task_id: {task}}}, value: {value}, date: '2023-10-01',"
            f" source: {{url: '{url}', name: Eval run}}"
        )
        return text + (f", notes: {notes}}}\n" if notes else "}\n")
    text = (
        f"- dataset:\n    id: {bench}\n    task_id: {task}\n  value: {value}\n  date: '2023-10-01'\n"
        f"  source:\n    url: {url}\n    name: Eval run\n"
    )
    return text + (f"  notes: {notes}\n" if notes else "")


def generate(path: Path, commits: int, edits: int, seed: int = 7) -> None:
    """A linear history of ``commits`` commits; ``edits`` of them change .eval_results (the last
    PR_COMMITS all do: they are the PR the range audit checks)."""
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "--initial-branch=main", str(path)], check=True)
    edit_at = set(rng.sample(range(1, commits - PR_COMMITS), edits - PR_COMMITS))
    edit_at.update(range(commits - PR_COMMITS, commits))
    # live entries: file -> list of [bench, task, unit, setup, value, url, flow]
    files: dict[str, list[list]] = {}
    for i, (bench, task, unit) in enumerate(BENCHMARKS):
        files[f".eval_results/{task.lower()}.yaml"] = [
            [
                bench,
                task,
                unit,
                setup,
                round(rng.uniform(0.2, 0.8), 4) if unit == "fraction" else round(rng.uniform(20, 80), 1),
                f"https://example.org/{task}/0",
                False,
            ]
            for setup in SETUPS[: 1 + i % 3]
        ]
    out = []
    tick = 1_700_000_000

    def render(entries) -> bytes:
        return "".join(entry_yaml(b, t, v, u, s, f) for b, t, _, s, v, u, f in entries).encode()

    def blob(path: str, data: bytes) -> None:
        out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")

    for n in range(commits):
        author = ("alice", "bob", "carol")[n % 3]
        message = f"commit {n}".encode()
        out.append(
            f"commit refs/heads/main\nauthor {author} <{author}@example.com> {tick + n * 60} +0000\n"
            f"committer {author} <{author}@example.com> {tick + n * 60} +0000\n"
            f"data {len(message)}\n".encode()
            + message
            + b"\n"
        )
        if n == 0:
            for name, entries in files.items():
                blob(name, render(entries))
            blob("README.md", b"# model\n")
        elif n in edit_at:
            name = rng.choice(sorted(files))
            entries = files[name]
            changed = {name}
            roll = rng.random()
            item = rng.choice(entries)
            if roll < 0.80:  # a new run with its own source
                item[4] = round(item[4] * rng.uniform(0.95, 1.05), 4 if item[2] == "fraction" else 1)
                item[5] = f"https://example.org/{item[1]}/{n}"
            elif roll < 0.87:  # reformat (block <-> flow style): not an edit
                item[6] = not item[6]
            elif roll < 0.93:  # move an entry to another file: not an edit
                target = rng.choice(sorted(files))
                if target != name:
                    entries.remove(item)
                    files[target].append(item)
                    changed.add(target)
            else:  # raised with the same source: the suspicious edit
                item[4] = round(item[4] + (0.05 if item[2] == "fraction" else 3.0), 4)
            for changed_path in sorted(changed):
                if files[changed_path]:
                    blob(changed_path, render(files[changed_path]))
                else:
                    out.append(f"D {changed_path}\n".encode())
                    del files[changed_path]
        else:
            blob(f"src/module_{n % 200}.py", f"VALUE = {n}\n".encode())
    stream = b"".join(out)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=stream, check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=path, check=True)
    subprocess.run(
        ["git", "commit-graph", "write", "--reachable", "--changed-paths"], cwd=path, check=True, capture_output=True
    )


def run_cli(args: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process tree) of one run in a fresh process, as CI runs it;
    CPU time is less sensitive than wall time to other jobs sharing the machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.decode()}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


AUDIT = [sys.executable, "-m", "evalledger", "audit", ".", "--fail-on", "never", "--model", "org/model"]
# the audit's own work, without interpreter start-up and imports (which a 10-commit range cannot
# amortise): one long-lived process runs run_audit on request ("-" for the whole history, else a
# range) and answers with its wall time, so in-process runs rotate with the others
IN_PROCESS = (
    "import sys, time\n"
    "from evalledger.audit.engine import run_audit\n"
    "run_audit('.', model='org/model')  # warm: imports and first-use caches\n"
    "for line in sys.stdin:\n"
    "    rng = line.strip()\n"
    "    start = time.perf_counter()\n"
    "    run_audit('.', rev_range=None if rng == '-' else rng, model='org/model')\n"
    "    print(time.perf_counter() - start, flush=True)\n"
)
# VmHWM, not getrusage's ru_maxrss: Linux carries the parent's peak across fork+exec into the
# child's ru_maxrss, so a child of this (large) process would report our own peak
PEAK = (
    "import sys, io, contextlib\n"
    "from evalledger.cli import main\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    main(sys.argv[1:])\n"
    "status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
    "print(int(status.split()[0]))\n"
)


class InProcess:
    def __init__(self, cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", IN_PROCESS], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def __call__(self, rev_range: str) -> float:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write((rev_range or "-") + "\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


def peak_rss_kb(cwd: Path) -> int:
    proc = subprocess.run(
        [sys.executable, "-c", PEAK, *AUDIT[3:], "--format", "json"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(proc.stdout.strip())


def median(values: list[float]) -> float:
    return statistics.median(values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=float, default=1.0, help="fraction of 50,000 commits / 2,000 edits")
    parser.add_argument("--repeat", type=int, default=9, help="rounds (medians are reported)")
    parser.add_argument("--workdir", help="where to build the repos (default: a temporary directory)")
    args = parser.parse_args(argv)
    commits, edits = int(50_000 * args.size), int(2_000 * args.size)
    checks = []

    def row(name: str, value: str, target: str = "", ok: bool | None = None) -> None:
        print(f"{name:<58} {value:>11} {target:>8} {'' if ok is None else ('yes' if ok else 'NO'):>4}", flush=True)
        if ok is not None:
            checks.append(ok)

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        repo = Path(tmp) / "repo"
        start = time.perf_counter()
        generate(repo, commits, edits)
        built = time.perf_counter() - start
        print(
            f"repo: {commits:,} commits, {edits:,} result edits (built in {built:.1f} s with fast-import);"
            f" medians of {args.repeat} rounds in rotating order"
        )
        print(f"{'measure':<58} {'value':>11} {'target':>8} {'ok':>4}")
        pr_range = f"HEAD~{PR_COMMITS}..HEAD"
        worker = InProcess(repo)
        measures = {
            "peer": lambda: run_cli(["git", "log", "-p", "--", ".eval_results"], repo),
            "full": lambda: run_cli(AUDIT, repo),
            "full_json": lambda: run_cli([*AUDIT, "--format", "json"], repo),
            "pr": lambda: run_cli([*AUDIT, "--range", pr_range], repo),
            "full_work": lambda: (worker(""), 0.0),
            "pr_work": lambda: (worker(pr_range), 0.0),
        }
        names = list(measures)
        rounds: list[dict[str, tuple[float, float]]] = []
        for n in range(args.repeat):  # rotating order: no measure always runs first or last
            order = names[n % len(names) :] + names[: n % len(names)]
            rounds.append({name: measures[name]() for name in order})
        worker.close()

        def med(name: str, cpu: bool = False) -> float:
            return median([r[name][1 if cpu else 0] for r in rounds])

        def ratio(a: str, b: str, cpu: bool = False) -> float:  # median of the per-round ratios
            i = 1 if cpu else 0
            return median([r[a][i] / r[b][i] for r in rounds])

        row("git log -p -- .eval_results (peer)", f"{med('peer'):.3f} s")
        row("evalledger audit, full history (text report)", f"{med('full'):.3f} s")
        row("evalledger audit, full history (--format json)", f"{med('full_json'):.3f} s")
        row(f"evalledger audit --range {pr_range}", f"{med('pr'):.3f} s")
        full_ratio = ratio("full", "peer")
        row("full audit / git log -p, wall", f"{full_ratio:.2f}", "<= 3", full_ratio <= 3)
        row("full audit / git log -p, CPU (all processes)", f"{ratio('full', 'peer', cpu=True):.2f}")
        row("full audit (json) / git log -p, wall", f"{ratio('full_json', 'peer'):.2f}")
        row("audit work in-process: full history", f"{med('full_work'):.3f} s")
        row(f"audit work in-process: range of {PR_COMMITS} commits", f"{med('pr_work') * 1000:.1f} ms")
        work_ratio = ratio("pr_work", "full_work")
        row("PR-range / full, audit work in-process", f"{work_ratio:.3f}", "< 0.05", work_ratio < 0.05)
        row("PR-range / full, whole CLI incl. interpreter start-up", f"{ratio('pr', 'full'):.3f}")
        row("PR-range / full, whole CLI, CPU (all processes)", f"{ratio('pr', 'full', cpu=True):.3f}")
        shutil.rmtree(repo)
        # memory: the same 2,000 edits spread over a longer and longer history must not cost more;
        # a prefix of the history (edits growing with it) is shown for scale
        peaks = []
        for share in (0.25, 0.5, 1.0):
            sized = Path(tmp) / f"spread-{share}"
            generate(sized, int(commits * share), edits)
            peaks.append((int(commits * share), peak_rss_kb(sized)))
            shutil.rmtree(sized)
        for n, kb in peaks:
            row(f"peak RSS, {edits:,} edits over {n:,} commits", f"{kb / 1024:.1f} MiB")
        growth = peaks[-1][1] / peaks[0][1]
        row("peak RSS growth as history grows 4x (same edits)", f"{growth:.2f}x", "<= 1.10", growth <= 1.10)
        prefix = []
        for share in (0.25, 0.5):
            sized = Path(tmp) / f"prefix-{share}"
            generate(sized, int(commits * share), int(edits * share))
            prefix.append((int(commits * share), int(edits * share), peak_rss_kb(sized)))
            shutil.rmtree(sized)
        prefix.append((commits, edits, peaks[-1][1]))
        for n, e, kb in prefix:
            row(f"peak RSS, {e:,} edits over {n:,} commits", f"{kb / 1024:.1f} MiB")
    return 0 if all(checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
