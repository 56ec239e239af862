"""Our results hook against check-jsonschema given our schema, on the same generated files.

A pre-commit hook starts a fresh process on every commit, and a CI run may pass it a whole repo.
So this measures both ends, each as the process a user would run, same files, same run:

  (a) one file from a cold start: check-eval-results vs check-jsonschema --schemafile
      (target: ours <= 0.4 x theirs), as a commit hook sees it: the changed file in a git model
      repo holding 8 result files (check-eval-results reads the other 7 as staged, for the
      cross-file rules); and what that costs: ours / ours --no-repo-context (target <= 1.3);
  (b) N files (default 10,000) in one invocation each: throughput ratio
      (target: ours >= 5 x theirs), and ours vs parsing alone -- a Python loop of
      yaml.load(data, Loader=yaml.CSafeLoader) over the same files, run as a process too
      (target: ours <= 2 x).

Each round runs every command once (rotating order); a ratio is the median of the per-round
ratios over --repeat rounds, so load spikes on a shared machine hit both sides alike. Prints a
table; exits 1 when a target is missed.

    python benchmarks/lint_vs_check_jsonschema.py              # full size
    python benchmarks/lint_vs_check_jsonschema.py --files 500  # quick
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA = REPO_ROOT / "src" / "evalledger" / "schemas" / "eval-results.schema.json"
BIN = Path(sys.executable).parent
# both tools run as installed: with byte-code caches (pip compiles them at install; an editable
# checkout under PYTHONDONTWRITEBYTECODE would recompile our modules on every start)
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}

BENCHMARKS = [
    ("Idavidrein/gpqa", ["diamond", "main", "extended"]),
    ("TIGER-Lab/MMLU-Pro", ["mmlu_pro"]),
    ("cais/hle", ["hle"]),
    ("openai/gsm8k", ["gsm8k"]),
    ("SWE-bench/SWE-bench_Verified", ["swe_bench_%_resolved"]),
    ("allenai/olmOCR-bench", ["overall", "arxiv_math", "old_scans_math", "table_tests"]),
]
SOURCES = ["Model Card", "Eval traces", "SWE-Bench official evaluation", "lm-evaluation-harness (5-shot)"]

YAML_LOOP = """
import sys, yaml
paths = sys.stdin.read().split("\\n")
for path in paths:
    with open(path, "rb") as handle:
        yaml.load(handle.read(), Loader=yaml.CSafeLoader)
