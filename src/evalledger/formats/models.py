"""Typed models (pydantic v2) of the three formats, from which the JSON Schemas are generated.

Why these exist beside the lint rules: editors and third-party validators (check-jsonschema,
SchemaStore consumers) only see a JSON Schema, and a schema that drifts from what ``evalledger lint``
enforces teaches users the wrong rules. So every constraint here is one a JSON Schema can state,
and the schemas generated from these models accept exactly what the models accept (a test checks
both on the corpus and on fuzzed mutants). What a schema cannot state -- duplicate entries or task
ids, calendar-valid or future dates, a task id unknown to the benchmark, percent/fraction scale --
is left to the lint rules.

Decisions (FORMATS.md, CONFORMANCE.md):

* Types are strict (YAML gives real types: ``"71"`` is a string, ``2025-01-15`` unquoted is a date,
  not a string). Keys must be strings. An optional key may be absent but not ``null``.
* ``.eval_results`` entries and ``eval.yaml`` top level stay open (unknown keys are allowed: the Hub
  ignores them and lint only warns); Inspect AI tasks and field specs are closed, exactly as
  ``inspect_ai``'s ``HFTask`` (``extra="forbid"``) is.
* ``eval.yaml`` is discriminated on ``evaluation_framework``: ``inspect-ai`` selects the Inspect task
  model, anything else the Hub-level task model. Only one branch is ever tried, so the first error
  is the real one (no top-level ``oneOf`` whose "best match" hides the cause).
* Patterns are anchored with a look-ahead instead of ``$`` because Python's ``$`` also matches
  before a trailing newline (``"mean\\n"``), which inspect_ai (Rust regex) rejects.

Not imported on the lint hook path: pydantic costs more to import than linting a file does.
"""
from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Union

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
)

END = r"(?![\s\S])"  # end of text in ECMA-262, Python re and pydantic's python-re engine alike
FLOAT_MAX = 1.7976931348623157e308
INSPECT_AI = "inspect-ai"

# A Hub dataset repo id "namespace/name" (huggingface_hub validate_repo_id, with the namespace
# a benchmark always has).
DATASET_ID_PATTERN = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+" + END
# "Dataset revision hash": a full commit SHA (FORMATS.md §1.2)
REVISION_PATTERN = r"^[0-9a-f]{40}" + END
# ISO-8601 date or date-time as the docs write them ("2025-01-15", "2025-01-15T10:30:00Z")
DATE_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
                r"(?:[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
                + END)
# inspect_ai HFEpochReducer, with [0-9] for \d (Unicode digits are no one's pass_at_k)
EPOCH_REDUCER_PATTERN = r"^(?:pass_at_[0-9]+|at_least_[0-9]+|max|mode|median|mean)" + END

INSPECT_SOLVERS = ("prompt_template", "system_message", "user_message", "chain_of_thought", "use_tools",
                   "generate", "self_critique", "multiple_choice")
INSPECT_SCORERS = ("includes", "match", "pattern", "answer", "exact", "f1", "model_graded_qa",
                   "model_graded_fact", "choice", "math")


class _Open(BaseModel):
    """An object that tolerates unknown keys (lint warns about them; the Hub ignores them)."""

    model_config = ConfigDict(extra="allow", strict=True, regex_engine="python-re")


class _Closed(BaseModel):
    """An object whose unknown keys are errors (inspect_ai rejects them)."""

    model_config = ConfigDict(extra="forbid", strict=True, regex_engine="python-re")


