"""Inspect AI task rules, applied when ``evaluation_framework: inspect-ai`` (or when a file without
a framework carries Inspect fields). They reproduce, field by field, where inspect_ai's ``HFTask``
model (pydantic, ``extra="forbid"``, lax coercion) rejects a task — no more, no less — so a spec
that passes here is one ``inspect eval hf/<org>/<dataset>`` accepts (CONFORMANCE.md §D/§E).
"""

from __future__ import annotations

import math
import re

from evalledger.finding import ERROR
from evalledger.hints import did_you_mean
from evalledger.lint.context import Context, describe
from evalledger.lint.places import INSPECT_TASK, Check
from evalledger.rule import Rule
from evalledger.yamlsource import Node

INSPECT_EXTRA_KEY = Rule(
    "inspect-extra-key",
    ERROR,
    "a key inspect_ai's task model forbids",
    """\
Flags a task key, or a `field_spec` key, that inspect_ai does not define. Its task model forbids
extra keys ("Extra inputs are not permitted"), so the whole benchmark fails to load. Common
cases: the legacy `name`/`subset`/`splits` (now `id`/`config`/`split`), a third-party `metrics:`,
a misspelt `scorer`.

Why it matters: a benchmark Inspect cannot load produces no verified results at all; submitters
fall back to self-reported numbers that nobody can reproduce.

Bad:
```yaml
tasks:
  - name: SimpleQA
    subset: default
    splits: test
    field_spec: {input: problem, target: answer}
    solvers: [{name: generate}]
    scorers: [{name: model_graded_fact}]
```
Fixed:
```yaml
tasks:
  - id: SimpleQA
    config: default
    split: test
    field_spec: {input: problem, target: answer}
    solvers: [{name: generate}]
    scorers: [{name: model_graded_fact}]
```""",
)

INSPECT_MISSING_FIELD = Rule(
    "inspect-missing-field",
    ERROR,
    "an Inspect AI task lacks field_spec, solvers or scorers (or one is empty)",
    """\
Flags an Inspect AI task without `field_spec`, `solvers` or `scorers`, an empty `solvers`/
`scorers` list (inspect requires at least one), or a solver/scorer without `name`.

Why it matters: inspect_ai refuses the task, so no run can produce a verified result for it.

Bad:
```yaml
tasks:
  - id: mmlu_pro
    field_spec: {input: question, target: answer, choices: options}
    solvers: []
```
Fixed:
```yaml
tasks:
  - id: mmlu_pro
    field_spec: {input: question, target: answer, choices: options}
    solvers: [{name: multiple_choice}]
    scorers: [{name: choice}]
```""",
)

INSPECT_WRONG_TYPE = Rule(
    "inspect-wrong-type",
    ERROR,
    "an Inspect AI task field has a type inspect_ai rejects",
    """\
Flags a task field whose value inspect_ai's model rejects: `config`/`split`/`id` not strings
(`config: null`, `split: 1`), `field_spec` not a mapping or a column name that is not a string
(`target: 0`), `choices` neither a string nor a list of strings, `metadata` not a list of
strings, `shuffle_choices` not a boolean (`yes`/`true`/`1` are accepted), solvers/scorers that
are not lists of mappings, or `args` that is not a mapping. Coercions inspect_ai accepts
(`epochs: "4"`) are not flagged.

Why it matters: one bad field and Inspect refuses the whole benchmark.

Bad:
```yaml
    field_spec:
      input: question
      target: 0
```
Fixed:
```yaml
    field_spec:
      input: question
      target: answer
```""",
)

INSPECT_UNKNOWN_SOLVER = Rule(
    "inspect-unknown-solver",
    ERROR,
    "a solver name inspect_ai's eval.yaml support does not know",
    """\
Flags a solver `name` outside the set inspect_ai accepts in `eval.yaml`: `prompt_template`,
`system_message`, `user_message`, `chain_of_thought`, `use_tools`, `generate`, `self_critique`,
`multiple_choice`.

Why it matters: Inspect refuses the task ("Input should be ..."), so the benchmark cannot be run.

Bad:
```yaml
    solvers:
      - name: multiple-choice
```
Fixed:
```yaml
    solvers:
      - name: multiple_choice
```""",
)

