"""Per-file checks of a `.eval_results/*.yaml` file (FORMATS.md §1).

One pass over the entries: the walker reports what is about the traversal itself (the file is
not a list, an entry not a mapping, a required field missing or of the wrong type) and hands each
place it reaches (entry, dataset, dataset.id, value, date, source...) to the checks registered for
it (``evalledger.lint.registry.dispatch``). Cross-file places are dispatched by ``lint.api``.
"""

from __future__ import annotations

import datetime

from evalledger.formats.results import DATASET_KEYS, ENTRY_KEYS, SOURCE_KEYS
from evalledger.lint import places
from evalledger.lint.context import Context, describe
from evalledger.lint.registry import dispatch
from evalledger.lint.rules import shape
from evalledger.lint.rules.source import url_given
from evalledger.yamlsource import Node

# where a misplaced key belongs: the most common slips seen in real files and drafts
ENTRY_MOVED = {
    "verify_token": "did you mean 'verifyToken'? the key is camelCase",
    "verifytoken": "did you mean 'verifyToken'? the key is camelCase",
    "task": "did you mean 'dataset.task_id'?",
    "task_id": "did you mean 'dataset.task_id'? it belongs inside `dataset`",
    "taskId": "did you mean 'dataset.task_id'?",
    "dataset_id": "did you mean 'dataset.id'?",
    "id": "did you mean 'dataset.id'? it belongs inside `dataset`",
    "revision": "did you mean 'dataset.revision'? it belongs inside `dataset`",
    "score": "did you mean 'value'?",
    "metric": "an entry holds one metric; report another metric as another task of the benchmark",
    "metrics": "an entry holds one metric in `value`; `metrics` is the legacy model-index form",
    "url": "did you mean 'source.url'?",
    "verified": "the verified badge is computed by the Hub from `verifyToken`; it cannot be set",
    "config": "legacy form: the benchmark's eval.yaml defines config per task; use `dataset.task_id`",
    "split": "legacy form: the benchmark's eval.yaml defines split per task; use `dataset.task_id`",
    "note": "did you mean 'notes'?",
}
DATASET_MOVED = {
    "task": "did you mean 'task_id'?",
    "taskId": "did you mean 'task_id'?",
    "name": "did you mean 'id'? (`dataset.id` is namespace/name)",
    "type": "legacy model-index key; did you mean 'id'?",
    "sha": "did you mean 'revision'?",
    "commit": "did you mean 'revision'?",
}
_DATASET_KNOWN = DATASET_KEYS + ("config", "split")  # config/split: legacy-dataset-field says more
_ENTRY_KNOWN = ENTRY_KEYS + ("data",)  # data: the Hub API's wrapper, an error of its own


def check_results(root: Node | None, ctx: Context, today: datetime.date | None = None) -> None:
    if root is None:
        # not even an empty list: huggingface_hub's parser fails on it (TypeError), like a mapping
        ctx.report(
            shape.RESULTS_NOT_LIST,
            (1, 1),
            "the file is empty; a results file must be a list"
            " of entries (`- dataset: ...`), or `[]`; delete the file if it holds no results",
        )
        return
    if root.kind != "seq":
        if root.kind == "map" and "model-index" in root.value:
            ctx.report(
                shape.RESULTS_NOT_LIST,
                root.key_node("model-index"),
                "the top level is a `model-index:` mapping, the legacy README.md format;"
                " .eval_results files hold a list of entries (`- dataset: {id, task_id}`"
                " with `value`): convert each metric to an entry, or move `model-index:`"
                " into the YAML front matter of README.md",
            )
        else:
            ctx.report(
                shape.RESULTS_NOT_LIST,
                root,
                f"a results file must be a list of entries (`- dataset: ...`), got {describe(root)}",
            )
        return
    if not root.value:
        ctx.report(shape.RESULTS_EMPTY, root, "the file holds no entries")
        return
    day = today or datetime.datetime.now(datetime.timezone.utc).date()
    for index, entry in enumerate(root.value):
        check_entry(entry, index, ctx, day)


