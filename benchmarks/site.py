"""The leaderboard site for a big board: its size, the time to generate it, the time until its
tables are interactive in a browser.

    python benchmarks/site.py                 # 10,000 leaderboard rows over 20 tasks
    python benchmarks/site.py --rows 2000     # quick run

Tables are generated the way a big board looks (500 models x 20 tasks, about 1.3 candidates per
row: some values published twice, from a second repo or an open PR; 5% verified) and selected
with evalledger's own selection. Measured, medians over ``--rounds`` in alternating order:

* the peer: writing the CSV tables (``write.render`` + ``write.write_files``, what aggregate does);
* ours: ``evalledger site``'s work (``site.publish``: read the tables back, build, write the site);
* the site's bytes (whole folder, and the benchmark page with its data);
* time to interactive: Debian's headless Chromium (Playwright) loads the page from disk and the
  page's own ``evalledger-ready`` performance mark says when every table, chart and control is
  in place (navigation start to mark).

Prints the figures; there is no target to miss (exit 0), the numbers go to the README.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def tables(rows: int, tasks: int = 20, seed: int = 7):
    from evalledger.leaderboard import write
    from evalledger.leaderboard.select import CandidateTable, select
    from evalledger.policy import BenchmarkPolicy

    rng = random.Random(seed)
    table = CandidateTable()
    models = max(1, rows // tasks)
    for m in range(models):
        name = f"org{m % 97}/model-{m}"
        repo = f"https://huggingface.co/{name}"
        commit = f"{rng.getrandbits(160):040x}"
        when = 1_760_000_000 + rng.randrange(20_000_000)
        for t in range(tasks):
            task = f"task_{t:02d}"
            copies = 2 if rng.random() < 0.3 else 1
            for copy in range(copies):
                community = copy == 1
                table.add(
                    model=name,
                    benchmark="acme/bench",
                    task=task,
                    setup="",
                    value=round(rng.uniform(10, 95), 2),
                    commit=commit if not community else f"{rng.getrandbits(160):040x}",
                    commit_time=when + (3600 * copy),
                    repo=repo,
                    ref="refs/pr/1" if community else "HEAD",
                    file=f".eval_results/{task}.yaml",
                    line=1 + copy,
                    entry=copy,
                    verified=rng.random() < 0.05,
                    community=community,
                    date="2026-01-15",
                    source_url=f"https://example.org/{name}",
                    source_name="Model Card",
                    ineligible=None,
                    stale=False,
                )
    selection = select(table, BenchmarkPolicy())
    return write.build_tables(selection, directions={f"task_{t:02d}": "higher" for t in range(tasks)})


def write_csv(built, root: Path) -> None:
    from evalledger.leaderboard import write

    output = write.render(built, output_dir="leaderboard", fmt="csv", card_path=None, card_text=None, summary={})
    write.write_files(root, output)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interactive(page_path: Path, rounds: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(rounds):
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            errors = []
            page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
            page.goto(page_path.as_uri())
            page.wait_for_selector("html[data-ready=true]", timeout=120_000)
            out.append(page.evaluate("performance.getEntriesByName('evalledger-ready')[0].startTime") / 1000)
            if errors:
                raise SystemExit(f"console errors: {errors[:3]}")
            page.close()
        browser.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="leaderboard rows (default: 10000)")
    parser.add_argument("--tasks", type=int, default=20, help="tasks (default: 20)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each measurement (default: 5)")
    args = parser.parse_args()
    from evalledger.leaderboard import site

    built = tables(args.rows, args.tasks)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_csv(built, root / "bench")
        csv_times, site_times = [], []
        for i in range(args.rounds):

            def peer(i=i):
                write_csv(built, root / f"peer{i}")

            def ours(i=i):
                site.publish(root / "bench", "leaderboard", root / f"site{i}")

            for name, fn in (("peer", peer), ("ours", ours)) if i % 2 == 0 else (("ours", ours), ("peer", peer)):
                (csv_times if name == "peer" else site_times).append(timed(fn))
        out = root / "site0"
        files = [p for p in out.rglob("*") if p.is_file()]
        total = sum(p.stat().st_size for p in files)
        page = out / "acme--bench.html"
        page_size = page.stat().st_size
        csv_size = sum(p.stat().st_size for p in (root / "bench" / "leaderboard").glob("*.csv"))
        ready = interactive(page, args.rounds)
    peer, ours = statistics.median(csv_times), statistics.median(site_times)
    print(
        f"site for {len(built.leaderboard):,} leaderboard rows, {len(built.candidates):,} candidates, "
        f"{args.tasks} tasks (medians of {args.rounds})"
    )
    print("| measure | result |")
    print("|---|---|")
    print(f"| site size, whole folder | {total:,} bytes ({len(files)} files) |")
    print(f"| benchmark page with its data | {page_size:,} bytes (the CSV tables: {csv_size:,} bytes) |")
    print(f"| generating the site / writing the CSV tables | **{ours / peer:.2f}** ({ours:.3f} s vs {peer:.3f} s) |")
    print(
        f"| time to interactive in headless Chromium | **{statistics.median(ready):.2f} s** "
        f"(range {min(ready):.2f}-{max(ready):.2f} s) |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