INSPECT_UNKNOWN_SCORER = Rule(
    "inspect-unknown-scorer",
    ERROR,
    "a scorer name inspect_ai's eval.yaml support does not know",
    """\
Flags a scorer `name` outside the set inspect_ai accepts in `eval.yaml`: `includes`, `match`,
`pattern`, `answer`, `exact`, `f1`, `model_graded_qa`, `model_graded_fact`, `choice`, `math`.

Why it matters: Inspect refuses the task, so the benchmark cannot be run; a plausible-looking
`accuracy` scorer hides that until someone tries.

Bad:
```yaml
    scorers:
      - name: accuracy
```
Fixed:
```yaml
    scorers:
      - name: choice
```""",
)

INSPECT_EPOCHS = Rule(
    "inspect-epochs",
    ERROR,
    "`epochs` is not a whole number of at least 1",
    """\
Flags `epochs` that inspect_ai rejects: below 1, fractional (`2.5`), or not a number. (A quoted
whole number such as `"4"` is accepted, as inspect_ai coerces it.)

Why it matters: the benchmark cannot run; and the epoch count is part of how a score is defined
(pass@1 over 4 epochs is not a single-shot score).

Bad:
```yaml
    epochs: 0
```
Fixed:
```yaml
    epochs: 1
```""",
)

INSPECT_EPOCH_REDUCER = Rule(
    "inspect-epoch-reducer",
    ERROR,
    "`epoch_reducer` is not max, mode, median, mean, pass_at_N or at_least_N",
    """\
Flags an `epoch_reducer` that does not match inspect_ai's pattern
`^(pass_at_\\d+|at_least_\\d+|max|mode|median|mean)$` (`majority`, `average`, `pass_at_`).

Why it matters: the benchmark cannot run; the reducer defines how repeated epochs become one score,
so a wrong one changes what every result on the leaderboard means.

Bad:
```yaml
    epoch_reducer: average
```
Fixed:
```yaml
    epoch_reducer: mean
```""",
)

RULES = [
    INSPECT_EXTRA_KEY,
    INSPECT_MISSING_FIELD,
    INSPECT_WRONG_TYPE,
    INSPECT_UNKNOWN_SOLVER,
    INSPECT_UNKNOWN_SCORER,
    INSPECT_EPOCHS,
    INSPECT_EPOCH_REDUCER,
]

TASK_KEYS = ("id", "config", "split", "field_spec", "shuffle_choices", "epochs", "epoch_reducer", "solvers", "scorers")
SOLVERS = (
    "prompt_template",
    "system_message",
    "user_message",
    "chain_of_thought",
    "use_tools",
    "generate",
    "self_critique",
    "multiple_choice",
)
SCORERS = (
    "includes",
    "match",
    "pattern",
    "answer",
    "exact",
    "f1",
    "model_graded_qa",
    "model_graded_fact",
    "choice",
    "math",
)
FIELD_SPEC_STR = ("input", "target", "id", "sandbox", "files", "setup")  # str, default set
FIELD_SPEC_OPTIONAL_STR = ("checkpoint", "description", "input_image")  # str | None
FIELD_SPEC_KEYS = FIELD_SPEC_STR + FIELD_SPEC_OPTIONAL_STR + ("choices", "metadata")
LEGACY_TASK_KEYS = {
    "name": "id",
    "subset": "config",
    "splits": "split",
    "scorer": "scorers",
    "solver": "solvers",
    "scores": "scorers",
}
_REDUCER = re.compile(r"(pass_at_\d+|at_least_\d+|max|mode|median|mean)")
_BOOL_TEXT = {"0", "off", "f", "false", "n", "no", "1", "on", "t", "true", "y", "yes"}
_INT_TEXT = re.compile(r"[+-]?[0-9][0-9_]*(\.0*)?")
_I64 = 2**63


def _is_str(node: Node) -> bool:
    return node.kind == "scalar" and isinstance(node.value, str)


