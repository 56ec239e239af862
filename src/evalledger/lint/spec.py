"""Checks of a benchmark's `eval.yaml` (FORMATS.md §2)."""
from __future__ import annotations

from evalledger.lint.context import Context
from evalledger.yamlsource import Node


def check_spec(root: Node | None, ctx: Context) -> None:
    pass
