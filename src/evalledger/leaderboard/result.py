"""The result of one ``evalledger aggregate`` run: what ``--format json`` prints and the Action reads.

This module is the one definition of that contract: ``aggregate`` builds an ``AggregateResult``,
the reporters of ``evalledger.report`` print it (``to_json`` is the JSON document, its keys in
field order), and the Action (``evalledger.action``) reads the document back with
``AggregateResult.from_json``. The field names are public (workflows read them); never rename one.

The document is flat, one object: ``changed``, then the publishing fields of ``AggregateResult``
(``committed`` … ``error``), then the rest of the fields of ``Generated`` (``benchmark`` …
``warnings``); each field's meaning is written beside it below. An optional key (``Rejected.task``,
``RowChange.old_rank``/``old_value``) is left out, not ``null``, where it does not apply.
When the run failed before any leaderboard was generated, every ``Generated`` key is ``null``
(``changed`` too) and ``error`` says why.

``from_json`` is lenient, for a document the Action did not get whole: a missing or mistyped
field reads as its default (``0``, ``""``, ``false``, ``[]``, ``null``), a list item that is not
an object is left out.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar, Union


class _Absent:
    """The value of an optional key the document leaves out (``Rejected.task``, ``RowChange.old_rank``)."""

    _instance = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Any = _Absent()


_Record = TypeVar("_Record", bound="JsonRecord")


class JsonRecord:
    """A frozen dataclass that is one JSON object: ``to_json`` writes its fields in order (an
    ``ABSENT`` field is left out), ``from_json`` reads them back by the same names and types."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]  # every subclass is a dataclass

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is not ABSENT:
                out[f.name] = _to_json(value)
        return out

    @classmethod
    def pick(cls: type[_Record], obj: Any, **values: Any) -> _Record:
        """The record of the attributes of ``obj`` (a table row) of the same names; ``values``
        given here instead."""
        return cls(
            **{f.name: values[f.name] if f.name in values else getattr(obj, f.name) for f in dataclasses.fields(cls)}
        )

    @classmethod
    def from_json(cls: type[_Record], doc: Any) -> _Record:
        doc = doc if isinstance(doc, Mapping) else {}
        hints = _hints(cls)
        values = {}
        for f in dataclasses.fields(cls):
            if f.default is ABSENT and f.name not in doc:
                values[f.name] = ABSENT
            else:
                values[f.name] = _read(hints[f.name], doc.get(f.name), _default(f, hints[f.name]))
        return cls(**values)


def _to_json(value: Any) -> Any:
    if isinstance(value, JsonRecord):
        return value.to_json()
    if isinstance(value, (tuple, list)):
        return [_to_json(v) for v in value]
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """The field types of a record class, resolved once per class."""
    found = _HINTS.get(cls)
    if found is None:
        found = _HINTS[cls] = typing.get_type_hints(cls)
    return found


def _default(f: dataclasses.Field[Any], tp: Any) -> Any:
    if f.default is not dataclasses.MISSING and f.default is not ABSENT:
        return f.default
    return _zero(tp)


def _zero(tp: Any) -> Any:
    if _optional(tp):
        return None
    if typing.get_origin(tp) is tuple:
        return ()
    if isinstance(tp, type) and issubclass(tp, JsonRecord):
        return tp.from_json({})
    return {bool: False, int: 0, float: 0.0, str: ""}[tp]


def _optional(tp: Any) -> bool:
    return typing.get_origin(tp) in (Union, types.UnionType) and type(None) in typing.get_args(tp)


