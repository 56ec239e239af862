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
