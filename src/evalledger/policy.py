"""A benchmark's policy file (``.evalledger.yaml`` beside its ``eval.yaml``).

``eval.yaml`` stays untouched (inspect_ai rejects unknown task keys), so what a benchmark
maintainer wants to declare about its scores lives here, read by lint ``--benchmark``, aggregate
and audit alike::

    tasks:
      diamond: {direction: higher, unit: fraction, min: 0, max: 1}
      arc_challenge: {metric: acc_norm}    # migrate: the model-index metric that is this task's score
    defaults: {direction: higher}          # unit: inferred per value when not declared
    audit:
      raise-threshold: {percent: 2.0, fraction: 0.02, points: 2.0}
      copied-value-min-models: 3
      copied-value-min-digits: 3           # significant digits before equal values look copied
      future-date-grace-days: 1
    lint:                                  # which lint rules run on the repo holding this file
      select: [ALL]                        # rule ids or prefixes (evalledger.selection)
      ignore: [framework-unknown]
      per-file-ignores: {"legacy/*": [unknown-key]}

Without a file the defaults apply: higher is better, unit inferred (a value in [0, 1] reads as a
fraction, in (1, 100] as percent, otherwise points).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalledger.finding import ERROR, Finding
from evalledger.hints import did_you_mean
from evalledger.rule import Rule
from evalledger.selectors import ConfigProblem, RuleConfig, parse_rule_config, unknown_keys
from evalledger.yamlsource import UNREADABLE_FILE, Node, YamlLoadError, load, read_file

POLICY_FILE = ".evalledger.yaml"
UNITS = ("fraction", "percent", "points")
DIRECTIONS = ("higher", "lower")
# the keys each level of the file defines (anything else is reported: a typo would leave a setting
# silently not in force)
POLICY_KEYS = ("tasks", "defaults", "audit", "lint")
TASK_KEYS = ("direction", "unit", "min", "max", "metric")  # a `tasks:` entry's, and `defaults:`
AUDIT_KEYS = ("raise-threshold", "copied-value-min-models", "copied-value-min-digits", "future-date-grace-days")

POLICY_INVALID = Rule(
    "policy-invalid",
    ERROR,
    "a benchmark policy file (.evalledger.yaml) is malformed",
    """\
Flags a malformed `.evalledger.yaml` beside a benchmark's `eval.yaml`, at the line and column of
the value (or, for an unknown key, the key) at fault: an unknown unit or direction, a non-numeric
bound, a section that is not a mapping, a key the file does not define (at the top, in a task
or `defaults`, in `audit`, `audit.raise-threshold` and `lint`), and a key of `tasks:` that is not a
task id of the benchmark's `eval.yaml` (checked wherever both are read: lint `--benchmark`,
aggregate, migrate; not when the spec itself cannot be read), with a "did you mean" for a near
miss. Always reported in lint, whatever `--select`, `--ignore` or the file's own `lint:` section
say; aggregate, site, audit and migrate refuse to run on it (exit 2).

Why it matters: the policy declares each task's unit, bounds and direction; a broken policy
silently falls back to guessing, so a percent score on a fraction leaderboard is no longer caught,
and a misspelt key (`direciton: lower`) or task id (`gpqa_diamond:` for the task `diamond`) leaves
its setting silently not in force: the leaderboard ranks the wrong way round while the file says
otherwise.

