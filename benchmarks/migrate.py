"""`evalledger migrate` over many model cards, as a ratio to only parsing their front matter.

Generates N model repos (default 10,000) whose README.md front matter is one of the real cards of
tests/corpus/model_index with its numbers varied, then, in one process, times alternately:

  (a) migrate: what `evalledger migrate` does for each card (read, lint the card, propose the
      entries, read any existing .eval_results file, render the YAML and the diff), nothing written;
  (b) parsing alone: read README.md, split the front matter, load it with evalledger's YAML loader.

Each round runs both over all cards; the ratio (a)/(b) is the median of the per-round ratios
over --repeat rounds, so load on a shared machine hits both alike. Prints the ratio.

    python benchmarks/migrate.py              # 10,000 cards
    python benchmarks/migrate.py --cards 500  # quick
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "src"))

from evalledger.formats.model_index import front_matter  # noqa: E402
from evalledger.migrate.command import _diff, plan_card  # noqa: E402
from evalledger.yamlsource import load  # noqa: E402

CORPUS = REPO_ROOT / "tests" / "corpus" / "model_index"


def _cards() -> list[str]:
    cards = []
    for path in sorted(CORPUS.glob("*.yaml")):
        text = "".join(line for line in path.read_text().splitlines(keepends=True) if not line.startswith("# "))
        try:
            load(text)
        except Exception:
            continue  # the diff-hunk fragment is no card
        cards.append(text)
    return cards


def generate(root: Path, count: int, seed: int = 7) -> list[Path]:
    rnd = random.Random(seed)
    cards = _cards()
    repos = []
    for i in range(count):
        text = cards[i % len(cards)]
        text = "".join(
            f"{line.split('value:')[0]}value: {round(rnd.uniform(1, 99), 2)}\n"
            if line.strip().startswith("value:") and line.strip()[6:].strip()[:1].isdigit() and "," not in line
            else line
            for line in text.splitlines(keepends=True)
        )
        repo = root / f"m{i:05d}"
        repo.mkdir()
        (repo / "README.md").write_text(f"---\n{text}---\n\n# model {i}\n")
        repos.append(repo)
    return repos


def run_migrate(repos: list[Path]) -> float:
    start = time.perf_counter()
    for repo in repos:
        plan = plan_card(str(repo), [])
        for file_plan in plan.files:
            _diff(file_plan)
    return time.perf_counter() - start


def run_parse(repos: list[Path]) -> float:
    start = time.perf_counter()
    for repo in repos:
        text = (repo / "README.md").read_bytes().decode("utf-8")
        found = front_matter(text)
        if found is not None:
            load(found[0], str(repo / "README.md"), line_offset=found[1])
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="evalledger-migrate-bench-") as tmp:
        repos = generate(Path(tmp), args.cards)
        run_parse(repos[:50]), run_migrate(repos[:50])  # warm the imports and caches
        ratios, migrate_times, parse_times = [], [], []
        gc.disable()  # as the CLI runs (lint/command.py): acyclic trees, nothing for the collector
        for round_ in range(args.repeat):
            order = (run_migrate, run_parse) if round_ % 2 == 0 else (run_parse, run_migrate)
            times = {fn.__name__: fn(repos) for fn in order}
            migrate_times.append(times["run_migrate"])
            parse_times.append(times["run_parse"])
            ratios.append(times["run_migrate"] / times["run_parse"])
        gc.enable()
    print(f"cards: {args.cards}, rounds: {args.repeat}")
    print(f"migrate (plan, lint, render, diff): median {statistics.median(migrate_times):.2f} s")
    print(f"parse front matter only:            median {statistics.median(parse_times):.2f} s")
    print(f"ratio migrate / parse: {statistics.median(ratios):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
