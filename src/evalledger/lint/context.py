"""What a rule check receives: the file being checked and a place to put findings.

Kept tiny on purpose: the lint hook runs it for every file of every commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from evalledger.finding import Finding
from evalledger.rule import Rule
from evalledger.yamlsource import LongNumber

if TYPE_CHECKING:
    from evalledger.lint.places import Check


class Context:
    """Findings of one file. ``report`` takes a rule, a node (or line/column) and a message.

    ``checks``: the checks the run's selection keeps, by place (``registry.table``); None: all.
    """

    __slots__ = ("path", "findings", "checks")

    def __init__(self, path: str, checks: Mapping[str, tuple[Check, ...]] | None = None) -> None:
        self.path = path
        self.findings: list[Finding] = []
        self.checks = checks

    def report(self, rule: Rule, where: Any, message: str, severity: str | None = None, fix: Any = None) -> None:
        line, column = (where.line, where.column) if hasattr(where, "line") else where
        self.findings.append(Finding(self.path, line, column, rule.id, severity or rule.severity, message, fix=fix))


def describe(node: Any) -> str:
    """How YAML read a scalar, in the user's words (for 'must be a string, got …' messages)."""
    if node.kind == "map":
        return "a mapping"
    if node.kind == "seq":
        return "a list"
    tag = node.tag
    names = {
        "str": "a string",
        "int": "an integer",
        "float": "a number",
        "bool": "a boolean",
        "null": "null (empty)",
        "timestamp": "a date",
    }
    return f"{names.get(tag, tag)} ({_shown(node)})" if tag != "null" else "null (empty)"


def _shown(node: Any) -> str:
    from evalledger.escape import terminal

    value = node.value
    if isinstance(value, LongNumber):
        return f"written with {value.length:,} characters"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return terminal(text if len(text) <= 40 else text[:37] + "...")