"""


def result_file(rng: random.Random, number: int) -> str:
    """One realistic .eval_results file: 1-3 entries shaped like the corpus, all valid."""
    lines = []
    for entry in range(rng.choice((1, 1, 1, 2, 3))):
        dataset, tasks = rng.choice(BENCHMARKS)
        lines += [
            "- dataset:",
            f"    id: {dataset}",
            f"    task_id: {rng.choice(tasks)}",
            f"  value: {rng.uniform(5, 95):.1f}",
            f"  date: '2026-0{rng.randint(1, 6)}-{rng.randint(10, 28)}'",
            "  source:",
            f"    url: https://huggingface.co/org-{number % 97}/model-{number}",
            f"    name: {rng.choice(SOURCES)}",
        ]
        if rng.random() < 0.5:
            lines.append(f"    user: user{number % 13}")
        # a distinct setup per entry keeps the repo free of duplicate-entry errors
        lines.append(f'  notes: "run {number}-{entry}"')
    return "\n".join(lines) + "\n"


MODEL_FILES = 8  # result files of the model repo of the cold-start run (real repos hold a handful)


def generate(root: Path, count: int) -> list[str]:
    rng = random.Random(20260213)
    folder = root / ".eval_results"
    folder.mkdir(parents=True)
    names = []
    for number in range(count):
        name = f".eval_results/result_{number:05d}.yaml"
        (root / name).write_text(result_file(rng, number), encoding="utf-8")
        names.append(name)
    return names


def timed(argv: Sequence[str], cwd: Path, label: str, stdin: str | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run; a failed run voids the comparison."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(list(argv), cwd=cwd, env=ENV, input=stdin, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # runs are sequential: the delta is this one
    if proc.returncode != 0:  # every generated file is valid: a failure means the comparison is void
        raise SystemExit(f"{label} failed (exit {proc.returncode}):\n{(proc.stdout + proc.stderr)[:2000]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def rounds(
    commands: dict[str, tuple[Sequence[str], str | None]], cwd: Path, repeat: int
) -> list[dict[str, tuple[float, float]]]:
    """Run every command once per round, in rotating order, so a load spike on a shared machine
    hits all of them alike; ratios are then taken per round and their median reported."""
    results = []
    names = list(commands)
    for index in range(repeat):
        order = names[index % len(names) :] + names[: index % len(names)]
        results.append({name: timed(commands[name][0], cwd, name, commands[name][1]) for name in order})
    return results


def median_ratio(results: list[dict[str, tuple[float, float]]], top: str, bottom: str, which: int = 0) -> float:
    return statistics.median(r[top][which] / r[bottom][which] for r in results)


def median_time(results: list[dict[str, tuple[float, float]]], name: str) -> float:
    return statistics.median(r[name][0] for r in results)


def tool(name: str) -> str:
    found = BIN / name
    if found.exists():
        return str(found)
    located = shutil.which(name)
    if not located:
        raise SystemExit(f"{name} is not installed (pip install -e '.[test]')")
    return located


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000, help="files for the throughput run (default 10000)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the median ratio counts (default 5)")
    parser.add_argument(
        "--measure",
        choices=("wall", "cpu"),
        default="wall",
        help="which time the targets apply to (default wall; cpu = user+sys of the"
        " processes, for a machine too busy for wall times to mean much)",
    )
    args = parser.parse_args(argv)
    ours, theirs = tool("check-eval-results"), tool("check-jsonschema")
    schema_args = ["--schemafile", str(SCHEMA)]

    with tempfile.TemporaryDirectory(prefix="evalledger-bench-") as temp:
        root = Path(temp)
        names = generate(root, args.files)
        model = root / "model"  # a model repo as a hook sees it: a few result files, committed
        one = generate(model, MODEL_FILES)[:1]
        for git_args in (
            ["init", "-q"],
            ["add", "-A"],
            ["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "r"],
        ):
            subprocess.run(["git", *git_args], cwd=model, check=True, capture_output=True)
        # warm the OS file cache and write byte-code caches once; a cold start = a fresh interpreter
        timed([ours, *one], model, "warm-up")
        timed([theirs, *schema_args, *one], model, "warm-up")
        cold = rounds(
            {
                "ours": ([ours, *one], None),
                "theirs": ([theirs, *schema_args, *one], None),
                "alone": ([ours, "--no-repo-context", *one], None),
            },
            model,
            args.repeat,
        )
        many = rounds(
            {
                "ours": ([ours, *names], None),
                "theirs": ([theirs, *schema_args, *names], None),
                "yaml": ([sys.executable, "-c", YAML_LOOP], "\n".join(names)),
            },
            root,
            args.repeat,
        )

    gate = 0 if args.measure == "wall" else 1
    cold_ratio = median_ratio(cold, "ours", "theirs", gate)
    context_ratio = median_ratio(cold, "ours", "alone", gate)
    throughput = median_ratio(many, "theirs", "ours", gate)
    parse_ratio = median_ratio(many, "ours", "yaml", gate)
    rows = [
        (
            "cold start, 1 file: ours / check-jsonschema",
            cold_ratio,
            "<= 0.4",
            cold_ratio <= 0.4,
            median_ratio(cold, "ours", "theirs", 1 - gate),
            f"{median_time(cold, 'ours') * 1000:.0f} ms vs {median_time(cold, 'theirs') * 1000:.0f} ms",
        ),
        (
            "cold start, 1 file: ours / ours --no-repo-context",
            context_ratio,
            "<= 1.3",
            context_ratio <= 1.3,
            median_ratio(cold, "ours", "alone", 1 - gate),
            f"{median_time(cold, 'ours') * 1000:.0f} ms vs {median_time(cold, 'alone') * 1000:.0f} ms",
        ),
        (
            f"{len(names)} files: our throughput / check-jsonschema's",
            throughput,
            ">= 5",
            throughput >= 5,
            median_ratio(many, "theirs", "ours", 1 - gate),
            f"{median_time(many, 'ours'):.2f} s vs {median_time(many, 'theirs'):.2f} s",
        ),
        (
            f"{len(names)} files: ours / yaml CSafeLoader loop",
            parse_ratio,
            "<= 2",
            parse_ratio <= 2,
            median_ratio(many, "ours", "yaml", 1 - gate),
            f"{median_time(many, 'ours'):.2f} s vs {median_time(many, 'yaml'):.2f} s",
        ),
    ]
    width = max(len(row[0]) for row in rows)
    other = "cpu" if gate == 0 else "wall"
    print(
        f"{'measure':<{width}}  {args.measure:>6}  {'target':>6}  {'ok':<4}  {other:>6}  wall times"
        f" (medians of {args.repeat} rounds)"
    )
    for label, ratio, target, ok, cpu, detail in rows:
        print(f"{label:<{width}}  {ratio:>6.2f}  {target:>6}  {'yes' if ok else 'NO':<4}  {cpu:>6.2f}  {detail}")
    print(
        f"{args.measure}: median over rounds of the per-round {args.measure}-time ratio (the target"
        f" applies to it); {other}: the same with {other} time (cpu = user+sys of the process)"
    )
    return 0 if all(row[3] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
