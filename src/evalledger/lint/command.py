"""``evalledger lint [PATH ...]``: check result files, benchmark specs and model-index metadata.

Exit 0 when no errors (warnings allowed), 1 when errors were found (or warnings with
``--strict``), 2 for bad usage or input that cannot be read at all.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from evalledger.lint.files import KINDS

if TYPE_CHECKING:
    from evalledger.lint.api import LintRun
    from evalledger.yamlsource import Limits

SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kb": 1024,
    "kib": 1024,
    "m": 1024**2,
    "mb": 1024**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gb": 1024**3,
    "gib": 1024**3,
}


def _size(text: str) -> int:
    """``2000000``, ``512k``, ``4MB``: a byte count."""
    raw = text.strip().lower()
    digits = raw.rstrip("bgikm")
    unit = raw[len(digits) :]
    try:
        number = float(digits)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 2000000, 512k, 4M)") from None
    if unit not in SIZE_UNITS or number <= 0:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 2000000, 512k, 4M)")
    return int(number * SIZE_UNITS[unit])


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or directories (default: the current directory); directories"
        " are searched for .eval_results/**/*.y*ml, eval.y*ml and README.md",
    )
    parser.add_argument(
        "--kind",
        choices=("auto", *KINDS),
        default="auto",
        help="what the files are (default: decided by path, then by content)",
    )
    parser.add_argument(
        "--benchmark",
        action="append",
        default=[],
        metavar="[ID=]PATH",
        help="a benchmark's eval.yaml, or a folder of them: checks task ids and"
        " value scales against it (repeatable; see docs)",
    )
    parser.add_argument(
        "--format",
        choices=("auto", "text", "json", "github", "sarif"),
        default="auto",
        help="output format (default: github under GitHub Actions, else text)",
    )
    parser.add_argument(
        "--max-file-size", type=_size, default=None, metavar="SIZE", help="largest file to read (default 2M)"
    )
    parser.add_argument(
        "--repo-context",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="cross-file rules (duplicate-entry, value-scale-mismatch) also read the"
        " repo's other .eval_results files, as staged in git (else on disk), and"
        " report on the given files only (on in check-eval-results)",
    )
    from evalledger.selection import add_arguments

    add_arguments(parser)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--no-warnings", action="store_true", help="report errors only")
    group.add_argument("--strict", action="store_true", help="fail (exit 1) on warnings too")
    fixing = parser.add_mutually_exclusive_group()
    fixing.add_argument(
        "--fix",
        action="store_true",
        help="apply safe, mechanical fixes in place (comments and layout kept), then report what is left",
    )
    fixing.add_argument(
        "--diff",
        action="store_true",
        help="print the fixes --fix would make as a unified diff; write nothing (exit 1 when there are any)",
    )


def run(args: argparse.Namespace) -> int:
    # a short-lived process that builds only acyclic trees: the cyclic collector would just rescan
    # every retained node over and over (about a third of the run time on 10,000 files)
    import gc

    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(args)
    finally:
        if collecting:
            gc.enable()


def _run(args: argparse.Namespace) -> int:
    from evalledger.cli import UsageError
    from evalledger.finding import ERROR, WARNING
    from evalledger.lint.api import lint_paths
    from evalledger.lint.benchmark import BenchmarkError
    from evalledger.lint.registry import RULES
    from evalledger.report import Report, render, resolve_format
    from evalledger.yamlsource import DEFAULT_LIMITS, Limits

    limits = DEFAULT_LIMITS
    if args.max_file_size is not None:
        limits = Limits(
            max_bytes=args.max_file_size,
            max_depth=DEFAULT_LIMITS.max_depth,
            max_alias_nodes=DEFAULT_LIMITS.max_alias_nodes,
        )
    from evalledger.selection import from_arguments

    kind = None if args.kind == "auto" else args.kind
    select, ignore = from_arguments(args, RULES, "lint", sys.stderr)

    def check() -> LintRun:
        return lint_paths(
            args.paths or ["."],
            kind=kind,
            benchmark=args.benchmark,
            limits=limits,
            repo_context=args.repo_context,
            select=select,
            ignore=ignore,
        )

    try:
        result = check()
        if args.fix or args.diff:
            changes = _fix(result, args, limits)
            if args.diff:
                return 1 if changes else (2 if result.unreadable else 0)
            if changes:  # report what is left, as it now is on disk
                result = check()
    except BenchmarkError as exc:
        raise UsageError(str(exc)) from None
    findings = result.findings
    if args.no_warnings:
        findings = [f for f in findings if f.severity == ERROR]
    render(Report("lint", findings, result.files, RULES), resolve_format(args.format), sys.stdout)
    for note in result.notes:  # on stderr: JSON and SARIF on stdout stay one valid document
        from evalledger.escape import terminal  # a note names folders of the repo

        sys.stderr.write(f"evalledger lint: note: {terminal(note)}\n")
    if result.unreadable:
        return 2
    if any(f.severity == ERROR for f in findings):
        return 1
    if args.strict and any(f.severity == WARNING for f in findings):
        return 1
    return 0


def _fix(result: LintRun, args: argparse.Namespace, limits: Limits) -> int:
    """--fix / --diff: the fixed files, written or shown; returns how many files change."""
    from evalledger.lint.benchmark import resolve
    from evalledger.lint.fix import fix_run, unified_diff, write

    specs = resolve(args.benchmark, limits=limits)[0] if args.benchmark else []
    changes = fix_run(result.findings, result.kinds, specs, limits, result.keep)
    for change in changes:
        if args.diff:
            sys.stdout.write(unified_diff(change))
        else:
            write(change)
    if args.fix and changes:
        count = sum(change.applied for change in changes)
        sys.stderr.write(
            f"fixed {count} problem{'s' if count != 1 else ''} in {len(changes)}"
            f" file{'s' if len(changes) != 1 else ''}\n"
        )
    return len(changes)
