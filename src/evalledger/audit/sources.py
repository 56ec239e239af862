"""Blob -> audit entries: what one version of a results file or README.md says, as plain data.

The audit keeps only these small values per live entry (never parse trees), so memory follows the
number of entries, not the length of history.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from evalledger.formats.results import RESULTS_DIR, is_number, read_entries
from evalledger.records import setup_key
from evalledger.yamlsource import Node, YamlLoadError, load

README = "README.md"
WALK_PATHS = (RESULTS_DIR, README)


@dataclass(frozen=True)
class Entry:
    """One result entry in one version of one file."""

    benchmark: str
    task: str
    setup: str
    value: float | None
    path: str
    line: int
    value_line: int
    source_url: str | None
    source_name: str | None
    source_user: str | None
    notes: str | None
    revision: str | None
    date: str | None
    verify_token: str | None
    data: Any  # the entry as plain data, for the before/after diff

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.benchmark, self.task, self.setup)

    @property
    def evidence(self) -> tuple:
        """What justifies a value: a changed one of these explains a changed score."""
        return (self.source_url, self.source_name, self.notes, self.revision)


@dataclass(frozen=True)
class Parsed:
    entries: tuple[Entry, ...]
    problem: str | None = None  # why the file cannot be read as results (None: readable)
    line: int = 1
    # a results file that holds a legacy model-index mapping instead of a list: what it says
    stray: tuple[Entry, ...] = ()


def is_tracked(path: str) -> bool:
    if path == README:
        return True
    return path.startswith(RESULTS_DIR + "/") and path.endswith((".yaml", ".yml"))


def parse_blob(path: str, data: bytes) -> Parsed:
    if path == README:
        return _parse_readme(data)
    try:
        doc = load(data, path)
    except YamlLoadError as exc:
        return Parsed((), f"{exc.message} ({exc.rule})", exc.line)
    root = doc.root
    if root is None:
        return Parsed(())
    if not root.is_seq:
        stray = ()
        if root.is_map and root.get("model-index") is not None:
            stray = _model_index_entries(root.get("model-index"), path)
            return Parsed((), "top level is a legacy `model-index` mapping, not a list of result entries",
                          root.line, stray)
        return Parsed((), "top level is not a list of result entries", root.line)
    entries = []
    for item in read_entries(root):
        if item.dataset_id is None or item.task_id is None:
            continue  # lint reports it; without a key there is no timeline to put it in
        source = item.source or {}
        entries.append(Entry(
            item.dataset_id, item.task_id, setup_key(item.notes, item.revision), item.value, path,
            item.line, item.value_line, _str(source.get("url")), _str(source.get("name")),
            _str(source.get("user")), item.notes, item.revision, item.date, item.verify_token,
            item.node.to_python()))
    return Parsed(tuple(entries))


def _parse_readme(data: bytes) -> Parsed:
    text = data.decode("utf-8", "replace")
    if not text.startswith("---"):
        return Parsed(())
    lines = text.split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        return Parsed(())
    front = "\n".join(lines[1:end])
    if "model-index" not in front:
        return Parsed(())
    try:
        doc = load(front, README, line_offset=1)
    except YamlLoadError as exc:
        return Parsed((), f"front matter: {exc.message} ({exc.rule})", exc.line)
    root = doc.root
    if root is None or not root.is_map or root.get("model-index") is None:
        return Parsed(())
    index = root.get("model-index")
    if not index.is_seq:
        return Parsed((), "`model-index` is not a list", index.line)
    return Parsed(_model_index_entries(index, README))


def _model_index_entries(index: Node, path: str) -> tuple[Entry, ...]:
    """One entry per metric: key (dataset.type, config:split:metric type, revision)."""
    entries = []
    models = index.value if index.is_seq else []
    for model in models:
        results = model.get("results") if model.is_map else None
        if results is None or not results.is_seq:
            continue
        for result in results.value:
            if not result.is_map:
                continue
            dataset = result.get("dataset")
            metrics = result.get("metrics")
            if dataset is None or not dataset.is_map or metrics is None or not metrics.is_seq:
                continue
            benchmark = _scalar(dataset.get("type"))
            revision = _scalar(dataset.get("revision"))
            source = result.get("source")
            source = source.to_python() if source is not None and source.is_map else {}
            for metric in metrics.value:
                if not metric.is_map or benchmark is None:
                    continue
                kind = _scalar(metric.get("type"))
                value_node = metric.get("value")
                value = value_node.value if value_node is not None and is_number(value_node.value) else None
                if value is not None and not math.isfinite(value):
                    value = None
                task = ":".join(str(x) for x in (_scalar(dataset.get("config")), _scalar(dataset.get("split")),
                                                 kind) if x)
                entries.append(Entry(
                    str(benchmark), task, setup_key(None, revision), value, path, metric.line,
                    value_node.line if value_node is not None else metric.line,
                    _str(source.get("url")), _str(source.get("name")), None, None, revision, None,
                    _scalar(metric.get("verifyToken")),
                    {"dataset": dataset.to_python(), "task": (result.get("task").to_python()
                                                              if result.get("task") is not None else None),
                     "metric": metric.to_python()}))
    return tuple(entries)


def _scalar(node: Node | None) -> Any:
    if node is None or node.kind != "scalar" or node.value is None or isinstance(node.value, bool):
        return None
    return node.value if isinstance(node.value, str) else str(node.value)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
