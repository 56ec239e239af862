"""Checks of legacy `model-index` metadata (FORMATS.md §3)."""
from __future__ import annotations

from evalledger.lint.context import Context
from evalledger.yamlsource import Node


def check_card(root: Node | None, ctx: Context) -> None:
    pass
