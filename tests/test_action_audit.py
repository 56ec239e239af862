"""The Action's audit mode driven directly (action.main with a runner-like environment) over a real
model repo with a planted suspicious edit: outputs, job summary, report file, exit code."""

from __future__ import annotations

import io
import json

from evalledger import action
from gitutil import GitRepo
from test_action_unit import env, parse_github_output

ENTRY = """- dataset:
    id: Idavidrein/gpqa
    task_id: diamond
  value: {value}
  source:
    url: https://huggingface.co/acme/alpha-7b
"""


def runner(tmp_path, repo, event: dict | None = None, **inputs: str) -> tuple[int, dict, str, str]:
    out, summary = tmp_path / "output", tmp_path / "summary"
    environ = {
        **env(mode="audit", working_directory=str(repo.path), **inputs),
        "GITHUB_OUTPUT": str(out),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(tmp_path / "temp"),
        "GITHUB_WORKSPACE": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    if event is not None:
        (tmp_path / "event.json").write_text(json.dumps(event))
        environ.update(GITHUB_EVENT_PATH=str(tmp_path / "event.json"), GITHUB_EVENT_NAME="pull_request")
    log = io.StringIO()
    code = action.main([], environ, log)
    outputs = parse_github_output(out.read_text()) if out.exists() else {}
    return code, outputs, summary.read_text() if summary.exists() else "", log.getvalue()


def planted(tmp_path) -> tuple[GitRepo, str, str]:
    repo = GitRepo.init(tmp_path / "model")
    repo.write(".eval_results/gpqa.yaml", ENTRY.format(value=50.0))
    base = repo.commit("add gpqa")
    repo.write(".eval_results/gpqa.yaml", ENTRY.format(value=62.0))
    head = repo.commit("update gpqa", author="mallory")
    return repo, base, head


def test_pull_request_audit_writes_report_summary_and_fails_on_error(tmp_path):
    repo, base, head = planted(tmp_path)
    event = {"pull_request": {"number": 42, "base": {"sha": base}, "head": {"sha": head}}}
    code, outputs, summary, log = runner(tmp_path, repo, event)
    assert code == 1  # fail-on: error (the default)
    assert outputs["range"] == f"{base}..{head}" and outputs["pr-number"] == "42"
    assert int(outputs["errors"]) >= 1 and int(outputs["findings"]) >= 2
    assert set(outputs) == set(action.AUDIT_OUTPUTS)
    report = tmp_path / "temp" / "evalledger-audit" / "report.md"
    assert outputs["report-path"] == str(report)
    text = report.read_text()
    assert text.startswith(action.COMMENT_MARKER + "\n### Eval-results audit:")
    assert "`value-raised`" in text and f"<sub>evalledger audit of `{base}..{head}`</sub>" in text
    assert (report.parent / "pr-number.txt").read_text() == "42\n"
    assert "| ❌ error | `value-raised` |" in summary and action.COMMENT_MARKER not in summary
    assert "::error file=.eval_results/gpqa.yaml,line=4,title=evalledger value-raised::" in log
    assert log.rstrip().endswith("(fail-on: error)")
    assert not list(report.parent.glob("*.full"))


def test_fail_on_never_and_a_clean_range(tmp_path):
    repo, base, head = planted(tmp_path)
    code, outputs, _, _ = runner(tmp_path, repo, range=f"{base}..{head}", fail_on="never", report_path="out/audit.md")
    assert code == 0 and int(outputs["errors"]) >= 1
    assert outputs["report-path"] == str(tmp_path / "out" / "audit.md")
    repo.write("README.md", "no results touched\n")
    clean = repo.commit("docs")
    code, outputs, summary, _ = runner(tmp_path, repo, base=head, head=clean)
    assert code == 0 and outputs["findings"] == "0" and outputs["pr-number"] == ""
    assert "Eval-results audit" in summary


def test_a_bad_range_fails_with_the_audit_message(tmp_path):
    repo, _, _ = planted(tmp_path)
    code, outputs, _, log = runner(tmp_path, repo, range="nosuchref..HEAD")
    assert code == 2 and outputs == {}
    assert "::error title=evalledger::evalledger audit failed (exit 2)" in log
