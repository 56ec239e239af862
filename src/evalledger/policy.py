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

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalledger.finding import ERROR, Finding
from evalledger.rule import Rule
from evalledger.selectors import RuleConfig, parse_rule_config
from evalledger.yamlsource import UNREADABLE_FILE, YamlLoadError, load, read_file

POLICY_FILE = ".evalledger.yaml"
UNITS = ("fraction", "percent", "points")
DIRECTIONS = ("higher", "lower")

POLICY_INVALID = Rule(
    "policy-invalid",
    ERROR,
    "a benchmark policy file (.evalledger.yaml) is malformed",
    """\
Flags a malformed `.evalledger.yaml` beside a benchmark's `eval.yaml`: an unknown unit or
direction, a non-numeric bound, a section that is not a mapping.

Why it matters: the policy declares each task's unit and bounds; a broken policy silently falls
back to guessing, so a percent score on a fraction leaderboard is no longer caught.

Bad:
```yaml
tasks:
  diamond: {unit: percentage}
```
Fixed:
```yaml
tasks:
  diamond: {unit: percent}
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

    def for_task(self, task_id: str) -> TaskPolicy:
        return self.tasks.get(task_id, self.default)


def infer_unit(value: float) -> str:
    """Scale a bare number most likely uses (the format has no unit field)."""
    if 0.0 <= value <= 1.0:
        return "fraction"
    if 1.0 < value <= 100.0:
        return "percent"
    return "points"


def _task_policy(data: Any, base: TaskPolicy, where: str, problems: list[str]) -> TaskPolicy:
    if not isinstance(data, dict):
        problems.append(f"{where} must be a mapping")
        return base
    direction = data.get("direction", base.direction)
    if direction not in DIRECTIONS:
        problems.append(f"{where}.direction must be one of {', '.join(DIRECTIONS)}")
        direction = base.direction
    unit = data.get("unit", base.unit)
    if unit is not None and unit not in UNITS:
        problems.append(f"{where}.unit must be one of {', '.join(UNITS)}")
        unit = base.unit
    bounds = []
    for key in ("min", "max"):
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            problems.append(f"{where}.{key} must be a number")
            value = None
        bounds.append(float(value) if value is not None else None)
    metric = data.get("metric", base.metric)
    if metric is not None and not (isinstance(metric, str) and metric.strip()):
        problems.append(f"{where}.metric must be a metric type (a string), e.g. acc_norm")
        metric = base.metric
    return TaskPolicy(direction, unit, bounds[0], bounds[1], metric)


def parse_policy(data: Any, path: str | None = None) -> tuple[BenchmarkPolicy, list[str]]:
    """Policy from plain data; problems are messages (the caller attaches a location)."""
    problems: list[str] = []
    if data is None:
        return BenchmarkPolicy(path=path), problems
    if not isinstance(data, dict):
        return BenchmarkPolicy(path=path), ["policy file must be a mapping"]
    default = _task_policy(data.get("defaults", {}), TaskPolicy(), "defaults", problems)
    tasks = {}
    raw_tasks = data.get("tasks", {}) or {}
    if isinstance(raw_tasks, dict):
        for task_id, raw in raw_tasks.items():
            tasks[str(task_id)] = _task_policy(raw, default, f"tasks.{task_id}", problems)
    else:
        problems.append("tasks must be a mapping of task id to policy")
    audit = AuditPolicy()
    raw_audit = data.get("audit", {}) or {}
    if isinstance(raw_audit, dict):
        threshold = dict(audit.raise_threshold)
        raw_threshold = raw_audit.get("raise-threshold", {})
        if isinstance(raw_threshold, dict):
            for unit, value in raw_threshold.items():
                if unit in UNITS and isinstance(value, (int, float)) and not isinstance(value, bool):
                    threshold[unit] = float(value)
                else:
                    problems.append(f"audit.raise-threshold.{unit} must be a number for a known unit")
        copies = raw_audit.get("copied-value-min-models", audit.copied_value_min_models)
        grace = raw_audit.get("future-date-grace-days", audit.future_date_grace_days)
        digits = raw_audit.get("copied-value-min-digits", audit.copied_value_min_digits)
        for name, raw in (
            ("copied-value-min-models", copies),
            ("future-date-grace-days", grace),
            ("copied-value-min-digits", digits),
        ):
            if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
                problems.append(f"audit.{name} must be a whole number")
        audit = AuditPolicy(threshold, _whole(copies, 3), _whole(grace, 1), _whole(digits, 3))
    lint = None
    if "lint" in data:  # read by lint from the repository root (evalledger.selection.read_config)
        lint, lint_problems = parse_rule_config(data["lint"], "lint")
        problems += lint_problems
    return BenchmarkPolicy(tasks, default, audit, path, lint), problems


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
    shown = str(path)
    try:
        doc = load(read_file(path), shown)
    except YamlLoadError as exc:
        return BenchmarkPolicy(path=shown), [exc.to_finding(shown)]
    except OSError as exc:
        return BenchmarkPolicy(path=shown), [unreadable_policy(shown, exc)]
    policy, problems = parse_policy(doc.root.to_python() if doc.root else None, shown)
    findings = list(doc.problems) + [
        Finding(shown, 1, 1, POLICY_INVALID.id, POLICY_INVALID.severity, message) for message in problems
    ]
    return policy, findings
