"""Rule selectors and the config table that holds them: the grammar, not the catalogue.

A selector is a rule id, a prefix of ids ending at a ``-`` or ``ALL``; a renamed id is read as its
new one (``REDIRECTS``). ``RuleConfig`` is what a config file's ``select``/``ignore``/
``per-file-ignores`` say. This module knows no rule: ``evalledger.policy`` (read by lint rules)
and the catalogue (``evalledger.rules``, for the redirect table) import it, while
``evalledger.selection`` -- which checks selectors against the catalogue -- sits above both.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, NamedTuple

from evalledger.hints import did_you_mean

ALL = "ALL"
# old rule id -> its new id. Rule ids are public and never renamed; should one ever be, the old
# id goes here so every select, ignore, per-file-ignores and suppression comment naming it keeps
# working (docs/rules.md lists the table).
REDIRECTS: dict[str, str] = {}

CONFIG_KEYS = ("select", "ignore", "per-file-ignores")
_EXACT = 1000  # an exact id outranks any prefix


def split(values: Iterable[str] | str | None) -> list[str]:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]``: options are comma-separated and repeatable."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [part.strip() for value in values for part in str(value).split(",") if part.strip()]


def redirect(selector: str) -> str:
    return REDIRECTS.get(selector, selector)


def expand(selector: str, known: Collection[str], *, allow_all: bool = True) -> dict[str, int]:
    """The rule ids a selector names, each with how specifically (empty when it names none)."""
    selector = redirect(selector)
    if selector == ALL:
        return dict.fromkeys(known, 0) if allow_all else {}
    if selector in known:
        return {selector: _EXACT}
    stem = selector.rstrip("-")
    if not stem:
        return {}
    weight = stem.count("-") + 1
    return {rule: weight for rule in known if rule.startswith(stem + "-")}


class RuleConfig:
    """What a config file says (``[tool.evalledger]``, ``.evalledger.yaml``'s ``lint:``);
    ``per_file_ignores`` patterns are relative to ``root``."""

    __slots__ = ("select", "ignore", "per_file_ignores", "root")

    def __init__(
        self,
        select: tuple[str, ...] | None = None,
        ignore: tuple[str, ...] = (),
        per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = (),
        root: str = ".",
    ) -> None:
        self.select = select
        self.ignore = ignore
        self.per_file_ignores = per_file_ignores
        self.root = root

    def _key(self) -> tuple[tuple[str, ...] | None, tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...], str]:
        return (self.select, self.ignore, self.per_file_ignores, self.root)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RuleConfig) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return "RuleConfig(select={!r}, ignore={!r}, per_file_ignores={!r}, root={!r})".format(*self._key())

    def merged(self, other: RuleConfig) -> RuleConfig:
        select = None if self.select is None and other.select is None else (self.select or ()) + (other.select or ())
        return RuleConfig(select, self.ignore + other.ignore, self.per_file_ignores + other.per_file_ignores, self.root)


# -- config files ----------------------------------------------------------------------------------


class ConfigProblem(NamedTuple):
    """A problem in a config table: its message and what it is about, as the mapping keys from
    the table down (``on_key``: the last key itself, e.g. an unknown one, rather than its value),
    so a caller holding positioned nodes (``yamlsource.Node.find``) reports it where it is written."""

    message: str
    keys: tuple[Any, ...] = ()
    on_key: bool = False


def unknown_keys(
    data: dict[Any, Any], known: tuple[str, ...], where: str, keys: tuple[Any, ...] = ()
) -> list[ConfigProblem]:
    """One problem per key of ``data`` not in ``known``, at the key, with a "did you mean"."""
    found = []
    for key in data:
        if key not in known:
            name = str(key)
            message = f"{where}: unknown key {name!r}{did_you_mean(name, known)} (known: {', '.join(known)})"
            found.append(ConfigProblem(message, (*keys, key), True))
    return found


def parse_rule_config(data: Any, where: str, root: str = ".") -> tuple[RuleConfig, list[ConfigProblem]]:
    """A ``select``/``ignore``/``per-file-ignores`` table from plain data (TOML or YAML); problems
    name the keys they are about (the caller gives them a place). Lists of strings, or one
    comma-separated string."""
    problems: list[ConfigProblem] = []
    if data is None:
        return RuleConfig(root=root), problems
    if not isinstance(data, dict):
        return RuleConfig(root=root), [ConfigProblem(f"{where} must be a table of {', '.join(CONFIG_KEYS)}")]
    problems += unknown_keys(data, CONFIG_KEYS, where)
    select = _selectors(data, "select", where, problems) if "select" in data else None
    ignore = _selectors(data, "ignore", where, problems)
    per_file: list[tuple[str, tuple[str, ...]]] = []
    raw = data.get("per-file-ignores")
    if raw is not None and not isinstance(raw, dict):
        message = f"{where}.per-file-ignores must be a table of file pattern = [rule ids]"
        problems.append(ConfigProblem(message, ("per-file-ignores",)))
    elif raw:
        for pattern in raw:
            selectors = _selectors(raw, pattern, f"{where}.per-file-ignores", problems, ("per-file-ignores",))
            per_file.append((str(pattern), selectors))
    return RuleConfig(select, ignore, tuple(per_file), root), problems


def _selectors(
    table: dict[Any, Any], key: Any, where: str, problems: list[ConfigProblem], keys: tuple[Any, ...] = ()
) -> tuple[str, ...]:
    value = table.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(split(value))
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(split(value))
    problems.append(ConfigProblem(f"{where}.{key} must be a list of rule ids (strings)", (*keys, key)))
    return ()