def _read(tp: Any, value: Any, default: Any) -> Any:
    """``value`` as type ``tp``, or ``default`` when it is not one."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        if value is None and type(None) in typing.get_args(tp):
            return None
        for arg in typing.get_args(tp):
            if arg is not type(None) and _fits(arg, value):
                return _read(arg, value, default)
        return default
    if typing.get_origin(tp) is tuple:
        if not isinstance(value, list):
            return default
        item = typing.get_args(tp)[0]
        return tuple(_read(item, v, None) for v in value if _fits(item, v))
    if isinstance(tp, type) and issubclass(tp, JsonRecord):
        return tp.from_json(value) if isinstance(value, Mapping) else default
    return value if _fits(tp, value) else default


def _fits(tp: Any, value: Any) -> bool:
    if isinstance(tp, type) and issubclass(tp, JsonRecord):
        return isinstance(value, Mapping)
    if typing.get_origin(tp) is tuple:
        return isinstance(value, list)
    if tp is float:  # JSON has one number type: 70 is as good a value as 70.0
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, tp)


# --- the records -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Unreachable(JsonRecord):
    """A model repo that could not be fetched (or read)."""

    model: str
    url: str
    ref: str | None
    where: str  # the registry's file:line
    message: str
    kept: int = 0  # its candidate rows carried over from the previous tables (0 with --drop-unreachable)


@dataclass(frozen=True)
class StaleRow(JsonRecord):
    """A leaderboard row kept from an unreachable repo (``stale`` column true)."""

    benchmark: str
    task: str
    setup: str
    model: str
    model_repo: str
    ref: str
    commit: str | None
    rank: int
    value: float


@dataclass(frozen=True)
class LintRejected(JsonRecord):
    files: int = 0  # files that could not be read as results at all
    entries: int = 0  # entries kept as ineligible candidates


@dataclass(frozen=True)
class Rejected(JsonRecord):
    """A file, or one entry of it (then ``task`` is set), that lint kept off the board."""

    model: str
    model_repo: str
    ref: str
    file: str
    line: int
    rule: str
    message: str
    task: str | None = ABSENT  # only for an entry

    def sort_key(self) -> tuple[str, str, str, str, int, str]:
        return (self.model, self.model_repo, self.ref, self.file, self.line, self.rule)


@dataclass(frozen=True)
class RowChange(JsonRecord):
    """A leaderboard row that is new, removed, moved (``old_rank``) or has a new value (``old_value``)."""

    benchmark: str
    task: str
    setup: str
    model: str
    rank: int | None
    value: float | None
    old_rank: int | None = ABSENT  # moved only
    old_value: float | None = ABSENT  # value_changed only


@dataclass(frozen=True)
class NewConflict(JsonRecord):
    """A (benchmark, task, setup, model) whose sources disagree, not in conflict last run."""

    benchmark: str
    task: str
    setup: str
    model: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Changes(JsonRecord):
    """Since the tables on disk."""

    first_run: bool = False
    new: tuple[RowChange, ...] = ()
    removed: tuple[RowChange, ...] = ()
    moved: tuple[RowChange, ...] = ()
    value_changed: tuple[RowChange, ...] = ()
    new_conflicts: tuple[NewConflict, ...] = ()


@dataclass(frozen=True)
class TopRow(JsonRecord):
    """One of the first rows of a board the card shows."""

    benchmark: str
    task: str
    setup: str
    rank: int
    model: str
    value: float
    verified: bool
    community: bool
    conflict: bool
    stale: bool
    flags: tuple[str, ...] = ()  # the audit rule ids marking the row (--audit)


@dataclass(frozen=True)
class RegistryWarning(JsonRecord):
    """What the run read past and went on: a duplicate registry line (``registry-duplicate``), a
    submission folder not read (``symlink-outside-repo``); the rule's severity is in the catalogue."""

    path: str
    line: int
    rule: str
    message: str


@dataclass(frozen=True)
class Generated(JsonRecord):
    """What one generation of the tables produced (regenerated after a rejected push)."""

    changed: bool  # a table or the card was written (or removed) this run
    benchmark: str  # the dataset.id aggregated
    rows: int  # leaderboard rows
    candidates: int  # candidate rows
    conflicts: int  # keys in conflict
    sources: int  # model repos listed
    fetched: int  # model repos read
    unreachable: tuple[Unreachable, ...]
    stale: tuple[StaleRow, ...]
    lint_rejected: LintRejected
    rejected: tuple[Rejected, ...]
    files: tuple[str, ...]  # the tables and card this run produces (repo-relative)
    written: tuple[str, ...]  # the paths actually written or removed this run
    changes: Changes
    top: tuple[TopRow, ...]  # the first 10 rows of the boards the card shows (at most 20 boards)
    flags: int | None  # rows in the flags table (--audit), else null
    warnings: tuple[RegistryWarning, ...]

    @property
    def leaderboard_path(self) -> str:
        """The leaderboard table among ``files`` ("" when none)."""
        return next((f for f in self.files if f.rsplit("/", 1)[-1].startswith("leaderboard.")), "")

    @property
    def flags_path(self) -> str:
        return next((f for f in self.files if f.rsplit("/", 1)[-1].startswith("flags.")), "")


_GENERATED_KEYS = tuple(f.name for f in dataclasses.fields(Generated))


@dataclass(frozen=True)
class AggregateResult(JsonRecord):
    """The whole run: the last generation (``None`` when none finished) and what publishing did."""

    generated: Generated | None
    committed: bool = False  # a commit was made (--commit/--push)
    pushed: bool = False  # that commit is on the remote (--push)
    commit: str | None = None  # sha of the commit made
    push_attempts: int = 0  # pushes tried (0 without --push; 2+ means a race was regenerated)
    error: str | None = None  # why the run failed after doing work (exit 2)

    kind = "aggregate"  # which view of a reporter prints it (``evalledger.report``)

    @property
    def board(self) -> Generated:
        """``generated``, or an empty one when the run failed before generating."""
        return self.generated if self.generated is not None else _EMPTY

    def to_json(self) -> dict[str, Any]:
        """The flat document: ``changed`` first (what a workflow asks first), then the publishing
        fields, then the rest of ``generated`` (every key null when there is none)."""
        outcome = super().to_json()
        generated = outcome.pop("generated") or dict.fromkeys(_GENERATED_KEYS)
        return {"changed": generated.pop("changed"), **outcome, **generated}

    @classmethod
    def from_json(cls, doc: Any) -> AggregateResult:
        doc = doc if isinstance(doc, Mapping) else {}
        generated = None
        if any(doc.get(key) is not None for key in _GENERATED_KEYS):
            generated = doc
        return super().from_json({**doc, "generated": generated})


_EMPTY = Generated.from_json({})
