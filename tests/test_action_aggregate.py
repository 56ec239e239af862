"""The Action's aggregate mode driven directly (action.main with a runner-like environment) over
real repos: a benchmark repo whose origin is a local bare repo, model repos over file://."""

from __future__ import annotations

import importlib.util
import io
import json
import os
from pathlib import Path

from evalledger import action
from gitutil import git
from test_action_unit import env, parse_github_output

_spec = importlib.util.spec_from_file_location(
    "make_fixture", Path(__file__).parent / "fixtures" / "selftest" / "make_fixture.py"
)
make_fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_fixture)


def runner(
    tmp_path: Path, fx: dict, event: str = "workflow_dispatch", payload: dict | None = None, **inputs: str
) -> tuple[int, dict, str, str]:
    out, summary = tmp_path / "output", tmp_path / "summary"
    for f in (out, summary):
        f.unlink(missing_ok=True)
    (tmp_path / "event.json").write_text(json.dumps(payload or {}))
    environ = {
        **env(
            working_directory=fx["bench"],
            models=fx["models"],
            benchmark_id="Idavidrein/gpqa",
            push_attempts="1",
            **inputs,
        ),
        "GITHUB_OUTPUT": str(out),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
    }
    for key in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM"):
        environ[key] = os.environ[key]
    log = io.StringIO()
    code = action.main([], environ, log)
    outputs = parse_github_output(out.read_text()) if out.exists() else {}
    return code, outputs, summary.read_text() if summary.exists() else "", log.getvalue()


def test_commit_false_builds_and_reports_only(tmp_path):
    fx = make_fixture.make_aggregate(tmp_path / "fx")
    before = git(fx["origin"], "rev-parse", "main").strip()
    code, outputs, summary, log = runner(tmp_path, fx, event="pull_request", commit="false")
    assert code == 0, log
    assert (outputs["changed"], outputs["committed"], outputs["pushed"], outputs["commit-sha"]) == (
        "true",
        "false",
        "false",
        "",
    )
    assert git(fx["origin"], "rev-parse", "main").strip() == before
    assert "**updated** · 3 rows · 0 conflicts · 2/2 model repos read · not committed" in summary
    assert (Path(fx["bench"]) / "leaderboard" / "leaderboard.csv").is_file()


def test_rejected_push_fails_the_step_with_one_error(tmp_path):
    fx = make_fixture.make_aggregate(tmp_path / "fx")
    hook = Path(fx["origin"]) / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'rejected by policy' >&2\nexit 1\n")
    hook.chmod(0o755)
    code, outputs, summary, log = runner(tmp_path, fx)
    assert code == 2
    assert (outputs["changed"], outputs["committed"], outputs["pushed"]) == ("true", "true", "false")
    errors = [line for line in log.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and errors[0].startswith("::error title=evalledger aggregate::push to origin/main failed")
    assert "> **Error:** push to origin/main failed" in summary
    # aggregate's own messages are echoed inside ::stop-commands:: … ::<token>::
    lines = log.splitlines()
    token = lines[0].removeprefix("::stop-commands::")
    assert len(token) == 32 and lines[2] == f"::{token}::"
    assert lines[1].startswith("evalledger aggregate: error: push to origin/main failed")


def test_unreachable_model_repo_is_annotated_and_skipped(tmp_path):
    fx = make_fixture.make_aggregate(tmp_path / "fx")
    registry = Path(fx["bench"]) / fx["models"]
    registry.write_text(registry.read_text() + f"{(tmp_path / 'gone.git').as_uri()} - gone/model\n")
    code, outputs, summary, log = runner(tmp_path, fx, commit="false")
    assert code == 0 and outputs["rows"] == "3" and outputs["committed"] == "false"
    assert "::warning title=evalledger%3A model repo unreachable::file://" in log
    assert "**Unreachable model repos (last known rows kept, marked stale)** (1)" in summary
    assert "| gone/model |" in summary and "| 0 |" in summary  # never read before: nothing to keep
    code, _, _, log = runner(tmp_path, fx, commit="false", strict="true")
    assert code == 1 and "evalledger aggregate failed (exit 1)" in log


def test_charts_and_site_dir_inputs(tmp_path):
    """`charts` and `site-dir` reach the real aggregate: a folder that is no site is refused before
    anything is fetched or written; then the card embeds the SVG charts and the site is written,
    outside the commit."""
    fx = make_fixture.make_aggregate(tmp_path / "fx")
    bench = Path(fx["bench"])
    (bench / "taken").mkdir()
    (bench / "taken" / "notes.txt").write_text("not a site\n")
    code, outputs, summary, log = runner(tmp_path, fx, site_dir="taken")
    assert code == 2 and "taken" in log, log
    assert not (bench / "leaderboard").exists() and outputs["committed"] == "false"
    site = tmp_path / "site"
    code, outputs, summary, log = runner(tmp_path, fx, charts="true", site_dir=str(site))
    assert code == 0 and outputs["committed"] == "true", log
    charts = sorted(p.name for p in (bench / "leaderboard" / "charts").iterdir())
    assert charts and all(name.endswith(".svg") for name in charts)
    card = git(fx["origin"], "show", "main:README.md")
    assert all(f"charts/{name}" in card for name in charts)
    committed = git(fx["origin"], "ls-tree", "-r", "--name-only", "main").split()
    assert {f"leaderboard/charts/{name}" for name in charts} <= set(committed)
    assert (site / "index.html").is_file() and "acme/alpha-7b" in "".join(p.read_text() for p in site.rglob("*.html"))