def check_task(ctx: Context, task: Node, where: str) -> None:
    """One task mapping (the caller has checked it is a mapping and handled `id`)."""
    for key in task.value:
        if key not in TASK_KEYS:
            name = str(key)
            if name in LEGACY_TASK_KEYS:
                hint = f" (did you mean {LEGACY_TASK_KEYS[name]!r}? `{name}` is from the legacy schema)"
            elif name == "metrics":
                hint = " (metrics are not part of an Inspect task; report another metric as another task)"
            else:
                hint = did_you_mean(name, TASK_KEYS)
            ctx.report(
                INSPECT_EXTRA_KEY,
                task.key_node(key),
                f"`{where}.{name}` is not an Inspect AI"
                f" task field; inspect_ai rejects the task (extra inputs are not permitted){hint}",
            )
    for key in ("config", "split"):
        node = task.get(key)
        if node is not None and node.kind == "scalar" and node.value is None:
            ctx.report(
                INSPECT_WRONG_TYPE,
                node,
                f"`{where}.{key}` is null; inspect_ai needs a string (omit the key for the default)",
            )
    _check_field_spec(task, where, ctx)
    _check_shuffle(task.get("shuffle_choices"), where, ctx)
    _check_epochs(task.get("epochs"), where, ctx)
    reducer = task.get("epoch_reducer")
    if reducer is not None and not (reducer.kind == "scalar" and reducer.value is None):
        if not _is_str(reducer):
            ctx.report(
                INSPECT_EPOCH_REDUCER, reducer, f"`{where}.epoch_reducer` must be a string, got {describe(reducer)}"
            )
        elif not _REDUCER.fullmatch(reducer.value):
            ctx.report(
                INSPECT_EPOCH_REDUCER,
                reducer,
                f"`{where}.epoch_reducer` {reducer.value!r} is"
                " not max, mode, median, mean, pass_at_<N> or at_least_<N>",
            )
    _check_steps(task, "solvers", SOLVERS, INSPECT_UNKNOWN_SOLVER, where, ctx)
    _check_steps(task, "scorers", SCORERS, INSPECT_UNKNOWN_SCORER, where, ctx)


def _check_field_spec(task: Node, where: str, ctx: Context) -> None:
    spec = task.get("field_spec")
    if spec is None:
        if "field_spec" in task.value:
            ctx.report(
                INSPECT_WRONG_TYPE,
                task.key_node("field_spec"),
                f"`{where}.field_spec` is null; it must be a mapping of record columns (`input`, `target`, ...)",
            )
        else:
            ctx.report(
                INSPECT_MISSING_FIELD,
                task,
                f"`{where}` has no `field_spec` (which record columns hold input, target, choices)",
            )
        return
    if spec.kind != "map":
        ctx.report(INSPECT_WRONG_TYPE, spec, f"`{where}.field_spec` must be a mapping, got {describe(spec)}")
        return
    for key, node in spec.value.items():
        _check_field_spec_item(spec, key, node, f"{where}.field_spec.{key}", ctx)


def _check_field_spec_item(spec: Node, key: str, node: Node, label: str, ctx: Context) -> None:
    """One ``field_spec`` field (``spec.value[key]``, shown as ``label``)."""
    if key not in FIELD_SPEC_KEYS:
        ctx.report(
            INSPECT_EXTRA_KEY,
            spec.key_node(key),
            f"`{label}` is not a field_spec field; inspect_ai rejects it{did_you_mean(str(key), FIELD_SPEC_KEYS)}",
        )
    elif key in FIELD_SPEC_STR:
        if not _is_str(node):
            quote = "; quote it" if node.kind == "scalar" and node.value is not None else ""
            ctx.report(
                INSPECT_WRONG_TYPE,
                node,
                f"`{label}` must be a string (a column name"
                f"{' or literal:<value>' if key == 'target' else ''}), got"
                f" {describe(node)}{quote}",
            )
    elif key in FIELD_SPEC_OPTIONAL_STR:
        if not _is_str(node) and not (node.kind == "scalar" and node.value is None):
            ctx.report(INSPECT_WRONG_TYPE, node, f"`{label}` must be a string, got {describe(node)}")
    elif key == "choices":
        if node.kind == "seq":
            bad = [item for item in node.value if not _is_str(item)]
            if bad:
                ctx.report(
                    INSPECT_WRONG_TYPE,
                    bad[0],
                    f"`{label}` items must be column names (strings), got {describe(bad[0])}",
                )
        elif not _is_str(node) and not (node.kind == "scalar" and node.value is None):
            ctx.report(
                INSPECT_WRONG_TYPE,
                node,
                f"`{label}` must be a column name or a list of column names, got {describe(node)}",
            )
    elif key == "metadata":
        if node.kind == "seq":
            bad = [item for item in node.value if not _is_str(item)]
            if bad:
                ctx.report(
                    INSPECT_WRONG_TYPE,
                    bad[0],
                    f"`{label}` items must be column names (strings), got {describe(bad[0])}",
                )
        elif not (node.kind == "scalar" and node.value is None):
            ctx.report(INSPECT_WRONG_TYPE, node, f"`{label}` must be a list of column names, got {describe(node)}")


