"""A `tasks:` key of .evalledger.yaml that is not a task of the benchmark's eval.yaml.

It was silently ignored: `gpqa_diamond: {direction: lower}` where eval.yaml's task is `diamond`
left the maintainer believing lower-is-better was in force while the leaderboard ranked `diamond`
higher-is-better. Now it is `policy-invalid` (an error, as an unknown key is) at the key, with a
"did you mean" over the spec's task ids, wherever the spec and the policy are read together.

Driven through the real CLI on real files: `evalledger lint --benchmark` in a child process and
in-process, aggregate on a real benchmark repo (bare origin, model repos), migrate.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from evalledger.cli import main
from test_aggregate_support import World, aggregate

SPEC = """name: Bench
description: Two tasks, both scored in percent.
evaluation_framework: mteb
tasks:
  - id: diamond
    config: diamond
    split: train
  - id: extended
    config: extended
    split: train
"""
TASKS = "(tasks: diamond, extended)"


def _bench(tmp_path: Path, policy: str | None, spec: str = SPEC) -> Path:
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "eval.yaml").write_text(spec)
    if policy is not None:
        (bench / ".evalledger.yaml").write_text(policy)
    return bench


def _unknown(line: int, column: int, task_id: str, suggestion: str) -> str:
    return (
        f"bench/.evalledger.yaml:{line}:{column}: error policy-invalid tasks: unknown task id {task_id!r}"
        f"{suggestion}: not a task of bench/eval.yaml, so its settings apply to no task {TASKS}"
    )


def _lint(tmp_path: Path, monkeypatch, capsys) -> tuple[int, list[str]]:
    monkeypatch.chdir(tmp_path)
    code = main(["lint", "--benchmark", "bench"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out.splitlines()


def test_lint_benchmark_in_a_child_process_reports_a_task_id_the_spec_does_not_define(tmp_path):
    _bench(tmp_path, "defaults: {unit: percent}\ntasks:\n  gpqa_diamond: {direction: lower}\n  extended: {}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "evalledger", "lint", "--benchmark", "bench"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert (proc.returncode, proc.stderr) == (1, "")  # an error: exit 1, as every lint error
    assert proc.stdout.splitlines() == [_unknown(3, 3, "gpqa_diamond", " (did you mean 'diamond'?)")]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        pytest.param(  # a flow mapping: the key where it is written, after the brace
            "tasks: {diamond: {unit: percent}, extnded: {direction: lower}}\n",
            [(1, 35, "extnded", " (did you mean 'extended'?)")],
            id="flow-mapping",
        ),
        pytest.param(  # after a comment, with several wrong: each at its key, in file order
            "# policy\ntasks:\n  Diamond:\n    direction: lower\n  latency: {direction: lower}\n",
            [(3, 3, "Diamond", " (did you mean 'diamond'?)"), (5, 3, "latency", "")],
            id="block-mapping-several",
        ),
        pytest.param(  # a key YAML reads as a number is a task id like any other
            "tasks:\n  2024: {direction: lower}\n",
            [(2, 3, "2024", "")],
            id="number-key",
        ),
    ],
)
def test_each_unknown_task_id_is_reported_at_its_key(tmp_path, monkeypatch, capsys, policy, expected):
    _bench(tmp_path, policy)
    assert _lint(tmp_path, monkeypatch, capsys) == (1, [_unknown(*e) for e in expected])


@pytest.mark.parametrize(
    "policy",
    [
        pytest.param("tasks:\n  diamond: {direction: lower}\n  extended: {unit: percent}\n", id="both-tasks"),
        pytest.param("defaults: {direction: higher, unit: percent}\n", id="defaults-only"),
        pytest.param("tasks: {}\n", id="empty-tasks"),
        pytest.param(None, id="no-policy-file"),
    ],
)
def test_a_policy_naming_only_the_specs_tasks_gives_no_finding(tmp_path, monkeypatch, capsys, policy):
    _bench(tmp_path, policy)
    assert _lint(tmp_path, monkeypatch, capsys) == (0, [])


def test_no_task_check_when_the_spec_itself_cannot_be_read(tmp_path, monkeypatch, capsys):
    """The spec's own finding says why; a finding for every policy task would be noise."""
    _bench(tmp_path, "tasks:\n  gpqa_diamond: {direction: lower}\n", spec="name: Bench\ntasks: {diamond: {}}\n")
    code, out = _lint(tmp_path, monkeypatch, capsys)
    assert code == 1
    assert not [line for line in out if "policy-invalid" in line]
    assert any("benchmark spec has no `tasks` list" in line for line in out)


def test_a_long_task_list_is_cut_in_the_message(tmp_path, monkeypatch, capsys):
    tasks = "".join(f"  - id: task{n:02d}\n" for n in range(30))
    spec = f"name: Bench\ndescription: Many tasks.\nevaluation_framework: mteb\ntasks:\n{tasks}"
    _bench(tmp_path, "tasks:\n  task_07: {direction: lower}\n", spec=spec)
    code, out = _lint(tmp_path, monkeypatch, capsys)
    assert code == 1
    assert len(out) == 1
    assert "unknown task id 'task_07' (did you mean 'task07'?)" in out[0]
    assert out[0].endswith(", task19, ... (30 in all))")


def test_aggregate_refuses_a_policy_task_the_spec_does_not_define(tmp_path, capsys):
    """As for any other policy-invalid problem: exit 2, the finding at its place, nothing ranked."""
    world = World(tmp_path)
    world.bench.write(".evalledger.yaml", "tasks:\n  alpha: {direction: higher}\n  betta: {direction: lower}\n")
    code, doc = aggregate(world, capsys=capsys)
    assert (code, doc) == (2, {})
    assert (
        ".evalledger.yaml:3:3: error policy-invalid tasks: unknown task id 'betta' (did you mean 'beta'?)"
        in world.stderr
    )
    assert "Traceback" not in world.stderr
    assert not (world.bench.path / "leaderboard.csv").exists()


def test_aggregate_runs_with_a_defaults_only_policy(tmp_path, capsys):
    world = World(tmp_path)
    world.bench.write(".evalledger.yaml", "defaults: {direction: higher}\n")
    code, _doc = aggregate(world, capsys=capsys)
    assert code == 0, world.stderr


def test_migrate_refuses_a_policy_task_the_spec_does_not_define(tmp_path, monkeypatch, capsys):
    _bench(tmp_path, "tasks:\n  diamnod: {metric: acc_norm}\n")
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n# Model\n")
    monkeypatch.chdir(tmp_path)
    assert main(["migrate", "README.md", "--benchmark", "bench"]) == 2
    err = capsys.readouterr().err
    assert "bench/.evalledger.yaml:2:3: tasks: unknown task id 'diamnod' (did you mean 'diamond'?)" in err
