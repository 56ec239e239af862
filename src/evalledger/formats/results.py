"""`.eval_results/*.yaml`: a YAML list of result entries (FORMATS.md §1).

This module reads entries out of a positioned YAML tree; it judges nothing (lint rules do) and
imports nothing heavy, because aggregate and audit read thousands of these files.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from evalledger.records import ScoreRecord, setup_key
from evalledger.yamlsource import Node

RESULTS_DIR = ".eval_results"
ENTRY_KEYS = ("dataset", "value", "verifyToken", "date", "source", "notes")
DATASET_KEYS = ("id", "task_id", "revision")
SOURCE_KEYS = ("url", "name", "user", "org")


@dataclass(frozen=True)
class ResultEntry:
    """One entry as written, with where it was written. Fields are None when absent or mistyped."""

    index: int
    line: int
    column: int
    dataset_id: str | None
    task_id: str | None
    value: float | None
    value_line: int
    notes: str | None
    revision: str | None
    date: str | None
    verify_token: str | None
    source: dict[str, Any] | None
    node: Node

    @property
    def key(self) -> tuple[str | None, str | None, str]:
        """(benchmark, task, setup): the identity of an entry inside one model repo."""
        return (self.dataset_id, self.task_id, setup_key(self.notes, self.revision))

    def to_record(self, model: str, file: str, **context: Any) -> ScoreRecord:
        source = self.source or {}
        return ScoreRecord(
            model=model, benchmark=self.dataset_id or "", task=str(self.task_id or ""),
            value=float(self.value) if self.value is not None else math.nan,
            setup=setup_key(self.notes, self.revision), date=self.date,
            source_url=_str(source.get("url")), source_name=_str(source.get("name")),
            source_user=_str(source.get("user")), source_org=_str(source.get("org")),
            notes=self.notes, revision=self.revision, verified=bool(self.verify_token),
            verify_token=self.verify_token, file=file, line=self.line, **context)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def read_entries(root: Node | None) -> list[ResultEntry]:
    """Entries of a results file; empty when the file is not a list (lint says why)."""
    if root is None or not root.is_seq:
        return []
    entries = []
    for index, node in enumerate(root.value):
        if not node.is_map:
            continue
        dataset = node.get("dataset")
        dataset_id = task_id = revision = None
        if dataset is not None and dataset.is_map:
            dataset_id = _scalar_str(dataset.get("id"))
            task = dataset.get("task_id")
            # huggingface_hub accepts any scalar task_id (an int is kept as is); compare as text
            if task is not None and task.kind == "scalar" and task.value is not None \
                    and not isinstance(task.value, bool):
                task_id = str(task.value)
            revision = _scalar_str(dataset.get("revision"))
        value_node = node.get("value")
        value = value_node.value if value_node is not None and is_number(value_node.value) else None
        if value is not None and not _finite(value):
            value = None
        source_node = node.get("source")
        source = source_node.to_python() if source_node is not None and source_node.is_map else None
        date_node = node.get("date")
        date = None
        if date_node is not None and date_node.kind == "scalar" and date_node.value is not None:
            raw = date_node.value
            date = raw.isoformat() if hasattr(raw, "isoformat") else str(raw)
        entries.append(ResultEntry(
            index=index, line=node.line, column=node.column, dataset_id=dataset_id, task_id=task_id,
            value=value, value_line=value_node.line if value_node is not None else node.line,
            notes=_scalar_str(node.get("notes")), revision=revision, date=date,
            verify_token=_scalar_str(node.get("verifyToken")), source=source, node=node))
    return entries


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond float range (`value: 1000...0`, 400 digits)
        return False


def _scalar_str(node: Node | None) -> str | None:
    if node is None or node.kind != "scalar" or not isinstance(node.value, str):
        return None
    return node.value
