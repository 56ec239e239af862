"""Rules that need the benchmark: its spec (task ids) and policy (unit, bounds), given with
``--benchmark``, and the other results for the same task in the paths being linted."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from evalledger.finding import ERROR, WARNING, Finding
from evalledger.formats.results import ResultEntry
from evalledger.formats.spec import Spec
from evalledger.hints import did_you_mean
from evalledger.lint.context import Context
from evalledger.lint.places import ENTRY_SPEC, REPO_FILES, Check
from evalledger.policy import infer_unit
from evalledger.rule import Rule

TASK_ID_UNKNOWN = Rule(
    "task-id-unknown",
    ERROR,
    "`dataset.task_id` is not a task of the benchmark's eval.yaml",
    """\
Flags a `dataset.task_id` that names no task in the benchmark's `eval.yaml` (checked when the
spec is known: `--benchmark`), with a "did you mean" for the closest task id.

Why it matters: the leaderboard is per task; a result whose task id matches none (`gpqa_diamond`
when the GPQA spec defines `diamond`) is not shown at all, or is later matched by hand to a task
it was not run on.

Bad (GPQA defines `diamond`, `main`, `extended`):
```yaml
- dataset: {id: Idavidrein/gpqa, task_id: gpqa_diamond}
  value: 63.3
```
Fixed:
```yaml
- dataset: {id: Idavidrein/gpqa, task_id: diamond}
  value: 63.3
```""",
)

VALUE_SCALE_MISMATCH = Rule(
    "value-scale-mismatch",
    WARNING,
    "a value's scale (fraction vs percent) differs from the other results for the task",
    """\
