"""action.yml's own steps (install, run) executed with bash as the composite action runs them, in a
workspace that carries its own `evalledger/`, `yaml/`, `venv/` and `pip/` packages: the Action must
import only its own environment, never the checked-out repository (which runs with the job's token).
The act tests (tests/test_action_act.py) run the same through a real runner."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from test_action_aggregate import make_fixture
from test_action_unit import parse_github_output

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "import pathlib\npathlib.Path({marker!r}).write_text('the workspace ran its own {name}')\n"


def plant(workspace: Path, marker: Path) -> None:
    """Packages that would shadow evalledger and what it uses, each leaving a marker when imported."""
    for name in ("evalledger", "yaml", "pydantic", "venv", "pip"):
        for module in ("__init__.py", "__main__.py"):
            (workspace / name).mkdir(exist_ok=True)
            (workspace / name / module).write_text(HOSTILE.format(marker=str(marker), name=name))


def steps() -> dict[str, dict]:
    doc = yaml.safe_load((ROOT / "action.yml").read_text())
    return {step["id"]: step for step in doc["runs"]["steps"]}


def defaults() -> dict[str, str]:
    doc = yaml.safe_load((ROOT / "action.yml").read_text())
    return {name: str(spec.get("default", "")) for name, spec in doc["inputs"].items()}


def expand(text: str, context: dict[str, str]) -> str:
    """The ``${{ ... }}`` expressions action.yml uses in env: values, from ``context``."""

    def value(match: re.Match) -> str:
        key = match.group(1)
        assert key in context, f"action.yml uses ${{{{ {key} }}}}: teach this test its value"
        return context[key]

    return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", value, text)


def run_step(step: dict, context: dict[str, str], cwd: Path, base_env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {**base_env, **{k: expand(str(v), context) for k, v in step.get("env", {}).items()}}
    script = cwd.parent / f"step-{step['id']}.sh"
    script.write_text(step["run"])
    # what the runner does for `shell: bash`
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_action_steps_never_import_the_workspaces_own_packages(tmp_path):
    fx = make_fixture.make_audit(tmp_path / "fx")
    workspace = Path(fx["repo"])
    marker = tmp_path / "MARKER"
    plant(workspace, marker)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    output = tmp_path / "github-output"
    summary = tmp_path / "summary.md"
    base_env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ["HOME"],
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(output),
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_EVENT_NAME": "workflow_dispatch",
        "EVALLEDGER_ACTION_REUSE_PYTHON": "true",  # offline: the test's interpreter has the dependencies
        "GIT_CONFIG_GLOBAL": os.environ["GIT_CONFIG_GLOBAL"],
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    inputs = {
        **defaults(),
        "mode": "audit",
        "base": fx["base"],
        "head": fx["head"],
        "fail-on": "never",
        "report-path": str(tmp_path / "report.md"),
    }
    context = {f"inputs.{k}": v for k, v in inputs.items()}
    context.update({"steps.python.outputs.python-path": sys.executable, "runner.temp": str(runner_temp)})
    all_steps = steps()

    proc = run_step(all_steps["install"], context, workspace, base_env)
    assert not marker.exists(), marker.read_text() + "\n" + proc.stdout + proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for key, value in parse_github_output(output.read_text()).items():
        context[f"steps.install.outputs.{key}"] = value
    output.write_text("")
    proc = run_step(all_steps["run"], context, workspace, base_env)
    log = proc.stdout + proc.stderr
    assert not marker.exists(), marker.read_text() + "\n" + log
    # the Action really ran: the planted score edit is in its outputs
    assert proc.returncode == 0, log
    outputs = parse_github_output(output.read_text())
    assert int(outputs["errors"]) == 1 and "value-raised" in Path(outputs["report-path"]).read_text()
