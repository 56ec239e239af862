"""Audit rules by id, built from the rule modules (their docstrings are the user documentation)."""

from __future__ import annotations

from evalledger.audit.rules import MODULES
from evalledger.rule import Rule

RULES: dict[str, Rule] = {rule.id: rule for module in MODULES for rule in module.RULES}
