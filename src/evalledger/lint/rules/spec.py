"""Rules on a benchmark's `eval.yaml` that hold whatever its evaluation framework."""

from __future__ import annotations

from evalledger.finding import ERROR, WARNING
from evalledger.formats.spec import EVALUATION_FRAMEWORKS, RENAMED_FRAMEWORKS
from evalledger.hints import did_you_mean
from evalledger.lint.context import Context, describe
from evalledger.lint.places import SPEC_ROOT, SPEC_TASKS, Check
from evalledger.lint.rules.shape import WRONG_TYPE
from evalledger.rule import Rule
from evalledger.yamlsource import Node

TASK_ID_MISSING = Rule(
    "task-id-missing",
    ERROR,
    "an eval.yaml task has no `id`",
    """\
Flags a task without an `id`. An error when the file has more than one task (inspect_ai refuses
to run it: "Task 'id' field is required if there are more than 1 tasks"), a warning for a single
task (Inspect runs it, but results have no task id to reference).

Why it matters: `.eval_results` entries name their task with `dataset.task_id`; a task without an
id has no leaderboard, so every result for it is homeless — and submitters invent ids that
match nothing.

Bad:
```yaml
tasks:
  - config: gpqa_diamond
  - config: gpqa_main
```
Fixed:
```yaml
tasks:
  - id: diamond
    config: gpqa_diamond
  - id: main
    config: gpqa_main
```""",
)

TASK_ID_DUPLICATE = Rule(
    "task-id-duplicate",
    ERROR,
    "two eval.yaml tasks share one `id`",
    """\
Flags a task whose `id` repeats an earlier task's id.

Why it matters: results reference tasks by id; with two tasks of one id, a score run on one task
(say a small subset) lands on the leaderboard of the other, and Inspect runs whichever comes
first.

Bad:
```yaml
tasks:
  - {id: main, config: gpqa_main}
  - {id: main, config: gpqa_diamond}
```
Fixed:
```yaml
tasks:
  - {id: main, config: gpqa_main}
  - {id: diamond, config: gpqa_diamond}
```""",
)

FRAMEWORK_UNKNOWN = Rule(
    "framework-unknown",
    WARNING,
    "`evaluation_framework` is not a known framework",
    """\
Flags an `evaluation_framework` that is not in the Hub's list (huggingface.js
`EVALUATION_FRAMEWORKS`; evalledger ships a dated copy, so a brand-new framework may be flagged
until evalledger is updated — hence a warning). Renamed values (`olmo-bench` → `olmocr-bench`)
get the new name.

Why it matters: the framework decides how results are verified and which fields are required; an
unknown one means the benchmark is not recognised and no result for it is shown.

Bad:
```yaml
evaluation_framework: inspect_ai
```
Fixed:
```yaml
evaluation_framework: inspect-ai
```""",
)

FRAMEWORK_MISSING = Rule(
    "framework-missing",
    WARNING,
    "eval.yaml has no `evaluation_framework`",
    """\
Flags an `eval.yaml` without `evaluation_framework` (the Hub docs require it; older allow-listed
files lack it). Inspect AI rules still apply when the tasks carry Inspect fields.

Why it matters: without it the Hub cannot tell which harness produces verifiable results, so the
benchmark's results cannot be marked verified.

Bad:
```yaml
name: MMLU-Pro
description: A harder MMLU.
tasks: [...]
```
Fixed:
```yaml
name: MMLU-Pro
description: A harder MMLU.
evaluation_framework: inspect-ai
tasks: [...]
```""",
)

RULES = [TASK_ID_MISSING, TASK_ID_DUPLICATE, FRAMEWORK_UNKNOWN, FRAMEWORK_MISSING]


def check_framework(ctx: Context, root: Node) -> None:
    node = root.get("evaluation_framework")
    if node is None or (node.kind == "scalar" and node.value in (None, "")):
        ctx.report(
            FRAMEWORK_MISSING,
            node or root,
            "eval.yaml has no `evaluation_framework` (e.g. inspect-ai); the Hub docs require one",
        )
        return
    if not (node.kind == "scalar" and isinstance(node.value, str)):
        ctx.report(WRONG_TYPE, node, f"`evaluation_framework` must be a string, got {describe(node)}")
        return
    name = node.value
    if name in EVALUATION_FRAMEWORKS:
        return
    if name in RENAMED_FRAMEWORKS:
        hint = f" (renamed to {RENAMED_FRAMEWORKS[name]!r})"
    else:
        hint = did_you_mean(name, sorted(EVALUATION_FRAMEWORKS))
    ctx.report(
        FRAMEWORK_UNKNOWN,
        node,
        f"evaluation_framework {name!r} is not a known"
        f" framework{hint}; new frameworks are added to the Hub's list by pull request",
    )


def check_task_ids(ctx: Context, tasks: Node) -> None:
    """Every task mapping has an `id` (one task: a warning), a string, used once."""
    several = len(tasks.value) > 1
    seen: dict[str, int] = {}
    for index, task in enumerate(tasks.value):
        if task.kind != "map":
            continue  # the walker reports it
        where = f"tasks[{index}]"
        node = task.get("id")
        if node is None or (node.kind == "scalar" and node.value in (None, "")):
            if several:
                ctx.report(
                    TASK_ID_MISSING,
                    node or task,
                    f"`{where}` has no `id`; with more than one task every task needs one"
                    " (inspect_ai refuses the file)",
                )
            else:
                ctx.report(
                    TASK_ID_MISSING,
                    node or task,
                    f"`{where}` has no `id`; results need one to reference in `dataset.task_id`",
                    WARNING,
                )
            continue
        if not (node.kind == "scalar" and isinstance(node.value, str)):
            quote = "; quote it" if node.kind == "scalar" else ""
            ctx.report(WRONG_TYPE, node, f"`{where}.id` must be a string, got {describe(node)}{quote}")
            continue
        first = seen.get(node.value)
        if first is not None:
            ctx.report(TASK_ID_DUPLICATE, node, f"task id {node.value!r} is already used by the task at line {first}")
        else:
            seen[node.value] = node.line


CHECKS = (
    Check(SPEC_ROOT, (FRAMEWORK_MISSING, FRAMEWORK_UNKNOWN, WRONG_TYPE), check_framework),
    Check(SPEC_TASKS, (TASK_ID_MISSING, TASK_ID_DUPLICATE, WRONG_TYPE), check_task_ids),
)
