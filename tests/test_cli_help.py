"""Every option of every subcommand says what it does and, when it has a default, what it is; the
README's aggregate synopsis lists every aggregate option."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from evalledger.cli import COMMANDS, build_parser, main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _options(name: str) -> list[argparse.Action]:
    _module, parser = build_parser(name)
    return [a for a in parser._actions if not isinstance(a, (argparse._HelpAction, argparse._VersionAction))]


def _label(action: argparse.Action) -> str:
    return "/".join(action.option_strings) or action.dest


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_has_help_text_that_shows_its_default(name):
    options = _options(name)
    assert options
    missing = [_label(a) for a in options if not (a.help or "").strip() or a.help == argparse.SUPPRESS]
    assert not missing, f"evalledger {name}: options without help text: {missing}"
    # an option that is not simply off or absent by default says what it is ("(default: ...)")
    silent = [
        _label(a) for a in options if a.default not in (None, False, [], argparse.SUPPRESS) and "default" not in a.help
    ]
    assert not silent, f"evalledger {name}: help text does not show the default: {silent}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_renders_every_option(name, capsys):
    assert main([name, "--help"]) == 0  # a bad %-placeholder in a help text would raise here
    shown = capsys.readouterr().out
    for action in _options(name):
        for option in action.option_strings:
            assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", shown), option


def test_readme_aggregate_synopsis_lists_every_option():
    section = README.split("## Leaderboard: `evalledger aggregate`", 1)[1]
    synopsis = re.search(r"```text\n(evalledger aggregate .*?)```", section, re.S)
    assert synopsis, "README: the aggregate synopsis moved"
    listed = set(re.findall(r"--[a-z][a-z-]*", synopsis.group(1)))
    options = {o for a in _options("aggregate") for o in a.option_strings if o.startswith("--") and o != "--help"}
    assert options - listed == set(), f"README's aggregate synopsis lacks {sorted(options - listed)}"
    assert listed - options == set(), f"README's aggregate synopsis names unknown {sorted(listed - options)}"


#: where the README documents each command: the section (a heading and everything up to the next
#: heading of the same or a higher level) that a user of `evalledger NAME --help` would read
README_SECTIONS = {
    "aggregate": "## Leaderboard: `evalledger aggregate`",
    "audit": "## Audit: suspicious score edits",
    "lint": "## Lint: `evalledger lint`",
    "migrate": "## Migrate: `evalledger migrate`",
    "rules": "### Rules",
    "schema": "### Rules",
    "site": "## Leaderboard site: `evalledger site`",
}


def _readme_section(heading: str) -> str:
    level = heading.split(" ", 1)[0]
    start = README.index(f"\n{heading}\n")
    ends = [m.start() for m in re.finditer(r"\n(#+) ", README[start + 1 :]) if len(m.group(1)) <= len(level)]
    return README[start : start + 1 + ends[0]] if ends else README[start:]


def _missing_from(section: str, name: str) -> list[str]:
    missing = []
    for action in _options(name):
        for option in action.option_strings:
            if not option.startswith("--") or option == "--help":
                continue
            # `--no-x` of a BooleanOptionalAction is documented with `--x`
            shown = {option, "--" + option[len("--no-") :]} if option.startswith("--no-") else {option}
            if not any(re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", section) for o in shown):
                missing.append(option)
    return missing


def test_readme_documents_every_option_of_every_command_in_its_section():
    assert set(README_SECTIONS) == set(COMMANDS), "a new command: say where the README documents it"
    missing = {name: _missing_from(_readme_section(h), name) for name, h in README_SECTIONS.items()}
    assert {name: found for name, found in missing.items() if found} == {}
    # the check sees an option that is not there
    assert _missing_from("evalledger audit --range A..B", "audit")
