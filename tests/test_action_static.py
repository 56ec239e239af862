"""Static checks of action.yml and the workflows: actionlint, zizmor, the SchemaStore schemas,
and drift between action.yml, action.py and the act stub mapping."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from evalledger import action

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
EXAMPLES = sorted((ROOT / "examples" / "workflows").glob("*.yml"))
STUBS = sorted((ROOT / "tests" / "fixtures").glob("stub-*/action.yml"))
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name if (BIN / name).exists() else shutil.which(name)
    if not path:
        pytest.fail(f"{name} is not installed; it is in the test extra (pip install -e '.[test]')")
    return str(path)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True)


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def test_files_exist():
    assert WORKFLOWS and ROOT / ".github" / "workflows" / "selftest.yml" in WORKFLOWS
    assert {p.name for p in EXAMPLES} >= {"leaderboard.yml", "audit-pr.yml", "audit-pr-comment.yml"}


def test_actionlint_passes_and_validates_the_action_through_uses_dot(tmp_path):
    proc = run(tool("actionlint"), *map(str, WORKFLOWS + EXAMPLES))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # it really reads action.yml through `uses: ./`: a misspelt input is an error
    selftest = (ROOT / ".github" / "workflows" / "selftest.yml").read_text()
    broken = selftest.replace('push-attempts: "2"', 'push-attemps: "2"', 1)
    assert broken != selftest
    (tmp_path / ".git").mkdir()
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(ACTION, tmp_path / "action.yml")
    (tmp_path / ".github" / "workflows" / "selftest.yml").write_text(broken)
    proc = subprocess.run(
        [tool("actionlint"), ".github/workflows/selftest.yml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 1 and 'input "push-attemps" is not defined' in proc.stdout, proc.stdout


def test_zizmor_offline_is_clean():
    # the auditor persona: every finding, pedantic ones included, is fixed or ignored inline with a reason
    proc = run(
        tool("zizmor"),
        "--offline",
        "--no-progress",
        "--persona",
        "auditor",
        "action.yml",
        ".github/workflows/",
        *(str(p.relative_to(ROOT)) for p in EXAMPLES),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings to report" in proc.stdout
    # every ignore is inline and carries its reason on the same line
    for path in [ACTION, *WORKFLOWS, *EXAMPLES]:
        for line in path.read_text().splitlines():
            if "zizmor: ignore[" in line:
                assert re.search(r"zizmor: ignore\[[a-z-]+\] \S.{10,}", line), (
                    f"{path.name}: unexplained ignore: {line}"
                )


def test_schemastore_schemas():
    assert len(STUBS) == 3
    proc = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(ACTION), *map(str, STUBS))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS + EXAMPLES))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def uses_refs(doc: dict) -> list[str]:
    steps = doc.get("runs", {}).get("steps", [])
    for job in (doc.get("jobs") or {}).values():
        steps += job.get("steps", [])
    return [s["uses"] for s in steps if "uses" in s]


def test_every_remote_action_is_pinned_by_full_sha():
    for path in [ACTION, *WORKFLOWS, *EXAMPLES]:
        for ref in uses_refs(load(path)):
            if ref.startswith(("./", "evalledger/evalledger@")):
                continue
            assert re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}", ref), f"{path.name}: {ref}"


def test_act_stub_mapping_matches_the_setup_python_pin():
    from test_action_act import SETUP_PYTHON

    refs = [r for r in uses_refs(load(ACTION)) if r.startswith("actions/setup-python@")]
    assert refs == [SETUP_PYTHON], "update SETUP_PYTHON in tests/test_action_act.py with the new pin"


def test_no_expression_inside_scripts():
    """Inputs reach scripts only through env: (zizmor's template-injection, made absolute)."""
    for path in [ACTION, *WORKFLOWS, *EXAMPLES, *STUBS]:
        doc = load(path)
        steps = list(doc.get("runs", {}).get("steps", []))
        for job in (doc.get("jobs") or {}).values():
            steps += job.get("steps", [])
        for step in steps:
            assert "${{" not in step.get("run", ""), f"{path.name}: expression inside run: {step.get('name')}"


def test_action_inputs_match_action_py():
    doc = load(ACTION)
    assert doc["runs"]["using"] == "composite" and doc["branding"]
    inputs = doc["inputs"]
    steps = {s.get("id"): s for s in doc["runs"]["steps"]}
    assert steps["python"]["with"] == {"python-version": "${{ inputs.python-version }}", "update-environment": False}
    env = steps["run"]["env"]
    fields = {f.name: f.default for f in dataclasses.fields(action.Inputs)}
    for name, spec in inputs.items():
        assert spec["description"] and "default" in spec, name
        if name == "python-version":
            continue
        assert env[action.ENV_PREFIX + name.upper().replace("-", "_")] == f"${{{{ inputs.{name} }}}}"
        default = fields[name.replace("-", "_")]
        shown = str(default).lower() if isinstance(default, bool) else str(default)
        assert str(spec["default"]) == shown, f"default of {name}: action.yml {spec['default']!r}, action.py {shown!r}"
    assert set(fields) == {n.replace("-", "_") for n in inputs if n != "python-version"}
    passed = {k for k in env if k.startswith(action.ENV_PREFIX)}
    assert passed == {action.ENV_PREFIX + n.upper().replace("-", "_") for n in inputs if n != "python-version"}


def test_action_outputs_are_the_ones_action_py_writes():
    outputs = load(ACTION)["outputs"]
    for name, spec in outputs.items():
        assert spec["value"] == f"${{{{ steps.run.outputs.{name} }}}}" and spec["description"]
    written = set(action.aggregate_outputs({})) | set(action.AUDIT_OUTPUTS)
    assert set(outputs) <= written
    assert {"changed", "committed", "commit-sha", "rows", "conflicts", "findings", "report-path"} <= set(outputs)


FAKE_PYTHON = """#!/bin/sh
# stands in for python in the install step: `-I -m venv DIR` makes DIR/bin/python (this script),
# anything else (the pip install) is written to $CALLS
if [ "$3" = venv ]; then mkdir -p "$4/bin" && cp "$0" "$4/bin/python" && exit 0; fi
printf '%s\\n' "$*" >> "$CALLS"
"""


@pytest.mark.parametrize("value", sorted(action._TRUE | action._FALSE) + ["", " TRUE ", "Yes", "False"])
def test_install_step_adds_the_charts_extra_exactly_when_action_py_reads_true(tmp_path, value):
    """The install step's own shell decides whether to install the `charts` extra (evalledger is not
    installed yet); it must agree with action.py's reading of the same input."""
    step = next(s for s in load(ACTION)["runs"]["steps"] if s.get("id") == "install")
    assert step["env"]["EVALLEDGER_INPUT_CHARTS"] == "${{ inputs.charts }}"
    fake = tmp_path / "python"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    calls = tmp_path / "calls"
    environ = {
        "PATH": "/usr/bin:/bin",
        "EVALLEDGER_BASE_PYTHON": str(fake),
        "EVALLEDGER_VENV": str(tmp_path / "venv"),
        "GITHUB_ACTION_PATH": "/actions/evalledger",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "CALLS": str(calls),
        "EVALLEDGER_INPUT_CHARTS": value,
    }
    proc = subprocess.run(["bash", "-c", step["run"]], env=environ, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    wanted = action.read_inputs({action.ENV_PREFIX + "MODELS": "m", action.ENV_PREFIX + "CHARTS": value}).charts
    spec = "/actions/evalledger[charts]" if wanted else "/actions/evalledger"
    assert calls.read_text().splitlines() == [f"-I -m pip install --quiet --disable-pip-version-check {spec}"]
