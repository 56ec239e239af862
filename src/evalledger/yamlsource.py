"""Safe YAML loading that keeps a position for every node.

Why not ``yaml.safe_load``: it forgets where values came from (we need ``file:line:col`` on every
finding), lets the last of two duplicate keys win silently (a way to hide a score edit), and its
composer recurses, so 10,000-deep nesting or an alias bomb runs away before anything can refuse it.

Here libyaml's C parser produces events and a small iterative builder turns them into ``Node``
trees. Size is bounded before parsing, depth and alias expansion while building, so hostile input
stops early with a positioned error. Scalars resolve exactly as PyYAML's SafeLoader resolves them
(YAML 1.1: ``yes`` is a bool, ``2025-01-15`` a date, ``1e-3`` a string), because that is what the
Hub's own tooling sees; the one exception is a number written with more than ``MAX_NUMBER_CHARS``
characters, which is never converted (a ``LongNumber``, see ``construct_scalar``).
"""

from __future__ import annotations

import errno
import math
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

try:  # libyaml is in every PyYAML wheel; the pure parser is a slower fallback, never a failure
    from yaml._yaml import CParser as _Parser  # what yaml.cyaml.CParser is (the stubs do not re-export it)
except ImportError:  # pragma: no cover - depends on the PyYAML build
    # the same parsing interface (get_event, dispose), another class
    from yaml.loader import SafeLoader as _Parser  # type: ignore[assignment]

from evalledger.finding import ERROR, Finding
from evalledger.rule import Rule

# --- what the loader reports (registered, with the path rules, by evalledger.lint.rules.input) ---

YAML_SYNTAX = Rule(
    "yaml-syntax",
    ERROR,
    "the file is not valid YAML",
    """\
Flags a YAML syntax error (bad indentation, an unclosed quote or bracket, a tab used for indent),
at the position where the parser gave up.

Why it matters: the Hub cannot read the file, so the score silently disappears from the
leaderboard — or, worse, a half-edited file keeps showing an old value.

Bad:
```yaml
- dataset:
    id: Idavidrein/gpqa
   task_id: diamond
```
Fixed:
```yaml
- dataset:
    id: Idavidrein/gpqa
    task_id: diamond
```""",
)

DUPLICATE_KEY = Rule(
    "duplicate-key",
    ERROR,
    "a key appears twice in one mapping",
    """\
Flags the second occurrence of a key in the same mapping.

Why it matters: YAML loaders keep only the last value and drop the first without a word, so a
reviewer who reads the first `value:` line sees a different score from the one the Hub shows.
This is the cheapest way to hide a score edit in plain sight.

Bad:
```yaml
- dataset: {id: Idavidrein/gpqa, task_id: diamond}
  value: 41.2
  value: 71.0
```
Fixed:
```yaml
- dataset: {id: Idavidrein/gpqa, task_id: diamond}
  value: 71.0
```""",
)

YAML_UNSAFE_TAG = Rule(
    "yaml-unsafe-tag",
    ERROR,
    "a YAML tag that safe loaders refuse (e.g. !!python/object)",
    """\
Flags explicit tags other than the standard YAML ones (`!!python/object`, `!!python/name`, custom
`!tags`).

Why it matters: result files are plain data. Safe loaders (the Hub's included) refuse such tags,
so the file is dropped; unsafe loaders would run code while reading someone else's results.

Bad:
```yaml
- value: !!python/object/apply:os.system ["echo 99"]
```
Fixed:
```yaml
- value: 71.0
```""",
)

YAML_DEPTH_LIMIT = Rule(
    "yaml-depth-limit",
    ERROR,
    "nesting deeper than the loader's bound",
    """\
Flags a document nested deeper than the bound (64 levels; real files need fewer than 10).

Why it matters: deep nesting is how a hostile file exhausts a parser's stack; refusing it early
keeps the hook fast and crash-free on any input.

Bad:
```yaml
[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
```
Fixed: a flat list of result entries.""",
)

