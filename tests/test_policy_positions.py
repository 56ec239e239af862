"""The benchmark policy file (.evalledger.yaml): every problem at the line and column it is about,
and unknown keys (typos that would leave a setting silently not in force) reported at every level.

Driven through the real CLI on real files: `evalledger lint --benchmark` (in a child process and
in-process), aggregate on a real benchmark repo, audit --benchmark on a real model repo.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from evalledger.cli import main
from gitutil import GitRepo
from test_aggregate_support import World, aggregate

ROOT = Path(__file__).resolve().parent.parent
GPQA_SPEC = ROOT / "examples" / "benchmark" / "Idavidrein" / "gpqa" / "eval.yaml"
RESULT = "- dataset: {id: Idavidrein/gpqa, task_id: diamond}\n  value: 41.2\n"
TASK_KEYS = "(known: direction, unit, min, max, metric)"
AUDIT_KEYS = "(known: raise-threshold, copied-value-min-models, copied-value-min-digits, future-date-grace-days)"


def _bench(tmp_path: Path, policy: str, name: str = ".evalledger.yaml") -> None:
    """A benchmark folder `bench/` (the GPQA spec and ``policy``) and a model `m/` with one good
    result, in ``tmp_path`` (the working directory: paths are shown relative)."""
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "eval.yaml").write_bytes(GPQA_SPEC.read_bytes())
    (bench / name).write_text(policy)
    results = tmp_path / "m" / ".eval_results"
    results.mkdir(parents=True)
    (results / "gpqa.yaml").write_text(RESULT)


def _lint(tmp_path, monkeypatch, capsys, policy: str, *extra: str) -> tuple[int, list[str]]:
    _bench(tmp_path, policy)
    monkeypatch.chdir(tmp_path)
    code = main(["lint", *extra, "--benchmark", "bench", "m"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out.splitlines()


def _finding(line: int, column: int, message: str) -> str:
    return f"bench/.evalledger.yaml:{line}:{column}: error policy-invalid {message}"


BAD_VALUES = [
    pytest.param(  # a value in a flow mapping, several tasks down
        "tasks:\n  extended: {unit: percent}\n  diamond: {unit: percentage}\n",
        [(3, 19, "tasks.diamond.unit must be one of fraction, percent, points")],
        id="unit-in-flow-mapping",
    ),
    pytest.param(  # block mappings, after a comment
        "# GPQA policy\ndefaults:\n  unit: percent\ntasks:\n  diamond:\n    direction: up\n    max: lots\n",
        [
            (6, 16, "tasks.diamond.direction must be one of higher, lower"),
            (7, 10, "tasks.diamond.max must be a number"),
        ],
        id="direction-and-bound-in-block-mapping",
    ),
    pytest.param(
        "defaults: {metric: [acc]}\n",
        [(1, 20, "defaults.metric must be a metric type (a string), e.g. acc_norm")],
        id="metric-list",
    ),
    pytest.param(
        "tasks:\n  diamond: percent\n",
        [(2, 12, "tasks.diamond must be a mapping")],
        id="task-not-a-mapping",
    ),
    pytest.param(
        "defaults: {unit: percent}\ntasks: [diamond]\n",
        [(2, 8, "tasks must be a mapping of task id to policy")],
        id="tasks-not-a-mapping",
    ),
    pytest.param(
        "audit:\n  copied-value-min-models: 2.5\n  raise-threshold:\n    percent: lots\n",
        [
            (2, 28, "audit.copied-value-min-models must be a whole number"),
            (4, 14, "audit.raise-threshold.percent must be a number for a known unit"),
        ],
        id="audit-values",
    ),
    pytest.param(
        "audit:\n  raise-threshold: 2\n",
        [(2, 20, "audit.raise-threshold must be a mapping of unit (fraction, percent, points) to a number")],
        id="raise-threshold-not-a-mapping",
    ),
    pytest.param(
        "defaults: {unit: percent}\naudit: [raise-threshold]\n",
        [
            (
                2,
                8,
                f"audit must be a mapping of {AUDIT_KEYS[len('(known: ') : -1]}",
            )
        ],
        id="audit-not-a-mapping",
    ),
    pytest.param(
        "defaults: {unit: percent}\nlint:\n  ignore: 3\n",
        [(3, 11, "lint.ignore must be a list of rule ids (strings)")],
        id="lint-value",
    ),
]


@pytest.mark.parametrize(("policy", "expected"), BAD_VALUES)
def test_a_bad_value_is_reported_at_its_line_and_column(tmp_path, monkeypatch, capsys, policy, expected):
    code, out = _lint(tmp_path, monkeypatch, capsys, policy)
    assert code == 1
    assert out == [_finding(*where) for where in expected]


UNKNOWN_KEYS = [
    pytest.param(
        "defaults: {unit: percent}\ntaks:\n  diamond: {unit: fraction}\n",
        [(2, 1, "policy file: unknown key 'taks' (did you mean 'tasks'?) (known: tasks, defaults, audit, lint)")],
        id="top-level",
    ),
    pytest.param(
        "defaults: {direciton: lower}\n",
        [(1, 12, f"defaults: unknown key 'direciton' (did you mean 'direction'?) {TASK_KEYS}")],
        id="defaults",
    ),
    pytest.param(
        "tasks:\n  diamond:\n    unit: percent\n    Max: 100\n  main: {direciton: lower, metrc: acc}\n",
        [
            (4, 5, f"tasks.diamond: unknown key 'Max' (did you mean 'max'?) {TASK_KEYS}"),
            (5, 10, f"tasks.main: unknown key 'direciton' (did you mean 'direction'?) {TASK_KEYS}"),
            (5, 28, f"tasks.main: unknown key 'metrc' (did you mean 'metric'?) {TASK_KEYS}"),
        ],
        id="per-task",
    ),
    pytest.param(
        "tasks:\n  diamond: {unit: percent, weight: 2}\n",
        [(2, 28, f"tasks.diamond: unknown key 'weight' {TASK_KEYS}")],  # nothing close: no suggestion
        id="per-task-no-suggestion",
    ),
    pytest.param(
        "audit:\n  raise_treshold: {percent: 1.0}\n  copied-value-min-model: 4\n",
        [
            (2, 3, f"audit: unknown key 'raise_treshold' (did you mean 'raise-threshold'?) {AUDIT_KEYS}"),
            (
                3,
                3,
                f"audit: unknown key 'copied-value-min-model' (did you mean 'copied-value-min-models'?) {AUDIT_KEYS}",
            ),
        ],
        id="audit",
    ),
    pytest.param(
        "audit:\n  raise-threshold: {percnt: 1.0, fraction: 0.01}\n",
        [(2, 21, "audit.raise-threshold.percnt must be a number for a known unit (did you mean 'percent'?)")],
        id="raise-threshold-unit",
    ),
    pytest.param(
        "defaults: {unit: percent}\nlint:\n  select: [ALL]\n  ignroe: [framework-unknown]\n",
        [
            (
                4,
                3,
                "lint: unknown key 'ignroe' (did you mean 'ignore'?) (known: select, ignore, per-file-ignores)",
            )
        ],
        id="lint",
    ),
]


@pytest.mark.parametrize(("policy", "expected"), UNKNOWN_KEYS)
def test_an_unknown_key_is_reported_at_the_key_with_a_suggestion(tmp_path, monkeypatch, capsys, policy, expected):
    code, out = _lint(tmp_path, monkeypatch, capsys, policy)
    assert code == 1
    assert out == [_finding(*where) for where in expected]


def test_a_document_that_is_not_a_mapping_is_reported_where_it_starts(tmp_path, monkeypatch, capsys):
    code, out = _lint(tmp_path, monkeypatch, capsys, "# the policy\n- tasks\n- defaults\n")
    assert (code, out) == (1, [_finding(2, 1, "policy file must be a mapping")])


VALID = """\
# every key the policy defines, at every level
defaults: {direction: higher, unit: percent}
tasks:
  diamond: {direction: higher, unit: percent, min: 0, max: 100}
  main:
    metric: acc_norm
