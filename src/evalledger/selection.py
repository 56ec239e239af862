"""Which rules a run reports: decided here, in one place, for every command (ruff's model).

Three sources, applied in this order:

* the linted repository's config, at its root (the nearest folder holding ``.git``):
  ``[tool.evalledger]`` in ``pyproject.toml`` and the ``lint:`` section of ``.evalledger.yaml``,
  each with ``select``, ``ignore`` and ``per-file-ignores`` (both files are read; their lists add
  up). Lint only: the audit takes no config from the repository it judges, so a commit under
  audit cannot switch its own audit off;
* ``--select`` / ``--ignore`` (comma-separated, repeatable): ``--select`` replaces the config's
  ``select``, ``--ignore`` adds to its ``ignore``;
* ``# evalledger: ignore[rule-id, ...]`` comments in linted YAML (lint only): at the end of a line,
  for the findings on that line; alone on a line before the file's first content (or the front
  matter's, in a README.md), for the whole file.

A selector is a rule id, a prefix of ids ending at a ``-`` (``value`` and ``value-`` name every
``value-*`` rule, ``value-not`` ``value-not-number`` and ``value-not-finite``) or ``ALL`` (select
only). Where a select and an ignore both match a rule, the more specific wins (an id over a
prefix, a longer prefix over a shorter one, anything over ``ALL``; a tie ignores). A renamed rule
id keeps working everywhere through ``REDIRECTS``. (The grammar of selectors and the config table
are in ``evalledger.selectors``, which knows no rule: the benchmark policy, read by lint rules,
parses its ``lint:`` section with it. This module checks selectors against the rule catalogue.)

Problems that leave a file unread or unparsed (``ALWAYS_REPORTED`` of each command) are reported
whatever the selection: ignoring one would let a broken file pass unchecked.

The hook path stays cheap: a file's comments are looked for only when its bytes hold
``evalledger:``; ``pyproject.toml`` is parsed only when it holds ``tool.evalledger``.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from evalledger.finding import Finding
from evalledger.hints import did_you_mean
from evalledger.policy import POLICY_FILE, policy_invalid
from evalledger.selectors import (  # the grammar; what is selected is decided here
    ALL,
    RuleConfig,
    expand,
    parse_rule_config,
    split,
)

PYPROJECT = "pyproject.toml"
MARK = b"evalledger:"
MAX_CONFIG_BYTES = 2 * 1024 * 1024  # the YAML loader's own bound (yamlsource.Limits.max_bytes)
_COMMENT = re.compile(rb"(?:^|(?<=[ \t]))#[ \t]*evalledger:[ \t]*([^\r\n]*)", re.MULTILINE)
_IGNORE = re.compile(r"ignore\[([^\]]*)\]")


# -- selectors -----------------------------------------------------------------------------------


def unknown_message(selector: str, known: Collection[str], *, allow_all: bool = True) -> str | None:
    """Why a selector names no rule of ``known``, or None when it names some (or names rules of
    another command: `ignore = ["value-raised"]` in a config lint shares with nothing is fine)."""
    if expand(selector, known, allow_all=allow_all):
        return None
    if selector == ALL:
        return "ALL selects every rule; it is not allowed here (name the rules)"
    from evalledger.rules import all_rules  # only paid for by a selector lint does not know

    catalogue = all_rules()
    if expand(selector, catalogue, allow_all=False):
        return None
    words = {rule.split("-", 1)[0] for rule in catalogue}  # the prefixes most often meant
    return f"unknown rule id {selector!r}{did_you_mean(selector, sorted(words) + list(catalogue))}"


def option_warnings(option: str, values: Sequence[str], known: Collection[str], *, allow_all: bool = True) -> list[str]:
    """Messages for the selectors of a command-line option that name no rule."""
    out = []
    for selector in values:
        message = unknown_message(selector, known, allow_all=allow_all)
        if message:
            out.append(f"{option}: {message}")
    return out


# (plain classes, not dataclasses: creating a dataclass costs the hook's cold start ~0.4 ms each)


class Layer:
    """One source of select/ignore (the config, the command line); ``select`` None keeps what
    the layers before selected."""

    __slots__ = ("select", "ignore")

    def __init__(self, select: tuple[str, ...] | None = None, ignore: tuple[str, ...] = ()) -> None:
        self.select = select
        self.ignore = ignore


class RuleSelection:
    """The rules a run reports, for one set of known rule ids (a command's registry)."""

    def __init__(
        self,
        known: Collection[str],
        layers: Sequence[Layer] = (),
        per_file_ignores: Sequence[tuple[str, tuple[str, ...]]] = (),
        root: str = ".",
        always: Collection[str] = (),
        sticky: Collection[str] = (),
    ) -> None:
        self.known = frozenset(known)
        self.always = frozenset(always)
        self.root = root
        self.per_file_ignores = tuple(per_file_ignores)
        chosen = set(self.known)
        ever_ignored: set[str] = set()
        for layer in layers:
            ignored = _weights(layer.ignore, self.known, allow_all=False)
            ever_ignored |= ignored.keys()
            if layer.select is None:
                chosen -= ignored.keys()
                continue
            selected = _weights(layer.select, self.known)
            chosen = {rule for rule, weight in selected.items() if weight > ignored.get(rule, -1)}
        # rules about the selection itself (a misspelt id in `select`) survive any select: only
        # an ignore turns them off
        chosen |= (frozenset(sticky) & self.known) - ever_ignored
        self.rules = frozenset(chosen)
        self._by_path: dict[str, frozenset[str]] = {}

    @classmethod
    def of(
        cls,
        known: Collection[str],
        select: Sequence[str] | None = None,
        ignore: Sequence[str] = (),
        config: RuleConfig | None = None,
        always: Collection[str] = (),
        sticky: Collection[str] = (),
    ) -> RuleSelection:
        """Config first, then the command line (``select`` None: not given)."""
        layers = []
        if config is not None:
            layers.append(Layer(config.select, config.ignore))
        select_list = split(select) if select is not None else None
        layers.append(Layer(tuple(select_list) if select_list is not None else None, tuple(split(ignore))))
        return cls(
            known, layers, config.per_file_ignores if config else (), config.root if config else ".", always, sticky
        )

    def allows(self, rule: str, path: str | None = None) -> bool:
        if rule in self.always:
            return True
        if rule not in self.rules and rule in self.known:
            return False
        if path is not None and self.per_file_ignores:
            return rule not in self._file_ignores(path)
        return True

    def _file_ignores(self, path: str) -> frozenset[str]:
        found = self._by_path.get(path)
        if found is None:
            relative = os.path.relpath(os.path.abspath(path), os.path.abspath(self.root))
            relative = relative.replace(os.sep, "/")
            name = relative.rsplit("/", 1)[-1]
            ignored: set[str] = set()
            for pattern, selectors in self.per_file_ignores:
                if fnmatch.fnmatchcase(relative, pattern) or (
                    "/" not in pattern and fnmatch.fnmatchcase(name, pattern)
                ):
                    ignored |= _weights(selectors, self.known, allow_all=False).keys()
            found = self._by_path[path] = frozenset(ignored)
        return found

    def filter(self, findings: Iterable[Finding]) -> list[Finding]:
        return [f for f in findings if self.allows(f.rule, f.path)]


def _weights(selectors: Iterable[str], known: Collection[str], *, allow_all: bool = True) -> dict[str, int]:
    weights: dict[str, int] = {}
    for selector in selectors:
        for rule, weight in expand(selector, known, allow_all=allow_all).items():
            if weight > weights.get(rule, -1):
                weights[rule] = weight
    return weights


# -- config files ----------------------------------------------------------------------------------


def read_config(root: str, known: Collection[str]) -> tuple[RuleConfig | None, list[Finding]]:
    """``[tool.evalledger]`` of ``root/pyproject.toml`` and ``lint:`` of ``root/.evalledger.yaml``,
    with the problems met reading them (as findings)."""
    found: RuleConfig | None = None
    problems: list[Finding] = []
    for reader in (_read_pyproject, _read_policy_section):
        config = reader(root, known, problems)
        if config is not None:
            found = config if found is None else found.merged(config)
    return found, problems


def _shown(root: str, name: str) -> str:
    path = os.path.join(root, name)
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else path


def _read_bytes(root: str, name: str, problems: list[Finding]) -> bytes | None:
    """The config file's bytes, by the one reader (a FIFO, socket or device is refused, never
    waited on, even one swapped in after a look). None when it is absent or a symlink (a link may
    lead out of the repository: not read), and when it cannot be read: then a problem says why,
    never silently no config (``unreadable-file``, exit 2; over ``MAX_CONFIG_BYTES``, refused
    before reading: ``file-too-large``, ``config-invalid`` for pyproject.toml)."""
    from evalledger.yamlsource import UNREADABLE_FILE, Limits, YamlLoadError, read_file

    path = os.path.join(root, name)
    if os.path.islink(path) or not os.path.lexists(path):
        return None
    shown = _shown(root, name)
    try:
        return read_file(path, Limits(max_bytes=MAX_CONFIG_BYTES), what="a config file", hint="(not applied)")
    except YamlLoadError as exc:  # over the limit: refused before reading
        if name != PYPROJECT:
            problems.append(exc.to_finding(shown))
        else:  # not a YAML file: pyproject's own rule, as for a malformed section
            from evalledger.lint.rules.suppression import CONFIG_INVALID

            message = f"{PYPROJECT} is over {MAX_CONFIG_BYTES:,} bytes; not read, so its"
            message += " [tool.evalledger] section is not applied"
            problems.append(Finding(shown, 1, 1, CONFIG_INVALID.id, CONFIG_INVALID.severity, message))
    except OSError as exc:
        message = f"cannot read {name}, so its evalledger config is not applied: {exc.strerror or exc}"
        problems.append(Finding(shown, 1, 1, UNREADABLE_FILE.id, UNREADABLE_FILE.severity, message))
    return None


def _read_pyproject(root: str, known: Collection[str], problems: list[Finding]) -> RuleConfig | None:
    data = _read_bytes(root, PYPROJECT, problems)
    if data is None or b"evalledger" not in data:
        return None
    shown = _shown(root, PYPROJECT)
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    from evalledger.lint.rules.suppression import CONFIG_INVALID

    try:
        text = data.decode("utf-8")
        table = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        line, column = _toml_position(str(exc))
        problems.append(
            Finding(
                shown,
                line,
                column,
                CONFIG_INVALID.id,
                CONFIG_INVALID.severity,
                f"{PYPROJECT} cannot be read, so its [tool.evalledger] section is not applied: {exc}",
            )
        )
        return None
    section = table.get("tool", {}).get("evalledger") if isinstance(table.get("tool"), dict) else None
    if section is None:
        return None
    start = max(text.find("[tool.evalledger"), 0)
    header = _line_of(text, "[tool.evalledger", 0, 1)
    config, messages = parse_rule_config(section, "[tool.evalledger]", root)
    problems += [Finding(shown, header, 1, CONFIG_INVALID.id, CONFIG_INVALID.severity, m.message) for m in messages]
    problems += _unknown_in_config(config, known, shown, lambda selector: _toml_place(text, selector, start, header))
    return config


def _toml_position(message: str) -> tuple[int, int]:
    match = re.search(r"at line (\d+), column (\d+)", message)
    return (int(match.group(1)), int(match.group(2))) if match else (1, 1)


def _line_of(text: str, needle: str, start: int, default: int) -> int:
    index = text.find(needle, start)
    return text.count("\n", 0, index) + 1 if index >= 0 else default


def _toml_place(text: str, selector: str, start: int, default: int) -> tuple[int, int]:
    """Where a selector is written in the TOML text (its first quoted occurrence after ``start``,
    inside a comma-separated string too), else the section's header line."""
    match = re.compile(r"[\"',]\s*(" + re.escape(selector) + r")\s*[\"',]").search(text, start)
    if match is None:
        return default, 1
    index = match.start(1)
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def _read_policy_section(root: str, known: Collection[str], problems: list[Finding]) -> RuleConfig | None:
    data = _read_bytes(root, POLICY_FILE, problems)
    if data is None or b"lint" not in data:
        return None
    from evalledger.yamlsource import YamlLoadError, load

    shown = _shown(root, POLICY_FILE)
    try:
        doc = load(data, shown)
    except YamlLoadError as exc:
        problems.append(exc.to_finding(shown))
        return None
    node = doc.root.get("lint") if doc.root is not None else None
    if node is None:
        return None
    config, messages = parse_rule_config(node.to_python(), "lint", root)
    problems += policy_invalid(shown, node, messages)  # each where it is written, as --benchmark's reading

    def where(selector: str) -> tuple[int, int]:
        from evalledger.yamlsource import iter_nodes

        for child in iter_nodes(node):
            if child.kind == "scalar" and isinstance(child.value, str) and selector in split(child.value):
                return child.line, child.column
        return node.line, node.column

    problems += _unknown_in_config(config, known, shown, where)
    return config


def _unknown_in_config(
    config: RuleConfig, known: Collection[str], shown: str, where: Callable[[str], tuple[int, int]]
) -> list[Finding]:
    from evalledger.lint.rules.suppression import RULE_ID_UNKNOWN

    found = []
    groups = [(config.select or (), "select", True), (config.ignore, "ignore", False)]
    groups += [(selectors, f"per-file-ignores {pattern!r}", False) for pattern, selectors in config.per_file_ignores]
    for selectors, what, allow_all in groups:
        for selector in selectors:
            message = unknown_message(selector, known, allow_all=allow_all)
            if message:
                line, column = where(selector)
                found.append(
                    Finding(shown, line, column, RULE_ID_UNKNOWN.id, RULE_ID_UNKNOWN.severity, f"{what}: {message}")
                )
    return found


# -- suppression comments --------------------------------------------------------------------------


class Suppression:
    """One ``# evalledger: ignore[...]`` comment: its selectors with their columns; ``problem``
    says what is wrong with a malformed one; ``used`` collects the selectors that suppressed."""

    __slots__ = ("line", "column", "selectors", "whole_file", "problem", "alone", "used")

    def __init__(
        self,
        line: int,
        column: int,
        selectors: list[tuple[str, int]],
        whole_file: bool,
        problem: str | None = None,
        alone: bool = False,
    ) -> None:
        self.line = line
        self.column = column
        self.selectors = selectors
        self.whole_file = whole_file
        self.problem = problem
        self.alone = alone  # on a line of its own
        self.used: set[str] = set()


def read_suppressions(data: bytes | str, *, markdown: bool = False) -> list[Suppression]:
    """The suppression comments of a file's raw text (a README's: of its front matter only)."""
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    if MARK not in raw:
        return []
    offset = 0
    if markdown:
        from evalledger.formats.model_index import front_matter

        found = front_matter(raw.decode("utf-8", "replace"))
        if found is None:
            return []
        raw, offset = found[0].encode("utf-8"), found[1]
        if MARK not in raw:
            return []
    top = _first_content(raw)
    out = []
    for match in _COMMENT.finditer(raw):
        start = match.start()
        line_start = raw.rfind(b"\n", 0, start) + 1
        prefix = raw[line_start:start].decode("utf-8", "replace")
        line = raw.count(b"\n", 0, start) + 1
        column = len(prefix) + 1
        body = match.group(1).decode("utf-8", "replace")
        body_column = column + len(match.group(0).decode("utf-8", "replace")) - len(body)
        alone = not prefix.strip()
        whole_file = alone and start < top
        parsed = _IGNORE.match(body)
        if parsed is None:
            out.append(
                Suppression(
                    line + offset,
                    column,
                    [],
                    whole_file,
                    "a suppression comment reads `# evalledger: ignore[rule-id, ...]`",
                    alone,
                )
            )
            continue
        selectors = []
        position = body_column + len("ignore[")
        for part in parsed.group(1).split(","):
            name = part.strip()
            if name:
                selectors.append((name, position + len(part) - len(part.lstrip())))
            position += len(part) + 1
        problem = None if selectors else "a suppression comment names the rules it ignores: ignore[rule-id]"
        out.append(Suppression(line + offset, column, selectors, whole_file, problem, alone))
    return out


def _first_content(raw: bytes) -> int:
    """Offset of the first line holding anything but blanks and comments (len when none)."""
    position = 0
    for line in raw.splitlines(keepends=True):
        stripped = line.strip()
        if stripped and not stripped.startswith(b"#"):
            return position
        position += len(line)
    return position


def apply_suppressions(
    findings: Sequence[Finding],
    suppressions: Mapping[str, list[Suppression]],
    selection_for: Callable[[str], RuleSelection],
) -> list[Finding]:
    """Findings minus those a comment suppresses, plus a warning for each comment (or rule id in
    one) that suppressed nothing, names no rule, or is malformed.

    A comment naming a rule the run does not select is not reported as unused: it may matter to
    a run with other options (the hook's)."""
    from evalledger.lint.rules.suppression import RULE_ID_UNKNOWN, UNUSED_SUPPRESSION

    kept: list[Finding] = []
    for finding in findings:
        marks = suppressions.get(finding.path)
        if (
            marks
            and finding.rule not in selection_for(finding.path).always
            and _suppressed(finding, marks, selection_for(finding.path).known)
        ):
            continue
        kept.append(finding)
    meta: list[Finding] = []
    for path, marks in suppressions.items():
        selection = selection_for(path)
        for mark in marks:
            if mark.problem is not None:
                meta.append(
                    Finding(
                        path,
                        mark.line,
                        mark.column,
                        UNUSED_SUPPRESSION.id,
                        UNUSED_SUPPRESSION.severity,
                        f"malformed suppression, it suppresses nothing: {mark.problem}",
                    )
                )
                continue
            for selector, column in mark.selectors:
                message = unknown_message(selector, selection.known, allow_all=False)
                if message is not None:
                    meta.append(
                        Finding(
                            path,
                            mark.line,
                            column,
                            RULE_ID_UNKNOWN.id,
                            RULE_ID_UNKNOWN.severity,
                            f"suppression names no rule: {message}",
                        )
                    )
                    continue
                if selector in mark.used or selector in (UNUSED_SUPPRESSION.id, RULE_ID_UNKNOWN.id):
                    continue
                named = expand(selector, selection.known, allow_all=False)
                if not any(selection.allows(rule, path) for rule in named):
                    continue  # not selected in this run
                if named.keys() <= selection.always:
                    meta.append(
                        Finding(
                            path,
                            mark.line,
                            column,
                            UNUSED_SUPPRESSION.id,
                            UNUSED_SUPPRESSION.severity,
                            f"{selector} cannot be suppressed: a file that cannot be read or"
                            " parsed is not checked at all, so it is always reported",
                        )
                    )
                    continue
                where = "in this file" if mark.whole_file else "on this line"
                hint = (
                    ""
                    if mark.whole_file or not mark.alone
                    else (
                        "; a comment applies to the findings of its own line, so write it at the end of"
                        " the finding's line, or before the file's first content for the whole file"
                    )
                )
                meta.append(
                    Finding(
                        path,
                        mark.line,
                        column,
                        UNUSED_SUPPRESSION.id,
                        UNUSED_SUPPRESSION.severity,
                        f"unused suppression: no {selector} finding {where}{hint}",
                    )
                )
    for finding in meta:  # the warnings themselves can be ignored, selected and suppressed
        marks = suppressions.get(finding.path) or []
        if selection_for(finding.path).allows(finding.rule, finding.path) and not _suppressed(
            finding, marks, selection_for(finding.path).known, count=False
        ):
            kept.append(finding)
    return kept


def suppressed(finding: Finding, marks: list[Suppression], known: Collection[str]) -> bool:
    """A comment of ``marks`` suppresses the finding (nothing is counted as used)."""
    return _suppressed(finding, marks, known, count=False)


def _suppressed(finding: Finding, marks: list[Suppression], known: Collection[str], count: bool = True) -> bool:
    hit = False
    for mark in marks:
        if not (mark.whole_file or mark.line == finding.line):
            continue
        for selector, _column in mark.selectors:
            if finding.rule in expand(selector, known, allow_all=False):
                if not count:
                    return True
                mark.used.add(selector)
                hit = True
    return hit


# -- command-line options --------------------------------------------------------------------------


def add_arguments(parser: Any, config: bool = True) -> None:
    """``--select`` and ``--ignore``, the same on every command that reports findings."""
    where = " (default: every rule, or the config's select)" if config else " (default: every rule)"
    parser.add_argument(
        "--select",
        action="append",
        default=None,
        metavar="RULES",
        help="report only these rules: ids or prefixes (value-, inspect-), comma-"
        "separated, repeatable; ALL for every rule" + where,
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="RULES",
        help="do not report these rules: ids or prefixes, comma-separated, repeatable"
        + (" (added to the config's ignore)" if config else ""),
    )


def from_arguments(args: Any, known: Collection[str], command: str, stream: Any) -> tuple[list[str] | None, list[str]]:
    """(select or None when not given, ignore) of parsed options; a selector that names no rule
    is a warning on ``stream`` (with a "did you mean"), not a failure."""
    select = split(args.select) if args.select is not None else None
    ignore = split(args.ignore)
    for message in option_warnings("--select", select or [], known) + option_warnings(
        "--ignore", ignore, known, allow_all=False
    ):
        from evalledger.escape import terminal

        stream.write(f"evalledger {command}: warning: {terminal(message)}\n")
    return select, ignore
