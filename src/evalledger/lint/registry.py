"""The lint rules and their checks, gathered from one list of rule modules.

Each module in ``MODULES`` defines ``RULES`` (its Rule objects: id, severity, doc; the catalogue,
the docs and `evalledger rules` come from here) and may define ``CHECKS`` (its check units, see
``evalledger.lint.places``). The walkers call ``dispatch`` at each place of a document; a run
with a rule selection first builds the ``table`` of the checks it keeps, so a check whose rules
are all deselected is never called (ruff's model).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from evalledger.lint.context import Context
from evalledger.lint.places import PLACES, Check
from evalledger.lint.rules import (
    benchmark,
    dataset,
    date,
    duplicates,
    input,
    inspect,
    keys,
    model_index,
    shape,
    source,
    spec,
    suppression,
    value,
)
from evalledger.rule import Rule

MODULES: tuple[ModuleType, ...] = (
    input,
    shape,
    value,
    dataset,
    date,
    source,
    keys,
    duplicates,
    benchmark,
    spec,
    inspect,
    model_index,
    suppression,
)

Table = Mapping[str, tuple[Check, ...]]


def _rules(modules: tuple[ModuleType, ...]) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for module in modules:
        for rule in module.RULES:
            if rule.id in rules:
                raise RuntimeError(f"lint rule id {rule.id} is defined twice")
            rules[rule.id] = rule
    return rules


def _checks(modules: tuple[ModuleType, ...], rules: dict[str, Rule]) -> tuple[Check, ...]:
    found: list[Check] = []
    for module in modules:
        for check in getattr(module, "CHECKS", ()):
            if check.place not in PLACES:
                raise RuntimeError(f"{module.__name__}: check {check.run.__name__} looks at an unknown place")
            if not check.emits or any(rules.get(rule.id) is not rule for rule in check.emits):
                raise RuntimeError(f"{module.__name__}: check {check.run.__name__} emits a rule not in the catalogue")
            found.append(check)
    return tuple(found)


RULES: dict[str, Rule] = _rules(MODULES)
CHECKS: tuple[Check, ...] = _checks(MODULES, RULES)
ALL: Table = {place: tuple(c for c in CHECKS if c.place == place) for place in PLACES}


def checks_for(place: str) -> tuple[Check, ...]:
    """Every registered check of a place, in registration order."""
    return ALL[place]


def table(allows: Callable[[str], bool] | None = None) -> Table:
    """The checks to run, by place: those with at least one rule ``allows`` (a rule id -> kept)."""
    if allows is None:
        return ALL
    return {
        place: tuple(c for c in checks if any(allows(rule.id) for rule in c.emits)) for place, checks in ALL.items()
    }


def wanted(place: str, ctx: Context) -> bool:
    """Whether any check of ``place`` runs for ``ctx`` (a walker skips reading what none needs)."""
    return bool((ctx.checks or ALL)[place])


def dispatch(place: str, ctx: Context, *arguments: Any) -> None:
    """Run the checks of ``place`` that ``ctx`` keeps, on the place's arguments."""
    for check in (ctx.checks or ALL)[place]:
        check.run(ctx, *arguments)
