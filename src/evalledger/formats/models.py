"""Typed models (pydantic v2) of the three formats, from which the JSON Schemas are generated.

Why these exist beside the lint rules: editors and third-party validators (check-jsonschema,
SchemaStore consumers) only see a JSON Schema, and a schema that drifts from what ``evalledger lint``
enforces teaches users the wrong rules. So every constraint here is one a JSON Schema can state,
the schemas generated from these models accept what these models accept, and these models accept
what lint's schema-level rules accept (tests check all three on the corpus and on fuzzed mutants).
What a schema cannot state -- duplicate entries or task ids, future dates, a task id unknown to
the benchmark, percent/fraction scale -- is left to the lint rules.

Decisions (FORMATS.md, CONFORMANCE.md), the same as lint's:

* Types are YAML 1.1 types as PyYAML reads them: ``"71"`` is a string, ``yes`` a boolean. A JSON
  Schema sees JSON, where there are no dates: validate ``json_view(data)`` (timestamps become ISO
  strings, as check-jsonschema does); the models accept an unquoted ``date`` either way (lint only
  warns about it).
* ``.eval_results`` entries, ``eval.yaml`` top level and model-index stay open (unknown keys, even
  non-string ones, are allowed: the Hub ignores them and lint only warns). Inspect AI tasks and
  field specs are closed, exactly as ``inspect_ai``'s ``HFTask`` (``extra="forbid"``) is, and
  accept what it accepts, coercions included (``epochs: "4"``, ``shuffle_choices: "yes"``).
* ``eval.yaml`` is discriminated: Inspect AI rules apply when ``evaluation_framework: inspect-ai``,
  or, with no framework named, when a task carries Inspect fields (legacy files written "for
  compatibility with inspect-ai"). Only one branch is ever tried, so the first error is the real
  one (no top-level ``oneOf`` whose "best match" hides the cause).
* Patterns end with a look-ahead instead of ``$``, because Python's ``$`` also matches before a
  trailing newline (``"mean\\n"``), which inspect_ai and the Hub reject.
* Known gap: an integral float of 2**63 or more as ``epochs`` (JSON cannot tell it from an int).

Not imported on the lint hook path: pydantic costs more to import than linting a file does.
"""

from __future__ import annotations

import datetime
import math
import re
import sys
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    RootModel,
    Tag,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from evalledger.dates import DATE_PATTERN  # shared with lint, so schema and lint agree on dates
from evalledger.lint.rules.inspect import SCORERS as INSPECT_SCORERS  # one list: lint and schema agree
from evalledger.lint.rules.inspect import SOLVERS as INSPECT_SOLVERS

END = r"(?![\s\S])"  # end of text in ECMA-262, Python re and pydantic's python-re engine alike
FLOAT_MAX = sys.float_info.max
INT64 = 2**63
INSPECT_AI = "inspect-ai"

_PART = r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?"
# A Hub dataset repo id "namespace/name" (huggingface_hub validate_repo_id, namespace required)
DATASET_ID_PATTERN = r"^(?![\s\S]*--)(?![\s\S]*\.\.)(?![\s\S]*\.git" + END + ")" + _PART + "/" + _PART + END
# "Dataset revision hash": a full commit SHA (FORMATS.md §1.2)
REVISION_PATTERN = r"^[0-9a-f]{40}" + END
# inspect_ai HFEpochReducer (\d as Python and Rust read it: any decimal digit)
EPOCH_REDUCER_PATTERN = r"^(?:pass_at_\d+|at_least_\d+|max|mode|median|mean)" + END
# a string inspect_ai's lax int parsing reads as a whole number >= 1
EPOCHS_TEXT_PATTERN = r"^\s*\+?(?=[0-9_]*[1-9])(?:[0-9](?:_?[0-9])*|[0-9][0-9_]*\.0*)\s*" + END
_INT_TEXT = re.compile(r"[+-]?[0-9][0-9_]*(?:\.0*)?")
# strings pydantic's lax bool parsing accepts (case-insensitive)
BOOL_TEXT_PATTERN = (
    "^(?:0|1|[Ff]|[Ff][Aa][Ll][Ss][Ee]|[Nn]|[Nn][Oo]|[Oo][Ff][Ff]|[Oo][Nn]|[Tt]"
    "|[Tt][Rr][Uu][Ee]|[Yy]|[Yy][Ee][Ss])" + END
)

INSPECT_FIELDS = ("field_spec", "solvers", "scorers")


