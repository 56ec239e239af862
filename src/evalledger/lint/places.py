"""What a lint check is, and the fixed set of places a check can look at.

yamllint's model: a rule declares what it looks at (a token, a comment, a line) and the linter
hands each rule exactly those. Here a rule module declares its check units in ``CHECKS``, each a
``Check(place, emits, run)``: the place it looks at (one of the constants below), the rules it
can report (Rule objects, defined by the module that owns them; never a bare id) and the function
that looks. ``evalledger.lint.registry`` gathers them; the walkers (``lint.results``,
``lint.spec``, ``lint.model_index``, ``lint.api``) only traverse a document and, at each place,
call ``registry.dispatch(place, ctx, *arguments)``, never a check by name. A check whose rules
the run's selection leaves out entirely (``--select``/``--ignore``, config) is not run at all.

Each place says what ``run`` receives after the ``Context`` (``evalledger.lint.context``):
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from evalledger.rule import Rule

# -- .eval_results files -------------------------------------------------------------------------
RESULTS_FILE = "results-file"  # (): the file's path alone (ctx.path), for a file read from disk
RESULTS_ENTRY = "results-entry"  # (entry,): an entry that is a mapping
DATASET = "dataset"  # (dataset,): an entry's `dataset`, a mapping
DATASET_ID = "dataset-id"  # (node,): `dataset.id`, a non-empty string
DATASET_REVISION = "dataset-revision"  # (node,): `dataset.revision`, given and not null
DATE = "date"  # (node, today): an entry's `date`, given
# -- both results entries and model-index -------------------------------------------------------
VALUE = "value"  # (node, field): a score's `value` (an entry's, a model-index metric's), given
SOURCE = "source"  # (source, where): a `source` mapping; `where` names it in messages
BASE_MODEL_URL = "base-model-url"  # (url node or None, base model ids, where): a source url vs the card's base_model
MAPPING_KEYS = "mapping-keys"  # (mapping, known keys, where, moved or None): the keys of a mapping
# -- model-index ---------------------------------------------------------------------------------
MODEL_INDEX_METRIC = "model-index-metric"  # (metric, where): a metric that is a mapping
MODEL_INDEX_DATASET_TYPE = "model-index-dataset-type"  # (node, where): a result's `dataset.type`, given
# -- eval.yaml -----------------------------------------------------------------------------------
SPEC_ROOT = "spec-root"  # (root,): the spec, a mapping
SPEC_TASKS = "spec-tasks"  # (tasks,): `tasks`, a non-empty list (its items of any type)
INSPECT_TASK = "inspect-task"  # (task, where): a task mapping of an Inspect AI spec
# -- across files ----------------------------------------------------------------------------------
ENTRY_SPEC = "entry-spec"  # (entry, spec): a ResultEntry and the benchmark Spec that governs it
# (files, specs): every results file of the run as (path, repo, entries), the --benchmark specs;
# these checks append findings with their own paths to ctx.findings (ctx.path is empty)
REPO_FILES = "repo-files"

PLACES = (
    RESULTS_FILE,
    RESULTS_ENTRY,
    DATASET,
    DATASET_ID,
    DATASET_REVISION,
    DATE,
    VALUE,
    SOURCE,
    BASE_MODEL_URL,
    MAPPING_KEYS,
    MODEL_INDEX_METRIC,
    MODEL_INDEX_DATASET_TYPE,
    SPEC_ROOT,
    SPEC_TASKS,
    INSPECT_TASK,
    ENTRY_SPEC,
    REPO_FILES,
)


@dataclass(frozen=True)
class Check:
    """One check unit: where it looks, which rules it can report, and the function that looks
    (called as ``run(ctx, *arguments of the place)``)."""

    place: str
    emits: tuple[Rule, ...]
    run: Callable[..., None]
