"""What migrate reports about the results it does not (or not certainly) carry over."""

from __future__ import annotations

from evalledger.finding import INFO, WARNING
from evalledger.rule import Rule

NOT_MIGRATED = Rule(
    "not-migrated",
    WARNING,
    "a model-index result migrate cannot turn into an `.eval_results` entry",
    """\
Flags a `model-index` result (or metric) that `evalledger migrate` leaves where it is, with the
reason: its `dataset.type` is not a namespaced Hub id (with the namespaced id as a hint where the
Hub's move of a legacy dataset is known, e.g. `ai2_arc` -> `allenai/ai2_arc`); its value is not a
finite number; it offers several metrics and the benchmark's policy does not say which one is the
task's score; no task of the benchmark's `eval.yaml` matches its config and split; its source is
the base model's.

Why it matters: an `.eval_results` entry holds one number for one benchmark task. Guessing the
dataset, the metric or the number would put a score on a leaderboard that the card never claimed.

Bad (README.md front matter):
```yaml
    dataset: {type: ai2_arc, name: ARC, config: ARC-Challenge}
    metrics:
    - {type: acc, value: 61.2}
    - {type: acc_norm, value: 64.6}
```
Fixed: `type: allenai/ai2_arc`, and in the benchmark's `.evalledger.yaml`:
```yaml
tasks:
  arc_challenge: {metric: acc_norm}
```""",
    command="migrate",
)

TASK_ID_GUESSED = Rule(
    "task-id-guessed",
    INFO,
    "a migrated entry's `task_id` was taken from `dataset.config` (or `default`)",
    """\
Flags an entry whose `dataset.task_id` migrate could not read from the benchmark's `eval.yaml`
(no `--benchmark` for that dataset), so it took the result's `dataset.config`, or `default`.

Why it matters: `task_id` must name a task of the benchmark's `eval.yaml`; a config name often is
one, but not always (`gpqa_diamond` vs `diamond`), and a wrong task id keeps the score off the
leaderboard.

Bad: `evalledger migrate` without `--benchmark`, result config `ARC-Challenge`.
Fixed: `evalledger migrate --benchmark allenai/ai2_arc=path/to/eval.yaml`.""",
    command="migrate",
)

MIGRATE_CONFLICT = Rule(
    "migrate-conflict",
    WARNING,
    "a result would overwrite an existing entry, or several results claim one entry",
    """\
Flags a result whose entry (same dataset, task and setup) already exists in `.eval_results/` with
a different value, or several results of the card that map to the same entry with different
values. Nothing is overwritten and nothing is chosen.

Why it matters: the entry already in `.eval_results` may be newer, or verified; picking one of
several values (the highest?) is exactly the selection a leaderboard must not make silently.

Bad: `model-index` says 57.9 for `bigcode/humanevalpack` and `.eval_results/humanevalpack.yaml`
already has 52.4 for the same task.
Fixed: resolve it by hand, then migrate again.""",
    command="migrate",
)

RULES = {rule.id: rule for rule in (NOT_MIGRATED, TASK_ID_GUESSED, MIGRATE_CONFLICT)}