def json_view(data: Any) -> Any:
    """YAML data as JSON sees it: timestamps become ISO-8601 strings, keys are left alone."""
    if isinstance(data, dict):
        return {key: json_view(value) for key, value in data.items()}
    if isinstance(data, list):
        return [json_view(item) for item in data]
    if isinstance(data, (datetime.date, datetime.datetime)):
        return data.isoformat()
    return data


class _Open(BaseModel):
    """An object that tolerates unknown keys (lint warns about them; the Hub ignores them)."""

    model_config = ConfigDict(extra="allow", strict=True, regex_engine="python-re")

    @model_validator(mode="before")
    @classmethod
    def _string_keys_only(cls, data: Any) -> Any:
        # YAML allows `1: x` or `yes: x`; the Hub ignores such keys and so does the schema
        if isinstance(data, dict) and not all(isinstance(key, str) for key in data):
            return {key: value for key, value in data.items() if isinstance(key, str)}
        return data


class _Closed(BaseModel):
    """An object whose unknown keys are errors (inspect_ai rejects them)."""

    model_config = ConfigDict(extra="forbid", strict=True, regex_engine="python-re")


def _finite(value: Any) -> Any:
    # strict float would refuse ints beyond 64 bits; a score is any finite JSON number
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) <= FLOAT_MAX:
            return float(value)
        raise ValueError("Input should be a finite number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("Input should be a finite number")
    return value


def _epochs(value: Any) -> Any:
    """What inspect_ai's lax int parsing makes of `epochs` (bool, integral float, digit string)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < INT64:
        return int(value)
    if isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        text = value.strip()
        try:
            return int(float(text.replace("_", ""))) if "." in text else int(text)
        except (ValueError, OverflowError):
            return value
    return value


def _lax_bool(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in {"0", "off", "f", "false", "n", "no"}:
        return False
    if isinstance(value, str) and value.lower() in {"1", "on", "t", "true", "y", "yes"}:
        return True
    return value


def _present(value: Any) -> Any:
    if value is None or value == "":
        raise ValueError("Input should be a non-empty value")
    return value


def _date(value: Any) -> Any:
    # an unquoted date is a date object; lint warns (date-unquoted), the Hub accepts it
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


# NaN satisfies {"minimum": 1, "maximum": 0} (every comparison is false) and no number does,
# so "not" of it excludes exactly NaN; the bounds exclude the infinities.
FINITE_NUMBER_SCHEMA = {
    "type": "number",
    "minimum": -FLOAT_MAX,
    "maximum": FLOAT_MAX,
    "not": {"type": "number", "minimum": 1, "maximum": 0},
    "description": "The score: a finite number (not NaN, not infinite, not a quoted string).",
}
EPOCHS_SCHEMA = {
    "anyOf": [{"type": "integer", "minimum": 1}, {"const": True}, {"type": "string", "pattern": EPOCHS_TEXT_PATTERN}],
    "default": 1,
    "description": "Epochs per sample: a whole number of at least 1.",
}
LAX_BOOL_SCHEMA = {
    "anyOf": [
        {"type": "boolean"},
        {"type": "null"},
        {"enum": [0, 1]},
        {"type": "string", "pattern": BOOL_TEXT_PATTERN},
    ],
    "description": "Shuffle the choices (true/false; inspect_ai also reads yes/no, on/off, 1/0).",
}
PRESENT_SCHEMA: dict[str, Any] = {"not": {"enum": [None, ""]}}

Score = Annotated[float, BeforeValidator(_finite), WithJsonSchema(FINITE_NUMBER_SCHEMA)]
Text = Annotated[str, Field(min_length=1)]
Present = Annotated[Any, BeforeValidator(_present), WithJsonSchema(PRESENT_SCHEMA)]
Epochs = Annotated[int, BeforeValidator(_epochs), Field(ge=1), WithJsonSchema(EPOCHS_SCHEMA)]
LaxBool = Annotated[bool | None, BeforeValidator(_lax_bool), WithJsonSchema(LAX_BOOL_SCHEMA)]
DateText = Annotated[str, Field(pattern=DATE_PATTERN), BeforeValidator(_date)]


# --- .eval_results/*.yaml --------------------------------------------------------------------


class ResultDataset(_Open):
    """The benchmark a score belongs to."""

    id: Annotated[
        str, Field(pattern=DATASET_ID_PATTERN, description="Hub dataset repo id of the benchmark, `namespace/name`.")
    ]
    task_id: Annotated[Text, Field(description="A `tasks[].id` of the benchmark's eval.yaml.")]
    revision: Annotated[
        Annotated[str, Field(pattern=REVISION_PATTERN)] | None,
        Field(description="Dataset revision evaluated: a full 40-hex commit SHA."),
    ] = None


class ResultSource(_Open):
    """Attribution: where the score can be checked."""

    url: Annotated[Text, Field(description="Link to the evidence (required when `source` is given).")]
    name: str | None = None
    user: str | None = None
    org: str | None = None


class ResultEntry(_Open):
    """One score of one model on one benchmark task."""

    # `data` is the Hub API's wrapper: huggingface_hub reads the entry from it, ignoring the rest
    model_config = ConfigDict(json_schema_extra={"not": {"required": ["data"]}})

    @model_validator(mode="before")
    @classmethod
    def _not_wrapped(cls, data: Any) -> Any:
        if isinstance(data, dict) and "data" in data:
            raise ValueError("an entry must not have a `data` key (huggingface_hub would read the entry from it)")
        return data

    dataset: ResultDataset
    value: Score
    # absent is fine, null is not: the default sits in Field (the field's type stays str)
    verifyToken: Annotated[str, Field(default=None, description="Proof that the evaluation ran on HF Jobs.")]
    date: Annotated[DateText | None, Field(description="When the evaluation ran: ISO-8601, quoted.")] = None
    source: ResultSource | None = None
    notes: Annotated[str, Field(default=None, description="Evaluation setup, e.g. 'tools'.")]


class ResultsFile(RootModel[list[ResultEntry]]):
    """A `.eval_results/*.yaml` file: a list of result entries."""


# --- eval.yaml ------------------------------------------------------------------------------


def _ids_when_several(tasks: list[Any]) -> None:
    # inspect_ai: "Task 'id' field is required if there are more than 1 tasks in 'eval.yaml'"
    if len(tasks) > 1:
        missing = [i for i, task in enumerate(tasks) if not task.id]
        if missing:
            raise ValueError(f"every task needs an `id` when there are several (tasks {missing} have none)")


class BenchmarkTask(_Open):
    """A task (sub-leaderboard) of a benchmark run by a harness other than Inspect AI."""

    id: Annotated[str | None, Field(description="The `task_id` result entries reference.")] = None
    config: str | None = None
    split: str | None = None


class InspectFieldSpec(_Closed):
    """inspect_ai HFFieldSpec: which dataset columns feed the sample."""

    input: str = "input"
    target: str = "target"
    choices: str | list[str] | None = None
    input_image: str | None = None
    metadata: list[str] | None = None
    id: str = "id"
    sandbox: str = "sandbox"
    files: str = "files"
    setup: str = "setup"
    checkpoint: str | None = "checkpoint"
    description: str | None = None


class _Step(BaseModel):
    # inspect_ai ignores unknown keys on solvers and scorers (even non-string ones), not in args
    model_config = ConfigDict(extra="ignore", strict=True, json_schema_extra={"additionalProperties": True})

    args: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _string_keys_only(cls, data: Any) -> Any:
        if isinstance(data, dict) and not all(isinstance(key, str) for key in data):
            return {key: value for key, value in data.items() if isinstance(key, str)}
        return data


# Literal[<tuple>] is Literal[<its items>] at runtime, so each list of names is written once;
# mypy reads a Literal only from values written in place, hence the ignores
class InspectSolver(_Step):
    name: Literal[INSPECT_SOLVERS]  # type: ignore[valid-type]


class InspectScorer(_Step):
    name: Literal[INSPECT_SCORERS]  # type: ignore[valid-type]


class InspectTask(_Closed):
    """inspect_ai HFTask."""

    id: Annotated[str | None, Field(description="The `task_id` result entries reference.")] = None
    config: str = "default"
    split: str = "test"
    field_spec: InspectFieldSpec
    shuffle_choices: LaxBool = None
    epochs: Epochs = 1
    epoch_reducer: Annotated[str, Field(pattern=EPOCH_REDUCER_PATTERN)] | None = None
    solvers: Annotated[list[InspectSolver], Field(min_length=1)]
    scorers: Annotated[list[InspectScorer], Field(min_length=1)]


class BenchmarkSpec(_Open):
    """eval.yaml of a benchmark whose harness is not Inspect AI."""

    name: Text
    description: Text
    evaluation_framework: Annotated[
        str | None, Field(description="Harness id (huggingface.js EVALUATION_FRAMEWORKS), e.g. inspect-ai.")
    ] = None
    tasks: Annotated[list[BenchmarkTask], Field(min_length=1)]

    @model_validator(mode="after")
    def _task_ids(self) -> BenchmarkSpec:
        _ids_when_several(self.tasks)
        return self


class InspectBenchmarkSpec(_Open):
    """eval.yaml whose tasks are Inspect AI tasks."""

    name: Text
    description: Text
    evaluation_framework: Literal["inspect-ai"] | None = None
    tasks: Annotated[list[InspectTask], Field(min_length=1)]

    @model_validator(mode="after")
    def _task_ids(self) -> InspectBenchmarkSpec:
        _ids_when_several(self.tasks)
        return self


def spec_variant(data: Any) -> str:
    """The discriminator (``if`` in the schema): do Inspect AI task rules apply?"""
    if not isinstance(data, dict):
        return "other"
    framework = data.get("evaluation_framework")
    if framework is not None and not isinstance(framework, (dict, list)):
        return INSPECT_AI if framework == INSPECT_AI else "other"
    tasks = data.get("tasks")
    if isinstance(tasks, list) and any(
        isinstance(task, dict) and any(k in task for k in INSPECT_FIELDS) for task in tasks
    ):
        return INSPECT_AI
    return "other"


SPEC_IS_INSPECT_SCHEMA = {
    "anyOf": [
        {"properties": {"evaluation_framework": {"const": INSPECT_AI}}, "required": ["evaluation_framework"]},
        {
            "properties": {
                "evaluation_framework": {"type": ["null", "object", "array"]},
                "tasks": {
                    "type": "array",
                    "contains": {"type": "object", "anyOf": [{"required": [key]} for key in INSPECT_FIELDS]},
                },
            },
            "required": ["tasks"],
        },
    ],
}

SpecFile = Annotated[
    Annotated[InspectBenchmarkSpec, Tag(INSPECT_AI)] | Annotated[BenchmarkSpec, Tag("other")],
    Discriminator(spec_variant),
]


# --- README.md front matter: legacy model-index ---------------------------------------------
# What huggingface_hub's model_index_to_eval_results reads (a KeyError there is an error here);
# it checks no types, and neither do these models beyond the containers, except a metric's
# `value`: a finite number, as in a results entry (lint: value-not-number and friends).


class ModelIndexTask(_Open):
    type: Annotated[Any, Field(description="Task id (pipeline tag), e.g. text-generation.")]
    name: Any = None


class ModelIndexDataset(_Open):
    type: Annotated[Any, Field(description="Dataset id, e.g. openai/gsm8k.")]
    name: Annotated[Any, Field(description="Pretty name of the dataset.")]
    config: Any = None
    split: Any = None
    revision: Any = None
    args: Any = None


class ModelIndexMetric(_Open):
    type: Annotated[Any, Field(description="Metric id, e.g. accuracy.")]
    value: Annotated[Score, Field(description="Metric value: a finite number.")]
    name: Any = None
    config: Any = None
    args: Any = None
    verified: Any = None
    verifyToken: Any = None


class ModelIndexSource(_Open):
    url: Annotated[Present, Field(description="Link to the evidence (required when `source` is given).")]
    name: Any = None


class ModelIndexResult(_Open):
    task: ModelIndexTask
    dataset: ModelIndexDataset
    metrics: list[ModelIndexMetric]
    source: ModelIndexSource | None = None


class ModelIndexModel(_Open):
    name: Annotated[Any, Field(description="Model name.")]
    results: list[ModelIndexResult]


class ModelCardData(_Open):
    """README.md front matter; only `model-index` is modelled, every other key is free."""

    model_index: Annotated[list[ModelIndexModel], Field(default=None, alias="model-index", min_length=1)]


# --- one door for callers -------------------------------------------------------------------

KINDS = ("results", "spec", "model-index")
_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def adapter(kind: str) -> TypeAdapter[Any]:
    """The validator of one file kind, built once per process."""
    if kind not in _ADAPTERS:
        targets: dict[str, Any] = {"results": ResultsFile, "spec": SpecFile, "model-index": ModelCardData | None}
        target = targets[kind]
        _ADAPTERS[kind] = TypeAdapter(target)
    return _ADAPTERS[kind]


def validate(kind: str, data: Any) -> list[tuple[tuple[Any, ...], str]]:
    """Schema-level problems of loaded YAML data as (path in the document, message).

    The discriminator tag pydantic puts first in a spec error's location is removed, so paths
    are document paths (``("tasks", 0, "epochs")``).
    """
    try:
        adapter(kind).validate_python(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            if kind == "spec" and loc and loc[0] in (INSPECT_AI, "other"):
                loc = loc[1:]
            problems.append((loc, error["msg"]))
        return problems
    return []
