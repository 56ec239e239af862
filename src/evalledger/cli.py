"""One entry point: ``evalledger {lint,aggregate,audit,migrate,site,rules,schema}``.

Each subcommand lives in its own module with ``configure(parser)`` and ``run(args) -> int``;
only the module of the command being run is imported, so the pre-commit hook path stays lean.
Exit codes mean one thing each: 0 clean, 1 findings, 2 usage or unreadable input,
3 an internal error (a bug: reported once with the version, never as a raw traceback).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from evalledger import __version__

COMMANDS = {
    "lint": ("evalledger.lint.command", "check result files, benchmark specs and model-index front matter"),
    "aggregate": ("evalledger.leaderboard.command", "rebuild a benchmark's leaderboard from model repos"),
    "audit": ("evalledger.audit.command", "flag suspicious score edits in git history"),
    "migrate": ("evalledger.migrate.command", "propose .eval_results entries from a model card's model-index"),
    "site": ("evalledger.leaderboard.site", "render the committed leaderboard tables as a static web site"),
    "rules": ("evalledger.rules", "list every rule id with its severity and documentation"),
    "schema": ("evalledger.formats.schema", "print the JSON Schemas of the three file formats"),
}

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(Exception):
    """Bad arguments or unreadable input: exit 2 with a one-line message."""


def _top_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evalledger",
        description="Git-native checks for LLM evaluation results.",
        epilog="commands:\n" + "\n".join(f"  {name:<10} {doc}" for name, (_, doc) in COMMANDS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"evalledger {__version__}")
    parser.add_argument("command", choices=sorted(COMMANDS), metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0].startswith("-"):
        top = _top_parser()
        try:
            top.parse_args(args_list or ["--help"])
        except SystemExit as exc:
            return int(exc.code or 0) if args_list else EXIT_USAGE
        return EXIT_USAGE
    name, rest = args_list[0], args_list[1:]
    if name not in COMMANDS:
        sys.stderr.write(f"evalledger: unknown command {name!r} (choose from {', '.join(COMMANDS)})\n")
        return EXIT_USAGE
    return run_command(name, rest)


def _terminal_width() -> int:
    stdout = sys.__stdout__
    if stdout is None:  # no stdout at all (pythonw, a closed descriptor)
        raise OSError("no terminal")
    return os.get_terminal_size(stdout.fileno()).columns


def _formatter(prog: str) -> argparse.HelpFormatter:
    # argparse would import shutil (and bz2, lzma) on every run just to size help text; a hook
    # starts a fresh process per commit, so size it here and only from the environment
    try:
        width = int(os.environ.get("COLUMNS", "")) or _terminal_width()
    except (ValueError, OSError, AttributeError):
        width = 80
    return argparse.HelpFormatter(prog, width=max(width - 2, 40))


def build_parser(name: str, prog: str | None = None) -> tuple[Any, argparse.ArgumentParser]:
    """The subcommand's module and its argument parser (imports only that module)."""
    module_name, doc = COMMANDS[name]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=prog or f"evalledger {name}", description=doc, formatter_class=_formatter)
    module.configure(parser)
    return module, parser


def run_command(name: str, argv: Sequence[str], prog: str | None = None) -> int:
    module, parser = build_parser(name, prog)
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:  # argparse already printed the usage message
        return EXIT_USAGE if exc.code else EXIT_OK
    try:
        return int(module.run(args))
    except UsageError as exc:  # the message may quote a model repo's paths or text
        from evalledger.escape import terminal

        sys.stderr.write(f"{parser.prog}: error: {terminal(exc, newlines=True)}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_FINDINGS
    except Exception as exc:  # a bug in evalledger, not in the user's files
        import traceback

        from evalledger.escape import terminal

        last = traceback.extract_tb(exc.__traceback__)[-1]
        sys.stderr.write(
            f"evalledger {__version__}: internal error in {parser.prog}: {type(exc).__name__}: {terminal(exc)} "
            f"(at {last.filename.rsplit('/', 1)[-1]}:{last.lineno}). This is a bug; please report it "
            "with the command you ran.\n"
        )
        return EXIT_INTERNAL


# console scripts named after the pre-commit hook ids (pre-commit-hooks convention)
def check_eval_results(argv: Sequence[str] | None = None) -> int:
    # the hook is handed the changed files only: duplicates and scales must see the rest (as staged)
    args = sys.argv[1:] if argv is None else argv
    return run_command("lint", ["--kind", "results", "--repo-context", *args], prog="check-eval-results")


def check_eval_spec(argv: Sequence[str] | None = None) -> int:
    return run_command("lint", ["--kind", "spec", *(sys.argv[1:] if argv is None else argv)], prog="check-eval-spec")


def check_model_index(argv: Sequence[str] | None = None) -> int:
    return run_command(
        "lint", ["--kind", "model-index", *(sys.argv[1:] if argv is None else argv)], prog="check-model-index"
    )


def check_eval_history(argv: Sequence[str] | None = None) -> int:
    return run_command("audit", ["--pre-commit", *(sys.argv[1:] if argv is None else argv)], prog="check-eval-history")


if __name__ == "__main__":
    raise SystemExit(main())
