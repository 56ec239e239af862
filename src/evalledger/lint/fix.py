"""`lint --fix`: apply the findings' edits (``evalledger.lint.edit``) to the files, pass after pass.

Used only by `lint --fix` / `--diff`; the lint hook pays for none of it unless asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from evalledger.finding import Finding
from evalledger.formats.spec import Spec
from evalledger.lint.edit import Edit, apply
from evalledger.yamlsource import BINARY_FILE, DUPLICATE_KEY, NOT_UTF8, Limits, YamlLoadError, read_file

#: the run's rule selection and a file's suppression comments: (path, bytes, findings) -> the kept
Keep = Callable[[str, bytes, list[Finding]], list[Finding]]

# --- running fixes over files -----------------------------------------------------------------

MAX_PASSES = 10  # a fix can make another one possible (ruff loops too); fixed texts converge fast


@dataclass
class FileFix:
    path: str
    before: str
    after: str
    applied: int


def relint(data: bytes, path: str, kind: str | None, specs: list[Spec], limits: Limits) -> list[Finding]:
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


_SYNTAX = (DUPLICATE_KEY.id, NOT_UTF8.id, BINARY_FILE.id)  # and every yaml-* rule


def _syntax_errors(findings: list[Finding]) -> int:
    return sum(1 for f in findings if f.rule.startswith("yaml-") or f.rule in _SYNTAX)


def fix_file(
    path: str,
    text: str,
    findings: list[Finding],
    kind: str | None,
    specs: list[Spec],
    limits: Limits,
    keep: Keep | None = None,
) -> FileFix:
    """Apply the findings' fixes to ``text``, pass after pass, until nothing more applies.

    A pass whose result reads worse as YAML (a new syntax or duplicate-key error) is thrown away:
    a fix must never break the file it repairs. ``keep`` (the run's rule selection and the file's
    suppression comments) picks the findings of a later pass that may be fixed; the first pass's
    ``findings`` are the run's, already picked.
    """
    current, applied = text, 0
    errors = _syntax_errors(relint(text.encode("utf-8"), path, kind, specs, limits) if keep else findings)
    for _ in range(MAX_PASSES):
        edits: list[Edit] = [f.fix for f in findings if f.fix is not None]
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


def fix_run(
    findings: list[Finding], kinds: dict[str, str | None], specs: list[Spec], limits: Limits, keep: Keep | None = None
) -> list[FileFix]:
    """Fixed texts of every file whose findings carry a fix (nothing is written here)."""
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    fixed = []
    for path, found in sorted(by_path.items()):
        if not any(f.fix is not None for f in found):
            continue
        try:  # read again by the one reader: a FIFO swapped in since lint read it is not waited on
            text = read_file(path, limits).decode("utf-8")
        except (OSError, YamlLoadError, UnicodeDecodeError):
            continue
        result = fix_file(path, text, found, kinds.get(path), specs, limits, keep)
        if result.after != result.before:
            fixed.append(result)
    return fixed


def unified_diff(change: FileFix) -> str:
    import difflib

    return "".join(
        difflib.unified_diff(
            change.before.splitlines(keepends=True),
            change.after.splitlines(keepends=True),
            f"a/{change.path}",
            f"b/{change.path}",
        )
    )


def write(change: FileFix) -> None:
    """Write the fixed text over the file (its link target, for a link inside the repository)."""
    import os

    from evalledger.atomic import write_atomic

    write_atomic(os.path.realpath(change.path), change.after.encode("utf-8"))
