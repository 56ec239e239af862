"""Lint rules by id, built from the rule modules (docs and `evalledger rules` come from here)."""

from __future__ import annotations

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

_MODULES = (
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


def _build() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for module in _MODULES:
        for rule in module.RULES:
            if rule.id in rules:
                raise RuntimeError(f"lint rule id {rule.id} is defined twice")
            rules[rule.id] = rule
    return rules


RULES: dict[str, Rule] = _build()
