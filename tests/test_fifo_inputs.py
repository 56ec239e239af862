"""The maintainer's own input files (the policy `.evalledger.yaml`, `--benchmark` specs and their
policies, the `--models` registry) are opened by the one reader lint uses for model files
(``yamlsource.read_file``): a FIFO there is refused with exit 2, its name and the reason, instead of
blocking the run forever. Every command runs as a real process under a timeout, so a regression
fails instead of hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_aggregate_support import BENCH_ID, World, entry

FIFO = "a FIFO (named pipe), not a regular file"


def _run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [sys.executable, "-m", "evalledger", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **(env or {})},
        )
    except subprocess.TimeoutExpired as exc:  # the old code opened the FIFO and waited for a writer
        pytest.fail(f"evalledger {' '.join(args)} blocked on a FIFO: {exc}")


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path)
    w.model("m", {".eval_results/r.yaml": entry("alpha", 80.0)})
    w.registry([f"{w.url('m')} - org/m"])
    return w


def _aggregate(world: World, *extra: str, models: str = "models.txt") -> subprocess.CompletedProcess[str]:
    return _run(
        world.bench.path,
        "aggregate",
        "--models",
        models,
        "--benchmark-id",
        BENCH_ID,
        "--cache-dir",
        str(world.tmp / "cache"),
        "--no-progress",
        *extra,
        env={"XDG_CACHE_HOME": str(world.tmp / "xdg")},
    )


def test_aggregate_refuses_a_fifo_policy_file(world):
    policy = world.bench.path / ".evalledger.yaml"
    policy.unlink()
    os.mkfifo(policy)
    proc = _aggregate(world)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f".evalledger.yaml:1:1: error unreadable-file cannot read the benchmark policy: {FIFO}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (world.bench.path / "leaderboard").exists()


def test_aggregate_refuses_a_fifo_registry(world):
    os.mkfifo(world.bench.path / "pipe.txt")
    proc = _aggregate(world, models="pipe.txt")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"pipe.txt:1:1: error registry-invalid cannot read model registry: {FIFO}" in proc.stderr
    assert not (world.tmp / "cache").exists() or not any((world.tmp / "cache").iterdir())  # nothing fetched


def test_a_policy_that_is_there_but_unreadable_is_an_error_not_the_defaults(world):
    """A directory (or a dangling link) named `.evalledger.yaml` used to mean "no policy": every
    task then ranked higher-is-better, silently."""
    policy = world.bench.path / ".evalledger.yaml"
    policy.unlink()
    policy.symlink_to("gone.yaml")
    proc = _aggregate(world)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert ".evalledger.yaml:1:1: error unreadable-file cannot read the benchmark policy: No such file" in proc.stderr


def test_lint_refuses_a_fifo_benchmark_spec_and_a_fifo_policy_beside_it(tmp_path):
    (tmp_path / ".eval_results").mkdir()
    (tmp_path / ".eval_results" / "r.yaml").write_text(entry("alpha", 80.0))
    os.mkfifo(tmp_path / "eval.yaml")
    proc = _run(tmp_path, "lint", "--benchmark", "eval.yaml", ".eval_results/r.yaml")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"eval.yaml:1:1: error unreadable-file cannot read benchmark spec: {FIFO}" in proc.stdout + proc.stderr

    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "eval.yaml").write_text("name: B\ntasks:\n  - id: alpha\n")
    os.mkfifo(bench / ".evalledger.yaml")
    proc = _run(tmp_path, "lint", "--benchmark", "bench/eval.yaml", ".eval_results/r.yaml")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f".evalledger.yaml:1:1: error unreadable-file cannot read the benchmark policy: {FIFO}" in (
        proc.stdout + proc.stderr
    )


def test_audit_refuses_a_fifo_policy_given_with_benchmark(tmp_path, world):
    bench = tmp_path / "policy"
    bench.mkdir()
    os.mkfifo(bench / ".evalledger.yaml")
    proc = _run(world.tmp / "work" / "m", "audit", "--benchmark", str(bench))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f".evalledger.yaml:1:1: cannot read the benchmark policy: {FIFO}" in proc.stderr


def test_audit_refuses_a_fifo_leaderboard(world):
    """`audit --leaderboard` read the file with a plain open: a FIFO there blocked forever."""
    os.mkfifo(world.tmp / "published.csv")
    proc = _run(world.tmp / "work" / "m", "audit", "--leaderboard", str(world.tmp / "published.csv"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"published.csv: cannot read leaderboard ({FIFO})" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_aggregate_refuses_a_fifo_dataset_card(world):
    """The existing dataset card aggregate rewrites (`--card`, README.md) was read plainly: a FIFO
    there blocked the run after every model was fetched."""
    card = world.bench.path / "README.md"
    card.unlink()
    os.mkfifo(card)
    proc = _aggregate(world)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"cannot read the dataset card README.md: {FIFO}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (world.bench.path / "leaderboard").exists()  # nothing written


def _lint_repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".eval_results").mkdir()
    (tmp_path / ".eval_results" / "r.yaml").write_text(entry("alpha", 80.0))
    return tmp_path


@pytest.mark.parametrize("name", ["pyproject.toml", ".evalledger.yaml"])
def test_lint_refuses_a_fifo_config_instead_of_ignoring_it(tmp_path, name):
    """lint's config (`[tool.evalledger]`, the `lint:` section) was looked at with `isfile`, then
    opened: a FIFO was silently no config (and one swapped in after the look blocked the open)."""
    repo = _lint_repo(tmp_path)
    os.mkfifo(repo / name)
    proc = _run(repo, "lint", ".eval_results/r.yaml")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{name}:1:1: error unreadable-file cannot read {name}, so its evalledger config is not applied: {FIFO}" in (
        proc.stdout + proc.stderr
    )


def test_lint_config_that_is_a_folder_or_too_large_is_an_error_not_no_config(tmp_path):
    repo = _lint_repo(tmp_path)
    (repo / ".evalledger.yaml").mkdir()
    proc = _run(repo, "lint", ".eval_results/r.yaml")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "cannot read .evalledger.yaml, so its evalledger config is not applied: Is a directory" in proc.stdout

    (repo / ".evalledger.yaml").rmdir()
    (repo / ".evalledger.yaml").write_text("defaults: {direction: higher}\n" + "# padding\n" * 250_000)  # 2.5 MB
    proc = _run(repo, "lint", ".eval_results/r.yaml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert ".evalledger.yaml:1:1: error file-too-large file is 2,500,030 bytes, over the 2,097,152 byte limit" in (
        proc.stdout
    )


def test_aggregate_replaces_a_fifo_where_its_table_goes(world):
    """The previous tables were read back with a plain open (to compare, and to carry rows over),
    so a FIFO at `leaderboard/leaderboard.csv` blocked aggregate; it is now not read, and replaced."""
    out = world.bench.path / "leaderboard"
    out.mkdir()
    os.mkfifo(out / "leaderboard.csv")
    proc = _aggregate(world)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    table = (out / "leaderboard.csv").read_text()  # a regular file now (reading a FIFO would block)
    assert "org/m" in table and "80" in table


def test_site_refuses_a_fifo_table(tmp_path):
    tables = tmp_path / "leaderboard"
    tables.mkdir()
    os.mkfifo(tables / "leaderboard.csv")
    proc = _run(tmp_path, "site", "--output", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "leaderboard.csv: cannot read this table" in proc.stderr
    assert "Traceback" not in proc.stderr
