"""The audit command as users and CI call it: exit codes, formats, ranges, shallow clones,
published commits, copied values, and the check-eval-history hook under the real pre-commit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evalledger.cli import check_eval_history, main
from gitutil import GitRepo, git

ENTRY = """\
- dataset:
    id: Idavidrein/gpqa
    task_id: diamond
  value: {value}
  source:
    url: {url}
"""


def model_repo(path: Path, values=(0.41, 0.47), url_changes=False, author="alice") -> GitRepo:
    repo = GitRepo.init(path)
    for n, value in enumerate(values):
        url = f"https://example.org/run{n if url_changes else 0}"
        repo.write(".eval_results/gpqa.yaml", ENTRY.format(value=value, url=url))
        repo.commit(f"gpqa {value}", author=author)
    return repo


def run_json(*args: str, capsys) -> tuple[int, dict]:
    code = main(["audit", "--format", "json", *args])
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.strip() else {})


@pytest.mark.parametrize(
    "values, url_changes, fail_on, expected",
    [
        ((0.41, 0.47), False, "error", 1),  # value-raised error
        ((0.41, 0.47), False, "never", 0),
        ((0.41, 0.40), False, "error", 0),  # lowered without evidence: a warning only
        ((0.41, 0.40), False, "warning", 1),
        ((0.41, 0.40), True, "warning", 0),  # lowered with a new source: info only
        ((0.41, 0.40), True, "never", 0),
    ],
)
def test_exit_code_follows_fail_on(tmp_path, capsys, values, url_changes, fail_on, expected):
    repo = model_repo(tmp_path / "m", values, url_changes)
    code, doc = run_json(str(repo.path), "--fail-on", fail_on, capsys=capsys)
    assert code == expected
    assert doc["findings"], "each case has at least one finding"


def test_usage_errors_exit_2(tmp_path, capsys):
    (tmp_path / "plain").mkdir()
    assert main(["audit", str(tmp_path / "plain")]) == 2
    assert "not inside a git repository" in capsys.readouterr().err
    repo = model_repo(tmp_path / "m")
    assert main(["audit", str(repo.path), "--range", "nope..HEAD"]) == 2
    assert "'nope' is not a commit" in capsys.readouterr().err
    assert main(["audit", str(repo.path), "--range", "HEAD"]) == 2
    assert "BASE..HEAD" in capsys.readouterr().err
    assert main(["audit", str(tmp_path / "missing")]) == 2
    assert main(["audit", str(repo.path), "--fail-on", "sometimes"]) == 2
    bad = tmp_path / "bench"
    bad.mkdir()
    (bad / ".evalledger.yaml").write_text("audit:\n  raise-threshold: {percent: lots}\n")
    assert main(["audit", str(repo.path), "--benchmark", str(bad)]) == 2
    assert ".evalledger.yaml:2:30: audit.raise-threshold.percent must be a number" in capsys.readouterr().err


def test_empty_repository_has_no_findings(tmp_path, capsys):
    repo = GitRepo.init(tmp_path / "m")
    code, doc = run_json(str(repo.path), capsys=capsys)
    assert (code, doc) == (0, {"findings": [], "commits": 0})


def test_output_file_and_formats(tmp_path, capsys):
    repo = model_repo(tmp_path / "m")
    out = tmp_path / "report.md"
    assert main(["audit", str(repo.path), "--format", "markdown", "--output", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "1 error, 1 warning" in captured.err and str(out) in captured.err
    assert out.read_text().startswith("### Eval-results audit: 1 error, 1 warning")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".evalledger-")] == []
    assert main(["audit", str(repo.path), "--format", "github"]) == 1
    github = capsys.readouterr().out
    assert "::error file=.eval_results/gpqa.yaml,line=4,col=1,title=value-raised::" in github
    assert main(["audit", str(repo.path), "--format", "sarif"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"value-raised", "value-changed-without-evidence"}
    assert main(["audit", str(repo.path), "--format", "text"]) == 1
    text = capsys.readouterr().out.splitlines()
    assert text[0].startswith(".eval_results/gpqa.yaml:4:1: warning value-changed-without-evidence")
    assert main(["audit", str(repo.path), "--output", str(tmp_path / "nodir" / "x.md")]) == 2


def test_one_run_writes_markdown_and_json(tmp_path, capsys):
    repo = model_repo(tmp_path / "m")
    out, data = tmp_path / "report.md", tmp_path / "findings.json"
    assert (
        main(["audit", str(repo.path), "--format", "markdown", "--output", str(out), "--json-output", str(data)]) == 1
    )
    assert out.read_text().startswith("### Eval-results audit: 1 error, 1 warning")
    findings = json.loads(data.read_text())["findings"]
    assert sorted(f["rule"] for f in findings) == ["value-changed-without-evidence", "value-raised"]
    assert main(["audit", str(repo.path), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["findings"] == findings


def test_pre_commit_mode_uses_pre_push_refs(tmp_path, capsys, monkeypatch):
    repo = model_repo(tmp_path / "m", values=(0.41, 0.47))
    repo.write(".eval_results/gpqa.yaml", ENTRY.format(value=0.46, url="https://example.org/run9"))
    repo.commit("lower with new source")
    monkeypatch.chdir(repo.path)
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", repo.head("HEAD~1"))
    monkeypatch.setenv("PRE_COMMIT_TO_REF", repo.head())
    assert check_eval_history(["--format", "json"]) == 0  # only the last commit: info
    assert [f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]] == ["value-changed"]
    monkeypatch.delenv("PRE_COMMIT_FROM_REF")
    monkeypatch.delenv("PRE_COMMIT_TO_REF")
    assert check_eval_history(["--format", "json"]) == 1  # manual stage, no upstream: whole history


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)


@pytest.mark.slow
def test_check_eval_history_hook_under_real_pre_commit_push(tmp_path):
    remote = GitRepo.init(tmp_path / "remote.git", bare=True)
    repo = model_repo(tmp_path / "m", values=(0.41,))
    script = Path(sys.executable).parent / "check-eval-history"
    repo.write(
        ".pre-commit-config.yaml",
        f"""\