Flags a value whose scale — a fraction in [0, 1] or a percent in (1, 100] — disagrees with the
majority of the other results for the same benchmark task in the paths being linted (checked with
`--benchmark`, when the benchmark's policy declares no unit). A warning: a genuinely tiny percent
score looks like a fraction; declare the unit in `.evalledger.yaml` to make it exact.

Why it matters: the format has no unit field. `0.2767` among `71`, `74.2`, `85.2` ranks last on a
leaderboard although it means 27.67%; a model can also be pushed up by writing a fraction task's
score as a percent.

Bad (other GSM8K results are percents):
```yaml
- dataset: {id: openai/gsm8k, task_id: gsm8k}
  value: 0.2767
```
Fixed:
```yaml
- dataset: {id: openai/gsm8k, task_id: gsm8k}
  value: 27.67
```""",
)

VALUE_UNIT_MISMATCH = Rule(
    "value-unit-mismatch",
    ERROR,
    "a value does not fit the unit the benchmark's policy declares",
    """\
Flags a value that does not fit the unit declared for its task in the benchmark's
`.evalledger.yaml`: `unit: fraction` and a value in (1, 100], which reads as a percent;
`unit: percent` and a value in (0, 1], which reads as a fraction. Such an entry is an error in
lint and ineligible in `aggregate` (it stays in the candidates table as
`ineligible:value-unit-mismatch`, never on the leaderboard). A task whose real scores can fall
below 1% declares `unit: points` with `min: 0, max: 100` instead of `unit: percent`.

Why it matters: a percent score on a fraction leaderboard outranks every correct entry by a
factor of 100; a fraction on a percent leaderboard ranks below every correct entry although it
may be the best score.

Bad (policy `tasks: {diamond: {unit: fraction}}`):
```yaml
- dataset: {id: Idavidrein/gpqa, task_id: diamond}
  value: 71.0
```
Fixed:
```yaml
- dataset: {id: Idavidrein/gpqa, task_id: diamond}
  value: 0.71
```""",
)

VALUE_OUT_OF_BOUNDS = Rule(
    "value-out-of-bounds",
    ERROR,
    "a value lies outside the bounds the benchmark's policy declares",
    """\
Flags a value below the task's declared `min` or above its `max` in the benchmark's
`.evalledger.yaml` (or outside [0, 1] / [0, 100] for a declared fraction / percent unit).

Why it matters: an impossible score (accuracy 104%, a negative pass rate) is a typo or a gamed
entry, and either way it takes first place.

Bad (policy `tasks: {mmlu_pro: {unit: percent}}`):
```yaml
- dataset: {id: TIGER-Lab/MMLU-Pro, task_id: mmlu_pro}
  value: 104.2
```
Fixed:
```yaml
- dataset: {id: TIGER-Lab/MMLU-Pro, task_id: mmlu_pro}
  value: 74.2
```""",
)

RULES = [TASK_ID_UNKNOWN, VALUE_SCALE_MISMATCH, VALUE_UNIT_MISMATCH, VALUE_OUT_OF_BOUNDS]

SCALES = ("fraction", "percent")


def spec_for(dataset_id: str | None, specs: Sequence[Spec]) -> Spec | None:
    """The spec that governs an entry: one for its dataset id, else one that applies to all."""
    wildcard = None
    for spec in specs:
        if spec.dataset_id is None:
            wildcard = wildcard or spec
        elif spec.dataset_id == dataset_id:
            return spec
    return wildcard


def check_entry(ctx: Context, entry: ResultEntry, spec: Spec) -> None:
    """Task id against the spec, value against the policy (per file)."""
    task_id = entry.task_id
    dataset_node = entry.node.get("dataset") if task_id is not None else None
    task_node = dataset_node.get("task_id") if dataset_node is not None else None
    # a task_id YAML did not read as a string is wrong-type already; one finding is enough
    if (
        task_id is not None
        and task_node is not None
        and isinstance(task_node.value, str)
        and task_id not in spec.task_ids
    ):
        bench = spec.dataset_id or spec.name or spec.path
        defined = ", ".join(spec.task_ids) or "none"
        ctx.report(
            TASK_ID_UNKNOWN,
            task_node,
            f"task_id {task_id!r} is not a task of {bench} (defined: {defined}){did_you_mean(task_id, spec.task_ids)}",
        )
    policy = spec.policy
    if policy is None or entry.value is None or entry.task_id is None:
        return
    task_policy = policy.for_task(entry.task_id)
    value_node = entry.node.get("value")
    value = entry.value
    seen = task_policy.unit_mismatch(value)
    if seen == "percent":
        ctx.report(
            VALUE_UNIT_MISMATCH,
            value_node,
            f"value {value:g} looks like a percent, but"
            f" task {entry.task_id!r} is scored as a fraction ({policy.path or 'policy'});"
            f" write {value / 100:g}",
        )
        return
    if seen == "fraction":
        ctx.report(
            VALUE_UNIT_MISMATCH,
            value_node,
            f"value {value:g} looks like a fraction, but"
            f" task {entry.task_id!r} is scored in percent ({policy.path or 'policy'});"
            f" write {value * 100:g}",
        )
        return
    low, high = task_policy.bounds()
    if (low is not None and value < low) or (high is not None and value > high):
        shown = f"[{'-inf' if low is None else f'{low:g}'}, {'inf' if high is None else f'{high:g}'}]"
        ctx.report(
            VALUE_OUT_OF_BOUNDS,
            value_node,
            f"value {value:g} is outside the bounds {shown}"
            f" declared for task {entry.task_id!r} ({policy.path or 'policy'})",
        )


def check_repo_scales(
    ctx: Context, files: Sequence[tuple[str, str, Sequence[ResultEntry]]], specs: Sequence[Spec]
) -> None:
    """With specs: the values of each (benchmark, task) without a declared unit, across files."""
    if not specs:
        return
    groups: dict[tuple[str, str], list[tuple[str, ResultEntry]]] = {}
    for path, _repo, entries in files:
        for entry in entries:
            if entry.value is None or entry.task_id is None:
                continue
            spec = spec_for(entry.dataset_id, specs)
            if spec is None:
                continue
            policy = spec.policy
            if policy is not None and policy.for_task(entry.task_id).unit is not None:
                continue  # a declared unit is checked exactly, per file
            bench = spec.dataset_id or entry.dataset_id or ""
            groups.setdefault((bench, entry.task_id), []).append((path, entry))
    ctx.findings.extend(check_scales(groups))


def check_scales(groups: dict[tuple[str, str], list[tuple[str, ResultEntry]]]) -> Iterable[Finding]:
    """Across files: per (benchmark, task), flag values whose scale is in the minority."""
    for (benchmark, task), members in sorted(groups.items()):
        by_scale: dict[str, list[tuple[str, ResultEntry, float]]] = {}
        for path, entry in members:
            if entry.value is None:  # grouped are entries with a value
                continue
            scale = infer_unit(entry.value)
            if scale in SCALES and entry.value != 0:
                by_scale.setdefault(scale, []).append((path, entry, entry.value))
        if len(by_scale) < 2:
            continue
        counts = {scale: len(items) for scale, items in by_scale.items()}
        if counts["fraction"] == counts["percent"]:
            # a tie: keep the scale of the first result in path order
            first = min((p, e.value_line, s) for s, items in by_scale.items() for p, e, _ in items)
            majority = first[2]
        else:
            majority = max(counts, key=counts.__getitem__)
        minority = "percent" if majority == "fraction" else "fraction"
        for path, entry, value in by_scale[minority]:
            node = entry.node.get("value") or entry.node
            hint = f"{value * 100:g}" if minority == "fraction" else f"{value / 100:g}"
            yield Finding(
                path,
                node.line,
                node.column,
                VALUE_SCALE_MISMATCH.id,
                VALUE_SCALE_MISMATCH.severity,
                f"value {value:g} reads as a {minority}, but {counts[majority]} of"
                f" {counts[majority] + counts[minority]} results for {benchmark}"
                f" task {task!r} are {majority}s; write {hint} if it is the same metric",
            )


CHECKS = (
    Check(ENTRY_SPEC, (TASK_ID_UNKNOWN, VALUE_UNIT_MISMATCH, VALUE_OUT_OF_BOUNDS), check_entry),
    Check(REPO_FILES, (VALUE_SCALE_MISMATCH,), check_repo_scales),
)
