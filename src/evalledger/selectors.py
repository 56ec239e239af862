"""Rule selectors and the config table that holds them: the grammar, not the catalogue.

A selector is a rule id, a prefix of ids ending at a ``-`` or ``ALL``; a renamed id is read as its
new one (``REDIRECTS``). ``RuleConfig`` is what a config file's ``select``/``ignore``/
``per-file-ignores`` say. This module knows no rule: ``evalledger.policy`` (read by lint rules)
and the catalogue (``evalledger.rules``, for the redirect table) import it, while
``evalledger.selection`` -- which checks selectors against the catalogue -- sits above both.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

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


def parse_rule_config(data: Any, where: str, root: str = ".") -> tuple[RuleConfig, list[str]]:
    """A ``select``/``ignore``/``per-file-ignores`` table from plain data (TOML or YAML); problems
    are messages (the caller gives them a place). Lists of strings, or one comma-separated string."""
    problems: list[str] = []
    if data is None:
        return RuleConfig(root=root), problems
    if not isinstance(data, dict):
        return RuleConfig(root=root), [f"{where} must be a table of {', '.join(CONFIG_KEYS)}"]
    for key in data:
        if key not in CONFIG_KEYS:
            from evalledger.lint.context import did_you_mean

            problems.append(
                f"{where}: unknown key {str(key)!r}{did_you_mean(str(key), CONFIG_KEYS)}"
                f" (known: {', '.join(CONFIG_KEYS)})"
            )
    select = _selectors(data.get("select"), f"{where}.select", problems) if "select" in data else None
    ignore = _selectors(data.get("ignore"), f"{where}.ignore", problems)
    per_file: list[tuple[str, tuple[str, ...]]] = []
    raw = data.get("per-file-ignores")
    if raw is not None and not isinstance(raw, dict):
        problems.append(f"{where}.per-file-ignores must be a table of file pattern = [rule ids]")
    elif raw:
        for pattern, value in raw.items():
            per_file.append((str(pattern), _selectors(value, f"{where}.per-file-ignores.{pattern}", problems)))
    return RuleConfig(select, ignore, tuple(per_file), root), problems


def _selectors(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(split(value))
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(split(value))
    problems.append(f"{where} must be a list of rule ids (strings)")
    return ()
