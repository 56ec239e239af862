"""Shape rules: the file and its entries have the structure the format requires.

Shared by all three file kinds: ``missing-field`` and ``wrong-type`` name the field by its path
(``dataset.task_id``, ``tasks[1].id``, ``model-index[0].results[0].dataset.name``).
"""

from __future__ import annotations

import os

from evalledger.finding import ERROR, WARNING
from evalledger.formats.results import RESULTS_DIR
from evalledger.lint.context import Context
from evalledger.lint.places import RESULTS_FILE, Check
from evalledger.rule import Rule

RESULTS_NOT_LIST = Rule(
    "results-not-list",
    ERROR,
    "a results file is not a YAML list of entries",
    """\
Flags a `.eval_results/*.yaml` file whose top level is not a list. When the top level is a
`model-index:` mapping (the legacy README format), the message says so and points to the right
place for it.

Why it matters: the Hub's parser iterates the list; a mapping makes it fail
(`AttributeError: 'str' object has no attribute 'get'`), so none of the file's scores reach
the leaderboard, while the file looks fine to a reviewer.

Bad:
```yaml
model-index:
- name: my-model
  results: [...]
```
Fixed:
```yaml
- dataset:
    id: openai/gsm8k
    task_id: gsm8k
  value: 27.67
```
(or move the `model-index:` block into the YAML front matter of `README.md`).""",
)

RESULTS_EMPTY = Rule(
    "results-empty",
    WARNING,
    "a results file holds no entries",
    """\
Flags a results file that is an empty list (`[]`); a file with no document at all is
`results-not-list`, because huggingface_hub's parser fails on it.

Why it matters: an emptied file removes every score it held without anything that looks like a
deletion in a review; if that is intended, delete the file.

Bad:
```yaml
[]
```
Fixed: delete the file, or add the entries.""",
)

ENTRY_NOT_MAPPING = Rule(
    "entry-not-mapping",
    ERROR,
    "a list item of a results file is not a mapping",
    """\
Flags an item of the results list that is not a mapping (a string, a number, a nested list).

Why it matters: the Hub's parser calls `.get` on every item and fails on the whole file, so the
other, valid entries disappear too.

Bad:
```yaml
- Idavidrein/gpqa diamond 71.0
```
Fixed:
```yaml
- dataset: {id: Idavidrein/gpqa, task_id: diamond}
  value: 71.0
```""",
)

MISSING_FIELD = Rule(
    "missing-field",
    ERROR,
    "a required field is missing",
    """\
Flags a required field that is absent: in results entries `dataset`, `dataset.id`,
`dataset.task_id` and `value`; in `eval.yaml` `name`, `description` and `tasks`; in
`model-index` the `name`, `results`, `task.type`, `dataset.type`, `dataset.name`, `metrics[].type`
and `metrics[].value`.

Why it matters: huggingface_hub raises `KeyError` on a missing `id`, `task_id` or `value`, so
the entry (and the file) never reaches a leaderboard. Entries written before 2026-01-23 lack
`task_id`; they fail today's parser.

Bad:
```yaml
- dataset:
    id: TIGER-Lab/MMLU-Pro
  value: 88
```
Fixed:
```yaml
- dataset:
    id: TIGER-Lab/MMLU-Pro
    task_id: mmlu_pro
  value: 88
```""",
)

WRONG_TYPE = Rule(
    "wrong-type",
    ERROR,
    "a field has the wrong type (e.g. a list where a string belongs)",
    """\
Flags a field whose YAML type is wrong: `dataset` not a mapping, `dataset.id`/`task_id`,
`notes`, `verifyToken` or `source.*` not strings, `tasks` not a non-empty list, a `model-index`
result that is not a mapping, and the like. The message says what YAML read.

Why it matters: tools disagree on what to do with a wrong type — one coerces, one crashes, one
drops the entry — so the same file shows different scores in different places. An unquoted
`task_id: 2024` is an integer that matches no task id.

Bad:
```yaml
- dataset:
    id: Idavidrein/gpqa
    task_id: [diamond]
  value: 71.0
```
Fixed:
```yaml
- dataset:
    id: Idavidrein/gpqa
    task_id: diamond
  value: 71.0
```""",
)

RULES = [RESULTS_NOT_LIST, RESULTS_EMPTY, ENTRY_NOT_MAPPING, MISSING_FIELD, WRONG_TYPE]

RESULTS_PATH = Rule(
    "results-path",
    WARNING,
    "a results file outside the documented `.eval_results/*.yaml`",
    """\
Flags a results file in a sub-folder of `.eval_results/` or named `*.yml`: the Hub documents only
`.eval_results/*.yaml` (some tools list the folder recursively and accept `.yml`, others do not).

Why it matters: a file the Hub does not pick up is a score that silently never appears — or
appears in one tool and not in another, so two leaderboards disagree.

Bad: `.eval_results/gpqa/result.yml`
Fixed: `.eval_results/gpqa.yaml`""",
)

RULES.append(RESULTS_PATH)


def check_results_path(ctx: Context) -> None:
    """A results file read from disk: in `.eval_results/` itself, named `*.yaml`."""
    norm = ctx.path.replace(os.sep, "/")
    marker = f"/{RESULTS_DIR}/"
    if marker not in f"/{norm}":
        return
    inside = f"/{norm}".split(marker, 1)[1]
    if "/" in inside:
        ctx.report(
            RESULTS_PATH,
            (1, 1),
            f"results file in a sub-folder of {RESULTS_DIR}/; the Hub documents only {RESULTS_DIR}/*.yaml: move it up",
        )
    elif not norm.endswith(".yaml"):
        ctx.report(
            RESULTS_PATH,
            (1, 1),
            f"results file named *{os.path.splitext(norm)[1]}; the Hub documents {RESULTS_DIR}/*.yaml: rename it",
        )


CHECKS = (Check(RESULTS_FILE, (RESULTS_PATH,), check_results_path),)
