"""Rules on an entry's ``value``: it must be a finite number written as a YAML number."""

from __future__ import annotations

import math
import re
import sys
from typing import TYPE_CHECKING

from evalledger.escape import is_plain_number
from evalledger.finding import ERROR
from evalledger.lint.context import Context, describe
from evalledger.lint.places import VALUE, Check
from evalledger.rule import Rule
from evalledger.yamlsource import MAX_NUMBER_CHARS, LongNumber, Node

if TYPE_CHECKING:  # imported when a fix is built: the hook pays for it only on a finding
    from evalledger.lint.edit import Edit

VALUE_NOT_NUMBER = Rule(
    "value-not-number",
    ERROR,
    "`value` is not a number (a string, null, a list…)",
    """\
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
```""",
)

VALUE_BOOLEAN = Rule(
    "value-boolean",
    ERROR,
    "`value` is a boolean (yes/no/true/false)",
    """\
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
```""",
)

VALUE_NOT_FINITE = Rule(
    "value-not-finite",
    ERROR,
    "`value` is NaN or infinite",
    """\
Flags `.nan`, `.inf` and `-.inf`, integers beyond the range of a float (more than 309 digits),
and numbers written with more than 1,000 characters (`0x` and 4,000 hex digits, a YAML 1.1
sexagesimal `1:59:59:...`), which are refused from their length, before any conversion.

Why it matters: NaN compares false with everything, so sorting places it anywhere (often first);
an infinite score tops every "higher is better" leaderboard. Converting a number of thousands of
digits takes time that grows with the square of its length, and Python refuses integers of more
than 4,300 digits: such a value would stall or break every tool that reads the file.

Bad:
```yaml
- dataset: {id: cais/hle, task_id: hle}
  value: .inf
```
Fixed:
```yaml
- dataset: {id: cais/hle, task_id: hle}
  value: 12.5
```""",
)

RULES = [VALUE_NOT_NUMBER, VALUE_BOOLEAN, VALUE_NOT_FINITE]

_EXPONENT_NO_DOT = re.compile(r"^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$")
_DECIMAL_COMMA = re.compile(r"^([-+]?)([0-9]+),([0-9]+)$")
PERCENT, QUOTED, COMMA, EXPONENT = "percent", "quoted", "comma", "exponent"


def decimal_comma(text: str) -> tuple[str, bool] | None:
    """('0.912', True) for '0,912': the number with a point, and whether the comma can only be a
    decimal comma ('1,234' may be a thousands separator: False). None when it is not such text."""
    match = _DECIMAL_COMMA.match(text.strip())
    if match is None:
        return None
    sign, whole, fraction = match.groups()
    certain = not (len(fraction) == 3 and whole.lstrip("0") != "" and len(whole) <= 3)
    return f"{sign}{whole}.{fraction}", certain


def plain_number(text: str) -> tuple[str, str] | None:
    """(kind, plain text) when ``text`` is a number written so YAML reads a string: quoted, with
    '%', with a decimal comma, or with an exponent but no dot. The plain text reads as the same
    number; None when there is no single such number."""
    stripped = text.strip()
    kind = QUOTED
    if stripped.endswith("%"):
        kind, stripped = PERCENT, stripped[:-1].strip()
    comma = decimal_comma(stripped)
    if comma is not None:
        if not comma[1]:
            return None
        return (kind if kind == PERCENT else COMMA), comma[0]
    if _EXPONENT_NO_DOT.match(stripped):
        mantissa, _, exponent = stripped.replace("E", "e").partition("e")
        return (kind if kind == PERCENT else EXPONENT), f"{mantissa.replace('_', '')}.0e{exponent}"
    if is_plain_number(stripped):  # its leniency (spaces, a '%') is the stripping above
        if stripped.startswith("."):
            stripped = "0" + stripped
        elif stripped[:2] in ("-.", "+."):
            stripped = stripped[0] + "0" + stripped[1:]
        if stripped.endswith("."):
            stripped += "0"
        mantissa, marker, exponent = stripped.replace("E", "e").partition("e")
        if marker and "." not in mantissa:
            stripped = f"{mantissa}.0e{exponent}"
        return kind, stripped
    return None


def _plain_text(text: str) -> str | None:
    found = plain_number(text)
    return found[1] if found is not None else None