def _check_shuffle(node: Node | None, where: str, ctx: Context) -> None:
    if node is None or node.kind != "scalar":
        if node is not None:
            ctx.report(
                INSPECT_WRONG_TYPE, node, f"`{where}.shuffle_choices` must be true or false, got {describe(node)}"
            )
        return
    value = node.value
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, (int, float)) and value in (0, 1):
        return
    if isinstance(value, str) and value.lower() in _BOOL_TEXT:
        return
    ctx.report(INSPECT_WRONG_TYPE, node, f"`{where}.shuffle_choices` must be true or false, got {describe(node)}")


def _epochs_value(node: Node) -> int | None:
    """The integer inspect_ai's lax validation makes of ``epochs``, or None if it refuses."""
    if node.kind != "scalar":
        return None
    value = node.value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < _I64:
            return int(value)
        return None
    if isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        try:
            return int(float(value.strip().replace("_", ""))) if "." in value else int(value.strip())
        except (ValueError, OverflowError):  # '1__0', '1_', 400 digits: inspect_ai refuses them too
            return None
    return None


def _check_epochs(node: Node | None, where: str, ctx: Context) -> None:
    if node is None:
        return
    number = _epochs_value(node)
    if number is None:
        ctx.report(INSPECT_EPOCHS, node, f"`{where}.epochs` must be a whole number, got {describe(node)}")
    elif number < 1:
        ctx.report(INSPECT_EPOCHS, node, f"`{where}.epochs` is {number}; it must be at least 1")


def _check_steps(task: Node, key: str, names: tuple[str, ...], unknown: Rule, where: str, ctx: Context) -> None:
    steps = task.get(key)
    label = f"{where}.{key}"
    if steps is None:
        if key in task.value:
            ctx.report(
                INSPECT_WRONG_TYPE,
                task.key_node(key),
                f"`{label}` is null; it must be a list of {{name, args}} mappings",
            )
        else:
            ctx.report(INSPECT_MISSING_FIELD, task, f"`{where}` has no `{key}` (inspect_ai needs at least one)")
        return
    if steps.kind != "seq":
        ctx.report(
            INSPECT_WRONG_TYPE, steps, f"`{label}` must be a list of {{name, args}} mappings, got {describe(steps)}"
        )
        return
    if not steps.value:
        ctx.report(INSPECT_MISSING_FIELD, steps, f"`{label}` is empty; inspect_ai needs at least one")
        return
    for index, step in enumerate(steps.value):
        here = f"{label}[{index}]"
        if step.kind != "map":
            hint = f" (write `- name: {step.value}`)" if _is_str(step) else ""
            ctx.report(INSPECT_WRONG_TYPE, step, f"`{here}` must be a mapping with `name`, got {describe(step)}{hint}")
            continue
        name = step.get("name")
        if name is None:
            ctx.report(INSPECT_MISSING_FIELD, step, f"`{here}` has no `name`")
        elif not _is_str(name) or name.value not in names:
            shown = name.value if name.kind == "scalar" else name.to_python()
            ctx.report(
                unknown,
                name,
                f"`{here}.name` {shown!r} is not one of: {', '.join(names)}"
                f"{did_you_mean(str(shown), names) if isinstance(shown, str) else ''}",
            )
        args = step.get("args")
        if args is not None:
            if args.kind != "map":
                ctx.report(INSPECT_WRONG_TYPE, args, f"`{here}.args` must be a mapping, got {describe(args)}")
            else:
                for arg in args.value:
                    if not isinstance(arg, str):
                        ctx.report(
                            INSPECT_WRONG_TYPE,
                            args.key_node(arg),
                            f"`{here}.args` keys must be strings, got {arg!r}; quote it",
                        )


CHECKS = (Check(INSPECT_TASK, tuple(RULES), check_task),)