def _finite(value: Any) -> Any:
    # pydantic's strict float rejects ints beyond 64 bits; a score is any finite JSON number
    if isinstance(value, int) and not isinstance(value, bool):
        if -FLOAT_MAX <= value <= FLOAT_MAX:
            return float(value)
        raise ValueError("Input should be a finite number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("Input should be a finite number")
    return value


def _integral(value: Any) -> Any:
    # JSON Schema's "integer" includes 4.0; inspect_ai coerces it too
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# NaN satisfies {"minimum": 1, "maximum": 0} (every comparison is false) and no number does,
# so "not" of it excludes exactly NaN; the bounds exclude the infinities.
FINITE_NUMBER_SCHEMA = {
    "type": "number", "minimum": -FLOAT_MAX, "maximum": FLOAT_MAX,
    "not": {"type": "number", "minimum": 1, "maximum": 0},
    "description": "A finite number (not NaN, not infinite, not a quoted string).",
}

Score = Annotated[float, BeforeValidator(_finite), WithJsonSchema(FINITE_NUMBER_SCHEMA)]
Text = Annotated[str, Field(min_length=1)]
PositiveInt = Annotated[int, BeforeValidator(_integral), Field(ge=1)]


# --- .eval_results/*.yaml --------------------------------------------------------------------

class ResultDataset(_Open):
    """The benchmark a score belongs to."""

    id: Annotated[str, Field(pattern=DATASET_ID_PATTERN,
                             description="Hub dataset repo id of the benchmark, `namespace/name`.")]
    task_id: Annotated[Text, Field(description="A `tasks[].id` of the benchmark's eval.yaml.")]
    revision: Annotated[str, Field(pattern=REVISION_PATTERN,
                                   description="Dataset revision evaluated: a full 40-hex commit SHA.")] = None


class ResultSource(_Open):
    """Attribution: where the score can be checked."""

    url: Annotated[Text, Field(description="Link to the evidence (required when `source` is given).")]
    name: str = None
    user: str = None
    org: str = None


class ResultEntry(_Open):
    """One score of one model on one benchmark task."""

    dataset: ResultDataset
    value: Annotated[Score, Field(description="The metric value, as a plain number.")]
    verifyToken: Annotated[str, Field(description="Proof that the evaluation ran on HF Jobs.")] = None
    date: Annotated[str, Field(pattern=DATE_PATTERN,
                               description="When the evaluation ran, ISO-8601, quoted.")] = None
    source: ResultSource = None
    notes: Annotated[str, Field(description="Evaluation setup, e.g. 'tools'.")] = None


class ResultsFile(RootModel[list[ResultEntry]]):
    """A `.eval_results/*.yaml` file: a list of result entries."""


# --- eval.yaml ------------------------------------------------------------------------------

class BenchmarkTask(_Open):
    """A task (sub-leaderboard) of a benchmark run by a harness other than Inspect AI."""

    id: Annotated[Text, Field(description="The `task_id` result entries reference.")]
    config: str = None
    split: str = None


class InspectFieldSpec(_Closed):
    """inspect_ai HFFieldSpec: which dataset columns feed the sample."""

    input: str = "input"
    target: str = "target"
    choices: Union[str, list[str], None] = None
    input_image: Union[str, None] = None
    metadata: Union[list[str], None] = None
    id: str = "id"
    sandbox: str = "sandbox"
    files: str = "files"
    setup: str = "setup"
    checkpoint: Union[str, None] = "checkpoint"
    description: Union[str, None] = None


class _Step(BaseModel):
    # inspect_ai ignores unknown keys on solvers and scorers, but not non-string keys in args
    model_config = ConfigDict(extra="allow", strict=True)

    args: dict[str, Any] = Field(default_factory=dict)


class InspectSolver(_Step):
    name: Literal[INSPECT_SOLVERS]  # type: ignore[valid-type]


class InspectScorer(_Step):
    name: Literal[INSPECT_SCORERS]  # type: ignore[valid-type]


class InspectTask(_Closed):
    """inspect_ai HFTask, with `id` required as the Hub requires it."""

    id: Annotated[Text, Field(description="The `task_id` result entries reference.")]
    config: str = "default"
    split: str = "test"
    field_spec: InspectFieldSpec
    shuffle_choices: Union[bool, None] = None
    epochs: PositiveInt = 1
    epoch_reducer: Union[Annotated[str, Field(pattern=EPOCH_REDUCER_PATTERN)], None] = None
    solvers: Annotated[list[InspectSolver], Field(min_length=1)]
    scorers: Annotated[list[InspectScorer], Field(min_length=1)]


class BenchmarkSpec(_Open):
    """eval.yaml of a benchmark whose harness is not Inspect AI (or not named)."""

    name: Text
    description: Text
    evaluation_framework: Annotated[str, Field(description="Harness id (huggingface.js EVALUATION_FRAMEWORKS).")] = None
    tasks: Annotated[list[BenchmarkTask], Field(min_length=1)]


class InspectBenchmarkSpec(_Open):
    """eval.yaml with `evaluation_framework: inspect-ai`: every task is an Inspect AI task."""

    name: Text
    description: Text
    evaluation_framework: Literal["inspect-ai"]
    tasks: Annotated[list[InspectTask], Field(min_length=1)]


def spec_variant(data: Any) -> str:
    """The discriminator: which spec model applies (mirrored by if/then/else in the schema)."""
    if isinstance(data, dict) and data.get("evaluation_framework") == INSPECT_AI:
        return INSPECT_AI
    return "other"


SpecFile = Annotated[
    Union[Annotated[InspectBenchmarkSpec, Tag(INSPECT_AI)], Annotated[BenchmarkSpec, Tag("other")]],
    Discriminator(spec_variant),
]


# --- README.md front matter: legacy model-index ---------------------------------------------

class ModelIndexTask(_Open):
    type: Annotated[str, Field(description="Task id (pipeline tag), e.g. text-generation.")]
    name: str = None


class ModelIndexDataset(_Open):
    type: Annotated[str, Field(description="Dataset id.")]
    name: Annotated[str, Field(description="Pretty name of the dataset.")]
    config: str = None
    split: str = None
    revision: str = None
    args: Union[str, dict[str, Any]] = None


class ModelIndexMetric(_Open):
    type: Annotated[str, Field(description="Metric id, e.g. accuracy.")]
    value: Annotated[Any, Field(description="Metric value; a number or text such as '20.0 ± 1.2'.")]
    name: str = None
    config: str = None
    args: Union[str, dict[str, Any]] = None
    verified: bool = None
    verifyToken: str = None


class ModelIndexSource(_Open):
    url: Text
    name: str = None


class ModelIndexResult(_Open):
    task: ModelIndexTask
    dataset: ModelIndexDataset
    metrics: list[ModelIndexMetric]
    source: ModelIndexSource = None


class ModelIndexModel(_Open):
    name: Annotated[str, Field(description="Model name.")]
    results: list[ModelIndexResult]


class ModelCardData(_Open):
    """README.md front matter; only `model-index` is modelled, every other key is free."""

    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=False)

    model_index: Annotated[list[ModelIndexModel], Field(alias="model-index")] = None


# --- one door for callers -------------------------------------------------------------------

KINDS = ("results", "spec", "model-index")
_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def adapter(kind: str) -> TypeAdapter[Any]:
    """The validator of one file kind, built once per process."""
    if kind not in _ADAPTERS:
        target = {"results": ResultsFile, "spec": SpecFile, "model-index": ModelCardData}[kind]
        _ADAPTERS[kind] = TypeAdapter(target)
    return _ADAPTERS[kind]


def validate(kind: str, data: Any) -> list[tuple[tuple[Any, ...], str]]:
    """Schema-level problems of already-loaded YAML data as (path in the document, message).

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
