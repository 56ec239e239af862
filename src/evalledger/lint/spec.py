"""Checks of a benchmark's `eval.yaml` (FORMATS.md §2): Hub-level structure for every framework,
Inspect AI task rules where they apply (``evalledger.formats.spec.is_inspect``)."""

from __future__ import annotations

from evalledger.formats.spec import INSPECT_TASK_KEYS, SPEC_KEYS, is_inspect
from evalledger.lint import places
from evalledger.lint.context import Context, describe
from evalledger.lint.registry import dispatch
from evalledger.lint.rules import shape
from evalledger.yamlsource import Node

TOP_MOVED = {
    "author": "not a Hub field; put it in the dataset card",
    "license": "not a Hub field; set `license:` in the dataset card's front matter",
    "version": "not a Hub field; the dataset revision versions the benchmark",
    "url": "not a Hub field; link it from the dataset card",
    "framework": "did you mean 'evaluation_framework'?",
    "task": "did you mean 'tasks'?",
}


def check_spec(root: Node | None, ctx: Context) -> None:
    if root is None:
        ctx.report(
            shape.MISSING_FIELD,
            (1, 1),
            "the benchmark spec is empty; it needs `name`, `description`, `evaluation_framework` and `tasks`",
        )
        return
    if root.kind != "map":
        ctx.report(
            shape.WRONG_TYPE,
            root,
            f"eval.yaml must be a mapping (name, description, evaluation_framework, tasks), got {describe(root)}",
        )
        return
    dispatch(places.MAPPING_KEYS, ctx, root, SPEC_KEYS, "", TOP_MOVED)
    _check_name_and_description(root, ctx)
    dispatch(places.SPEC_ROOT, ctx, root)
    tasks = root.get("tasks")
    if tasks is None:
        ctx.report(
            shape.MISSING_FIELD,
            root,
            "eval.yaml has no `tasks` (inspect_ai: \"eval.yaml does not include 'tasks' field\")",
        )
        return
    if tasks.kind != "seq":
        ctx.report(shape.WRONG_TYPE, tasks, f"`tasks` must be a list of tasks, got {describe(tasks)}")
        return
    if not tasks.value:
        ctx.report(shape.MISSING_FIELD, tasks, "`tasks` is empty; define at least one task")
        return
    dispatch(places.SPEC_TASKS, ctx, tasks)
    inspect_rules = is_inspect(root)
    for index, task in enumerate(tasks.value):
        where = f"tasks[{index}]"
        if task.kind != "map":
            ctx.report(
                shape.WRONG_TYPE, task, f"`{where}` must be a mapping (id, config, split, ...), got {describe(task)}"
            )
            continue
        _check_config_and_split(task, where, ctx)
        if inspect_rules:
            dispatch(places.INSPECT_TASK, ctx, task, where)
        else:
            dispatch(places.MAPPING_KEYS, ctx, task, INSPECT_TASK_KEYS, where, None)


def _check_name_and_description(root: Node, ctx: Context) -> None:
    for key in ("name", "description"):
        node = root.get(key)
        if node is None or (node.kind == "scalar" and node.value in (None, "")):
            ctx.report(
                shape.MISSING_FIELD,
                node or root,
                f"eval.yaml has no `{key}` ({'the display name' if key == 'name' else 'what the benchmark measures'})",
            )
        elif not (node.kind == "scalar" and isinstance(node.value, str)):
            ctx.report(shape.WRONG_TYPE, node, f"`{key}` must be a string, got {describe(node)}")


def _check_config_and_split(task: Node, where: str, ctx: Context) -> None:
    for key in ("config", "split"):
        node = task.get(key)
        if node is not None and node.kind == "scalar" and node.value is None:
            continue  # null: inspect says more below; the Hub uses its default
        if node is not None and not (node.kind == "scalar" and isinstance(node.value, str)):
            quote = "; quote it" if node.kind == "scalar" else ""
            ctx.report(shape.WRONG_TYPE, node, f"`{where}.{key}` must be a string, got {describe(node)}{quote}")