YAML_ALIAS_LIMIT = Rule(
    "yaml-alias-limit",
    ERROR,
    "aliases expand to too many nodes (an alias bomb)",
    """\
Flags YAML aliases (`*name`) that expand to more than 10,000 nodes in total, and an alias inside
the collection it names (`&a {x: *a}`: a structure that contains itself).

Why it matters: a few lines of nested aliases ("billion laughs") expand to gigabytes; a reader
that follows them hangs or runs out of memory, and one that walks a recursive structure never
ends. No real result file needs aliases at all.

Bad:
```yaml
a: &a [x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
```
Fixed: write the entries out; do not use anchors and aliases.""",
)

YAML_MULTIPLE_DOCUMENTS = Rule(
    "yaml-multiple-documents",
    ERROR,
    "more than one YAML document in a file",
    """\
Flags a second `---` document in a file that must hold exactly one.

Why it matters: most readers take only the first document, so entries after the `---` are
silently ignored — a reviewer sees scores the Hub never shows, or the other way round.

Bad:
```yaml
- dataset: {id: Idavidrein/gpqa, task_id: diamond}
  value: 71.0
---
- dataset: {id: TIGER-Lab/MMLU-Pro, task_id: mmlu_pro}
  value: 74.2
```
Fixed: one list holding both entries (or one file per benchmark).""",
)

FILE_TOO_LARGE = Rule(
    "file-too-large",
    ERROR,
    "the file exceeds the size limit (--max-file-size)",
    """\
Flags a file larger than the limit (2 MiB by default; `--max-file-size` raises it), before reading
it: result files, benchmark specs and model cards (`README.md`) alike.

Why it matters: a result file is a few hundred bytes, a model card a few dozen kilobytes. A huge
one is a mistake (a log or a dataset committed into `.eval_results/`) or an attack on the tools
that read it.

Bad: a 50 MB `.eval_results/traces.yaml`; a 600 MB `README.md`.
Fixed: keep traces elsewhere and link them with `source.url`.""",
)

BINARY_FILE = Rule(
    "binary-file",
    ERROR,
    "the file is binary (contains NUL bytes)",
    """\
Flags a file containing NUL bytes.

Why it matters: it is not a YAML text file (an image, an archive, a UTF-16 file); the Hub cannot
read it, and the score it was meant to carry does not appear.

Bad: a UTF-16 encoded `gpqa.yaml` saved by an editor.
Fixed: save the file as UTF-8.""",
)

NOT_UTF8 = Rule(
    "not-utf8",
    ERROR,
    "the file is not valid UTF-8",
    """\
Flags the first byte that is not valid UTF-8.

Why it matters: YAML files on the Hub are read as UTF-8 (inspect_ai refuses others outright); a
Latin-1 `notes` or `source.name` makes the whole file unreadable.

Bad: `notes: "r\\xe9sum\\xe9"` saved as Latin-1.
Fixed: save the file as UTF-8.""",
)

YAML_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, TIMESTAMP = "str", "int", "float", "bool", "null", "timestamp"
_SAFE_SCALAR_TAGS = {STR, INT, FLOAT, BOOL, NULL, TIMESTAMP, "binary", "merge", "value"}
_SAFE_COLLECTION_TAGS = {"seq", "map", "omap", "pairs", "set"}


@dataclass(frozen=True)
class Limits:
    """Bounds applied before and while parsing; defaults are far above any real result file."""

    max_bytes: int = 2 * 1024 * 1024
    max_depth: int = 64
    max_alias_nodes: int = 10_000  # nodes reachable through aliases, counted with repetition


DEFAULT_LIMITS = Limits()


