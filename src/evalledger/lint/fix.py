"""`lint --fix`: safe, mechanical fixes applied as positioned text edits.

A rule that knows the one right replacement attaches an ``Edit`` to its finding: where the scalar
(or key) starts, and a function from the scalar's source text to its replacement. Only that text
is replaced, so comments, quoting elsewhere, indentation and key order stay as they were. Every
transform re-checks the source text against what YAML read there and returns None when they
differ (a multi-line scalar, an unexpected quoting): then nothing is changed and the finding stays.
Anything ambiguous never gets an edit at all.

Used only by `lint --fix` / `--diff`; the lint hook pays for none of it unless asked.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from evalledger.yamlsource import plain_scalar

Transform = Callable[[str], "str | None"]


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
    quote = text[start]
    if quote == "'":
        i = start + 1
        while i < len(text):
            if text[i] == "'":
                if text[i + 1:i + 2] == "'":
                    i += 2
                    continue
                return i + 1
            i += 1
        return None
    if quote == '"':
        i = start + 1
        while i < len(text):
            if text[i] == "\\":
                i += 2
                continue
            if text[i] == '"':
                return i + 1
            i += 1
        return None
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
        ending = full[len(body):]
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


def number(expected_text: str, to_plain: Callable[[str], "str | None"]) -> Transform:
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


# --- running fixes over files -----------------------------------------------------------------

MAX_PASSES = 10  # a fix can make another one possible (ruff loops too); fixed texts converge fast


@dataclass
class FileFix:
    path: str
    before: str
    after: str
    applied: int


def relint(data: bytes, path: str, kind: str | None, specs: list, limits: Any) -> list:
    """Per-file findings of one file's bytes, as `lint` gives them (fixes attached)."""
    from evalledger.lint import api, files

    kind = kind or files.kind_of(path)
    if kind == files.MODEL_INDEX:
        return api.lint_model_index_bytes(data, path, limits=limits)
    if kind == files.SPEC:
        return api.lint_spec_bytes(data, path, limits=limits)[1]
    if kind is None:
        try:
            from evalledger.yamlsource import load

            doc = load(data, path, limits=limits)
        except Exception:
            return []
        kind = api._sniff(doc.root, path)
        if kind != files.RESULTS:
            return relint(data, path, kind, specs, limits)
    return api.lint_results_bytes(data, path, spec=specs or None, limits=limits)[1]


def _syntax_errors(findings: list) -> int:
    return sum(1 for f in findings if f.rule.startswith("yaml-") or f.rule in ("duplicate-key",
                                                                                "not-utf8", "binary-file"))


def fix_file(path: str, text: str, findings: list, kind: str | None, specs: list, limits: Any,
             keep: Callable[[str, bytes, list], list] | None = None) -> FileFix:
    """Apply the findings' fixes to ``text``, pass after pass, until nothing more applies.

    A pass whose result reads worse as YAML (a new syntax or duplicate-key error) is thrown away:
    a fix must never break the file it repairs. ``keep`` (the run's rule selection and the file's
    suppression comments) picks the findings of a later pass that may be fixed; the first pass's
    ``findings`` are the run's, already picked.
    """
    current, applied = text, 0
    errors = _syntax_errors(relint(text.encode("utf-8"), path, kind, specs, limits) if keep else findings)
    for _ in range(MAX_PASSES):
        edits = [f.fix for f in findings if f.fix is not None]
        if not edits:
            break
        candidate, done = apply(current, edits)
        if not done:
            break
        data = candidate.encode("utf-8")
        new_findings = relint(data, path, kind, specs, limits)
        new_errors = _syntax_errors(new_findings)
        if new_errors > errors:
            break
        if keep is not None:
            new_findings = keep(path, data, new_findings)
        current, findings, applied, errors = candidate, new_findings, applied + len(done), new_errors
    return FileFix(path, text, current, applied)


def fix_run(findings: list, kinds: dict[str, str | None], specs: list, limits: Any,
            keep: Callable[[str, bytes, list], list] | None = None) -> list[FileFix]:
    """Fixed texts of every file whose findings carry a fix (nothing is written here)."""
    by_path: dict[str, list] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    fixed = []
    for path, found in sorted(by_path.items()):
        if not any(f.fix is not None for f in found):
            continue
        try:
            with open(path, "rb") as handle:
                text = handle.read().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        result = fix_file(path, text, found, kinds.get(path), specs, limits, keep)
        if result.after != result.before:
            fixed.append(result)
    return fixed


def unified_diff(change: FileFix) -> str:
    import difflib

    return "".join(difflib.unified_diff(change.before.splitlines(keepends=True),
                                        change.after.splitlines(keepends=True),
                                        f"a/{change.path}", f"b/{change.path}"))


def write(change: FileFix) -> None:
    """Write the fixed text over the file (its link target, for a link inside the repository)."""
    import os

    from evalledger.atomic import write_atomic

    write_atomic(os.path.realpath(change.path), change.after.encode("utf-8"))
