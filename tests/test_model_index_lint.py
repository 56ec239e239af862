"""model-index lint at the standard of result files, and scores measured on the base model.

The real cards in tests/corpus/model_index carry each pattern huggingface_hub accepts without a
word; here each one must produce its finding (and nothing that would hide another).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalledger.cli import main
from evalledger.lint.api import lint_model_index_bytes, lint_paths
from evalledger.lint.rules.model_index import measured_on
from evalledger.lint.rules.value import decimal_comma, plain_number

CORPUS = Path(__file__).resolve().parent / "corpus" / "model_index"


def _card(name: str) -> list:
    return lint_model_index_bytes((CORPUS / name).read_bytes(), name, markdown=False)


def _rules(findings) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.rule] = counts.get(f.rule, 0) + 1
    return counts


def test_decimal_commas_in_a_real_card_are_errors_with_the_fixed_number():
    findings = _card("MoritzLaurer__DeBERTa-v3-large-mnli-fever-anli-ling-wanli__model-index.yaml")
    assert _rules(findings) == {"value-not-number": 6}
    first = min(findings)
    assert (first.line, first.column, first.severity) == (30, 14, "error")
    assert first.message.endswith("is the string '0,912' (a decimal comma); write 0.912")


def test_an_unfilled_template_value_is_named_as_one():
    findings = _card("jonatasgrosman__wav2vec2-large-xlsr-53-finnish__model-index.yaml")
    assert _rules(findings) == {"value-not-number": 1}
    assert "`{wer_result_on_test}` is a template placeholder that was never filled in" in findings[0].message


def test_a_misspelt_verified_is_an_unknown_key_with_did_you_mean():
    findings = _card("ibm-granite__granite-8b-code-instruct-4k__model-index.yaml")
    assert _rules(findings) == {"unknown-key": 18}
    assert all("did you mean 'verified'?" in f.message for f in findings)


def test_a_self_set_verified_without_token_is_a_warning():
    findings = _card("Shobhank-iiitdwd__BERT_summary__model-index.yaml")
    assert _rules(findings) == {"verified-without-token": 6}
    assert {f.severity for f in findings} == {"warning"}


def test_verified_with_a_token_or_false_is_fine():
    card = (
        "model-index:\n- name: m\n  results:\n  - task: {type: t}\n    dataset: {type: a/b, name: B}\n"
        "    metrics:\n    - {type: acc, value: 0.9, verified: true, verifyToken: eyJ.x.y}\n"
        "    - {type: f1, value: 0.8, verified: false}\n"
    )
    assert lint_model_index_bytes(card.encode(), "c.yaml", markdown=False) == []


def test_empty_results_is_the_results_empty_warning():
    findings = _card("ToddLLM__xyrus-cosmic-gpt-oss-20b-gguf__model-index.yaml")
    assert [(f.rule, f.severity) for f in findings] == [("results-empty", "warning")]


def test_an_official_openai_card_leaves_value_empty_and_each_is_an_error_at_its_line():
    name = "openai__whisper-small.en__model-index.yaml"
    findings = _card(name)
    assert _rules(findings) == {"value-not-number": 2}
    lines = (CORPUS / name).read_text().splitlines()
    for finding in findings:  # `value:` and `value: ` (a trailing space): both YAML null
        assert lines[finding.line - 1].strip() == "value:" and finding.severity == "error"
        assert "is empty (null)" in finding.message


def test_a_clean_leaderboard_card_is_clean_and_its_own_query_is_not_the_base_model():
    assert _card("Orion-zhen__Qwen2.5-7B-Instruct-Uncensored__model-index.yaml") == []


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "is empty (null)"),
        ("{rouge1: 41.2, rouge2: 18.6, rougeL: 28.1}", "a mapping of 3 numbers (rouge1, rouge2, rougeL)"),
        ("[1, 2]", "got a list"),
        ("'20.0 ± 1.2'", "must be a number, got a string"),
        ("'1,234'", "a decimal comma (1.234) or a thousands separator (1234)?"),
        ("true", "is a boolean"),
        (".nan", "a score must be a finite number"),
    ],
)
def test_every_non_number_is_a_value_finding_like_in_results(value, message):
    card = (
        f"model-index:\n- name: m\n  results:\n  - task: {{type: t}}\n    dataset: {{type: a/b, name: B}}\n"
        f"    metrics:\n    - type: acc\n      value: {value}\n"
    )
    findings = lint_model_index_bytes(card.encode(), "c.yaml", markdown=False)
    assert len(findings) == 1 and findings[0].rule.startswith("value-") and findings[0].severity == "error"
    assert message in findings[0].message, findings[0].message
    assert findings[0].line == 8


def test_unknown_keys_at_every_level():
    card = (
        "model-index:\n- name: m\n  reuslts: []\n  results:\n  - task: {type: t, nam: x}\n"
        "    dataset: {type: a/b, name: B, id: a/b}\n    metric: x\n"
        "    metrics:\n    - {type: acc, value: 1.0, verify_token: abc}\n"
        "    source: {url: 'https://x.org', titel: y}\n"
    )
    findings = lint_model_index_bytes(card.encode(), "c.yaml", markdown=False)
    messages = sorted(f.message for f in findings if f.rule == "unknown-key")
    assert len(messages) == 6
    assert any("reuslts" in m and "did you mean 'results'?" in m for m in messages)
    assert any("dataset.id" in m and "`dataset.type`" in m for m in messages)
    assert any("verify_token" in m and "camelCase" in m for m in messages)
    assert any(".metric`" in m and "did you mean 'metrics'?" in m for m in messages)


@pytest.mark.parametrize(
    "url, found",
    [
        (
            "https://huggingface.co/spaces/open-llm-leaderboard/open_llm_leaderboard?query=Qwen/Qwen2.5-7B-Instruct",
            True,
        ),
        ("https://huggingface.co/spaces/HuggingFaceH4/open_llm_leaderboard?query=qwen/qwen2.5-7b-instruct", True),
        ("https://huggingface.co/Qwen/Qwen2.5-7B-Instruct", True),
        ("https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/README.md", True),
        ("https://hf.co/Qwen/Qwen2.5-7B-Instruct", True),
        ("https://huggingface.co/datasets/open-llm-leaderboard/details_Qwen__Qwen2.5-7B-Instruct", True),
        ("https://huggingface.co/Qwen/Qwen2.5-7B-Instruct-GGUF", False),
        ("https://huggingface.co/spaces/open-llm-leaderboard/open_llm_leaderboard?query=me/my-quant", False),
        ("https://huggingface.co/datasets/Qwen/Qwen2.5-7B-Instruct", False),
        ("https://arxiv.org/abs/2412.15115", False),
        ("not a url", False),
    ],
)
def test_measured_on_recognises_the_base_models_page_and_leaderboard_queries(url, found):
    assert (measured_on(url, ("Qwen/Qwen2.5-7B-Instruct",)) is not None) is found


def test_base_model_sources_in_eval_results_use_the_repo_card(tmp_path, capsys):
    repo = tmp_path / "quant"
    (repo / ".eval_results").mkdir(parents=True)
    (repo / "README.md").write_text("---\nbase_model: [org/base, other/thing]\n---\n# quant\n")
    (repo / ".eval_results" / "gpqa.yaml").write_text(
        "- dataset: {id: Idavidrein/gpqa, task_id: diamond}\n  value: 40.0\n"
        "  source: {url: 'https://huggingface.co/org/base', name: base card}\n"
        "- dataset: {id: Idavidrein/gpqa, task_id: main}\n  value: 41.0\n"
        "  source: {url: 'https://huggingface.co/me/quant'}\n"
    )
    run = lint_paths([str(repo / ".eval_results" / "gpqa.yaml")])
    assert [(f.rule, f.line, f.column) for f in run.findings] == [("base-model-result", 3, 17)]
    assert "measured on org/base, not on this model" in run.findings[0].message
    # without base_model in the card there is nothing to compare with
    (repo / "README.md").write_text("---\nlicense: mit\n---\n")
    assert lint_paths([str(repo)]).findings == []
    assert main(["lint", "--format", "json", str(repo)]) == 0
    assert json.loads(capsys.readouterr().out)["problems"] == []


def test_a_readme_link_leaving_the_repo_is_not_read_for_base_model(tmp_path):
    outside = tmp_path / "elsewhere.md"
    outside.write_text("---\nbase_model: org/base\n---\n")
    repo = tmp_path / "repo"
    (repo / ".eval_results").mkdir(parents=True)
    (repo / "README.md").symlink_to(outside)
    (repo / ".eval_results" / "x.yaml").write_text(
        "- dataset: {id: a/b, task_id: t}\n  value: 1.0\n  source: {url: 'https://huggingface.co/org/base'}\n"
    )
    assert [f.rule for f in lint_paths([str(repo / ".eval_results" / "x.yaml")]).findings] == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0,912", ("0.912", True)),
        ("85,3", ("85.3", True)),
        ("-0,5", ("-0.5", True)),
        ("1,234", ("1.234", False)),
        ("12,345", ("12.345", False)),
        ("0,123", ("0.123", True)),
        ("1,5,6", None),
        ("abc", None),
    ],
)
def test_decimal_comma(text, expected):
    assert decimal_comma(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("85%", ("percent", "85")),
        ("71.2", ("quoted", "71.2")),
        (" 0,912 ", ("comma", "0.912")),
        ("1e-3", ("exponent", "1.0e-3")),
        (".5", ("quoted", "0.5")),
        ("1,234", None),
        ("n/a", None),
        ("12,5%", ("percent", "12.5")),
    ],
)
def test_plain_number(text, expected):
    assert plain_number(text) == expected