repos:
- repo: local
  hooks:
  - id: check-eval-history
    name: audit score edits in git history
    entry: {script}
    language: system
    pass_filenames: false
    always_run: true
    stages: [pre-push, manual]
""",
    )
    repo.commit("pre-commit config")
    repo.git("remote", "add", "origin", remote.url)
    repo.git("push", "-q", "origin", "main")
    installed = _run([sys.executable, "-m", "pre_commit", "install", "--hook-type", "pre-push"], repo.path)
    assert installed.returncode == 0, installed.stderr
    # benign: a lowered score with a new source passes
    repo.write(".eval_results/gpqa.yaml", ENTRY.format(value=0.40, url="https://example.org/rerun"))
    repo.commit("rerun")
    ok = _run(["git", "push", "origin", "main"], repo.path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # suspicious: raised with the same source is refused at push time, with the finding shown
    repo.write(".eval_results/gpqa.yaml", ENTRY.format(value=0.55, url="https://example.org/rerun"))
    bad = repo.commit("better number")
    refused = _run(["git", "push", "origin", "main"], repo.path)
    assert refused.returncode != 0
    assert "value-raised" in refused.stdout and bad[:10] in refused.stdout
    assert "0.40 → 0.55" in refused.stdout or "0.4 → 0.55" in refused.stdout
    assert remote.head("main") != bad
    # manual stage: the whole history
    manual = _run(
        [sys.executable, "-m", "pre_commit", "run", "--hook-stage", "manual", "check-eval-history"], repo.path
    )
    assert manual.returncode == 1 and "value-raised" in manual.stdout


def shallow_setup(tmp_path) -> tuple[GitRepo, GitRepo, list[str]]:
    origin = model_repo(tmp_path / "origin", values=(0.41, 0.47, 0.48, 0.49))
    shas = [line.split()[0] for line in origin.git("log", "--format=%H").splitlines()][::-1]
    clone = GitRepo.clone(origin.url, tmp_path / "clone", "--depth", "1")
    return origin, clone, shas


def test_shallow_clone_fails_clearly_instead_of_reporting_nothing(tmp_path, capsys):
    origin, clone, shas = shallow_setup(tmp_path)
    assert main(["audit", str(clone.path)]) == 2
    err = capsys.readouterr().err
    assert "shallow clone" in err and "--deepen" in err and "fetch-depth: 0" in err
    assert main(["audit", str(clone.path), "--range", f"{shas[1]}..HEAD"]) == 2
    assert "not in this shallow clone" in capsys.readouterr().err


def test_shallow_clone_deepens_when_allowed(tmp_path, capsys):
    origin, clone, shas = shallow_setup(tmp_path)
    code, doc = run_json(str(clone.path), "--range", f"{shas[1]}..HEAD", "--deepen", "--model", "org/m", capsys=capsys)
    assert code == 0 and len(doc["findings"]) == 2  # +0.01 twice: warnings, under the raise threshold
    assert git(clone.path, "rev-parse", "--is-shallow-repository").strip() == "false"
    _, full = run_json(str(origin.path), "--model", "org/m", capsys=capsys)
    assert doc["findings"] == [f for f in full["findings"] if f["commit"] in shas[2:]]


def test_shallow_clone_deep_enough_for_the_range_needs_no_fetch(tmp_path, capsys):
    origin = model_repo(tmp_path / "origin", values=(0.41, 0.47, 0.48, 0.49))
    clone = GitRepo.clone(origin.url, tmp_path / "clone", "--depth", "3")
    code, doc = run_json(str(clone.path), "--range", "HEAD~1..HEAD", capsys=capsys)
    assert code == 0 and [f["rule"] for f in doc["findings"]] == ["value-changed-without-evidence"]
    assert git(clone.path, "rev-parse", "--is-shallow-repository").strip() == "true"


def test_published_commit_no_longer_reachable(tmp_path, capsys):
    repo = model_repo(tmp_path / "org" / "model", values=(0.41,))
    published = repo.head()
    board = tmp_path / "leaderboard.csv"
    board.write_text(
        f"model,benchmark,task,value,commit\norg/model,Idavidrein/gpqa,diamond,0.41,{published}\n"
        f"other/model,Idavidrein/gpqa,diamond,0.3,{'f' * 40}\n"
    )
    code, doc = run_json(str(repo.path), "--leaderboard", str(board), "--model", "org/model", capsys=capsys)
    assert (code, doc["findings"]) == (0, [])
    # history rewritten: the published commit is amended away
    repo.write(".eval_results/gpqa.yaml", ENTRY.format(value=0.41, url="https://example.org/other"))
    repo.git("commit", "-q", "-a", "--amend", "-m", "rewritten")
    code, doc = run_json(str(repo.path), "--leaderboard", str(board), "--model", "org/model", capsys=capsys)
    assert code == 1
    assert [(f["rule"], f["path"], f["line"], f["commit"]) for f in doc["findings"]] == [
        ("published-commit-unreachable", str(board), 2, published)
    ]
    jsonl = tmp_path / "leaderboard.jsonl"
    jsonl.write_text(json.dumps({"model": "org/model", "commit": "e" * 40}) + "\n")
    code, doc = run_json(str(repo.path), "--leaderboard", str(jsonl), "--model", "org/model", capsys=capsys)
    assert code == 1 and "does not exist" in doc["findings"][0]["message"]
    (tmp_path / "bad.csv").write_text("model,value\na,1\n")
    assert main(["audit", str(repo.path), "--leaderboard", str(tmp_path / "bad.csv")]) == 2


BAD_VALUES = [
    ("csv", "inf"),
    ("csv", "-inf"),
    ("csv", "nan"),
    ("csv", "1e999"),  # overflows to inf
    ("csv", "4_127"),  # float() reads 4127.0
    ("csv", "Infinity"),
    ("jsonl", "Infinity"),  # json.loads takes these
    ("jsonl", "-Infinity"),
    ("jsonl", "NaN"),
    ("jsonl", "1e999"),
    pytest.param(
        "jsonl", "1" + "0" * 400, id="jsonl-int-beyond-float"
    ),  # an integer beyond float range: float() raised OverflowError
    ("jsonl", "true"),  # a bool is not a number
    ("jsonl", '"inf"'),
    ("jsonl", '"4_127"'),
]


def _board(tmp_path: Path, suffix: str, value: str, commit: str) -> Path:
    """A leaderboard with ``value`` (as written in the file) for org/model and three other models."""
    models = ("org/model", "a/m", "b/m", "c/m")
    board = tmp_path / f"leaderboard.{suffix}"
    if suffix == "csv":
        rows = "".join(f"{m},bench,task,{value},{commit}\n" for m in models)
        board.write_text("model,benchmark,task,value,commit\n" + rows)
    else:
        rows = (
            f'{{"model": "{m}", "benchmark": "bench", "task": "task", "value": {value}, "commit": "{commit}"}}'
            for m in models
        )
        board.write_text("\n".join(rows) + "\n")
    return board


@pytest.mark.parametrize("suffix, value", BAD_VALUES)
def test_a_leaderboard_value_that_is_not_a_finite_plain_number_is_no_value(tmp_path, capsys, suffix, value):
    """`float()` read `inf`, `nan`, `1e999` and `1_0` in a leaderboard's value column, and a JSON
    bool or NaN passed as a number: models sharing `inf` were grouped as copied values, a JSON
    integer beyond float range crashed the audit. Such a value is no value."""
    repo = model_repo(tmp_path / "org" / "model", values=(0.41,))
    board = _board(tmp_path, suffix, value, "e" * 40)  # a commit not in the repo: reported with its value
    code, doc = run_json(str(repo.path), "--leaderboard", str(board), "--model", "org/model", capsys=capsys)
    assert code == 1
    assert [(f["rule"], f["line"], f["old"]) for f in doc["findings"]] == [
        ("published-commit-unreachable", 2 if suffix == "csv" else 1, None)
    ]


@pytest.mark.parametrize(
    "suffix, value, number",
    [
        ("csv", "0.4127", 0.4127),
        ("csv", "-4.127e-05", -4.127e-05),
        ("jsonl", "0.4127", 0.4127),
        ("jsonl", '"0.4127"', 0.4127),
        ("jsonl", "4127", 4127),
    ],
)
def test_a_leaderboard_value_that_is_a_plain_number_is_compared(tmp_path, capsys, suffix, value, number):
    """The counterpart: the same boards with a plain number are reported with it and grouped."""
    repo = model_repo(tmp_path / "org" / "model", values=(0.41,))
    board = _board(tmp_path, suffix, value, "e" * 40)
    code, doc = run_json(str(repo.path), "--leaderboard", str(board), "--model", "org/model", capsys=capsys)
    assert code == 1
    published = [f for f in doc["findings"] if f["rule"] == "published-commit-unreachable"]
    assert [f["old"] for f in published] == [number]
    copied = [f for f in doc["findings"] if f["rule"] == "value-copied-across-models"]
    assert sorted(f["evidence"]["model"] for f in copied) == ["a/m", "b/m", "c/m", "org/model"]


def test_value_copied_across_models(tmp_path, capsys):
    repos = [model_repo(tmp_path / name, values=(0.4127,)) for name in ("a", "b", "c")]
    model_repo(tmp_path / "d", values=(0.4,))
    code, doc = run_json(*(str(r.path) for r in repos), str(tmp_path / "d"), capsys=capsys)
    copied = [f for f in doc["findings"] if f["rule"] == "value-copied-across-models"]
    assert code == 0
    assert sorted(f["path"] for f in copied) == sorted(f"{r.path}/.eval_results/gpqa.yaml" for r in repos)
    assert all(f["line"] == 4 and f["severity"] == "warning" for f in copied)
    # two models agreeing is below the default minimum of three
    code, doc = run_json(*(str(r.path) for r in repos[:2]), capsys=capsys)
    assert doc["findings"] == []
