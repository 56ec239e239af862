"""What a rule is: its stable id, severity and documentation.

Each layer defines the rules it emits next to the code that emits them (lint rule modules, audit
rule modules, the aggregate and migrate registries); ``evalledger.rules`` gathers them into the
catalogue. This module imports nothing of evalledger, so any layer can use it without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    summary: str  # one line: what it flags
    doc: str = ""  # what it flags, why it matters, a bad and a fixed example
    command: str = "lint"  # "lint", "audit", "aggregate" or "migrate"
