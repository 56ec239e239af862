"""Checks of a benchmark's `eval.yaml` (FORMATS.md §2): Hub-level structure for every framework,
Inspect AI task rules where they apply (``evalledger.formats.spec.is_inspect``)."""

from __future__ import annotations

from evalledger.formats.spec import (
    EVALUATION_FRAMEWORKS,
    INSPECT_TASK_KEYS,
    RENAMED_FRAMEWORKS,
    SPEC_KEYS,
    is_inspect,
)
from evalledger.lint.context import Context, describe, did_you_mean
from evalledger.lint.rules import inspect, keys, shape
from evalledger.lint.rules import spec as rules
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
    if any(k not in SPEC_KEYS for k in root.value):
        keys.check_keys(root, SPEC_KEYS, ctx, "", TOP_MOVED)
    _check_name_and_description(root, ctx)
    _check_framework(root, ctx)
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
    inspect_rules = is_inspect(root)
    several = len(tasks.value) > 1
    seen: dict[str, int] = {}
    for index, task in enumerate(tasks.value):
        where = f"tasks[{index}]"
        if task.kind != "map":
            ctx.report(
                shape.WRONG_TYPE, task, f"`{where}` must be a mapping (id, config, split, ...), got {describe(task)}"
            )
            continue
        _check_task_id(task, where, several, seen, ctx)
        _check_config_and_split(task, where, ctx)
        if inspect_rules:
            inspect.check_task(task, where, ctx)
        elif any(k not in INSPECT_TASK_KEYS for k in task.value):
            keys.check_keys(task, INSPECT_TASK_KEYS, ctx, where)


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


def _check_framework(root: Node, ctx: Context) -> None:
    node = root.get("evaluation_framework")
    if node is None or (node.kind == "scalar" and node.value in (None, "")):
        ctx.report(
            rules.FRAMEWORK_MISSING,
            node or root,
            "eval.yaml has no `evaluation_framework` (e.g. inspect-ai); the Hub docs require one",
        )
        return
    if not (node.kind == "scalar" and isinstance(node.value, str)):
        ctx.report(shape.WRONG_TYPE, node, f"`evaluation_framework` must be a string, got {describe(node)}")
        return
    name = node.value
    if name in EVALUATION_FRAMEWORKS:
        return
    if name in RENAMED_FRAMEWORKS:
        hint = f" (renamed to {RENAMED_FRAMEWORKS[name]!r})"
    else:
        hint = did_you_mean(name, sorted(EVALUATION_FRAMEWORKS))
    ctx.report(
        rules.FRAMEWORK_UNKNOWN,
        node,
        f"evaluation_framework {name!r} is not a known"
        f" framework{hint}; new frameworks are added to the Hub's list by pull request",
    )


def _check_task_id(task: Node, where: str, several: bool, seen: dict[str, int], ctx: Context) -> None:
    node = task.get("id")
    if node is None or (node.kind == "scalar" and node.value in (None, "")):
        if several:
            ctx.report(
                rules.TASK_ID_MISSING,
                node or task,
                f"`{where}` has no `id`; with more than one task every task needs one (inspect_ai refuses the file)",
            )
        else:
            ctx.report(
                rules.TASK_ID_MISSING,
                node or task,
                f"`{where}` has no `id`; results need one to reference in `dataset.task_id`",
                "warning",
            )
        return
    if not (node.kind == "scalar" and isinstance(node.value, str)):
        quote = "; quote it" if node.kind == "scalar" else ""
        ctx.report(shape.WRONG_TYPE, node, f"`{where}.id` must be a string, got {describe(node)}{quote}")
        return
    first = seen.get(node.value)
    if first is not None:
        ctx.report(rules.TASK_ID_DUPLICATE, node, f"task id {node.value!r} is already used by the task at line {first}")
    else:
        seen[node.value] = node.line
