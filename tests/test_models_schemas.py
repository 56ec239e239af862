"""The JSON Schemas are generated from the typed models and shipped twice; neither copy may drift.

Also pins the schema decisions users rely on: discriminated eval.yaml (one branch, first error is
the real one), finite scores, strict types, string keys.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from evalledger.cli import main
from evalledger.formats import models, schema

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_SCHEMAS = REPO_ROOT / "src" / "evalledger" / "schemas"
TOP_SCHEMAS = REPO_ROOT / "schemas"
REGENERATE = "run `evalledger schema --write src/evalledger/schemas && evalledger schema --write schemas`"


@pytest.mark.parametrize("kind", models.KINDS)
def test_shipped_schemas_match_the_models(kind):
    expected = schema.render(schema.generate(kind))
    for folder in (PACKAGE_SCHEMAS, TOP_SCHEMAS):
        path = folder / schema.FILE_NAMES[kind]
        assert path.is_file(), f"{path} is missing: {REGENERATE}"
        assert path.read_text(encoding="utf-8") == expected, f"{path} drifted from the models: {REGENERATE}"


def test_no_stray_schema_files():
    for folder in (PACKAGE_SCHEMAS, TOP_SCHEMAS):
        assert sorted(p.name for p in folder.glob("*.json")) == sorted(schema.FILE_NAMES.values())


@pytest.mark.parametrize("kind", models.KINDS)
def test_installed_package_carries_the_schema(kind):
    # importlib.resources: what a pre-commit hook env (pip install .) sees, offline
    assert schema.shipped(kind) == schema.generate(kind)


@pytest.mark.parametrize("kind", models.KINDS)
def test_schemas_are_valid_draft_2020_12_without_top_level_alternatives(kind):
    generated = schema.generate(kind)
    jsonschema.Draft202012Validator.check_schema(generated)
    assert generated["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for combinator in ("oneOf", "anyOf", "allOf"):
        assert combinator not in generated, f"top-level {combinator} hides the real error"


def test_schema_command_prints_all_three(capsys):
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert sorted(printed) == sorted(models.KINDS)
    assert printed["results"] == schema.shipped("results")


def test_schema_command_prints_one_kind_byte_for_byte(capsys):
    assert main(["schema", "--kind", "spec"]) == 0
    assert capsys.readouterr().out == (PACKAGE_SCHEMAS / "eval-spec.schema.json").read_text(encoding="utf-8")


def test_schema_command_writes_files(tmp_path, capsys):
    assert main(["schema", "--write", str(tmp_path)]) == 0
    for name in schema.FILE_NAMES.values():
        assert (tmp_path / name).read_text(encoding="utf-8") == (PACKAGE_SCHEMAS / name).read_text(encoding="utf-8")
    assert not list(tmp_path.glob("*.tmp"))
    assert "wrote" in capsys.readouterr().out


def test_schema_command_rejects_a_missing_directory(tmp_path, capsys):
    assert main(["schema", "--write", str(tmp_path / "nope")]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_schema_command_rejects_an_unknown_kind(capsys):
    assert main(["schema", "--kind", "leaderboard"]) == 2


def _schema_errors(kind, data):
    validator = jsonschema.Draft202012Validator(schema.generate(kind))
    return [(tuple(e.absolute_path), e.message) for e in validator.iter_errors(data)]


INSPECT_TASK = {
    "id": "t",
    "field_spec": {"input": "q", "target": "a"},
    "solvers": [{"name": "generate"}],
    "scorers": [{"name": "match"}],
}


def test_inspect_spec_reports_the_real_error_first():
    spec = {
        "name": "B",
        "description": "d",
        "evaluation_framework": "inspect-ai",
        "tasks": [dict(INSPECT_TASK, epoch_reducer="majority")],
    }
    validator = jsonschema.Draft202012Validator(schema.generate("spec"))
    best = jsonschema.exceptions.best_match(validator.iter_errors(spec))
    assert tuple(best.absolute_path) == ("tasks", 0, "epoch_reducer")
    assert [loc for loc, _ in models.validate("spec", spec)] == [("tasks", 0, "epoch_reducer")]


def test_inspect_rules_apply_only_to_inspect_specs():
    spec = {
        "name": "B",
        "description": "d",
        "evaluation_framework": "olmocr-bench",
        "tasks": [{"id": "overall", "config": "default", "split": "overall"}],
    }
    assert models.validate("spec", spec) == [] and _schema_errors("spec", spec) == []
    spec["evaluation_framework"] = "inspect-ai"
    model_locs = sorted(loc for loc, _ in models.validate("spec", spec))
    assert model_locs == [("tasks", 0, "field_spec"), ("tasks", 0, "scorers"), ("tasks", 0, "solvers")]
    assert sorted(_schema_errors("spec", spec)) == [
        (("tasks", 0), f"'{key}' is a required property") for key in ("field_spec", "scorers", "solvers")
    ]


@pytest.mark.parametrize(
    "value, ok",
    [
        (71, True),
        (0.412, True),
        (-3, True),
        (10**30, True),
        (1.7976931348623157e308, True),
        (math.nan, False),
        (math.inf, False),
        (-math.inf, False),
        (10**400, False),
        ("20.9%", False),
        ("71", False),
        (True, False),
        (None, False),
        ([71], False),
    ],
)
def test_score_value_is_a_finite_number_in_both(value, ok):
    data = [{"dataset": {"id": "Idavidrein/gpqa", "task_id": "diamond"}, "value": value}]
    assert (models.validate("results", data) == []) is ok
    assert (_schema_errors("results", data) == []) is ok


@pytest.mark.parametrize(
    "field, value, ok",
    [
        ("date", "2026-01-28", True),
        ("date", "2025-01-15T10:30:00Z", True),
        ("date", "2026-01-28\n", False),
        ("date", "28/01/2026", False),
        ("revision", "5503434ddd753f426f4b38109466949a1217c2bb", True),
        ("revision", "main", False),
        ("notes", None, False),
        ("notes", 5, False),
        ("verifyToken", "tok", True),
    ],
)
def test_optional_entry_fields(field, value, ok):
    entry = {"dataset": {"id": "cais/hle", "task_id": "hle"}, "value": 12.5}
    if field == "revision":
        entry["dataset"]["revision"] = value
    else:
        entry[field] = value
    assert (models.validate("results", [entry]) == []) is ok
    assert (_schema_errors("results", [entry]) == []) is ok


def test_non_string_keys_are_ignored_where_the_hub_ignores_them_and_refused_where_inspect_does():
    result = [{"dataset": {"id": "cais/hle", "task_id": "hle"}, "value": 1, 7: "x", True: "y"}]
    assert models.validate("results", result) == [] and _schema_errors("results", result) == []
    task = dict(INSPECT_TASK, solvers=[{"name": "generate", 3: "ignored"}])
    spec = {"name": "B", "description": "d", "evaluation_framework": "inspect-ai", "tasks": [task], 1: "x"}
    assert models.validate("spec", spec) == [] and _schema_errors("spec", spec) == []
    for bad_task in ({**INSPECT_TASK, 5: "x"}, dict(INSPECT_TASK, solvers=[{"name": "generate", "args": {1: 2}}])):
        spec["tasks"] = [bad_task]
        assert models.validate("spec", spec) and _schema_errors("spec", spec)


def test_unquoted_date_is_accepted_as_lint_only_warns():
    import datetime

    entry = {"dataset": {"id": "cais/hle", "task_id": "hle"}, "value": 12.5, "date": datetime.date(2026, 1, 28)}
    assert models.validate("results", [entry]) == []
    assert _schema_errors("results", models.json_view([entry])) == []
    entry["notes"] = datetime.date(2026, 1, 28)  # a date where text belongs: lint says wrong-type
    assert models.validate("results", [entry])


def test_several_tasks_need_ids_one_task_does_not():
    one = {"name": "B", "description": "d", "tasks": [{"config": "default"}]}
    assert models.validate("spec", one) == [] and _schema_errors("spec", one) == []
    two = dict(one, tasks=[{"id": "a"}, {"config": "default"}])
    assert models.validate("spec", two) and _schema_errors("spec", two)


def test_lint_hook_path_does_not_import_pydantic_or_jsonschema(tmp_path):
    result = tmp_path / ".eval_results" / "gpqa.yaml"
    result.parent.mkdir()
    result.write_text("- dataset: {id: Idavidrein/gpqa, task_id: diamond}\n  value: 0.41\n")
    probe = (
        "import sys\nfrom evalledger.cli import check_eval_results\n"
        f"code = check_eval_results([{str(result)!r}])\n"
        "heavy = sorted(m for m in ('pydantic', 'jsonschema', 'git') if m in sys.modules)\n"
        "print(code, heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "0 []"
