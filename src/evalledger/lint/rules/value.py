"""Rules on an entry's ``value``: it must be a finite number written as a YAML number."""
from __future__ import annotations

import math
import re
import sys

from evalledger.finding import ERROR
from evalledger.lint.context import Context, describe
from evalledger.rules import Rule
from evalledger.yamlsource import Node

VALUE_NOT_NUMBER = Rule("value-not-number", ERROR, "`value` is not a number (a string, null, a list…)", """\
Flags a `value` that YAML does not read as a number: a quoted number (`"71.2"`), a percent sign
(`71.2%`), an exponent without a dot (`1e-3`, which YAML 1.1 reads as the *string* "1e-3"; write
`1.0e-3`), `null`, a list or a mapping.

Why it matters: huggingface_hub passes `value` through unchecked, so a string reaches the
leaderboard, where it sorts as text ("9" above "71") or is dropped: the ranking is wrong without
any error.

Bad:
```yaml
- dataset: {id: Idavidrein/gpqa, task_id: diamond}
  value: "71.2%"
```
Fixed:
```yaml
- dataset: {id: Idavidrein/gpqa, task_id: diamond}
  value: 71.2
```""")

VALUE_BOOLEAN = Rule("value-boolean", ERROR, "`value` is a boolean (yes/no/true/false)", """\
Flags a `value` that YAML reads as a boolean: `true`, `false`, and YAML 1.1's `yes`, `no`,
`on`, `off`.

Why it matters: Python treats `True` as the number 1, so a boolean silently becomes a perfect
fraction score (or 1%) on a leaderboard.

Bad:
```yaml
- dataset: {id: my-org/safety-bench, task_id: refusal}
  value: yes
```
Fixed:
```yaml
- dataset: {id: my-org/safety-bench, task_id: refusal}
  value: 1.0
```""")

VALUE_NOT_FINITE = Rule("value-not-finite", ERROR, "`value` is NaN or infinite", """\
Flags `.nan`, `.inf` and `-.inf`.

Why it matters: NaN compares false with everything, so sorting places it anywhere (often first);
an infinite score tops every "higher is better" leaderboard.

Bad:
```yaml
- dataset: {id: cais/hle, task_id: hle}
  value: .inf
```
Fixed:
```yaml
- dataset: {id: cais/hle, task_id: hle}
  value: 12.5
```""")

RULES = [VALUE_NOT_NUMBER, VALUE_BOOLEAN, VALUE_NOT_FINITE]

_EXPONENT_NO_DOT = re.compile(r"^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$")
_NUMBER_TEXT = re.compile(r"^\s*[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*$")


def check_value(node: Node, ctx: Context, field: str = "value") -> None:
    value = node.value
    if node.kind != "scalar":
        ctx.report(VALUE_NOT_NUMBER, node, f"`{field}` must be a number, got {describe(node)}")
        return
    if isinstance(value, bool):
        ctx.report(VALUE_BOOLEAN, node, f"`{field}` is a boolean ({node.value}); write the score as a"
                   " number")
        return
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            ctx.report(VALUE_NOT_FINITE, node, f"`{field}` is {value}; a score must be a finite number")
        elif isinstance(value, int) and abs(value) > sys.float_info.max:
            # no float (JSON, the Hub API, every leaderboard) can hold it: it reads as infinity
            ctx.report(VALUE_NOT_FINITE, node, f"`{field}` is an integer of {len(str(abs(value)))} digits,"
                       " beyond the range of a number; a score must be a finite number")
        return
    if value is None:
        ctx.report(VALUE_NOT_NUMBER, node, f"`{field}` is empty (null); write the score as a number")
        return
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if not node.quoted and _EXPONENT_NO_DOT.match(text):
        mantissa, _, exponent = text.replace("E", "e").partition("e")
        ctx.report(VALUE_NOT_NUMBER, node, f"`{field}: {text}` is read as a string (YAML 1.1 floats"
                   f" need a dot); write {mantissa.replace('_', '')}.0e{exponent}")
    elif _NUMBER_TEXT.match(text):
        ctx.report(VALUE_NOT_NUMBER, node, f"`{field}` is the string {text!r}, not a number; remove"
                   " the quotes")
    elif text.strip().endswith("%") and _NUMBER_TEXT.match(text.strip()[:-1]):
        ctx.report(VALUE_NOT_NUMBER, node, f"`{field}` is the string {text!r}; write the number"
                   f" without '%' ({text.strip()[:-1].strip()})")
    else:
        ctx.report(VALUE_NOT_NUMBER, node, f"`{field}` must be a number, got {describe(node)}")
