"""Per-file checks of a `.eval_results/*.yaml` file (FORMATS.md §1).

One pass over the entries; each field is handed to the rule family that owns it. Cross-file
checks (duplicates, scale) live in ``evalledger.lint.rules.duplicates`` / ``benchmark``.
"""

from __future__ import annotations

import datetime

from evalledger.finding import ERROR
from evalledger.formats.results import DATASET_KEYS, ENTRY_KEYS, SOURCE_KEYS
from evalledger.lint.context import Context, describe
from evalledger.lint.rules import dataset as dataset_rules
from evalledger.lint.rules import date as date_rules
from evalledger.lint.rules import keys, shape, source, value
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
        keys.check_keys(entry, ENTRY_KEYS + ("data",), ctx, "", ENTRY_MOVED)
    if "data" in fields:
        # the Hub API's wrapper: huggingface_hub's parser reads the entry from `data` and ignores
        # the keys beside it, so this entry is not what it looks like (and fails to parse)
        ctx.report(
            keys.UNKNOWN_KEY,
            entry.key_node("data"),
            "unknown key `data`: huggingface_hub"
            " reads the whole entry from `data` (the Hub API's wrapper format) and ignores"
            " the keys beside it; remove `data` or move its content up",
            ERROR,
        )

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
        value.check_value(value_node, ctx)

    date_node = fields.get("date")
    if date_node is not None:
        date_rules.check_date(date_node, ctx, today)

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
        keys.check_keys(dataset, _DATASET_KNOWN, ctx, "dataset", DATASET_MOVED)
        dataset_rules.check_legacy(dataset, ctx)
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
        dataset_rules.check_dataset_id(id_node, ctx)
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
        dataset_rules.check_revision(revision, ctx)


def check_source(node: Node, ctx: Context) -> None:
    if node.kind == "scalar" and node.value is None:
        return  # `source:` left empty means no source; huggingface_hub agrees
    if node.kind != "map":
        ctx.report(shape.WRONG_TYPE, node, f"`source` must be a mapping with `url`, got {describe(node)}")
        return
    if any(k not in SOURCE_KEYS for k in node.value):
        keys.check_keys(node, SOURCE_KEYS, ctx, "source")
    has_url = source.check_source_url(node, ctx)
    for key in SOURCE_KEYS:
        child = node.value.get(key)
        if child is None or (key == "url" and not has_url):
            continue
        if not _is_text(child) and not (key != "url" and child.kind == "scalar" and child.value is None):
            ctx.report(shape.WRONG_TYPE, child, f"`source.{key}` must be a string, got {describe(child)}")


def _is_text(node: Node) -> bool:
    return node.kind == "scalar" and isinstance(node.value, str)