Bad (eval.yaml's tasks are `diamond` and `latency`):
```yaml
tasks:
  gpqa_diamond: {unit: percentage}
  latency: {direciton: lower}
```
Fixed:
```yaml
tasks:
  diamond: {unit: percent}
  latency: {direction: lower}
```""",
)


@dataclass(frozen=True)
class TaskPolicy:
    direction: str = "higher"
    unit: str | None = None  # None: inferred from each value
    minimum: float | None = None
    maximum: float | None = None
    metric: str | None = None  # which legacy model-index metric type is this task's score (migrate)

    def bounds(self) -> tuple[float | None, float | None]:
        if self.minimum is not None or self.maximum is not None:
            return self.minimum, self.maximum
        if self.unit == "fraction":
            return 0.0, 1.0
        if self.unit == "percent":
            return 0.0, 100.0
        return None, None

    def unit_mismatch(self, value: float) -> str | None:
        """The unit ``value`` reads as when it cannot be a score in the declared unit, else None.

        The one definition lint (``value-unit-mismatch``) and aggregate (ineligible) share. A
        declared fraction cannot exceed 1, so a value in (1, 100] is a percent (above 100 it is
        out of bounds); a declared percent reads a value in (0, 1] as a fraction: a fraction typed
        by mistake is far more common than a real score below 1%, and a task that has such scores
        declares ``unit: points`` with ``min: 0, max: 100`` instead."""
        if self.unit == "fraction" and 1.0 < value <= 100.0:
            return "percent"
        if self.unit == "percent" and 0.0 < value <= 1.0:
            return "fraction"
        return None


@dataclass(frozen=True)
class AuditPolicy:
    raise_threshold: dict[str, float] = field(default_factory=lambda: {"percent": 2.0, "fraction": 0.02, "points": 2.0})
    copied_value_min_models: int = 3
    future_date_grace_days: int = 1
    copied_value_min_digits: int = 3


@dataclass(frozen=True)
class BenchmarkPolicy:
    tasks: dict[str, TaskPolicy] = field(default_factory=dict)
    default: TaskPolicy = field(default_factory=TaskPolicy)
    audit: AuditPolicy = field(default_factory=AuditPolicy)
    path: str | None = None
    lint: RuleConfig | None = None  # the `lint:` section: rule selection for lint in this repo
    # where each key of `tasks:` is written (line, column), when read from a file
    task_places: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False)

    def for_task(self, task_id: str) -> TaskPolicy:
        return self.tasks.get(task_id, self.default)


def infer_unit(value: float) -> str:
    """Scale a bare number most likely uses (the format has no unit field)."""
    if 0.0 <= value <= 1.0:
        return "fraction"
    if 1.0 < value <= 100.0:
        return "percent"
    return "points"


def _task_policy(data: Any, base: TaskPolicy, keys: tuple[Any, ...], problems: list[ConfigProblem]) -> TaskPolicy:
    where = ".".join(map(str, keys))
    if not isinstance(data, dict):
        problems.append(ConfigProblem(f"{where} must be a mapping", keys))
        return base
    problems += unknown_keys(data, TASK_KEYS, where, keys)
    direction = data.get("direction", base.direction)
    if direction not in DIRECTIONS:
        message = f"{where}.direction must be one of {', '.join(DIRECTIONS)}"
        problems.append(ConfigProblem(message, (*keys, "direction")))
        direction = base.direction
    unit = data.get("unit", base.unit)
    if unit is not None and unit not in UNITS:
        problems.append(ConfigProblem(f"{where}.unit must be one of {', '.join(UNITS)}", (*keys, "unit")))
        unit = base.unit
    bounds = []
    for key in ("min", "max"):
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            problems.append(ConfigProblem(f"{where}.{key} must be a number", (*keys, key)))
            value = None
        bounds.append(float(value) if value is not None else None)
    metric = data.get("metric", base.metric)
    if metric is not None and not (isinstance(metric, str) and metric.strip()):
        message = f"{where}.metric must be a metric type (a string), e.g. acc_norm"
        problems.append(ConfigProblem(message, (*keys, "metric")))
        metric = base.metric
    return TaskPolicy(direction, unit, bounds[0], bounds[1], metric)


def parse_policy(data: Any, path: str | None = None) -> tuple[BenchmarkPolicy, list[Finding]]:
    """Policy from a document's root ``Node`` (``yamlsource.load``) or from plain data; problems
    are ``policy-invalid`` findings on ``path``, each at the node it is about (the key itself for
    an unknown key) when a ``Node`` was given, else at 1:1."""
    node = data if isinstance(data, Node) else None
    policy, problems = _parse(node.to_python() if node is not None else data, path)
    tasks = node.get("tasks") if node is not None else None
    if tasks is not None and tasks.kind == "map":
        places = {str(key): (tasks.key_node(key).line, tasks.key_node(key).column) for key in tasks.value}
        policy = dataclasses.replace(policy, task_places=places)
    return policy, policy_invalid(path or POLICY_FILE, node, problems)


MAX_LISTED_TASKS = 20  # a spec may define hundreds of tasks: a message names this many


def tasks_not_in_spec(policy: BenchmarkPolicy, task_ids: Sequence[str], spec_path: str) -> list[Finding]:
    """``policy-invalid`` for each key of the policy's ``tasks:`` that is not one of ``task_ids`` (the
    task ids of the spec at ``spec_path``), at the key, with a "did you mean" over them: such a
    key's settings silently apply to no task (``gpqa_diamond: {direction: lower}`` for the task
    ``diamond`` ranks it the wrong way). The one check of a policy against its spec
    (``lint.benchmark.load_benchmark``); nothing for a spec without task ids (its own finding)."""
    if not task_ids:
        return []
    known = set(task_ids)
    unknown = [task_id for task_id in policy.tasks if task_id not in known]
    if not unknown:
        return []
    listed = ", ".join(task_ids[:MAX_LISTED_TASKS])
    if len(task_ids) > MAX_LISTED_TASKS:
        listed += f", ... ({len(task_ids)} in all)"
    found = []
    for task_id in unknown:
        line, column = policy.task_places.get(task_id, (1, 1))
        message = (
            f"tasks: unknown task id {task_id!r}{did_you_mean(task_id, task_ids)}: not a task of"
            f" {spec_path}, so its settings apply to no task (tasks: {listed})"
        )
        shown = policy.path or POLICY_FILE
        found.append(Finding(shown, line, column, POLICY_INVALID.id, POLICY_INVALID.severity, message))
    return found


def policy_invalid(shown: str, node: Node | None, problems: list[ConfigProblem]) -> list[Finding]:
    """``policy-invalid`` findings on ``shown``, each at the node below ``node`` its problem names
    (1:1 without a node)."""
    found = []
    for problem in problems:
        at = node.find(problem.keys, key=problem.on_key) if node is not None else None
        line, column = (at.line, at.column) if at is not None else (1, 1)
        found.append(Finding(shown, line, column, POLICY_INVALID.id, POLICY_INVALID.severity, problem.message))
    return found


def _parse(data: Any, path: str | None) -> tuple[BenchmarkPolicy, list[ConfigProblem]]:
    problems: list[ConfigProblem] = []
    if data is None:
        return BenchmarkPolicy(path=path), problems
    if not isinstance(data, dict):
        return BenchmarkPolicy(path=path), [ConfigProblem("policy file must be a mapping")]
    problems += unknown_keys(data, POLICY_KEYS, "policy file")
    default = _task_policy(data.get("defaults", {}), TaskPolicy(), ("defaults",), problems)
    tasks = {}
    raw_tasks = data.get("tasks", {}) or {}
    if isinstance(raw_tasks, dict):
        for task_id, raw in raw_tasks.items():
            tasks[str(task_id)] = _task_policy(raw, default, ("tasks", task_id), problems)
    else:
        problems.append(ConfigProblem("tasks must be a mapping of task id to policy", ("tasks",)))
    audit = _audit_policy(data.get("audit", {}) or {}, problems)
    lint = None
    if "lint" in data:  # read by lint from the repository root (evalledger.selection.read_config)
        lint, lint_problems = parse_rule_config(data["lint"], "lint")
        problems += [ConfigProblem(p.message, ("lint", *p.keys), p.on_key) for p in lint_problems]
    return BenchmarkPolicy(tasks, default, audit, path, lint), problems


def _audit_policy(data: Any, problems: list[ConfigProblem]) -> AuditPolicy:
    audit = AuditPolicy()
    if not isinstance(data, dict):
        problems.append(ConfigProblem(f"audit must be a mapping of {', '.join(AUDIT_KEYS)}", ("audit",)))
        return audit
    problems += unknown_keys(data, AUDIT_KEYS, "audit", ("audit",))
    threshold = dict(audit.raise_threshold)
    raw_threshold = data.get("raise-threshold")
    if isinstance(raw_threshold, dict):
        for unit, value in raw_threshold.items():
            here = ("audit", "raise-threshold", unit)
            message = f"audit.raise-threshold.{unit} must be a number for a known unit"
            if unit not in UNITS:
                problems.append(ConfigProblem(message + did_you_mean(str(unit), UNITS), here, True))
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(ConfigProblem(message, here))
            else:
                threshold[unit] = float(value)
    elif raw_threshold is not None:
        message = f"audit.raise-threshold must be a mapping of unit ({', '.join(UNITS)}) to a number"
        problems.append(ConfigProblem(message, ("audit", "raise-threshold")))
    whole = {}
    for name, default in (
        ("copied-value-min-models", audit.copied_value_min_models),
        ("future-date-grace-days", audit.future_date_grace_days),
        ("copied-value-min-digits", audit.copied_value_min_digits),
    ):
        raw = data.get(name, default)
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            problems.append(ConfigProblem(f"audit.{name} must be a whole number", ("audit", name)))
        whole[name] = _whole(raw, default)
    return AuditPolicy(
        threshold, whole["copied-value-min-models"], whole["future-date-grace-days"], whole["copied-value-min-digits"]
    )


def _whole(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


def unreadable_policy(shown: str, exc: OSError) -> Finding:
    """The finding for a policy file that is there but cannot be read: ``unreadable-file`` (exit 2
    in every command), not ``policy-invalid``: nothing in it was judged."""
    message = f"cannot read the benchmark policy: {exc.strerror or exc}"
    return Finding(shown, 1, 1, UNREADABLE_FILE.id, UNREADABLE_FILE.severity, message)


def load_policy(directory: str | Path) -> tuple[BenchmarkPolicy, list[Finding]]:
    """Read ``.evalledger.yaml`` from a benchmark directory; defaults when it is absent. One that
    is there but cannot be read (a FIFO, a directory, a dangling link, over the size limit) is a
    finding, never a silent default: the policy decides every task's direction."""
    path = Path(directory) / POLICY_FILE
    if not os.path.lexists(path):
        return BenchmarkPolicy(), []
    return read_policy(str(path))


def read_policy(shown: str) -> tuple[BenchmarkPolicy, list[Finding]]:
    """The policy file at ``shown`` (whatever its name: lint's flat ``<org>__<name>__.evalledger.yaml``
    too) and every problem met reading it, each where it is written."""
    try:
        doc = load(read_file(shown), shown)
    except YamlLoadError as exc:
        return BenchmarkPolicy(path=shown), [exc.to_finding(shown)]
    except OSError as exc:
        return BenchmarkPolicy(path=shown), [unreadable_policy(shown, exc)]
    policy, problems = parse_policy(doc.root, shown)
    return policy, list(doc.problems) + problems
