"""Checks of legacy `model-index` metadata (FORMATS.md §3), exactly where huggingface_hub's
``model_index_to_eval_results`` needs a field (KeyError/TypeError there = an error here)."""
from __future__ import annotations

from evalledger.lint.context import Context, describe
from evalledger.lint.rules import model_index as rules
from evalledger.lint.rules import shape, source
from evalledger.yamlsource import Node


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
        ctx.report(rules.MODEL_INDEX_NOT_LIST, index if index.kind != "scalar" else root.key_node("model-index"),
                   f"`model-index` must be a non-empty list of {{name, results}}, got {got}{hint}")
        return
    for i, model in enumerate(index.value):
        _check_model(model, f"model-index[{i}]", ctx)


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


def _check_model(model: Node, where: str, ctx: Context) -> None:
    if model.kind != "map":
        ctx.report(shape.WRONG_TYPE, model, f"`{where}` must be a mapping with `name` and `results`,"
                   f" got {describe(model)}")
        return
    _required(model, "name", where, ctx)
    results = _required(model, "results", where, ctx, "seq")
    if results is None:
        return
    for i, result in enumerate(results.value):
        here = f"{where}.results[{i}]"
        if result.kind != "map":
            ctx.report(shape.WRONG_TYPE, result, f"`{here}` must be a mapping (task, dataset, metrics),"
                       f" got {describe(result)}")
            continue
        task = _required(result, "task", here, ctx, "map")
        if task is not None:
            _required(task, "type", f"{here}.task", ctx)
        dataset = _required(result, "dataset", here, ctx, "map")
        if dataset is not None:
            _required(dataset, "type", f"{here}.dataset", ctx)
            _required(dataset, "name", f"{here}.dataset", ctx)
        metrics = _required(result, "metrics", here, ctx, "seq")
        if metrics is not None:
            for j, metric in enumerate(metrics.value):
                there = f"{here}.metrics[{j}]"
                if metric.kind != "map":
                    ctx.report(shape.WRONG_TYPE, metric, f"`{there}` must be a mapping (type, value),"
                               f" got {describe(metric)}")
                    continue
                _required(metric, "type", there, ctx)
                _required(metric, "value", there, ctx)
        src = result.get("source")
        if src is not None and not (src.kind == "scalar" and src.value is None):
            if src.kind != "map":
                ctx.report(shape.WRONG_TYPE, src, f"`{here}.source` must be a mapping with `url`,"
                           f" got {describe(src)}")
            else:
                source.check_source_url(src, ctx, f"{here}.source")