def _number_fix(node: Node, new_text: str, summary: str) -> Edit:
    from evalledger.lint.edit import Edit, number

    return Edit(node.line, node.column, number(node.value, _plain_text), summary)


def check_value(ctx: Context, node: Node, field: str) -> None:
    value = node.value
    if node.kind == "map":
        ctx.report(VALUE_NOT_NUMBER, node, f"`{field}` must be a number, got a mapping{_mapping_hint(node)}")
        return
    if node.kind != "scalar":
        ctx.report(VALUE_NOT_NUMBER, node, f"`{field}` must be a number, got {describe(node)}")
        return
    if isinstance(value, bool):
        ctx.report(VALUE_BOOLEAN, node, f"`{field}` is a boolean ({node.value}); write the score as a number")
        return
    if isinstance(value, LongNumber):
        ctx.report(
            VALUE_NOT_FINITE,
            node,
            f"`{field}` is a number written with {value.length:,} characters"
            f" (more than {MAX_NUMBER_CHARS:,}), not read; a score must be a finite number",
        )
        return
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            ctx.report(VALUE_NOT_FINITE, node, f"`{field}` is {value}; a score must be a finite number")
        elif isinstance(value, int) and abs(value) > sys.float_info.max:
            # no float (JSON, the Hub API, every leaderboard) can hold it: it reads as infinity
            ctx.report(
                VALUE_NOT_FINITE,
                node,
                f"`{field}` is an integer of {len(str(abs(value)))} digits,"
                " beyond the range of a number; a score must be a finite number",
            )
        return
    if value is None:
        ctx.report(VALUE_NOT_NUMBER, node, f"`{field}` is empty (null); write the score as a number")
        return
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    found = plain_number(text) if isinstance(value, str) else None
    comma = decimal_comma(text.strip().rstrip("%").strip()) if isinstance(value, str) else None
    if found is not None and found[0] == EXPONENT and not node.quoted:
        ctx.report(
            VALUE_NOT_NUMBER,
            node,
            f"`{field}: {text}` is read as a string (YAML 1.1 floats need a dot); write {found[1]}",
            fix=_number_fix(node, found[1], f"write {found[1]}"),
        )
    elif found is not None and found[0] == COMMA:
        ctx.report(
            VALUE_NOT_NUMBER,
            node,
            f"`{field}` is the string {text!r} (a decimal comma); write {found[1]}",
            fix=_number_fix(node, found[1], f"write {found[1]}"),
        )
    elif comma is not None and not comma[1]:
        whole = text.strip().rstrip("%").strip().replace(",", "")
        ctx.report(
            VALUE_NOT_NUMBER,
            node,
            f"`{field}` is the string {text!r}: a decimal comma"
            f" ({comma[0]}) or a thousands separator ({whole})? write the number with a point",
        )
    elif found is not None and found[0] == PERCENT:
        ctx.report(
            VALUE_NOT_NUMBER,
            node,
            f"`{field}` is the string {text!r}; write the number without '%' ({found[1]})",
            fix=_number_fix(node, found[1], f"write {found[1]}"),
        )
    elif found is not None:
        ctx.report(
            VALUE_NOT_NUMBER,
            node,
            f"`{field}` is the string {text!r}, not a number; remove the quotes",
            fix=_number_fix(node, found[1], f"write {found[1]}"),
        )
    else:
        ctx.report(VALUE_NOT_NUMBER, node, f"`{field}` must be a number, got {describe(node)}")


def _mapping_hint(node: Node) -> str:
    """Why a value became a mapping: an unfilled template or several numbers in one value."""
    items = node.value
    if len(items) == 1:
        ((key, child),) = items.items()
        if child.kind == "scalar" and child.value is None:
            return (
                f" (`{{{key}}}` is a template placeholder that was never filled in: YAML reads"
                " `{...}` as a mapping; write the score)"
            )
    numbers = [
        k
        for k, child in items.items()
        if child.kind == "scalar" and isinstance(child.value, (int, float)) and not isinstance(child.value, bool)
    ]
    if len(numbers) > 1:
        shown = ", ".join(str(k) for k in numbers[:4]) + (", ..." if len(numbers) > 4 else "")
        return (
            f" of {len(numbers)} numbers ({shown}); a value holds one number: report each as its own metric (or entry)"
        )
    return ""


CHECKS = (Check(VALUE, (VALUE_NOT_NUMBER, VALUE_BOOLEAN, VALUE_NOT_FINITE), check_value),)
