"""A benchmark whose leaderboard has every kind of row the site shows, built by real aggregate runs
over real model repos (bare remotes over file://): verified, community (an open PR), stale (a repo
unreachable in the second run), flagged (a score raised without new evidence, with --audit), a
conflict (two repos of one model disagree), a tie, two setups, a task where lower is better, and
a hostile ``notes`` string. Used by the site and chart tests (no tests here).
"""

from __future__ import annotations

import os
from pathlib import Path

from evalledger.cli import main
from test_aggregate_support import World, aggregate, entry

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 86_400
HOSTILE = '<img src=x onerror="window.__pwned=1">'
TOKEN = "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.e30.c2ln"

# (model id, repo name): how the registry lists them
MODELS = [
    ("acme/atlas-70b", "atlas"),
    ("acme/atlas-70b", "atlas-mirror"),
    ("borealis/b-13b", "borealis"),
    ("cirrus/c-7b", "cirrus"),
    ("delta/d-1b", "delta"),
    ("echo/e-3b", "echo"),
    ("foxtrot/f-2b", "foxtrot"),
    ("golf/g-1b", "golf"),
]


def build(tmp: Path, capsys=None, *extra: str) -> tuple[World, Path]:
    """The benchmark repo after two aggregate runs (the second with delta unreachable, and with
    ``extra`` options); returns the world and the benchmark checkout."""
    world = World(tmp)
    r = ".eval_results/r.yaml"
    world.model("delta", {r: entry("alpha", 30.0) + entry("beta", 9.5)}, when=T0 + 1 * DAY)
    world.model(
        "borealis",
        {r: entry("alpha", 58.4) + entry("beta", 4.2) + entry("alpha", 52.0, notes="no-tools")},
        when=T0 + 2 * DAY,
    )
    world.model("atlas-mirror", {r: entry("alpha", 69.0)}, when=T0 + 3 * DAY)
    world.model("atlas", {r: entry("alpha", 65.0, token=TOKEN) + entry("beta", 3.1, token=TOKEN)}, when=T0 + 3 * DAY)
    # the raise: same source and notes, the verifyToken kept -- flagged by the audit
    world.model(
        "atlas",
        {r: entry("alpha", 71.2, token=TOKEN) + entry("beta", 3.1, token=TOKEN)},
        when=T0 + 4 * DAY,
        message="better numbers",
    )
    world.model("cirrus", {r: entry("alpha", 44.9) + entry("alpha", 41.0, notes=f"'{HOSTILE}'")}, when=T0 + 5 * DAY)
    world.model("echo", {r: entry("alpha", 50.0)}, when=T0 + 6 * DAY)
    world.pull_request("echo", 7, {r: entry("alpha", 60.5)})
    world.model("foxtrot", {r: entry("beta", 4.2) + entry("alpha", 52.0, notes="no-tools")}, when=T0 + 7 * DAY)
    world.model("golf", {"notes.txt": "results come by pull request\n"}, when=T0 + 8 * DAY)
    world.pull_request("golf", 3, {r: entry("alpha", 62.0)}, hf=True)  # only open: a community row
    world.registry([f"{world.url(name)} - {model}" for model, name in MODELS], commit=True)
    for run in range(2):
        code, doc = aggregate(
            world, "--include-pull-requests", "--audit", "--commit", *(extra if run else ()), capsys=capsys
        )
        assert code == 0, (doc, world.stderr)
        here, away = world.tmp / "models" / "delta.git", world.tmp / "models" / "delta.moved"
        if here.exists():
            os.rename(here, away)  # the second run: delta cannot be fetched, its rows stay as stale
    return world, world.bench.path


def site(bench: Path, out: Path, *extra: str) -> int:
    return main(["site", "--repo", str(bench), "--output", str(out), *extra])
