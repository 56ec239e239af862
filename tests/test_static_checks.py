"""The static checks, run by the test command CI runs: ruff (lint and format) over src, tests and benchmarks, and
mypy (strict, Python 3.10) over src, both as configured in pyproject.toml. Each runs in a
subprocess of this environment (the test extra pins both); its whole output is the failure
message, so a failing run says what to fix without running anything else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_reports_nothing():
    proc = _run("ruff", "check", "src", "tests", "benchmarks")
    assert proc.returncode == 0, f"ruff check src tests benchmarks:\n{proc.stdout}{proc.stderr}"


def test_ruff_format_leaves_every_file_as_it_is():
    proc = _run("ruff", "format", "--check", "src", "tests", "benchmarks")
    assert proc.returncode == 0, (
        f"ruff format --check src tests benchmarks (run `ruff format` on these):\n{proc.stdout}{proc.stderr}"
    )


def test_mypy_strict_reports_nothing():
    proc = _run("mypy")  # files = ["src"], strict, python_version = 3.10: [tool.mypy] in pyproject.toml
    assert proc.returncode == 0, f"mypy (strict, src):\n{proc.stdout}{proc.stderr}"
    assert "Success: no issues found" in proc.stdout, proc.stdout


def test_the_checks_can_fail(tmp_path):
    # the same invocation on a file with an unused import and a type error: both are found, so a
    # passing run above means the code is clean, not that the tools did not look
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n\n\ndef f() -> int:\n    return 'x'\n")
    ruff = _run("ruff", "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(bad))
    assert ruff.returncode == 1 and "F401" in ruff.stdout, ruff.stdout + ruff.stderr
    mypy = _run("mypy", "--config-file", str(ROOT / "pyproject.toml"), "--no-incremental", str(bad))
    assert mypy.returncode == 1 and "[return-value]" in mypy.stdout, mypy.stdout + mypy.stderr
