"""Checks of legacy `model-index` metadata (FORMATS.md §3) at the standard of result files.

Structure exactly where huggingface_hub's ``model_index_to_eval_results`` needs a field
(KeyError/TypeError there = an error here); then what huggingface_hub accepts without a word but
no leaderboard can use: a value that is not a finite number (the same rules, ids and severities
as a results entry's `value`), unknown keys at every level, a self-set `verified: true`, an empty
`results: []`, and a result whose source is the base model's.
"""

from __future__ import annotations

from evalledger.formats.model_index import (
    DATASET_KEYS,
    METRIC_KEYS,
    MODEL_KEYS,
    RESULT_KEYS,
    SOURCE_KEYS,
    TASK_KEYS,
    base_models,
)
from evalledger.lint import places
from evalledger.lint.context import Context, describe
from evalledger.lint.registry import dispatch
from evalledger.lint.rules import model_index as rules
from evalledger.lint.rules import shape
from evalledger.lint.rules.source import url_given
from evalledger.yamlsource import Node

CAMEL = "did you mean 'verifyToken'? the key is camelCase"
METRIC_MOVED = {
    "verify_token": CAMEL,
    "verifytoken": CAMEL,
    "score": "did you mean 'value'?",
    "metric": "did you mean 'type'? (the metric id)",
}
DATASET_MOVED = {"id": "did you mean 'type'? (in model-index the dataset id is `dataset.type`)"}
RESULT_MOVED = {"metric": "did you mean 'metrics'? (a list of {type, value})"}


def check_card(root: Node | None, ctx: Context) -> None:
    """Card metadata (front matter, or a bare YAML file holding it)."""
    if root is None or (root.kind == "scalar" and root.value is None):
        return  # `---\nnull\n---` is empty metadata to huggingface_hub's ModelCard, as `---\n---` is
    if root.kind != "map":
        ctx.report(shape.WRONG_TYPE, root, f"card metadata must be a mapping, got {describe(root)}")
        return
    index = root.get("model-index")
    if index is None:
        return
    if index.kind != "seq" or not index.value:
        got = "an empty list" if index.kind == "seq" else describe(index)
        hint = " (add `- ` before `name:`)" if index.kind == "map" else ""
        ctx.report(
            rules.MODEL_INDEX_NOT_LIST,
            index if index.kind != "scalar" else root.key_node("model-index"),
            f"`model-index` must be a non-empty list of {{name, results}}, got {got}{hint}",
        )
        return
    bases = base_models(root)
    for i, model in enumerate(index.value):
        _check_model(model, f"model-index[{i}]", ctx, bases)


def _text(node: Node) -> bool:
    return node.kind == "scalar" and node.value is not None and not isinstance(node.value, (list, dict))


def _required(parent: Node, key: str, where: str, ctx: Context, kind: str | None = None) -> Node | None:
    node = parent.get(key)
    if node is None:
        ctx.report(shape.MISSING_FIELD, parent, f"`{where}` has no `{key}`")
        return None
    if kind == "map" and node.kind != "map":
        ctx.report(shape.WRONG_TYPE, node, f"`{where}.{key}` must be a mapping, got {describe(node)}")
        return None
    if kind == "seq" and node.kind != "seq":
        ctx.report(shape.WRONG_TYPE, node, f"`{where}.{key}` must be a list, got {describe(node)}")
        return None
    return node


def _keys(node: Node, known: tuple[str, ...], where: str, ctx: Context, moved: dict[str, str] | None = None) -> None:
    if any(k not in known for k in node.value):
        dispatch(places.MAPPING_KEYS, ctx, node, known, where, moved)


def _check_model(model: Node, where: str, ctx: Context, bases: tuple[str, ...] = ()) -> None:
    if model.kind != "map":
        ctx.report(
            shape.WRONG_TYPE, model, f"`{where}` must be a mapping with `name` and `results`, got {describe(model)}"
        )
        return
    _keys(model, MODEL_KEYS, where, ctx)
    _required(model, "name", where, ctx)
    results = _required(model, "results", where, ctx, "seq")
    if results is None:
        return
    if not results.value:
        ctx.report(
            shape.RESULTS_EMPTY,
            results,
            f"`{where}.results` is empty: the card claims"
            " scores it does not give; add the results or remove `model-index`",
        )
    for i, result in enumerate(results.value):
        here = f"{where}.results[{i}]"
        if result.kind != "map":
            ctx.report(
                shape.WRONG_TYPE, result, f"`{here}` must be a mapping (task, dataset, metrics), got {describe(result)}"
            )
            continue
        _keys(result, RESULT_KEYS, here, ctx, RESULT_MOVED)
        task = _required(result, "task", here, ctx, "map")
        if task is not None:
            _keys(task, TASK_KEYS, f"{here}.task", ctx)
            _required(task, "type", f"{here}.task", ctx)
        dataset = _required(result, "dataset", here, ctx, "map")
        if dataset is not None:
            _keys(dataset, DATASET_KEYS, f"{here}.dataset", ctx, DATASET_MOVED)
            dataset_type = _required(dataset, "type", f"{here}.dataset", ctx)
            if dataset_type is not None:
                dispatch(places.MODEL_INDEX_DATASET_TYPE, ctx, dataset_type, f"{here}.dataset.type")
            _required(dataset, "name", f"{here}.dataset", ctx)
        metrics = _required(result, "metrics", here, ctx, "seq")
        if metrics is not None:
            for j, metric in enumerate(metrics.value):
                _check_metric(metric, f"{here}.metrics[{j}]", ctx)
        src = result.get("source")
        if src is not None and not (src.kind == "scalar" and src.value is None):
            if src.kind != "map":
                ctx.report(shape.WRONG_TYPE, src, f"`{here}.source` must be a mapping with `url`, got {describe(src)}")
            else:
                _keys(src, SOURCE_KEYS, f"{here}.source", ctx)
                dispatch(places.SOURCE, ctx, src, f"{here}.source")
                if url_given(src):
                    dispatch(places.BASE_MODEL_URL, ctx, src.get("url"), bases, f"{here}.source.url")


def _check_metric(metric: Node, where: str, ctx: Context) -> None:
    if metric.kind != "map":
        ctx.report(shape.WRONG_TYPE, metric, f"`{where}` must be a mapping (type, value), got {describe(metric)}")
        return
    _keys(metric, METRIC_KEYS, where, ctx, METRIC_MOVED)
    _required(metric, "type", where, ctx)
    node = _required(metric, "value", where, ctx)
    if node is not None:
        dispatch(places.VALUE, ctx, node, f"{where}.value")
    dispatch(places.MODEL_INDEX_METRIC, ctx, metric, where)
