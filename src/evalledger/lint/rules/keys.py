"""Unknown keys: silently ignored by the Hub, so a typo silently loses a field."""
from __future__ import annotations

from typing import Iterable, Mapping

from evalledger.finding import WARNING
from evalledger.lint.context import Context, did_you_mean
from evalledger.rules import Rule
from evalledger.yamlsource import Node

UNKNOWN_KEY = Rule("unknown-key", WARNING, "a key the format does not define (often a typo)", """\
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
```""")

RULES = [UNKNOWN_KEY]


def check_keys(mapping: Node, known: Iterable[str], ctx: Context, where: str,
               moved: Mapping[str, str] | None = None) -> None:
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
        ctx.report(UNKNOWN_KEY, mapping.key_node(key), f"unknown key {label} is ignored by the"
                   f" Hub{hint}")
