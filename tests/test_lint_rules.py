"""The rule registry and its documentation; rule behaviour the example files do not pin down."""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from pathlib import Path

import pytest

from evalledger.cli import main
from evalledger.finding import SEVERITIES
from evalledger.lint.api import lint_paths, lint_results_bytes
from evalledger.lint.benchmark import resolve
from evalledger.lint.registry import RULES
from evalledger.rules import all_rules, render_markdown

ROOT = Path(__file__).resolve().parent.parent
TODAY = datetime.date(2026, 11, 28)


def _rules(data: str, **kw) -> list[tuple[str, int, int]]:
    _, findings = lint_results_bytes(data.encode(), "r.yaml", today=TODAY, **kw)
    return [(f.rule, f.line, f.column) for f in findings]


def _messages(data: str, **kw) -> list[str]:
    _, findings = lint_results_bytes(data.encode(), "r.yaml", today=TODAY, **kw)
    return [f.message for f in findings]


def test_docs_rules_md_is_generated_from_the_registry():
    expected = render_markdown(all_rules())
    assert (ROOT / "docs" / "rules.md").read_text() == expected, (
        "docs/rules.md is stale: run `evalledger rules --format markdown > docs/rules.md`"
    )


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_is_documented(rule_id):
    rule = RULES[rule_id]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.id)
    assert rule.severity in SEVERITIES
    assert rule.summary and "\n" not in rule.summary
    assert rule.command == "lint"
    # ruff style: what it flags, why it matters, a bad and a fixed example
    assert rule.doc.startswith("Flags ")
    assert "Why it matters:" in rule.doc
    assert "Bad" in rule.doc and "Fixed" in rule.doc


def test_rules_command_lists_every_lint_rule(capsys):
    assert main(["rules"]) == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines()}
    assert set(RULES) <= listed


def test_did_you_mean_for_typos():
    base = "- dataset: {id: cais/hle, task_id: hle}\n  value: 12.5\n"
    assert _messages(base + "  verifytoken: abc\n") == [
        "unknown key `verifytoken` is ignored by the Hub (did you mean 'verifyToken'? the key is camelCase)"
    ]
    assert _messages(base + "  nots: x\n") == ["unknown key `nots` is ignored by the Hub (did you mean 'notes'?)"]
    assert _messages(base.replace("task_id", "taks_id").replace("}", ", task_id: hle}")) == [
        "unknown key `dataset.taks_id` is ignored by the Hub (did you mean 'task_id'?)"
    ]


def test_exponent_without_dot_gets_the_fix():
    msgs = _messages("- dataset: {id: a/b, task_id: t}\n  value: 5E-4\n")
    assert msgs == ["`value: 5E-4` is read as a string (YAML 1.1 floats need a dot); write 5.0e-4"]
    assert _rules("- dataset: {id: a/b, task_id: t}\n  value: 5.0E-4\n") == []


def test_dates():
    entry = "- dataset: {id: a/b, task_id: t}\n  value: 1.0\n  date: %s\n"
    assert _rules(entry % "'2026-11-29'") == []  # tomorrow: inside the day of grace
    assert _rules(entry % "'2026-11-30'") == [("date-future", 3, 9)]
    assert _rules(entry % "'2026-01-15T10:30:00Z'") == []
    assert _rules(entry % "2026-01-15T10:30:00Z") == [("date-unquoted", 3, 9)]
    assert _messages(entry % "2026-01-15T10:30:00Z") == [
        "`date` is unquoted, so YAML reads a date object, not a string; quote it: '2026-01-15T10:30:00Z'"
    ]
    assert _rules(entry % "2099-01-15") == [("date-future", 3, 9), ("date-unquoted", 3, 9)]
    assert _rules(entry % "'2026-02-30'") == [("date-invalid", 3, 9)]
    assert _rules(entry % "20260115") == [("date-invalid", 3, 9)]


def test_revision_hints():
    entry = "- dataset: {id: a/b, task_id: t, revision: %s}\n  value: 1.0\n"
    assert _rules(entry % ("a" * 40)) == []
    assert _messages(entry % "abc1234") == [
        "`dataset.revision` 'abc1234' is not a full 40-hex commit SHA; write the full 40-character SHA"
    ]
    assert _messages(entry % "5503434") == [
        ("`dataset.revision` 5503434 is not a full 40-hex commit SHA; quote it (YAML read digits as a number)")
    ]
    assert _rules(entry % ("A" * 40)) == [("revision-format", 1, 44)]


