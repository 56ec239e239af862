"""Positioned text edits: the safe, mechanical fixes a lint rule attaches to its finding.

A rule that knows the one right replacement attaches an ``Edit`` to its finding: where the scalar
(or key) starts, and a function from the scalar's source text to its replacement. Only that text
is replaced, so comments, quoting elsewhere, indentation and key order stay as they were. Every
transform re-checks the source text against what YAML read there and returns None when they
differ (a multi-line scalar, an unexpected quoting): then nothing is changed and the finding stays.
Anything ambiguous never gets an edit at all.

The rules build edits (imported lazily, when a fixable problem was found); ``evalledger.lint.fix``
applies them for `lint --fix` / `--diff`. This module imports no lint module, so the rules can
use it without an import cycle.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from evalledger.yamlsource import plain_scalar

Transform = Callable[[str], "str | None"]  # quoted: evaluated at runtime on Python 3.10


@dataclass(frozen=True)
class Edit:
    """Replace the scalar that starts at (line, column) (1-based) by ``transform(source text)``."""

    line: int
    column: int
    transform: Transform
    summary: str = ""  # what the fix does, in the user's words


def scalar_end(text: str, start: int) -> int | None:
    """End (exclusive) of the scalar starting at ``start`` of one line, None when it runs past it."""
    if start >= len(text):
        return None
    if text[start] in ("'", '"'):
        return _quoted_end(text, start)
    end = len(text)
    comment = text.find(" #", start)
    if comment >= 0:
        end = comment
    if "[" in text[:start] or "{" in text[:start]:  # inside a flow collection
        for stop in (",", "]", "}"):
            found = text.find(stop, start, end)
            if found >= 0:
                end = found
    key_end = text.find(": ", start, end)
    if key_end >= 0:
        end = key_end
    raw = text[start:end].rstrip()
    if raw.endswith(":") and end == len(text.rstrip()) and comment < 0:
        raw = raw[:-1]  # `key:` with its value on the next line
    return start + len(raw)


def _quoted_end(text: str, start: int) -> int | None:
    """End (exclusive) of the quoted scalar starting at ``start``, None when it runs past the line."""
    quote = text[start]
    i = start + 1
    while i < len(text):
        if quote == "'" and text[i] == "'":
            if text[i + 1 : i + 2] == "'":  # '' is a quote inside single quotes
                i += 2
                continue
            return i + 1
        if quote == '"' and text[i] == "\\":
            i += 2
            continue
        if quote == '"' and text[i] == '"':
            return i + 1
        i += 1
    return None


def unquote(raw: str) -> tuple[str, str] | None:
    """(text, quote char or '') of a scalar's source; None for escapes we do not interpret."""
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1].replace("''", "'"), "'"
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        inner = raw[1:-1]
        return (inner, '"') if "\\" not in inner else None
    if raw[:1] in ("'", '"'):
        return None
    return raw, ""


def apply(text: str, edits: Iterable[Edit]) -> tuple[str, list[Edit]]:
    """The text with every applicable edit made, and the edits that were made.

    Edits are applied from the end so earlier positions stay valid; one that overlaps an edit
    already made, or whose transform declines, is skipped (a later `--fix` pass may take it).
    """
    lines = text.splitlines(keepends=True)
    done: list[Edit] = []
    taken: dict[int, list[tuple[int, int]]] = {}
    for edit in sorted(edits, key=lambda e: (e.line, e.column), reverse=True):
        index = edit.line - 1
        if not 0 <= index < len(lines):
            continue
        full = lines[index]
        body = full.rstrip("\r\n")
        ending = full[len(body) :]
        start = edit.column - 1
        end = scalar_end(body, start)
        if end is None:
            continue
        if any(start < b and a < end for a, b in taken.get(index, [])):
            continue
        replacement = edit.transform(body[start:end])
        if replacement is None or replacement == body[start:end]:
            continue
        lines[index] = body[:start] + replacement + body[end:] + ending
        taken.setdefault(index, []).append((start, start + len(replacement)))
        done.append(edit)
    return "".join(lines), done


# --- transforms the rules use ---------------------------------------------------------------


def quote_date(expected: Any, parse: Callable[[str], Any]) -> Transform:
    """A plain date or datetime, quoted: the same text, now the string the format asks for."""

    def transform(raw: str) -> str | None:
        if raw[:1] in ("'", '"') or plain_scalar(raw)[1] != expected or parse(raw) is None:
            return None
        return f"'{raw}'"

    return transform


def number(expected_text: str, to_plain: Callable[[str], str | None]) -> Transform:
    """A number written as text (quoted, with '%', a decimal comma, a dot-less exponent) as a plain
    YAML number; ``to_plain`` turns the text into the number's plain form, or declines."""

    def transform(raw: str) -> str | None:
        found = unquote(raw)
        if found is None or found[0] != expected_text:
            return None
        new = to_plain(found[0])
        if new is None:
            return None
        tag, value = plain_scalar(new)
        if tag not in ("int", "float") or isinstance(value, bool) or not _finite(value):
            return None
        return new

    return transform


def rename(old: str, new: str) -> Transform:
    """A key (or string value) written as ``old``, rewritten as ``new`` in the same quoting."""

    def transform(raw: str) -> str | None:
        found = unquote(raw)
        if found is None or found[0] != old:
            return None
        text, quote = found
        if quote == "'":
            return "'" + new.replace("'", "''") + "'"
        if quote == '"':
            return '"' + new + '"' if '"' not in new and "\\" not in new else None
        tag, value = plain_scalar(new)
        return new if tag == "str" and value == new else None

    return transform


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:
        return False