audit:
  raise-threshold: {percent: 2.0, fraction: 0.02, points: 2}
  copied-value-min-models: 3
  copied-value-min-digits: 3
  future-date-grace-days: 1
lint:
  select: [ALL]
  ignore: [framework-unknown]
  per-file-ignores: {"legacy/*": [unknown-key]}
"""


def test_a_valid_policy_using_every_key_gives_no_finding(tmp_path, monkeypatch, capsys):
    code, out = _lint(tmp_path, monkeypatch, capsys, VALID)
    assert (code, out) == (0, [])


def test_the_cli_in_a_child_process_reports_each_problem_where_it_is_written(tmp_path):
    _bench(tmp_path, "tasks:\n  diamond:\n    direciton: lower\n    unit: percentage\n")
    proc = subprocess.run(
        [sys.executable, "-m", "evalledger", "lint", "--benchmark", "bench", "m"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert (proc.returncode, proc.stderr) == (1, "")
    assert proc.stdout.splitlines() == [
        _finding(3, 5, f"tasks.diamond: unknown key 'direciton' (did you mean 'direction'?) {TASK_KEYS}"),
        _finding(4, 11, "tasks.diamond.unit must be one of fraction, percent, points"),
    ]


def test_a_flat_policy_beside_a_flat_spec_is_positioned_too(tmp_path, monkeypatch, capsys):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "Idavidrein__gpqa__eval.yaml").write_bytes(GPQA_SPEC.read_bytes())
    # a duplicate key in it is reported as well (it was dropped for this file name)
    policy = "defaults: {unit: percent}\ntasks:\n  diamond: {unit: percent, uint: fraction}\ndefaults: {}\n"
    (specs / "Idavidrein__gpqa__.evalledger.yaml").write_text(policy)
    (tmp_path / "m" / ".eval_results").mkdir(parents=True)
    (tmp_path / "m" / ".eval_results" / "gpqa.yaml").write_text(RESULT)
    monkeypatch.chdir(tmp_path)
    assert main(["lint", "--benchmark", "specs", "m"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        (
            f"specs/Idavidrein__gpqa__.evalledger.yaml:3:28: error policy-invalid tasks.diamond: unknown key 'uint'"
            f" (did you mean 'unit'?) {TASK_KEYS}"
        ),
        (
            "specs/Idavidrein__gpqa__.evalledger.yaml:4:1: error duplicate-key duplicate key 'defaults'"
            " (first at line 1); YAML keeps only this last one, silently dropping the first"
        ),
    ]


def test_a_policy_problem_is_reported_whatever_the_selection(tmp_path, monkeypatch, capsys):
    """A malformed `lint: select` selected nothing, so the policy hid its own problem (exit 0)."""
    code, out = _lint(tmp_path, monkeypatch, capsys, "lint:\n  select: 3\n")
    assert (code, out) == (1, [_finding(2, 11, "lint.select must be a list of rule ids (strings)")])
    (tmp_path / "bench" / ".evalledger.yaml").write_text(
        "lint: {ignore: [policy-invalid]}\ndefaults: {unti: percent}\n"
    )
    assert main(["lint", "--select", "value", "--benchmark", "bench", "m"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        _finding(2, 12, f"defaults: unknown key 'unti' (did you mean 'unit'?) {TASK_KEYS}")
    ]


def test_aggregate_refuses_a_policy_with_an_unknown_key_naming_its_place(tmp_path, capsys):
    world = World(tmp_path)
    world.bench.write(".evalledger.yaml", "tasks:\n  alpha: {direction: higher}\n  beta: {direciton: lower}\n")
    code, _doc = aggregate(world, capsys=capsys)
    assert code == 2
    assert ".evalledger.yaml:3:10: error policy-invalid tasks.beta: unknown key 'direciton'" in world.stderr
    assert "Traceback" not in world.stderr


def test_audit_refuses_a_policy_with_an_unknown_key_naming_its_place(tmp_path, capsys):
    repo = GitRepo.init(tmp_path / "model")
    repo.write(".eval_results/gpqa.yaml", RESULT)
    repo.commit("results")
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / ".evalledger.yaml").write_text("audit:\n  copied-value-min-models: 3\n  raise_treshold: {percent: 5}\n")
    assert main(["audit", str(repo.path), "--benchmark", str(bench)]) == 2
    err = capsys.readouterr().err
    assert (
        f"{bench / '.evalledger.yaml'}:3:3: audit: unknown key 'raise_treshold' (did you mean 'raise-threshold'?)"
        in err
    )


def test_plain_data_from_python_gets_its_problems_at_the_start_of_the_file():
    """The Python API's parse_policy takes plain data too: the same checks, no positions to give."""
    from evalledger.policy import parse_policy

    policy, problems = parse_policy({"tasks": {"diamond": {"unit": "percent", "mni": 0}}})
    assert policy.for_task("diamond").unit == "percent"
    assert [(p.path, p.line, p.column, p.rule, p.message) for p in problems] == [
        (
            ".evalledger.yaml",
            1,
            1,
            "policy-invalid",
            f"tasks.diamond: unknown key 'mni' (did you mean 'min'?) {TASK_KEYS}",
        )
    ]
