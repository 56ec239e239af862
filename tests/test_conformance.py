"""Four judges of one file must agree: the typed models, the JSON Schemas generated from them
(applied with jsonschema), lint's schema-level rules, and the reference libraries
(huggingface_hub's ``parse_eval_result_entries``, inspect_ai's ``HFTask``).

(a) models and schemas give the same verdict; (b) lint's schema-level errors and the models give
the same verdict; (c) nothing lint accepts is rejected by the reference library. Here on the real
corpus and on the upstream conformance cases (CONFORMANCE.md); test_fuzz.py does the same on
mutants. The helpers below are shared with test_fuzz.py.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from evalledger.finding import ERROR
from evalledger.formats import models, schema
from evalledger.lint.api import lint_model_index_bytes, lint_results_bytes, lint_spec_bytes
from evalledger.yamlsource import YamlLoadError, load

CORPUS = Path(__file__).resolve().parent / "corpus"
KIND_BY_FOLDER = {"eval_results": "results", "eval_spec": "spec", "model_index": "model-index"}
TODAY = datetime.date(2026, 8, 1)

# Rules that judge the shape and types of the data, i.e. what a JSON Schema can state. The others
# judge the YAML text (syntax, duplicate keys, tags, size), several entries or files together
# (duplicates, scales), the calendar (future dates) or the benchmark (task ids, policy bounds).
SCHEMA_LEVEL_RULES = frozenset(
    {
        "results-not-list",
        "entry-not-mapping",
        "missing-field",
        "wrong-type",
        "value-not-number",
        "value-boolean",
        "value-not-finite",
        "dataset-id-format",
        "revision-format",
        "date-invalid",
        "source-without-url",
        "task-id-missing",
        "inspect-extra-key",
        "inspect-missing-field",
        "inspect-wrong-type",
        "inspect-unknown-solver",
        "inspect-unknown-scorer",
        "inspect-epochs",
        "inspect-epoch-reducer",
        "model-index-not-list",
        "unknown-key",  # an error only for `data` in a results entry, which the schema forbids
    }
)

_VALIDATORS: dict[str, jsonschema.protocols.Validator] = {}


def schema_errors(kind: str, data: Any) -> list[str]:
    """The shipped JSON Schema applied with jsonschema to the JSON view of the data."""
    if kind not in _VALIDATORS:
        _VALIDATORS[kind] = jsonschema.Draft202012Validator(schema.shipped(kind))
    return [f"{list(e.absolute_path)}: {e.message}" for e in _VALIDATORS[kind].iter_errors(models.json_view(data))]


def lint_findings(kind: str, text: bytes, name: str | None = None):
    name = name or {"results": ".eval_results/r.yaml", "spec": "eval.yaml", "model-index": "card.yaml"}[kind]
    if kind == "results":
        return lint_results_bytes(text, name, today=TODAY)[1]
    if kind == "spec":
        return lint_spec_bytes(text, name)[1]
    return lint_model_index_bytes(text, name, markdown=False)


def schema_level_errors(findings) -> list[str]:
    return [
        f"{f.line}:{f.column} {f.rule} {f.message}"
        for f in findings
        if f.severity == ERROR and f.rule in SCHEMA_LEVEL_RULES
    ]


def hub_rejects(kind: str, data: Any) -> str | None:
    """Why the reference library refuses the data, or None (only where one applies)."""
    if kind == "results":
        from huggingface_hub import parse_eval_result_entries

        try:
            parse_eval_result_entries(data)
        except Exception as exc:  # any exception is a rejection
            return f"huggingface_hub: {type(exc).__name__}: {exc}"
        return None
    if kind == "spec" and models.spec_variant(data) == models.INSPECT_AI:
        from inspect_ai._eval.task.hf import HFTask

        tasks = data.get("tasks")
        if tasks is None:
            return "inspect_ai: eval.yaml does not include 'tasks' field."
        try:
            parsed = [HFTask.model_validate(task) for task in tasks]
        except Exception as exc:
            return f"inspect_ai: {type(exc).__name__}: {exc}"
        if len(parsed) > 1 and any(task.id is None for task in parsed):
            return "inspect_ai: Task 'id' field is required if there are more than 1 tasks"
        return None
    if kind == "model-index" and isinstance(data, dict) and data.get("model-index") is not None:
        from huggingface_hub.repocard_data import model_index_to_eval_results

        try:
            model_index_to_eval_results(data["model-index"])
        except Exception as exc:
            return f"huggingface_hub: {type(exc).__name__}: {exc}"
    return None


def judge(kind: str, text: bytes) -> dict[str, Any] | None:
    """Every verdict on one file, or None when it is not loadable YAML (no data to judge)."""
    try:
        doc = load(text, "x.yaml")
    except YamlLoadError:
        return None
    if any(p.severity == ERROR for p in doc.problems):
        return None  # duplicate keys, unsafe tags: a YAML-level verdict, not a schema-level one
    data = doc.root.to_python() if doc.root is not None else None
    findings = lint_findings(kind, text)
    return {
        "data": data,
        "model": models.validate(kind, data),
        "model_json": models.validate(kind, models.json_view(data)),
        "schema": schema_errors(kind, data),
        "lint": schema_level_errors(findings),
        "lint_any_error": [f"{f.line}:{f.column} {f.rule}" for f in findings if f.severity == ERROR],
        "hub": hub_rejects(kind, data),
    }


def assert_agreement(kind: str, text: bytes, verdicts: dict[str, Any]) -> None:
    shown = text.decode("utf-8", "replace")
    # (a) the schema sees JSON: it judges the JSON view exactly as the models do
    assert bool(verdicts["model_json"]) == bool(verdicts["schema"]), (
        f"models and schema disagree on:\n{shown}\nmodels: {verdicts['model_json']}\nschema: {verdicts['schema']}"
    )
    # (b) lint's schema-level rules and the models agree on the data as YAML typed it
    assert bool(verdicts["model"]) == bool(verdicts["lint"]), (
        f"models and lint disagree on:\n{shown}\nmodels: {verdicts['model']}\nlint: {verdicts['lint']}"
    )
    # (c) what lint accepts, the reference library accepts
    if not verdicts["lint_any_error"]:
        assert verdicts["hub"] is None, f"lint accepts but {verdicts['hub']}:\n{shown}"


# --- the corpus ------------------------------------------------------------------------------


def corpus_files() -> list[tuple[str, Path]]:
    return [(KIND_BY_FOLDER[path.parent.name], path) for path in sorted(CORPUS.glob("*/*.yaml"))]


# CONFORMANCE.md §F (and the fixtures' own notes): which real files are valid today
EXPECTED_INVALID = {
    "MiniMaxAI__MiniMax-M2.1__mmlu_pro.yaml": "missing-field",  # no task_id (pre-2026-01-23)
    "SnurfyAI__Sn-CodeExplainer-0.5B__gsm8k@bb8c3f1-INVALID.yaml": "results-not-list",  # model-index mapping
    "OpenEvals__SimpleQA__eval@discussion2.yaml": "inspect-extra-key",  # legacy name/subset/splits
    "huggingface_hub-tests__sample_invalid_model_index.yaml": "missing-field",  # result without dataset
    "MoritzLaurer__DeBERTa-v3-large-mnli-fever-anli-ling-wanli__model-index.yaml": "value-not-number",  # 0,912
    "jonatasgrosman__wav2vec2-large-xlsr-53-finnish__model-index.yaml": "value-not-number",  # {template}
    "openai__whisper-small.en__model-index.yaml": "value-not-number",  # `value:` left empty (null)
}
FRAGMENT = "Lvxue__finetuned-mt5-small-10epoch__model-index.yaml"  # a diff hunk, not a YAML document


def test_the_corpus_is_all_there():
    names = {path.name for _, path in corpus_files()}
    assert len(names) == 29 and set(EXPECTED_INVALID) | {FRAGMENT} <= names


@pytest.mark.parametrize(
    "kind, path", [c for c in corpus_files() if c[1].name != FRAGMENT], ids=lambda value: getattr(value, "name", value)
)
def test_corpus_verdicts_agree(kind, path):
    text = path.read_bytes()
    verdicts = judge(kind, text)
    assert verdicts is not None
    assert_agreement(kind, text, verdicts)
    expected = EXPECTED_INVALID.get(path.name)
    if expected is None:
        assert verdicts["model"] == [] and verdicts["lint"] == [] and verdicts["hub"] is None
    else:
        assert verdicts["model"] and verdicts["schema"]
        assert any(f" {expected} " in finding for finding in verdicts["lint"]), verdicts["lint"]


def test_the_fragment_is_a_yaml_error_with_a_location():
    findings = lint_findings("model-index", (CORPUS / "model_index" / FRAGMENT).read_bytes())
    assert [(f.rule, f.severity) for f in findings] == [("yaml-syntax", ERROR)]
    assert findings[0].line > 1


def test_inspect_rules_follow_the_framework_not_the_shape():
    olmocr = yaml.safe_load((CORPUS / "eval_spec" / "allenai__olmOCR-bench__eval.yaml").read_text())
    assert models.spec_variant(olmocr) == "other" and models.validate("spec", olmocr) == []
    olmocr["evaluation_framework"] = "inspect-ai"  # the same tasks now lack field_spec/solvers/scorers
    assert models.validate("spec", olmocr) and schema_errors("spec", olmocr)
    mmlu = yaml.safe_load((CORPUS / "eval_spec" / "TIGER-Lab__MMLU-Pro__eval.yaml").read_text())
    assert "evaluation_framework" not in mmlu and models.spec_variant(mmlu) == models.INSPECT_AI


# --- CONFORMANCE.md §D/§E: inspect_ai's HFTask, case by case ---------------------------------

BASE_TASK = {
    "field_spec": {"input": "question", "target": "answer"},
    "solvers": [{"name": "generate"}],
    "scorers": [{"name": "match"}],
}
TASK_CASES = [
    ("D21 minimal", {}),
    (
        "D22 full",
        {
            "id": "my_task",
            "config": "custom_config",
            "split": "train",
            "field_spec": {"input": "q", "target": "a", "choices": "opts"},
            "epochs": 3,
            "epoch_reducer": "mode",
            "solvers": [{"name": "system_message", "args": {"system_message": "Be"}}, {"name": "generate"}],
            "scorers": [{"name": "choice"}],
        },
    ),
    ("D23 no solvers", {"solvers": None}),
    ("D23 no scorers", {"scorers": None}),
    ("D24 empty solvers", {"solvers": []}),
    ("D24 empty scorers", {"scorers": []}),
    ("D25 bad solver", {"solvers": [{"name": "not_a_real_solver"}]}),
    ("D25 bad scorer", {"scorers": [{"name": "not_a_real_scorer"}]}),
    ("D26 extra key", {"unknown_field": "value"}),
    *[
        (f"D27 reducer {r}", {"epoch_reducer": r})
        for r in ("max", "mode", "median", "mean", "pass_at_1", "pass_at_100", "at_least_2", "at_least_10")
    ],
    *[
        (f"D28 reducer {r}", {"epoch_reducer": r})
        for r in ("invalid", "pass_at", "pass_at_", "at_least_", "majority", "average", "pass_at_abc", "mean\n")
    ],
    ("D30 epochs 0", {"epochs": 0}),
    ("D30 epochs -1", {"epochs": -1}),
    ("E field_spec empty", {"field_spec": {}}),
    ("E field_spec extra", {"field_spec": {"foo": "x"}}),
    ("E target int", {"field_spec": {"target": 0}}),
    ("E literal target + choices", {"field_spec": {"target": "literal:D", "choices": ["a", "b"]}}),
    ("E input_image + metadata", {"field_spec": {"input_image": "image", "metadata": ["m"]}}),
    ("E epochs '4'", {"epochs": "4"}),
    ("E epochs 2.5", {"epochs": 2.5}),
    ("E epochs 4.0", {"epochs": 4.0}),
    ("E epochs true", {"epochs": True}),
    ("E epochs ' 4 '", {"epochs": " 4 "}),
    ("E epochs '1_0'", {"epochs": "1_0"}),
    ("E epochs '1__0'", {"epochs": "1__0"}),
    ("E epochs '4.0'", {"epochs": "4.0"}),
    ("E epochs '0'", {"epochs": "0"}),
    ("E id with colon", {"id": "musr:murder_mysteries"}),
    ("E scorer math", {"scorers": [{"name": "math"}]}),
    ("E grader model", {"scorers": [{"name": "model_graded_fact", "args": {"model": "openai/o3-mini"}}]}),
    ("E solver extra key", {"solvers": [{"name": "generate", "foo": 1}]}),
    ("E solver args null", {"solvers": [{"name": "generate", "args": None}]}),
    ("E task metrics", {"metrics": [{"name": "accuracy"}]}),
    ("E legacy keys", {"name": "SimpleQA", "subset": "default", "splits": "test"}),
    *[(f"E shuffle {v!r}", {"shuffle_choices": v}) for v in ("yes", "YES", "off", 1, 0.0, 2, "maybe", None)],
    ("E config null", {"config": None}),
    ("E split int", {"split": 1}),
    ("E choices list of ints", {"field_spec": {"choices": [1, 2]}}),
    ("E metadata str", {"field_spec": {"metadata": "m"}}),
]


@pytest.mark.parametrize("label, change", TASK_CASES, ids=[case[0] for case in TASK_CASES])
def test_inspect_task_verdicts_match_inspect_ai_exactly(label, change):
    from inspect_ai._eval.task.hf import HFTask

    task = {**BASE_TASK, **change}
    task = {key: value for key, value in task.items() if not (value is None and key in ("solvers", "scorers"))}
    try:
        HFTask.model_validate(task)
        inspect_ok = True
    except Exception:
        inspect_ok = False
    spec = {"name": "B", "description": "d", "evaluation_framework": "inspect-ai", "tasks": [task]}
    assert (models.validate("spec", spec) == []) is inspect_ok, models.validate("spec", spec)
    text = yaml.safe_dump(spec, sort_keys=False).encode()
    verdicts = judge("spec", text)
    assert verdicts is not None
    assert_agreement("spec", text, verdicts)


RESULT = {"dataset": {"id": "cais/hle", "task_id": "hle"}, "value": 20.9}
RESULT_CASES = [  # CONFORMANCE.md §A/§E: hub VALID cases we may reject, hub INVALID ones we must
    ("A5", {"notes": "tools"}, True),
    ("no task_id", {"dataset": {"id": "cais/hle"}}, False),
    ("no dataset.id", {"dataset": {"task_id": "hle"}}, False),
    ("no value", {"value": None}, False),
    ("value string", {"value": "20.9%"}, False),
    ("source {}", {"source": {}}, False),
    ("source null", {"source": None}, True),
    ("source name only", {"source": {"name": "x"}}, False),
    ("source org only", {"source": {"org": "x"}}, False),
    ("source url only", {"source": {"url": "https://x"}}, True),
    ("unknown keys", {"metric": "acc", "config": "x", "verified": True}, True),
    ("unquoted date", {"date": datetime.date(2025, 1, 15)}, True),
    ("unquoted datetime", {"date": datetime.datetime(2025, 1, 15, 10, 30, tzinfo=datetime.timezone.utc)}, True),
    ("task_id int", {"dataset": {"id": "cais/hle", "task_id": 1}}, False),
    ("api wrapper key", {"data": "x"}, False),
]


@pytest.mark.parametrize("label, change, ok", RESULT_CASES, ids=[case[0] for case in RESULT_CASES])
def test_result_entry_cases(label, change, ok):
    entry = {**RESULT, **change}
    entry = {key: value for key, value in entry.items() if not (key == "value" and value is None)}
    text = yaml.safe_dump([entry], sort_keys=False).encode()
    verdicts = judge("results", text)
    assert verdicts is not None
    assert_agreement("results", text, verdicts)
    assert (verdicts["model"] == []) is ok, verdicts["model"]