def test_source_needs_url_but_an_empty_source_key_is_no_source():
    entry = "- dataset: {id: a/b, task_id: t}\n  value: 1.0\n  source: %s\n"
    assert _rules(entry % "") == []
    assert _rules(entry % "{url: 'https://x'}") == []
    assert _rules(entry % "{user: someone}") == [("source-without-url", 3, 11)]
    assert _rules(entry % "{url: ''}") == [("source-without-url", 3, 17)]
    assert _rules(entry % "https://x") == [("wrong-type", 3, 11)]


def test_duplicates_are_per_repo_and_per_setup(tmp_path):
    entry = "- dataset: {id: cais/hle, task_id: hle}\n  value: %s\n"
    for model in ("org/a", "org/b"):
        target = tmp_path / model / ".eval_results"
        target.mkdir(parents=True)
        (target / "hle.yaml").write_text(entry % "12.5")
    assert lint_paths([str(tmp_path)], today=TODAY).findings == []  # two repos: no collision
    (tmp_path / "org/a/.eval_results/hle_tools.yaml").write_text(entry % "19.1" + "  notes: With  Tools\n")
    (tmp_path / "org/a/.eval_results/hle_tools2.yaml").write_text(entry % "19.9" + "  notes: with tools\n")
    findings = lint_paths([str(tmp_path)], today=TODAY).findings
    assert [(Path(f.path).name, f.rule) for f in findings] == [("hle_tools2.yaml", "duplicate-entry")]
    assert findings[0].message.startswith(
        "second result for cais/hle task 'hle' and notes 'with tools'"
        f" (first at {tmp_path}/org/a/.eval_results/hle_tools.yaml:1)"
    )


BENCH = "name: B\ndescription: d\nevaluation_framework: mteb\ntasks:\n  - id: main\n  - id: hard\n"


def _bench_dir(tmp_path: Path, layout: str) -> Path:
    path = tmp_path / layout
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(BENCH)
    return path


@pytest.mark.parametrize(
    "layout,argument,target",
    [
        ("specs/org__bench__eval.yaml", "specs/org__bench__eval.yaml", "org/bench"),
        ("specs/org__bench__eval.yaml", "specs", "org/bench"),
        ("specs/org/bench/eval.yaml", "specs", "org/bench"),
        ("specs/org/bench/eval.yaml", "specs/org/bench/eval.yaml", None),
        ("bench/eval.yaml", "bench", None),
        ("bench/eval.yaml", "other/x=bench/eval.yaml", "other/x"),
    ],
)
def test_benchmark_argument_maps_a_spec_to_a_dataset(tmp_path, monkeypatch, layout, argument, target):
    monkeypatch.chdir(tmp_path)
    _bench_dir(tmp_path, layout)
    specs, problems = resolve([argument])
    assert problems == []
    assert [(s.dataset_id, s.task_ids) for s in specs] == [(target, ("main", "hard"))]


