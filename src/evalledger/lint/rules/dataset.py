"""Rules on an entry's ``dataset``: which benchmark (``id``), which task, which data revision."""

from __future__ import annotations

import re

from evalledger.finding import ERROR, WARNING
from evalledger.lint.context import Context
from evalledger.lint.places import DATASET, DATASET_ID, DATASET_REVISION, Check
from evalledger.rule import Rule
from evalledger.yamlsource import Node

DATASET_ID_FORMAT = Rule(
    "dataset-id-format",
    ERROR,
    "`dataset.id` is not a Hub dataset id (namespace/name)",
    """\
Flags a `dataset.id` that is not a Hub repository id of the form `namespace/name` (letters,
digits, `-`, `_`, `.`; no `--` or `..`; at most 96 characters per part), e.g. a bare `gpqa`, a
URL, or a trailing slash.

Why it matters: `dataset.id` is where the leaderboard lives. A malformed id matches no benchmark,
so the score never shows up — or shows up under a look-alike repo that someone else controls.

Bad:
```yaml
- dataset:
    id: https://huggingface.co/datasets/Idavidrein/gpqa
    task_id: diamond
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

REVISION_FORMAT = Rule(
    "revision-format",
    ERROR,
    "`dataset.revision` is not a full 40-hex commit SHA",
    """\
Flags a `dataset.revision` that is not a full 40-character hexadecimal commit SHA (a branch name
like `main`, a tag, or an abbreviated SHA).

Why it matters: the revision pins the exact data the model was scored on. A branch moves, and a
short SHA can become ambiguous, so the claim can no longer be reproduced or checked — an easy way
to make a score unfalsifiable.

Bad:
```yaml
- dataset: {id: Idavidrein/gpqa, task_id: diamond, revision: main}
  value: 71.0
```
Fixed:
```yaml
- dataset: {id: Idavidrein/gpqa, task_id: diamond, revision: 5503434ddd753f426f4b38109466949a1217c2bb}
  value: 71.0
```""",
)

LEGACY_DATASET_FIELD = Rule(
    "legacy-dataset-field",
    WARNING,
    "`dataset.config`/`dataset.split` from the pre-2026 format",
    """\
Flags `dataset.config` and `dataset.split`, from the first (December 2025) version of the
format. The message gives the migration: the benchmark's `eval.yaml` now defines config and split
per task, and the entry names the task with `dataset.task_id`.

Why it matters: the Hub ignores these keys, so a result meant for one subset (say
`gpqa_diamond`) lands on whichever task `task_id` names — or on none when `task_id` is missing.

Bad:
```yaml
- dataset:
    id: Idavidrein/gpqa
    config: gpqa_diamond
    split: train
  value: 71.0
```
Fixed:
```yaml
- dataset:
    id: Idavidrein/gpqa
    task_id: diamond   # the eval.yaml task whose config is gpqa_diamond
  value: 71.0
```""",
)

RULES = [DATASET_ID_FORMAT, REVISION_FORMAT, LEGACY_DATASET_FIELD]

_PART = r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?"
_REPO_ID = re.compile(rf"^{_PART}/{_PART}$")
_SHA = re.compile(r"^[0-9a-f]{40}$")


def is_repo_id(text: str) -> bool:
    return bool(_REPO_ID.fullmatch(text)) and "--" not in text and ".." not in text and not text.endswith(".git")


def check_dataset_id(ctx: Context, node: Node) -> None:
    text = node.value
    if is_repo_id(text):
        return
    hint = ""
    stripped = text.strip().rstrip("/")
    for prefix in (
        "https://huggingface.co/datasets/",
        "http://huggingface.co/datasets/",
        "hf.co/datasets/",
        "https://hf.co/datasets/",
        "datasets/",
    ):
        if stripped.startswith(prefix):
            stripped = stripped[len(prefix) :]
            break
    fix = None
    if stripped != text and is_repo_id(stripped):
        hint = f"; write {stripped!r}"
    elif "/" not in text:
        from evalledger.formats.legacy_datasets import namespaced

        known = namespaced(text)
        if known is not None:
            from evalledger.lint.edit import Edit, rename

            hint = f"; the Hub moved this dataset to {known!r}: write that"
            fix = Edit(node.line, node.column, rename(text, known), f"write {known}")
        else:
            hint = "; add the namespace (e.g. 'openai/gsm8k')"
    ctx.report(
        DATASET_ID_FORMAT, node, f"`dataset.id` {text!r} is not a Hub dataset id (namespace/name){hint}", fix=fix
    )


def is_revision(value: object) -> bool:
    """A full 40-hex commit SHA in lower case: what `dataset.revision` must be (migrate asks too)."""
    return isinstance(value, str) and _SHA.fullmatch(value) is not None


def check_revision(ctx: Context, node: Node) -> None:
    if node.kind == "scalar" and is_revision(node.value):
        return
    shown = node.value if node.kind == "scalar" else node.to_python()
    hint = ""
    if isinstance(shown, str) and re.match(r"^[0-9a-fA-F]{7,39}$", shown):
        hint = "; write the full 40-character SHA"
    elif isinstance(shown, str) and re.match(r"^[0-9A-F]{40}$", shown.upper()) and shown != shown.lower():
        hint = "; write it in lower case"
    elif isinstance(shown, int):
        hint = "; quote it (YAML read digits as a number)"
    ctx.report(REVISION_FORMAT, node, f"`dataset.revision` {shown!r} is not a full 40-hex commit SHA{hint}")


def check_legacy(ctx: Context, dataset: Node) -> None:
    legacy = [k for k in ("config", "split") if k in dataset.value]
    for key in legacy:
        ctx.report(
            LEGACY_DATASET_FIELD,
            dataset.key_node(key),
            f"`dataset.{key}` is from the pre-2026 format and is ignored by the Hub; the"
            " benchmark's eval.yaml defines config and split per task: set `dataset.task_id`"
            " to that task's id and remove this key",
        )


CHECKS = (
    Check(DATASET, (LEGACY_DATASET_FIELD,), check_legacy),
    Check(DATASET_ID, (DATASET_ID_FORMAT,), check_dataset_id),
    Check(DATASET_REVISION, (REVISION_FORMAT,), check_revision),
)
