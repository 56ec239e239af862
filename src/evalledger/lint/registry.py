"""Lint rules by id (filled in by the lint rule modules)."""
from __future__ import annotations

from evalledger.rules import Rule

RULES: dict[str, Rule] = {}