class Node:
    """A YAML value with its position (1-based line and column).

    ``kind`` is ``map``, ``seq`` or ``scalar``. For a map, ``value`` maps keys to value nodes and
    ``keys`` maps the same keys to their key nodes (where a key was written). For a scalar,
    ``value`` is the Python value SafeLoader would produce and ``tag`` its resolved type name.
    """

    __slots__ = ("kind", "value", "line", "column", "tag", "quoted", "keys", "size")

    def __init__(self, kind: str, value: Any, line: int, column: int, tag: str = "", quoted: bool = False) -> None:
        self.kind = kind
        self.value = value
        self.line = line
        self.column = column
        self.tag = tag
        self.quoted = quoted
        self.keys: dict[Any, Node] | None = {} if kind == "map" else None
        self.size = 1

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Node({self.kind}, {self.to_python()!r}, {self.line}:{self.column})"

    @property
    def is_map(self) -> bool:
        return self.kind == "map"

    @property
    def is_seq(self) -> bool:
        return self.kind == "seq"

    def get(self, key: str) -> Node | None:
        return self.value.get(key) if self.kind == "map" else None

    def key_node(self, key: str) -> Node:
        """Where a key was written (falls back to the mapping itself)."""
        if self.keys is not None and key in self.keys:
            return self.keys[key]
        return self

    def find(self, keys: tuple[Any, ...], *, key: bool = False) -> Node:
        """The node ``keys`` (mapping keys, from this node down) lead to; with ``key``, the node of
        the last key as written. Where the path leaves the tree, the deepest node reached."""
        node = self
        for depth, step in enumerate(keys):
            if node.kind != "map" or step not in node.value:
                return node
            if key and depth == len(keys) - 1:
                return node.key_node(step)
            node = node.value[step]
        return node

    def to_python(self) -> Any:
        """Plain Python data, as ``yaml.safe_load`` would return it (without positions)."""
        if self.kind == "scalar":
            return self.value
        if self.kind == "seq":
            return [child.to_python() for child in self.value]
        return {key: child.to_python() for key, child in self.value.items()}


@dataclass
class Document:
    """A parsed file: its root node (None when empty) and non-fatal problems met while loading."""

    root: Node | None
    problems: list[Finding]


