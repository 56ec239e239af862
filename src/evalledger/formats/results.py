"""`.eval_results/*.yaml`: a YAML list of result entries (FORMATS.md §1).

This module reads entries out of a positioned YAML tree; it judges nothing (lint rules do) and
imports nothing heavy, because aggregate and audit read thousands of these files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from evalledger.records import ScoreRecord, setup_key
from evalledger.yamlsource import LongNumber, Node, finite_number

RESULTS_DIR = ".eval_results"
#: result files of one repo (one ref) read at most: the default of ``aggregate --max-result-files``
#: and the bound of the other files ``lint --repo-context`` reads
MAX_RESULT_FILES = 1000
ENTRY_KEYS = ("dataset", "value", "verifyToken", "date", "source", "notes")
DATASET_KEYS = ("id", "task_id", "revision")
SOURCE_KEYS = ("url", "name", "user", "org")


@dataclass(frozen=True)
class EntryFields:
    """What one result entry says, read from its plain data. Fields are None when absent or
    mistyped (lint says why); ``value`` is None unless it is a number a float can hold."""

    dataset_id: str | None
    task_id: str | None
    revision: str | None
    value: float | None
    notes: str | None
    date: str | None
    verify_token: str | None
    source: dict[str, Any] | None

    @property
    def key(self) -> tuple[str | None, str | None, str]:
        """(benchmark, task, setup): the identity of an entry inside one model repo."""
        return (self.dataset_id, self.task_id, setup_key(self.notes, self.revision))


def entry_fields(data: Any) -> EntryFields | None:
    """The one reading of an entry (lint, aggregate and audit alike), from the data
    ``yaml.safe_load`` gives for it (``Node.to_python``, or the audit's fast paths); None when the
    entry is not a mapping."""
    fields = _fields(data)
    return EntryFields(*fields) if fields is not None else None


# EntryFields' values in order: dataset_id, task_id, revision, value, notes, date, verify_token, source
_Fields = tuple[
    str | None, str | None, str | None, float | None, str | None, str | None, str | None, dict[str, Any] | None
]


def _fields(data: Any) -> _Fields | None:
    """EntryFields' values in order (a tuple: ResultEntry is built from them without a second object)."""
    if not isinstance(data, dict):
        return None
    dataset = data.get("dataset")
    dataset_id = task_id = revision = None
    if isinstance(dataset, dict):
        dataset_id = _str(dataset.get("id"))
        task = dataset.get("task_id")
        # huggingface_hub accepts any scalar task_id (an int is kept as is); compare as text. A
        # number too long to convert is no id (lint reports its type)
        if task is not None and not isinstance(task, (bool, list, dict, LongNumber)):
            task_id = str(task)
        revision = _str(dataset.get("revision"))
    raw_date = data.get("date")
    date = None
    if raw_date is not None and not isinstance(raw_date, (list, dict)):
        date = raw_date.isoformat() if hasattr(raw_date, "isoformat") else str(raw_date)
    source = data.get("source")
    return (
        dataset_id,
        task_id,
        revision,
        finite_number(data.get("value")),
        _str(data.get("notes")),
        date,
        _str(data.get("verifyToken")),
        source if isinstance(source, dict) else None,
    )


@dataclass(frozen=True)
class ResultEntry(EntryFields):
    """One entry as written, with where it was written, its plain data and its node."""

    index: int
    line: int
    column: int
    value_line: int
    node: Node = field(compare=False, repr=False)
    data: dict[str, Any] = field(compare=False, repr=False)

    def to_record(self, model: str, file: str, **context: Any) -> ScoreRecord:
        source = self.source or {}
        return ScoreRecord(
            model=model,
            benchmark=self.dataset_id or "",
            task=str(self.task_id or ""),
            value=float(self.value) if self.value is not None else math.nan,
            setup=setup_key(self.notes, self.revision),
            date=self.date,
            source_url=_str(source.get("url")),
            source_name=_str(source.get("name")),
            source_user=_str(source.get("user")),
            source_org=_str(source.get("org")),
            notes=self.notes,
            revision=self.revision,
            verified=bool(self.verify_token),
            verify_token=self.verify_token,
            file=file,
            line=self.line,
            **context,
        )


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def read_entries(root: Node | None) -> list[ResultEntry]:
    """Entries of a results file; empty when the file is not a list (lint says why)."""
    if root is None or not root.is_seq:
        return []
    entries = []
    for index, node in enumerate(root.value):
        if not node.is_map:
            continue
        data = node.to_python()
        fields = _fields(data)
        if fields is None:  # a mapping node reads as a dict: never
            continue
        value_node = node.get("value")
        entries.append(
            ResultEntry(
                *fields,
                index,
                node.line,
                node.column,
                value_node.line if value_node is not None else node.line,
                node,
                data,
            )
        )
    return entries
