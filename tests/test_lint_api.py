"""The lint library API that aggregate and audit call."""

from __future__ import annotations

import datetime

from evalledger.formats.spec import load_spec
from evalledger.lint.api import lint_paths, lint_results_bytes
from evalledger.policy import parse_policy

TODAY = datetime.date(2026, 11, 28)
GOOD = b"""- dataset:
    id: Idavidrein/gpqa
    task_id: diamond
  value: 71.0
  date: '2026-02-03'
"""


def test_lint_results_bytes_returns_entries_and_no_findings_for_a_good_file():
    entries, findings = lint_results_bytes(GOOD, "gpqa.yaml", today=TODAY)
    assert findings == []
    assert [(e.dataset_id, e.task_id, e.value, e.line) for e in entries] == [("Idavidrein/gpqa", "diamond", 71.0, 1)]


def test_lint_results_bytes_never_raises_on_bad_input():
    entries, findings = lint_results_bytes(b"\x00\x01", "x.yaml")
    assert entries == []
    assert [(f.rule, f.line) for f in findings] == [("binary-file", 1)]


def test_spec_and_policy_apply_per_file(corpus):
    spec, problems = load_spec(corpus / "eval_spec" / "Idavidrein__gpqa__eval.yaml")
    assert problems == []
    assert spec.task_ids == ("diamond", "main", "extended")
    policy, _ = parse_policy({"tasks": {"diamond": {"unit": "fraction"}}})
    data = GOOD.replace(b"task_id: diamond", b"task_id: gpqa_diamond")
    _, findings = lint_results_bytes(data, "gpqa.yaml", spec=spec, today=TODAY)
    assert [(f.rule, f.line, f.column) for f in findings] == [("task-id-unknown", 3, 14)]
    assert "did you mean 'diamond'?" in findings[0].message
    _, findings = lint_results_bytes(GOOD, "gpqa.yaml", spec=spec, policy=policy, today=TODAY)
    assert [(f.rule, f.line) for f in findings] == [("value-unit-mismatch", 4)]


def test_lint_paths_reports_cross_file_duplicates(tmp_path):
    results = tmp_path / "model" / ".eval_results"
    results.mkdir(parents=True)
    (results / "a.yaml").write_bytes(GOOD)
    (results / "b.yaml").write_bytes(GOOD.replace(b"71.0", b"80.0"))
    run = lint_paths([str(tmp_path)], today=TODAY)
    assert run.files == 2
    assert [(f.path.rsplit("/", 1)[-1], f.rule, f.line) for f in run.findings] == [("b.yaml", "duplicate-entry", 1)]
    assert sorted(len(v) for v in run.entries.values()) == [1, 1]


def test_front_matter_and_model_index_reader(corpus):
    from evalledger.formats.model_index import front_matter, read_metrics
    from evalledger.yamlsource import load

    assert front_matter("# no metadata\n") is None
    assert front_matter("---\nlicense: mit\n") is None  # never closed: no metadata, like the Hub
    body = (corpus / "model_index" / "huggingface_hub-tests__sample_simple_model_index.yaml").read_text()
    text, offset = front_matter("\n---\n" + body + "---\n# card\n")
    assert offset == 2
    metrics = read_metrics(load(text, line_offset=offset).root)
    assert [(m.model, m.dataset_type, m.metric_type, m.value, m.line) for m in metrics] == [
        ("my-cool-model", "beans", "accuracy", 0.9, 23),
        ("my-cool-model", "beans", "f1", 0.66, 36),
    ]