class YamlLoadError(Exception):
    """A fatal problem: the file cannot be turned into data at all."""

    def __init__(self, rule: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.line = line
        self.column = column

    def to_finding(self, path: str) -> Finding:
        return Finding(path, self.line, self.column, self.rule, ERROR, self.message)


def decode(data: bytes) -> str:
    """Bytes to text, refusing binary and non-UTF-8 input with the position of the first bad byte."""
    if b"\x00" in data:
        offset = data.index(b"\x00")
        line, column = _position(data, offset)
        raise YamlLoadError(BINARY_FILE.id, "file looks binary (NUL byte); expected UTF-8 YAML text", line, column)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise YamlLoadError(
            NOT_UTF8.id,
            f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8",
            line,
            column,
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


RAISE_HINT = "(set --max-file-size to raise it)"  # lint's option; aggregate reads at most this


def size_error(
    size: int | None, limits: Limits = DEFAULT_LIMITS, *, what: str = "a YAML file", hint: str = ""
) -> YamlLoadError | None:
    """The error for a file of ``size`` bytes, None within the limit: callers that know a size
    before reading (a git blob's header, a stat) refuse the file without reading it. ``size`` None:
    over the limit by an amount nobody measured (a server left the blob out of a size-limited
    fetch). ``hint`` says how the caller's user raises the limit (lint has --max-file-size)."""
    if size is None:
        return YamlLoadError(
            FILE_TOO_LARGE.id,
            f"file is over the {limits.max_bytes:,} byte limit for {what}"
            " (its git server left it out of a fetch limited to that size)",
        )
    if size <= limits.max_bytes:
        return None
    return YamlLoadError(
        FILE_TOO_LARGE.id,
        f"file is {size:,} bytes, over the {limits.max_bytes:,} byte limit for {what}{' ' + hint if hint else ''}",
    )


UNREADABLE_FILE = Rule(
    "unreadable-file",
    ERROR,
    "a file or folder cannot be read (permissions, I/O error, not a regular file)",
    """\
Flags a file that exists but cannot be read, a folder that cannot be listed, and a special file
(a FIFO, socket or device) where a file was expected (exit code 2). Special files are never
opened: reading a FIFO would wait forever.

Why it matters: a check that silently skips what it cannot read reports "clean" for files it never
saw.

Bad: `chmod 000 .eval_results/gpqa.yaml`; `mkfifo .eval_results/gpqa.yaml`
Fixed: make the file readable; commit a regular file.""",
)

_SPECIAL = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def special_file(mode: int) -> str | None:
    """What a mode is when it is neither a regular file, a directory nor a symlink (never opened:
    reading a FIFO blocks forever, a device never ends)."""
    for test, what in _SPECIAL:
        if test(mode):
            return what
    return None


class NotRegularFile(OSError):
    """``read_file`` met a FIFO, socket or device (``what`` says which); it was not read."""

    def __init__(self, what: str) -> None:
        super().__init__(errno.EINVAL, f"{what}, not a regular file")
        self.what = what


def read_file(
    path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS, *, what: str = "a YAML file", hint: str = ""
) -> bytes:
    """The bytes of the file at ``path``: the one reader of files that may be hostile or misplaced
    (model files, and the maintainer's own policy, specs and registry). Opened with ``O_NONBLOCK``,
    so a FIFO (even one swapped in after a caller looked) never blocks the open, then judged on
    the open descriptor: a FIFO, socket or device raises ``NotRegularFile`` (an ``OSError``) and a
    file over ``limits.max_bytes`` raises ``size_error``'s ``YamlLoadError`` (``file-too-large``),
    both before a byte is read; other failures raise ``OSError``. At most ``max_bytes + 1`` bytes
    are read (a file growing meanwhile is caught by ``load``)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        special = special_file(info.st_mode)
        if special:
            raise NotRegularFile(special)
        too_large = size_error(info.st_size, limits, what=what, hint=hint)
        if too_large is not None:  # refused before reading: a 50 MB file costs one stat, not a parse
            raise too_large
        return _read_fd(fd, info.st_size, limits.max_bytes + 1)
    finally:
        os.close(fd)


def _read_fd(fd: int, size: int, limit: int) -> bytes:
    """Up to ``limit`` bytes, read to the end (a file may grow after its stat). Sized by the stat:
    a buffered ``read(limit)`` allocates the whole limit (2 MiB) for every file, a third of
    the time of parsing a small one."""
    chunks = []
    left = limit
    while left > 0:
        chunk = os.read(fd, min(left, max(size + 1, 65536)))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def load(
    data: bytes | str,
    path: str = "<string>",
    *,
    limits: Limits = DEFAULT_LIMITS,
    line_offset: int = 0,
    hint: str = RAISE_HINT,
) -> Document:
    """Parse one YAML document. Raises YamlLoadError for input that cannot be data at all.

    ``line_offset`` shifts reported lines, for YAML embedded in another file (front matter).
    ``hint``: how the user raises the size limit (lint's option; "" for a command without one).
    """
    too_large = size_error(len(data), limits, hint=hint)
    if too_large is not None:
        raise too_large
    text = decode(data) if isinstance(data, bytes) else data
    builder = _Builder(path, limits, line_offset)
    try:
        return builder.build(_Parser(text))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or "invalid YAML"
        if exc.context:
            message = f"{message} ({exc.context})"
        line = (mark.line + 1 + line_offset) if mark else 1 + line_offset
        column = (mark.column + 1) if mark else 1
        # libyaml has a nesting bound of its own for flow collections; report it as ours
        rule = YAML_DEPTH_LIMIT.id if "maximum nesting depth" in message else YAML_SYNTAX.id
        raise YamlLoadError(rule, message, line, column) from None
    except yaml.YAMLError as exc:
        raise YamlLoadError(YAML_SYNTAX.id, str(exc), 1 + line_offset, 1) from None
    except RecursionError:  # pragma: no cover - the depth bound stops this first
        raise YamlLoadError(YAML_DEPTH_LIMIT.id, "nesting too deep", 1 + line_offset, 1) from None


# first character of a plain scalar -> (tag, pattern) in PyYAML's order
_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = Resolver.yaml_implicit_resolvers
_constructor = SafeConstructor()


def _resolve_plain(value: str) -> str:
    """Implicit tag of a plain scalar, exactly as PyYAML's Resolver decides (YAML 1.1)."""
    if value == "":
        candidates = _resolvers.get("", [])
    else:
        candidates = _resolvers.get(value[0], [])
    for tag, regexp in candidates:
        if regexp.match(value):
            return tag[len(YAML_TAG) :]
    return STR


# Keys and common values ("dataset", "task_id", "70.2", "true") repeat across thousands of files;
# resolving a plain scalar is a pure function of its text, and every constructed value is immutable.
_plain_cache: dict[str, tuple[str, Any]] = {}
_PLAIN_CACHE_MAX = 8192


def plain_scalar(raw: str) -> tuple[str, Any]:
    """(tag, value) of a plain scalar, resolved and constructed exactly as SafeLoader does; memoised.

    The audit reads thousands of versions of the same files and patches values without a parse;
    it uses this too, so both agree on every scalar.
    """
    resolved = _plain_cache.get(raw)
    return resolved if resolved is not None else _resolve_and_construct(raw)


def _resolve_and_construct(raw: str) -> tuple[str, Any]:
    tag = _resolve_plain(raw)
    resolved = (tag, raw if tag == STR else construct_scalar(tag, raw, None))
    if len(raw) <= 256 and tag != "binary":  # short texts recur (keys, values, dates, URLs)
        if len(_plain_cache) >= _PLAIN_CACHE_MAX:
            _plain_cache.clear()
        _plain_cache[raw] = resolved
    return resolved


# A number's text is bounded before it is converted. Python converts a long decimal text (and
# prints a long integer) in quadratic time, refuses either past 4,300 digits, and YAML 1.1
# sexagesimal (`1:59:59`) makes one multiplication per `:` group: a 2 MB value would burn minutes
# of CPU and then raise. No finite score needs more than a few dozen characters; a float cannot
# hold an integer of more than 309 digits anyway.
MAX_NUMBER_CHARS = 1000
FLOAT_MAX = 1.7976931348623157e308


class LongNumber(float):
    """An int or float written with more than ``MAX_NUMBER_CHARS`` characters: never converted.

    Its value is NaN, so every reader treats it as a number that is not a usable score (lint:
    ``value-not-finite``); it keeps the YAML type and the length of its text for messages, and
    shows as ``<an integer of 4,002 characters>``, never as the text itself.
    """

    tag: str
    length: int

    def __new__(cls, tag: str, length: int) -> LongNumber:
        number = float.__new__(cls, math.nan)
        number.tag = tag
        number.length = length
        return number

    def __repr__(self) -> str:
        kind = "an integer" if self.tag == INT else "a number"
        return f"<{kind} of {self.length:,} characters>"

    __str__ = __repr__

    def __reduce__(self) -> tuple[type[LongNumber], tuple[str, int]]:
        return (LongNumber, (self.tag, self.length))


# reports dump entries back to YAML (the audit's before/after); SafeDumper knows only exact builtin
# types, so it is told how to show this one: as its description, never the text
yaml.SafeDumper.add_representer(LongNumber, lambda dumper, number: dumper.represent_str(repr(number)))


def is_number(value: Any) -> bool:
    """An int or float as YAML reads numbers (a bool is not one), finite or not."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def finite_number(value: Any) -> int | float | None:
    """``value`` when it is a number a float can hold (what JSON, the Hub and every leaderboard
    read), else None: NaN, infinities, a LongNumber and integers beyond float range. Never raises
    (``math.isfinite`` overflows on such an integer)."""
    if not is_number(value):
        return None
    if isinstance(value, int):
        return value if -FLOAT_MAX <= value <= FLOAT_MAX else None  # exact, never converts
    return value if math.isfinite(value) else None


def construct_scalar(tag: str, value: str, style: str | None = None) -> Any:
    """The Python value of a scalar of resolved type ``tag`` (short name: ``int``, ``str``...),
    exactly as SafeLoader constructs it, except that a number longer than ``MAX_NUMBER_CHARS`` is a
    ``LongNumber`` (checked before any conversion). The one place YAML text becomes a number: the
    loader, ``plain_scalar`` and the audit's fast paths all call it."""
    if tag in (INT, FLOAT) and len(value) > MAX_NUMBER_CHARS:
        return LongNumber(tag, len(value))
    construct = SafeConstructor.yaml_constructors.get(YAML_TAG + tag)
    if tag == STR or construct is None:  # merge/value keys stay strings, as in SafeLoader
        return value
    try:
        return construct(_constructor, ScalarNode(YAML_TAG + tag, value, style=style))
    except (ConstructorError, ValueError, OverflowError):
        return value


class _Builder:
    """Turns a parser's event stream into Node trees without recursion."""

    def __init__(self, path: str, limits: Limits, line_offset: int) -> None:
        self.path = path
        self.limits = limits
        self.line_offset = line_offset
        self.problems: list[Finding] = []
        self.anchors: dict[str, Node] = {}
        self.alias_nodes = 0
        # keys each mapping (by id; every node lives as long as the builder) got from `<<` merges
        self.merged: dict[int, set[Any]] = {}

    def _problem(self, rule: str, severity: str, mark: Any, message: str) -> None:
        self.problems.append(
            Finding(self.path, mark.line + 1 + self.line_offset, mark.column + 1, rule, severity, message)
        )

    def _check_tag(self, tag: str | None, mark: Any, allowed: set[str]) -> str | None:
        """Short name of a standard tag, or None after reporting a tag a safe loader rejects."""
        if tag is None or tag == "!":
            return ""
        if tag.startswith(YAML_TAG) and tag[len(YAML_TAG) :] in allowed:
            return tag[len(YAML_TAG) :]
        shown = "!!" + tag[len(YAML_TAG) :] if tag.startswith(YAML_TAG) else tag
        self._problem(
            YAML_UNSAFE_TAG.id,
            YAML_UNSAFE_TAG.severity,
            mark,
            f"tag {shown} is not allowed: result files are plain data, and safe YAML "
            "loaders (the Hub's included) refuse it",
        )
        return None

    # one loop over every YAML event of every file read: kept flat on purpose (no call per event)
    def build(self, parser: Any) -> Document:  # noqa: C901
        roots: list[Node] = []
        # stack entries: [node, pending_key_node_or_None]
        stack: list[list[Any]] = []
        max_depth = self.limits.max_depth
        lo = self.line_offset
        get_event = parser.get_event
        while True:
            event = get_event()
            cls = event.__class__
            if cls is ScalarEvent:
                mark = event.start_mark
                style = event.style
                if event.tag is not None and event.tag != "!":
                    short = self._check_tag(event.tag, mark, _SAFE_SCALAR_TAGS)
                    tag = short or STR
                    value = construct_scalar(tag, event.value, style) if short else event.value
                elif not style and event.implicit[0]:
                    raw = event.value
                    resolved = _plain_cache.get(raw)
                    if resolved is None:
                        resolved = _resolve_and_construct(raw)
                    tag, value = resolved
                else:
                    tag, value = STR, event.value
                node = Node("scalar", value, mark.line + 1 + lo, mark.column + 1, tag, bool(style))
                if event.anchor is not None:
                    self.anchors[event.anchor] = node
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                mark = event.start_mark
                if len(stack) >= max_depth:
                    raise YamlLoadError(
                        YAML_DEPTH_LIMIT.id,
                        f"nesting deeper than {max_depth} levels; result files need fewer than 10",
                        mark.line + 1 + lo,
                        mark.column + 1,
                    )
                is_map = cls is MappingStartEvent
                if event.tag is not None and not event.implicit:
                    self._check_tag(event.tag, mark, _SAFE_COLLECTION_TAGS)
                node = Node("map" if is_map else "seq", {} if is_map else [], mark.line + 1 + lo, mark.column + 1)
                if event.anchor is not None:
                    self.anchors[event.anchor] = node
                stack.append([node, None])
                continue
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                node = stack.pop()[0]
            elif cls is AliasEvent:
                mark = event.start_mark
                target = self.anchors.get(event.anchor)
                if target is None:
                    raise YamlLoadError(
                        YAML_SYNTAX.id, f"found undefined alias {event.anchor!r}", mark.line + 1 + lo, mark.column + 1
                    )
                if target.kind != "scalar" and any(entry[0] is target for entry in stack):
                    # `&a {x: *a}`: a structure containing itself, which no JSON (and no reader
                    # walking it) can take; SafeLoader builds it, every consumer then loops
                    raise YamlLoadError(
                        YAML_ALIAS_LIMIT.id,
                        f"alias *{event.anchor} refers to a collection that contains it (a recursive structure)",
                        mark.line + 1 + lo,
                        mark.column + 1,
                    )
                self.alias_nodes += target.size
                if self.alias_nodes > self.limits.max_alias_nodes:
                    raise YamlLoadError(
                        YAML_ALIAS_LIMIT.id,
                        f"aliases expand to more than {self.limits.max_alias_nodes:,} nodes (an alias bomb?)",
                        mark.line + 1 + lo,
                        mark.column + 1,
                    )
                node = target
            elif cls is DocumentStartEvent:
                if roots or stack:
                    mark = event.start_mark
                    self._problem(
                        YAML_MULTIPLE_DOCUMENTS.id,
                        YAML_MULTIPLE_DOCUMENTS.severity,
                        mark,
                        "a second YAML document starts here; result files hold one",
                    )
                continue
            elif cls is StreamEndEvent:
                break
            else:
                continue
            # attach the finished node to its parent
            if not stack:
                roots.append(node)
                continue
            top = stack[-1]
            parent = top[0]
            parent.size += node.size
            if parent.kind == "seq":
                parent.value.append(node)
            elif top[1] is None:
                top[1] = node
            else:
                key_node = top[1]
                top[1] = None
                self._add_pair(parent, key_node, node)
        root = roots[0] if roots else None
        return Document(root, self.problems)

    def _add_pair(self, mapping: Node, key_node: Node, value: Node) -> None:
        if key_node.kind != "scalar":
            raise YamlLoadError(
                YAML_SYNTAX.id, "found unhashable key (a mapping or list used as a key)", key_node.line, key_node.column
            )
        key = key_node.value
        if key_node.tag == "merge":
            sources = value.value if value.kind == "seq" else [value]
            for source in sources:
                if source.kind != "map":
                    raise YamlLoadError(YAML_SYNTAX.id, "merge key '<<' needs a mapping", value.line, value.column)
                assert mapping.keys is not None and source.keys is not None  # maps have key nodes
                for k, v in source.value.items():
                    if k not in mapping.value:
                        mapping.value[k] = v
                        mapping.keys[k] = source.keys[k]
                        self.merged.setdefault(id(mapping), set()).add(k)
            return
        if isinstance(key, (list, dict)):
            raise YamlLoadError(YAML_SYNTAX.id, "found unhashable key", key_node.line, key_node.column)
        merged = self.merged.get(id(mapping)) if self.merged else None  # merges are rare
        keys = mapping.keys
        assert keys is not None  # a map has its key nodes
        if merged and key in merged:
            # an explicit key overrides a merged one: what merge keys are for, not a duplicate
            merged.discard(key)
        elif key in mapping.value:
            first = keys[key]
            self.problems.append(
                Finding(
                    self.path,
                    key_node.line,
                    key_node.column,
                    DUPLICATE_KEY.id,
                    DUPLICATE_KEY.severity,
                    f"duplicate key {key!r} (first at line {first.line}); YAML keeps only this last one,"
                    " silently dropping the first",
                )
            )
        mapping.value[key] = value
        keys[key] = key_node


def iter_nodes(node: Node) -> Iterator[Node]:
    """Every node of a tree, depth first, without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current.kind == "seq":
            stack.extend(reversed(current.value))
        elif current.kind == "map":
            stack.extend(reversed(list(current.value.values())))
