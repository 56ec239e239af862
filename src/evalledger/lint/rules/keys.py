"""Unknown keys: silently ignored by the Hub, so a typo silently loses a field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from evalledger.finding import ERROR, WARNING
from evalledger.hints import did_you_mean
from evalledger.lint.context import Context
from evalledger.lint.places import MAPPING_KEYS, RESULTS_ENTRY, Check
from evalledger.rule import Rule
from evalledger.yamlsource import Node

UNKNOWN_KEY = Rule(
    "unknown-key",
    WARNING,
    "a key the format does not define (often a typo)",
    """\
Flags keys the format does not define, with a "did you mean" for near misses and for keys that
belong elsewhere: `verify_token` (it is `verifyToken`), `task`/`task_id` at the top of an entry
(it is `dataset.task_id`), `score` (`value`), `url` (`source.url`), `metric` (one metric per
entry; make another task). In `eval.yaml`, unknown top-level and (non-Inspect) task keys.
One unknown key is an error, not a warning: `data` in a results entry, because huggingface_hub's
parser then reads the entry from `data` (the Hub API's wrapper) and ignores everything beside it.

Why it matters: unknown keys are silently ignored by huggingface_hub. A misspelt `verify_token`
drops the proof that makes a score "verified"; a misplaced `task_id` leaves the entry without a
task.

Bad:
```yaml
- dataset: {id: cais/hle, task_id: hle}
  value: 12.5
  verify_token: eyJhbGciOi...
```
Fixed:
```yaml
- dataset: {id: cais/hle, task_id: hle}
  value: 12.5
  verifyToken: eyJhbGciOi...
```""",
)

RULES = [UNKNOWN_KEY]


def check_keys(
    ctx: Context, mapping: Node, known: Iterable[str], where: str, moved: Mapping[str, str] | None = None
) -> None:
    """Warn on keys not in ``known``; ``moved`` maps a key to the place it belongs."""
    known = tuple(known)
    for key in mapping.value:
        if key in known:
            continue
        name = str(key)
        if moved and name in moved:
            hint = f" ({moved[name]})"
        else:
            hint = did_you_mean(name, known)
        label = f"`{where}.{name}`" if where else f"`{name}`"
        fix = None
        target = typo_of(name, known) if isinstance(key, str) else None
        if moved and name in moved and f"'{target}'" not in moved[name]:
            target = None  # the key belongs somewhere else: moving it is not a mechanical fix
        if target is not None and target not in mapping.value:
            from evalledger.lint.edit import Edit, rename

            node = mapping.key_node(key)
            fix = Edit(node.line, node.column, rename(name, target), f"rename to {target}")
        ctx.report(UNKNOWN_KEY, mapping.key_node(key), f"unknown key {label} is ignored by the Hub{hint}", fix=fix)


def typo_of(name: str, known: Iterable[str]) -> str | None:
    """The one known key ``name`` is an unambiguous misspelling of, or None.

    Unambiguous: equal to exactly one known key once case, `_` and `-` are ignored
    (`verify_token` -> `verifyToken`), or one edit (a letter added, dropped, changed or two swapped)
    from exactly one known key of six or more letters (`veriefied` -> `verified`).
    """
    squashed = name.replace("_", "").replace("-", "").lower()
    same = [k for k in known if k.replace("_", "").replace("-", "").lower() == squashed]
    if len(same) == 1:
        return same[0]
    if same:
        return None
    close = [k for k in known if len(k) >= 6 and _one_edit(name, k)]
    return close[0] if len(close) == 1 else None


def _one_edit(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


def check_hub_wrapper(ctx: Context, entry: Node) -> None:
    """`data` in a results entry: the Hub API's wrapper. huggingface_hub's parser reads the entry
    from `data` and ignores the keys beside it, so this entry is not what it looks like (and
    fails to parse): an error, not a warning."""
    if "data" in entry.value:
        ctx.report(
            UNKNOWN_KEY,
            entry.key_node("data"),
            "unknown key `data`: huggingface_hub"
            " reads the whole entry from `data` (the Hub API's wrapper format) and ignores"
            " the keys beside it; remove `data` or move its content up",
            ERROR,
        )


CHECKS = (
    Check(MAPPING_KEYS, (UNKNOWN_KEY,), check_keys),
    Check(RESULTS_ENTRY, (UNKNOWN_KEY,), check_hub_wrapper),
)
