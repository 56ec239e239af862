"""Scripted histories with real git commits: each planted suspicious edit is flagged at its commit
and line; benign edits (reformatting, moving, adding a benchmark, a lowered score with a new
source) are not flagged above info."""

from __future__ import annotations

import json

import pytest

from evalledger.audit.api import audit_repository
from evalledger.cli import main
from gitutil import GitRepo

GPQA = """\
- dataset:
    id: Idavidrein/gpqa
    task_id: diamond
  value: {value}
  date: '2026-01-01'
  source:
    url: https://example.org/gpqa-run
    name: Eval traces
{token}"""

GPQA_REFORMATTED = """\
# reformatted: flow style, other key order
- {{value: {value}, dataset: {{task_id: diamond, id: Idavidrein/gpqa}}, date: '2026-01-01',
   source: {{name: Eval traces, url: 'https://example.org/gpqa-run'}}{token}}}
"""

MMLU = """\
- dataset:
    id: TIGER-Lab/MMLU-Pro
    task_id: mmlu_pro
  value: {value}
  date: '{date}'
  source:
    url: {url}
"""

ALL = """\
- dataset: {{id: cais/hle, task_id: hle}}
  value: 12.5
  source: {{url: https://example.org/hle}}
{extra}"""

AIME = """\
- dataset: {id: MathArena/aime_2025, task_id: aime}
  value: 61.3
  source: {url: https://example.org/aime}
"""

SWE = """\
- dataset:
    id: SWE-bench/SWE-bench_Verified
    task_id: swe_bench_verified
  value: {value}
  source:
    url: https://www.swebench.com/
"""


def value_line(text: str, nth: int = 0) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), 1) if "value:" in line]
    return lines[nth]