def test_a_spec_for_one_dataset_leaves_other_benchmarks_alone(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _bench_dir(tmp_path, "specs/org__bench__eval.yaml")
    data = (
        "- dataset: {id: org/bench, task_id: easy}\n  value: 1.0\n"
        "- dataset: {id: org/other, task_id: easy}\n  value: 1.0\n"
    )
    (tmp_path / ".eval_results").mkdir()
    (tmp_path / ".eval_results/r.yaml").write_text(data)
    run = lint_paths(["."], benchmark=["specs"], today=TODAY)
    assert [(f.rule, f.line) for f in run.findings] == [("task-id-unknown", 1)]
    # a spec tied to no dataset applies to every entry
    _bench_dir(tmp_path, "one/eval.yaml")
    run = lint_paths(["."], benchmark=["one/eval.yaml"], today=TODAY)
    assert [(f.rule, f.line) for f in run.findings] == [("task-id-unknown", 1), ("task-id-unknown", 3)]


def test_scale_checks_use_the_policy_unit_when_declared(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _bench_dir(tmp_path, "bench/eval.yaml")
    (tmp_path / "bench/.evalledger.yaml").write_text("tasks:\n  main: {unit: percent}\n")
    (tmp_path / ".eval_results").mkdir()
    (tmp_path / ".eval_results/r.yaml").write_text("- dataset: {id: org/bench, task_id: main}\n  value: 0.5\n")
    run = lint_paths(["."], benchmark=["bench"], today=TODAY)
    assert [(f.rule, f.severity) for f in run.findings] == [("value-unit-mismatch", "error")]
    (tmp_path / ".eval_results/r.yaml").write_text("- dataset: {id: org/bench, task_id: main}\n  value: 100.5\n")
    run = lint_paths(["."], benchmark=["bench"], today=TODAY)
    assert [(f.rule, f.severity) for f in run.findings] == [("value-out-of-bounds", "error")]


def test_scale_tie_keeps_the_first_results_scale(tmp_path):
    for name, value in (("a", "71.0"), ("b", "0.69")):
        target = tmp_path / name / ".eval_results"
        target.mkdir(parents=True)
        (target / "r.yaml").write_text(f"- dataset: {{id: org/bench, task_id: main}}\n  value: {value}\n")
    _bench_dir(tmp_path, "bench/eval.yaml")
    run = lint_paths([str(tmp_path / "a"), str(tmp_path / "b")], benchmark=[str(tmp_path / "bench")], today=TODAY)
    assert [(Path(f.path).parent.parent.name, f.rule) for f in run.findings] == [("b", "value-scale-mismatch")]


def test_repo_context_sees_the_other_staged_files_and_reports_on_the_given_ones(tmp_path, monkeypatch):
    """What the results hook needs when handed only the changed files: duplicates and scales
    against the repo's other result files as staged (in git) or on disk (outside git)."""
    from gitutil import GitRepo

    def result(value: str, task: str = "main") -> str:
        return f"- dataset: {{id: org/bench, task_id: {task}}}\n  value: {value}\n"

    repo = GitRepo.init(tmp_path / "mono")
    monkeypatch.chdir(repo.path)
    _bench_dir(repo.path, "bench/eval.yaml")
    model = "models/m/.eval_results"
    repo.write(f"{model}/a.yaml", result("71.0"))
    repo.write(f"{model}/b.yaml", result("72.0") + result("72.0"))  # a duplicate in an unchanged file
    repo.write(f"{model}/c.yaml", result("0.69", "other"))
    repo.git("add", "-A")
    repo.write(f"{model}/c.yaml", result("0.69"))  # the scale disagreement exists only on disk
    repo.write(f"{model}/untracked.yaml", result("0.70"))  # not staged: not in the commit
    repo.write("models/n/.eval_results/a.yaml", result("71.0"))  # another repo of the monorepo
    repo.git("add", "models/n")
    repo.write(f"{model}/new.yaml", result("0.68"))
    run = lint_paths([f"{model}/new.yaml"], benchmark=["bench"], today=TODAY, repo_context=True)
    assert [(f.path, f.line, f.rule) for f in run.findings] == [
        (f"{model}/new.yaml", 1, "duplicate-entry"),
        (f"{model}/new.yaml", 2, "value-scale-mismatch"),
    ]
    assert "first at models/m/.eval_results/a.yaml:1" in run.findings[0].message
    assert "3 of 4 results" in run.findings[1].message  # a, b (staged), not c's unstaged edit nor untracked
    assert run.files == 1
    # without the option: the given file alone
    assert lint_paths([f"{model}/new.yaml"], benchmark=["bench"], today=TODAY).findings == []
    # outside a git work tree: the files on disk
    import shutil

    shutil.rmtree(repo.path / ".git")
    run = lint_paths([f"{model}/new.yaml"], benchmark=["bench"], today=TODAY, repo_context=True)
    assert [(f.line, f.rule) for f in run.findings] == [(1, "duplicate-entry"), (2, "value-scale-mismatch")]
    assert "3 of 6 results" in run.findings[1].message  # c's edit and untracked.yaml count now


def test_staged_context_is_read_from_the_index_bounded_in_size(tmp_path):
    from evalledger import git
    from gitutil import GitRepo

    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/small.yaml", "- a: 1\n")
    repo.write(".eval_results/big.yaml", "#" * 5000 + "\n")
    repo.write(".eval_results/given.yaml", "- b: 2\n")
    repo.git("add", "-A")
    repo.write(".eval_results/small.yaml", "- changed: on disk only\n")
    found = git.index_blobs(repo.path, [".eval_results"], 1000, lambda path: not path.endswith("given.yaml"))
    assert found == [(".eval_results/big.yaml", None), (".eval_results/small.yaml", b"- a: 1\n")]


def test_lint_hook_imports_nothing_heavy(tmp_path):
    target = tmp_path / "x.yaml"
    target.write_text("- dataset: {id: a/b, task_id: t}\n  value: 1.0\n")
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "evalledger", "lint", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    heavy = sorted(
        m
        for m in imported
        if m.split(".")[0] in {"pydantic", "jsonschema", "git", "inspect_ai", "huggingface_hub"}
        or m.startswith(
            ("evalledger.audit", "evalledger.leaderboard", "evalledger.formats.models", "evalledger.formats.schema")
        )
    )
    assert heavy == []
