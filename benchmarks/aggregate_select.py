"""Selecting leaderboard rows from a million candidates: memory and time, against plain Python.

    python benchmarks/aggregate_select.py               # 1,000,000 candidate rows
    python benchmarks/aggregate_select.py --rows 100000 # quick run

Candidates are generated the way a big board looks (about 1.3 candidates per key: some models
publish a task twice, from two repos or an open PR; 5% verified, 10% community). Each variant runs
in a fresh process, so its peak RSS (``ru_maxrss``) is its own:

* ``ours``: ``CandidateTable`` (column arrays, interned text) + ``select`` (the policy of
  ``evalledger.leaderboard.select``), then the CSV bytes of both tables, as the command does;
* ``dicts``: the peer a script would write: one dict per candidate, a dict of lists per key, each
  list sorted by the same policy key.

Both must pick the same winners (compared by a digest). Target: ours < 2 GB peak RSS for
1,000,000 rows. Prints a table and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

TASKS = ["diamond", "hle", "mmlu_pro", "gsm8k", "aime", "swe_bench", "ifeval", "math", "arc", "mmmu"]
LIMIT = 2 * 1024**3


def candidates(rows: int, seed: int = 11):
    """Yield candidate fields; deterministic for a seed."""
    rng = random.Random(seed)
    produced = 0
    model = 0
    while produced < rows:
        name = f"org{model % 997}/model-{model}"
        repos = [f"https://huggingface.co/{name}"] + ([f"https://github.com/{name}"] if model % 7 == 0 else [])
        commits = {repo: f"{rng.getrandbits(160):040x}" for repo in repos}
        times = {repo: 1_760_000_000 + rng.randrange(10_000_000) for repo in repos}
        for task in TASKS:
            copies = 2 if rng.random() < 0.3 else 1
            for copy in range(copies):
                if produced >= rows:
                    return
                repo = repos[copy % len(repos)]
                community = copy == 1 and len(repos) == 1
                setup = "with tools" if task == "swe_bench" and model % 2 else ""
                yield {
                    "model": name,
                    "benchmark": "acme/bench",
                    "task": task,
                    "setup": setup,
                    "value": round(rng.uniform(10, 95), 2),
                    "commit": commits[repo] if not community else f"{rng.getrandbits(160):040x}",
                    "commit_time": times[repo] + (3600 if community else 0),
                    "repo": repo,
                    "ref": "refs/pr/1" if community else "HEAD",
                    "file": f".eval_results/{task}.yaml",
                    "line": 1,
                    "entry": 0,
                    "verified": rng.random() < 0.05,
                    "community": community,
                    "date": "2026-01-15",
                    "source_url": f"https://example.org/{name}",
                    "source_name": "Model Card",
                    "ineligible": "value-out-of-bounds" if rng.random() < 0.01 else None,
                }
                produced += 1
        model += 1


def digest(winners) -> str:
    h = hashlib.sha256()
    for item in sorted(winners):
        h.update(repr(item).encode())
    return h.hexdigest()[:16]


def run_ours(rows: int) -> dict:
    from evalledger.leaderboard import write
    from evalledger.leaderboard.select import CandidateTable, select

    start = time.perf_counter()
    table = CandidateTable()
    for fields in candidates(rows):
        table.add(**fields)
    loaded = time.perf_counter()
    selection = select(table)
    selected = time.perf_counter()
    rss_select = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tables = write.build_tables(selection)
    size = len(write.csv_bytes(tables.leaderboard, write.LEADERBOARD_COLUMNS)) + len(
        write.csv_bytes(tables.candidates, write.CANDIDATE_COLUMNS)
    )
    done = time.perf_counter()
    winners = [(table.model[r], table.task[r], table.setup[r], table.value[r], table.commit[r]) for r in selection.rows]
    return {
        "load": loaded - start,
        "select": selected - loaded,
        "write": done - selected,
        "rss_select": rss_select,
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "rows": len(selection.rows),
        "digest": digest(winners),
        "csv_bytes": size,
    }


def run_dicts(rows: int) -> dict:
    start = time.perf_counter()
    groups: dict[tuple, list[dict]] = {}
    for fields in candidates(rows):
        key = (fields["model"], fields["benchmark"], fields["task"], fields["setup"])
        groups.setdefault(key, []).append(fields)
    loaded = time.perf_counter()

    def order(c: dict) -> tuple:
        # same policy: eligible, verified, merged, newest, then smaller sha / source / entry
        return (
            c["ineligible"] is not None,
            not c["verified"],
            c["community"],
            -c["commit_time"],
            c["commit"],
            c["repo"],
            c["ref"],
            c["file"],
            c["entry"],
            c["line"],
        )

    winners = []
    for group in groups.values():
        group.sort(key=order)
        best = group[0]
        if best["ineligible"] is None:
            winners.append((best["model"], best["task"], best["setup"], best["value"], best["commit"]))
    selected = time.perf_counter()
    return {
        "load": loaded - start,
        "select": selected - loaded,
        "write": 0.0,
        "rss_select": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "rows": len(winners),
        "digest": digest(winners),
        "csv_bytes": 0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--variant", choices=("ours", "dicts"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.variant:
        result = run_ours(args.rows) if args.variant == "ours" else run_dicts(args.rows)
        print(json.dumps(result))
        return 0
    results = {}
    for variant in ("ours", "dicts"):
        proc = subprocess.run(
            [sys.executable, __file__, "--rows", str(args.rows), "--variant", variant], capture_output=True, text=True
        )
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 1
        results[variant] = json.loads(proc.stdout)
    ours, peer = results["ours"], results["dicts"]
    same = ours["digest"] == peer["digest"] and ours["rows"] == peer["rows"]
    mb = 1024**2
    table = [
        ("candidate rows", f"{args.rows:,}", "", True),
        ("leaderboard rows (both)", f"{ours['rows']:,} / {peer['rows']:,}", "same winners", same),
        ("ours: load + select (s)", f"{ours['load']:.2f} + {ours['select']:.2f}", "", True),
        ("ours: peak RSS after select", f"{ours['rss_select'] / mb:,.0f} MB", "< 2048 MB", ours["rss_select"] < LIMIT),
        ("ours: + both CSV tables (s)", f"{ours['write']:.2f}", "", True),
        ("ours: peak RSS incl. CSV", f"{ours['rss'] / mb:,.0f} MB", "< 2048 MB", ours["rss"] < LIMIT),
        ("dict-of-lists: load + select (s)", f"{peer['load']:.2f} + {peer['select']:.2f}", "", True),
        ("dict-of-lists: peak RSS", f"{peer['rss'] / mb:,.0f} MB", "", True),
        ("peak RSS ours(select) / dict-of-lists", f"{ours['rss_select'] / peer['rss']:.2f}x", "", True),
    ]
    print(f"{'measure':<40} {'value':>22}  {'target':<13} ok")
    for name, value, target, good in table:
        print(f"{name:<40} {value:>22}  {target:<13} {'yes' if good else 'NO'}")
    return 0 if all(row[3] for row in table) else 1


if __name__ == "__main__":
    raise SystemExit(main())