def audit_json(repo: GitRepo, *args: str, capsys) -> tuple[int, list[dict]]:
    code = main(["audit", str(repo.path), "--format", "json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out)["findings"]


@pytest.fixture
def history(tmp_path):
    """A model repo whose history mixes benign edits and planted suspicious ones."""
    repo = GitRepo.init(tmp_path / "org" / "model")
    commits = {}
    repo.write(".eval_results/gpqa.yaml", GPQA.format(value=0.41, token="  verifyToken: tok-1\n"))
    repo.write(".eval_results/hle.yaml", ALL.format(extra=""))
    repo.write(
        ".eval_results/mmlu_pro.yaml", MMLU.format(value=70.0, date="2026-01-01", url="https://example.org/mmlu-a")
    )
    commits["add"] = repo.commit("add results", author="alice")
    repo.write(".eval_results/gpqa.yaml", GPQA_REFORMATTED.format(value="0.410", token=", verifyToken: tok-1"))
    commits["reformat"] = repo.commit("reformat gpqa", author="alice")
    repo.remove(".eval_results/hle.yaml")
    repo.write(".eval_results/all.yaml", ALL.format(extra=AIME))
    commits["move"] = repo.commit("move hle into all.yaml, add aime", author="alice")
    repo.write(".eval_results/swe.yaml", SWE.format(value=0.758))
    commits["new-benchmark"] = repo.commit("add swe-bench", author="alice")
    repo.write(
        ".eval_results/mmlu_pro.yaml",
        MMLU.format(value=68.5, date="2026-01-01", url="https://example.org/mmlu-official"),
    )
    commits["lowered-new-source"] = repo.commit("official mmlu-pro number", author="alice")
    # --- planted suspicious edits ---
    repo.write(".eval_results/gpqa.yaml", GPQA.format(value=0.47, token="  verifyToken: tok-1\n"))
    commits["raised-stale-token"] = repo.commit("update gpqa", author="mallory")
    repo.write(".eval_results/swe.yaml", SWE.format(value=75.8))
    commits["scale-flip"] = repo.commit("fix swe", author="alice")
    repo.write(
        ".eval_results/mmlu_pro.yaml",
        MMLU.format(value=68.5, date="2025-06-01", url="https://example.org/mmlu-official"),
    )
    commits["date-back"] = repo.commit("date", author="alice")
    repo.write(
        ".eval_results/future.yaml",
        MMLU.format(value=50.0, date="2030-01-01", url="https://example.org/x").replace("mmlu_pro", "other"),
    )
    commits["date-future"] = repo.commit("future", author="alice")
    repo.write(".eval_results/gpqa.yaml", GPQA.format(value=0.45, token=""))
    commits["token-removed"] = repo.commit("gpqa again", author="mallory")
    repo.write(".eval_results/all.yaml", AIME)
    commits["entry-deleted"] = repo.commit("drop hle", author="alice")
    repo.remove(".eval_results/swe.yaml")
    commits["file-deleted"] = repo.commit("drop swe", author="alice")
    return repo, commits


def by_commit(findings: list[dict], commits: dict[str, str]) -> dict[str, set[tuple]]:
    names = {sha: name for name, sha in commits.items()}
    out: dict[str, set[tuple]] = {name: set() for name in commits}
    for f in findings:
        out[names[f["commit"]]].add((f["rule"], f["severity"], f["path"], f["line"]))
    return out


def test_each_planted_edit_is_flagged_at_its_commit_and_line(history, capsys):
    repo, commits = history
    code, findings = audit_json(repo, capsys=capsys)
    assert code == 1
    got = by_commit(findings, commits)
    gpqa_047 = value_line(GPQA.format(value=0.47, token="  verifyToken: tok-1\n"))
    assert got["raised-stale-token"] == {
        ("value-raised", "error", ".eval_results/gpqa.yaml", gpqa_047),
        ("value-changed-without-evidence", "warning", ".eval_results/gpqa.yaml", gpqa_047),
        ("verify-token-stale", "error", ".eval_results/gpqa.yaml", gpqa_047),
        ("value-edited-by-other-author", "info", ".eval_results/gpqa.yaml", gpqa_047),
    }
    swe_line = value_line(SWE.format(value=75.8))
    assert got["scale-flip"] == {("scale-flip", "warning", ".eval_results/swe.yaml", swe_line)}
    assert got["date-back"] == {("date-moved-back", "warning", ".eval_results/mmlu_pro.yaml", 4)}
    assert got["date-future"] == {("date-in-future", "warning", ".eval_results/future.yaml", 4)}
    assert got["token-removed"] == {
        ("verify-token-removed", "error", ".eval_results/gpqa.yaml", 4),
        ("value-changed-without-evidence", "warning", ".eval_results/gpqa.yaml", 4),
        # mallory wrote 0.47 herself: editing your own value is not someone else's edit
    }
    assert got["entry-deleted"] == {("entry-deleted", "warning", ".eval_results/all.yaml", 1)}
    assert got["file-deleted"] == {("results-file-deleted", "warning", ".eval_results/swe.yaml", 1)}


def test_benign_edits_are_not_flagged_above_info(history, capsys):
    repo, commits = history
    _, findings = audit_json(repo, capsys=capsys)
    got = by_commit(findings, commits)
    for name in ("add", "reformat", "move", "new-benchmark", "lowered-new-source"):
        assert all(severity == "info" for _, severity, _, _ in got[name]), (name, got[name])
    # reformatting and moving are not edits at all; the lowered score is shown as info
    assert got["reformat"] == got["move"] == got["add"] == got["new-benchmark"] == set()
    assert got["lowered-new-source"] == {("value-changed", "info", ".eval_results/mmlu_pro.yaml", 4)}


def test_findings_carry_old_new_and_entry_evidence(history):
    repo, commits = history
    findings = audit_repository(repo.path)
    raised = next(f for f in findings if f.rule == "value-raised")
    assert (raised.old, raised.new, raised.commit) == (0.41, 0.47, commits["raised-stale-token"])
    assert raised.evidence["model"] == "org/model" or raised.evidence["model"] == "model"
    assert {k: raised.evidence[k] for k in ("benchmark", "task", "setup")} == {
        "benchmark": "Idavidrein/gpqa",
        "task": "diamond",
        "setup": "",
    }
    assert raised.evidence["before"]["value"] == 0.41 and raised.evidence["after"]["value"] == 0.47


def test_pr_range_reports_only_its_commits_and_knows_the_base_state(history, capsys):
    repo, commits = history
    base = commits["scale-flip"]
    code, findings = audit_json(repo, "--range", f"{base}..HEAD", capsys=capsys)
    assert code == 1
    in_range = {commits[n] for n in ("date-back", "date-future", "token-removed", "entry-deleted", "file-deleted")}
    assert {f["commit"] for f in findings} == in_range
    # the gpqa entry existed at the base: its edit is compared with 0.47, not treated as new
    removed = [f for f in findings if f["rule"] == "verify-token-removed"]
    assert [(f["old"], f["new"]) for f in removed] == [(0.47, 0.45)]
    full_code, full = audit_json(repo, capsys=capsys)
    assert [f for f in full if f["commit"] in in_range] == findings


def test_pr_range_blames_the_base_for_who_wrote_the_old_value(tmp_path, capsys):
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/gpqa.yaml", GPQA.format(value=0.41, token=""))
    base = repo.commit("add", author="alice")
    repo.write(".eval_results/gpqa.yaml", GPQA.format(value=0.40, token="").replace("gpqa-run", "gpqa-rerun"))
    repo.commit("rerun", author="bob")
    _, findings = audit_json(repo, "--range", f"{base}..HEAD", capsys=capsys)
    assert [(f["rule"], f["severity"]) for f in findings] == [
        ("value-changed", "info"),
        ("value-edited-by-other-author", "info"),
    ]
    other = findings[1]
    assert "alice" in other["message"] and other["evidence"]["previous_commit"] == base


def test_notes_change_in_same_commit_is_an_edit_not_a_deletion(tmp_path, capsys):
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/swe.yaml", SWE.format(value=80.2))
    repo.commit("add")
    repo.write(".eval_results/swe.yaml", SWE.format(value=80.2) + "  notes: high reasoning\n")
    repo.commit("notes")
    code, findings = audit_json(repo, capsys=capsys)
    assert (code, findings) == (0, [])


def test_delete_and_readd_with_higher_value_is_judged_as_an_edit(tmp_path, capsys):
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/swe.yaml", SWE.format(value=60.0))
    repo.commit("add")
    repo.remove(".eval_results/swe.yaml")
    deleted = repo.commit("retract")
    repo.write(".eval_results/again.yaml", SWE.format(value=70.0))
    readded = repo.commit("re-add")
    _, findings = audit_json(repo, capsys=capsys)
    got = {(f["rule"], f["commit"]) for f in findings}
    assert ("results-file-deleted", deleted) in got
    assert ("value-raised", readded) in got
    assert ("value-changed-without-evidence", readded) in got


def test_policy_threshold_and_direction_per_benchmark(tmp_path, capsys):
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/swe.yaml", SWE.format(value=60.0))
    repo.commit("add")
    repo.write(".eval_results/swe.yaml", SWE.format(value=63.0).replace("swebench.com/", "swebench.com/v2"))
    repo.commit("new run")
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / ".evalledger.yaml").write_text("audit:\n  raise-threshold: {percent: 5}\n")
    _, default = audit_json(repo, capsys=capsys)
    assert [f["rule"] for f in default] == ["value-raised"]
    _, relaxed = audit_json(repo, "--benchmark", str(bench), capsys=capsys)
    assert [f["rule"] for f in relaxed] == ["value-changed"]
    # scoped to another benchmark id, the policy does not apply
    _, scoped = audit_json(repo, "--benchmark", f"other/bench={bench}", capsys=capsys)
    assert [f["rule"] for f in scoped] == ["value-raised"]
    (bench / ".evalledger.yaml").write_text("tasks:\n  swe_bench_verified: {direction: lower}\n")
    _, lower = audit_json(repo, "--benchmark", str(bench), capsys=capsys)
    assert [f["rule"] for f in lower] == ["value-changed"]


def test_readme_model_index_edits_are_audited(tmp_path, capsys):
    card = """---
license: mit
model-index:
- name: m
  results:
  - task: {{type: text-generation}}
    dataset: {{type: openai/gsm8k, name: GSM8K}}
    metrics:
    - type: exact_match
      value: {value}
---
# m
"""
    repo = GitRepo.init(tmp_path / "m")
    repo.write("README.md", card.format(value=27.67))
    repo.commit("card")
    repo.write("README.md", card.format(value=35.0))
    raised = repo.commit("better", author="bob")
    _, findings = audit_json(repo, capsys=capsys)
    assert {(f["rule"], f["path"], f["line"], f["commit"]) for f in findings if f["severity"] != "info"} == {
        ("value-raised", "README.md", 10, raised),
        ("value-changed-without-evidence", "README.md", 10, raised),
    }