def check_entry(entry: Node, index: int, ctx: Context, today: datetime.date) -> None:
    if entry.kind != "map":
        ctx.report(
            shape.ENTRY_NOT_MAPPING,
            entry,
            f"entry {index + 1} must be a mapping with `dataset` and `value`, got {describe(entry)}",
        )
        return
    fields = entry.value
    if len(fields) > 6 or any(k not in ENTRY_KEYS for k in fields):
        dispatch(places.MAPPING_KEYS, ctx, entry, _ENTRY_KNOWN, "", ENTRY_MOVED)
    dispatch(places.RESULTS_ENTRY, ctx, entry)

    dataset = fields.get("dataset")
    if dataset is None:
        if "dataset" in fields:
            ctx.report(
                shape.MISSING_FIELD, entry.key_node("dataset"), "`dataset` is empty; it needs `id` and `task_id`"
            )
        else:
            ctx.report(shape.MISSING_FIELD, entry, "entry has no `dataset` (with `id` and `task_id`)")
    elif dataset.kind != "map":
        if dataset.kind == "scalar" and dataset.value is None:
            ctx.report(shape.MISSING_FIELD, dataset, "`dataset` is empty; it needs `id` and `task_id`")
        else:
            ctx.report(
                shape.WRONG_TYPE,
                dataset,
                f"`dataset` must be a mapping with `id` and `task_id`, got {describe(dataset)}",
            )
    else:
        check_dataset(dataset, ctx)

    value_node = fields.get("value")
    if value_node is None:
        ctx.report(shape.MISSING_FIELD, entry, "entry has no `value` (the score)")
    else:
        dispatch(places.VALUE, ctx, value_node, "value")

    date_node = fields.get("date")
    if date_node is not None:
        dispatch(places.DATE, ctx, date_node, today)

    source_node = fields.get("source")
    if source_node is not None:
        check_source(source_node, ctx)

    for key in ("notes", "verifyToken"):
        node = fields.get(key)
        if node is not None and not _is_text(node):
            ctx.report(shape.WRONG_TYPE, node, f"`{key}` must be a string, got {describe(node)}")


def check_dataset(dataset: Node, ctx: Context) -> None:
    fields = dataset.value
    if any(k not in DATASET_KEYS for k in fields):
        dispatch(places.MAPPING_KEYS, ctx, dataset, _DATASET_KNOWN, "dataset", DATASET_MOVED)
        dispatch(places.DATASET, ctx, dataset)
    id_node = fields.get("id")
    if id_node is None or (id_node.kind == "scalar" and id_node.value in (None, "")):
        ctx.report(
            shape.MISSING_FIELD,
            id_node or dataset,
            "`dataset.id` is missing: the benchmark's Hub dataset id (namespace/name)",
        )
    elif id_node.kind != "scalar" or not isinstance(id_node.value, str):
        ctx.report(shape.WRONG_TYPE, id_node, f"`dataset.id` must be a string, got {describe(id_node)}")
    else:
        dispatch(places.DATASET_ID, ctx, id_node)
    task = fields.get("task_id")
    if task is None or (task.kind == "scalar" and task.value in (None, "")):
        hint = ""
        if "config" in fields or "split" in fields:
            hint = " (it replaces the legacy `config`/`split`)"
        ctx.report(
            shape.MISSING_FIELD,
            task or dataset,
            "`dataset.task_id` is missing: the id of the"
            f" benchmark task (from its eval.yaml) this score belongs to{hint}",
        )
    elif task.kind != "scalar" or not isinstance(task.value, str):
        hint = "; quote it" if task.kind == "scalar" else ""
        ctx.report(shape.WRONG_TYPE, task, f"`dataset.task_id` must be a string, got {describe(task)}{hint}")
    revision = fields.get("revision")
    if revision is not None and not (revision.kind == "scalar" and revision.value is None):
        dispatch(places.DATASET_REVISION, ctx, revision)


def check_source(node: Node, ctx: Context) -> None:
    if node.kind == "scalar" and node.value is None:
        return  # `source:` left empty means no source; huggingface_hub agrees
    if node.kind != "map":
        ctx.report(shape.WRONG_TYPE, node, f"`source` must be a mapping with `url`, got {describe(node)}")
        return
    if any(k not in SOURCE_KEYS for k in node.value):
        dispatch(places.MAPPING_KEYS, ctx, node, SOURCE_KEYS, "source", None)
    dispatch(places.SOURCE, ctx, node, "source")
    has_url = url_given(node)
    for key in SOURCE_KEYS:
        child = node.value.get(key)
        if child is None or (key == "url" and not has_url):
            continue
        if not _is_text(child) and not (key != "url" and child.kind == "scalar" and child.value is None):
            ctx.report(shape.WRONG_TYPE, child, f"`source.{key}` must be a string, got {describe(child)}")


def _is_text(node: Node) -> bool:
    return node.kind == "scalar" and isinstance(node.value, str)
