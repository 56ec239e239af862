"""Our results hook against check-jsonschema given our schema, on the same generated files.

A pre-commit hook starts a fresh process on every commit, and a CI run may pass it a whole repo.
So this measures both ends, each as the process a user would run, same files, same run:

  (a) one file from a cold start: check-eval-results vs check-jsonschema --schemafile
      (target: ours <= 0.4 x theirs);
  (b) N files (default 10,000) in one invocation each: throughput ratio
      (target: ours >= 5 x theirs), and ours vs parsing alone -- a Python loop of
      yaml.load(data, Loader=yaml.CSafeLoader) over the same files, run as a process too
      (target: ours <= 2 x).

Each timing is the median of --repeat runs. Prints a table; exits 1 when a target is missed.

    python benchmarks/lint_vs_check_jsonschema.py              # full size
    python benchmarks/lint_vs_check_jsonschema.py --files 500  # quick
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

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
        lines += ["- dataset:", f"    id: {dataset}", f"    task_id: {rng.choice(tasks)}",
                  f"  value: {rng.uniform(5, 95):.1f}", f"  date: '2026-0{rng.randint(1, 6)}-{rng.randint(10, 28)}'",
                  "  source:", f"    url: https://huggingface.co/org-{number % 97}/model-{number}",
                  f"    name: {rng.choice(SOURCES)}"]
        if rng.random() < 0.5:
            lines.append(f"    user: user{number % 13}")
        # a distinct setup per entry keeps the repo free of duplicate-entry errors
        lines.append(f'  notes: "run {number}-{entry}"')
    return "\n".join(lines) + "\n"


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


def timed(argv: Sequence[str], cwd: Path, stdin: str | None = None) -> tuple[float, int, str]:
    start = time.perf_counter()
    proc = subprocess.run(list(argv), cwd=cwd, input=stdin, capture_output=True, text=True, env=ENV)
    return time.perf_counter() - start, proc.returncode, proc.stdout + proc.stderr


def median_time(argv: Sequence[str], cwd: Path, repeat: int, label: str, stdin: str | None = None) -> float:
    times = []
    for _ in range(repeat):
        seconds, code, output = timed(argv, cwd, stdin)
        if code != 0:  # every generated file is valid: a failure means the comparison is void
            raise SystemExit(f"{label} failed (exit {code}):\n{output[:2000]}")
        times.append(seconds)
    return statistics.median(times)


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
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement; the median counts (default 5)")
    args = parser.parse_args(argv)
    ours, theirs = tool("check-eval-results"), tool("check-jsonschema")
    schema_args = ["--schemafile", str(SCHEMA)]

    with tempfile.TemporaryDirectory(prefix="evalledger-bench-") as temp:
        root = Path(temp)
        names = generate(root, args.files)
        one = [names[0]]
        # warm the OS file cache and byte-code caches once; cold start = a fresh interpreter
        timed([ours, *one], root)
        timed([theirs, *schema_args, *one], root)

        cold_ours = median_time([ours, *one], root, args.repeat, "check-eval-results (1 file)")
        cold_theirs = median_time([theirs, *schema_args, *one], root, args.repeat, "check-jsonschema (1 file)")
        many_ours = median_time([ours, *names], root, args.repeat, f"check-eval-results ({len(names)} files)")
        many_theirs = median_time([theirs, *schema_args, *names], root, args.repeat,
                                  f"check-jsonschema ({len(names)} files)")
        parse_only = median_time([sys.executable, "-c", YAML_LOOP], root, args.repeat, "yaml CSafeLoader loop",
                                 stdin="\n".join(names))

    rows = [
        ("cold start, 1 file: ours / check-jsonschema", cold_ours / cold_theirs, "<= 0.4",
         cold_ours / cold_theirs <= 0.4, f"{cold_ours * 1000:.0f} ms vs {cold_theirs * 1000:.0f} ms"),
        (f"{len(names)} files: our throughput / check-jsonschema's", many_theirs / many_ours, ">= 5",
         many_theirs / many_ours >= 5, f"{many_ours:.2f} s vs {many_theirs:.2f} s"),
        (f"{len(names)} files: ours / yaml CSafeLoader loop", many_ours / parse_only, "<= 2",
         many_ours / parse_only <= 2, f"{many_ours:.2f} s vs {parse_only:.2f} s"),
    ]
    width = max(len(row[0]) for row in rows)
    print(f"{'measure':<{width}}  {'ratio':>6}  {'target':>6}  {'ok':<4}  times (median of {args.repeat})")
    for label, ratio, target, ok, detail in rows:
        print(f"{label:<{width}}  {ratio:>6.2f}  {target:>6}  {'yes' if ok else 'NO':<4}  {detail}")
    return 0 if all(row[3] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
