"""Legacy `model-index` metadata in README.md YAML front matter (FORMATS.md §3).

Reads it; lint rules judge it, the audit keys its metrics. ``split_front_matter`` finds the
metadata block the way huggingface_hub does, and says on which line it starts, so findings point at
the README's own lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from evalledger.yamlsource import DEFAULT_LIMITS, RAISE_HINT, Document, Limits, Node, decode, load

MODEL_INDEX_KEY = "model-index"
BASE_MODEL_KEY = "base_model"
# the keys of each level, as huggingface_hub's EvalResult and the Hub's modelcard.md define them
MODEL_KEYS = ("name", "results")
RESULT_KEYS = ("task", "dataset", "metrics", "source")
TASK_KEYS = ("type", "name")
DATASET_KEYS = ("type", "name", "config", "split", "revision", "args")
METRIC_KEYS = ("type", "value", "name", "config", "args", "verified", "verifyToken")
SOURCE_KEYS = ("url", "name")
_CLOSING = re.compile(r"^---[ \t]*\r?$", re.MULTILINE)


def split_front_matter(text: str) -> tuple[str, int, int] | None:
    """(YAML text, line offset, where the body starts) of a Markdown file's front matter, or None
    when it has none: the one splitter (lint, audit and the leaderboard card all use it).

    Same delimiters as huggingface_hub: an opening `---` line (after optional blank space),
    closed by the next `---` line. The offset is what ``yamlsource.load(line_offset=)`` takes; the
    body is ``text[body_start:]``, everything after the closing line.
    """
    stripped = text.lstrip()
    skipped = len(text) - len(stripped)
    first_end = stripped.find("\n")
    if first_end < 0 or stripped[:first_end].strip() != "---":
        return None
    body_start = first_end + 1
    match = _CLOSING.search(stripped, body_start)
    if match is None:
        return None
    end = match.end() + (1 if stripped.startswith("\n", match.end()) else 0)
    return stripped[body_start : match.start()], text[:skipped].count("\n") + 1, skipped + end


def front_matter(text: str) -> tuple[str, int] | None:
    """(YAML text, line offset) of a Markdown file's front matter, or None when it has none."""
    found = split_front_matter(text)
    return None if found is None else found[:2]


def load_card(
    data: bytes | str, path: str, *, limits: Limits = DEFAULT_LIMITS, hint: str = RAISE_HINT
) -> Document | None:
    """A model card's metadata, parsed with the README's own line numbers; None when it has none.
    Raises YamlLoadError for bytes that are not UTF-8 text or metadata that is not YAML (``hint``:
    as ``yamlsource.load``'s)."""
    text = decode(data) if isinstance(data, bytes) else data
    found = front_matter(text)
    if found is None:
        return None
    yaml_text, offset = found
    return load(yaml_text, path, limits=limits, line_offset=offset, hint=hint)


@dataclass(frozen=True)
class CardResult:
    """One result of a card's model-index as written: where it stands and the nodes of its parts.

    ``read_results`` is the one walk of model-index -> models -> results: ``read_metrics`` (the
    audit) and ``migrate`` read a card through it. A part or field is None when it is absent or its
    parent is not a mapping; lint's checker (``lint.model_index``) reports what is malformed."""

    model_at: int  # the model's index in model-index
    result_at: int  # the result's index in that model's results
    model: Node
    node: Node  # the result, as written (a mapping when well-formed)

    @property
    def where(self) -> str:
        """``model-index[i].results[j]``, as findings name the result."""
        return f"{MODEL_INDEX_KEY}[{self.model_at}].results[{self.result_at}]"

    def part(self, key: str) -> Node | None:
        """The result's `task`, `dataset`, `metrics` or `source` node."""
        return self.node.get(key)

    def field(self, part: str, key: str) -> Node | None:
        """A field of a part: ``field("dataset", "type")``, ``field("source", "url")``..."""
        node = self.node.get(part)
        return node.get(key) if node is not None else None

    @property
    def metrics(self) -> list[Node]:
        """The result's metric mappings (none when `metrics` is not a list)."""
        metrics = self.node.get("metrics")
        if metrics is None or metrics.kind != "seq":
            return []
        return [metric for metric in metrics.value if metric.kind == "map"]


def read_results(root: Node | None) -> list[CardResult]:
    """Every result of the card's model-index, in order (``root``: the card's metadata mapping, or
    a results file holding a stray model-index); models and levels that are not lists are skipped."""
    index = root.get(MODEL_INDEX_KEY) if root is not None else None
    if index is None or index.kind != "seq":
        return []
    found: list[CardResult] = []
    for i, model in enumerate(index.value):
        results = model.get("results")
        if results is None or results.kind != "seq":
            continue
        found.extend(CardResult(i, j, model, result) for j, result in enumerate(results.value))
    return found


@dataclass(frozen=True)
class MetricResult:
    """One metric of one model-index result, where it was written (fields None when absent).

    Fields hold the plain data YAML gives (``Node.to_python``); ``content`` is the result's
    dataset, task and this metric, as shown in an audit's before/after."""

    model: Any
    task_type: Any
    dataset_type: Any
    dataset_name: Any
    dataset_config: Any
    dataset_split: Any
    dataset_revision: Any
    metric_type: Any
    value: Any
    verified: Any
    verify_token: Any
    source: Any
    line: int
    value_line: int
    content: dict[str, Any] = field(compare=False, repr=False)


def read_metrics(root: Node | None) -> list[MetricResult]:
    """Every well-formed metric of the card's model-index (lint reports the malformed ones).

    ``root`` is the card's metadata mapping (or a results file holding a stray model-index)."""
    found = []
    for result in read_results(root):
        metrics = result.part("metrics")
        if metrics is None or metrics.kind != "seq":
            continue
        name = _plain(result.model.get("name"))
        source = _plain(result.part("source"))
        dataset_data, task_data = _plain(result.part("dataset")), _plain(result.part("task"))
        for metric in result.metrics:
            value = metric.get("value")
            found.append(
                MetricResult(
                    name,
                    _plain(result.field("task", "type")),
                    _plain(result.field("dataset", "type")),
                    _plain(result.field("dataset", "name")),
                    _plain(result.field("dataset", "config")),
                    _plain(result.field("dataset", "split")),
                    _plain(result.field("dataset", "revision")),
                    _plain(metric.get("type")),
                    _plain(value),
                    _plain(metric.get("verified")),
                    _plain(metric.get("verifyToken")),
                    source,
                    metric.line,
                    value.line if value is not None else metric.line,
                    {"dataset": dataset_data, "task": task_data, "metric": metric.to_python()},
                )
            )
    return found


def _plain(node: Node | None) -> Any:
    return node.to_python() if node is not None else None


def base_models(root: Node | None) -> tuple[str, ...]:
    """The repo ids a card's `base_model` names (a string or a list of strings)."""
    node = root.get(BASE_MODEL_KEY) if root is not None and root.kind == "map" else None
    if node is None:
        return ()
    items = node.value if node.kind == "seq" else [node]
    return tuple(
        item.value.strip()
        for item in items
        if item.kind == "scalar" and isinstance(item.value, str) and "/" in item.value
    )
