"""Blob -> audit entries: what one version of a results file or README.md says, as plain data.

The audit keeps only these small values per live entry (never parse trees), so memory follows the
number of entries, not the length of history.
"""

from __future__ import annotations

import dataclasses
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
import yaml.resolver
from yaml._yaml import CParser  # yaml.cyaml.CParser (the stubs do not re-export it from there)

from evalledger.finding import error_reason
from evalledger.formats.model_index import MODEL_INDEX_KEY, MetricResult, load_card, read_metrics
from evalledger.formats.results import RESULTS_DIR, EntryFields, entry_fields, read_entries
from evalledger.records import setup_key
from evalledger.yamlsource import (
    BINARY_FILE,
    DEFAULT_LIMITS,
    NOT_UTF8,
    YAML_TAG,
    Node,
    YamlLoadError,
    construct_scalar,
    finite_number,
    load,
    plain_scalar,
)

README = "README.md"
WALK_PATHS = (RESULTS_DIR, README)

KeyPath = tuple[str, ...]  # keys from an item's top mapping down to a value
BlockLeaves = dict[int, tuple[KeyPath, int, bytes]]  # line in the item -> (key path, key column, key)
FlowShape = tuple[tuple[str, ...], tuple[tuple[KeyPath, str], ...]]  # (gaps, (key path, quote) of each value)


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
    # the entry as plain data, for the before/after diff; entries read item by item keep their
    # YAML text instead and build the data only when a finding shows it (most never do)
    data: Any = field(default=None, compare=False, repr=False)
    raw: bytes | None = field(default=None, compare=False, repr=False)

    @property
    def content(self) -> Any:
        if self.raw is None:
            return self.data
        return _content(self.raw)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.benchmark, self.task, self.setup)

    @property
    def evidence(self) -> tuple[str | None, str | None, str | None, str | None]:
        """What justifies a value: a changed one of these explains a changed score."""
        return (self.source_url, self.source_name, self.notes, self.revision)


@dataclass(frozen=True)
class Parsed:
    entries: tuple[Entry, ...]
    problem: str | None = None  # why the file cannot be read as results (None: readable)
    line: int = 1
    # a results file that holds a legacy model-index mapping instead of a list: what it says
    stray: tuple[Entry, ...] = ()


# item text -> its plain data, for the items parsed most recently: findings show the before and
# after of entries parsed shortly before (an event's findings share them; an edit's "after" is the
# next edit's "before"), so most are served without parsing the text again. Bounded: memory stays
# flat. Callers share the data: it is read, never changed.
_CONTENT: dict[bytes, Any] = {}
_CONTENT_SIZE = 2048


def _remember_content(raw: bytes, data: Any) -> None:
    if len(_CONTENT) >= _CONTENT_SIZE:
        del _CONTENT[next(iter(_CONTENT))]
    _CONTENT[raw] = data


def _content(raw: bytes) -> Any:
    data = _CONTENT.get(raw)
    if data is not None:
        return data
    composed = _compose(raw, checked=True)
    if isinstance(composed, yaml.SequenceNode) and composed.value:
        data = _plain(composed.value[0])
        _remember_content(raw, data)
        return data
    return None  # pragma: no cover - the text parsed when the entry was made


def is_tracked(path: str) -> bool:
    if path == README:
        return True
    return path.startswith(RESULTS_DIR + "/") and path.endswith((".yaml", ".yml"))


def parse_blob(path: str, data: bytes) -> Parsed:
    """What one version of a tracked file says; never raises: a blob that cannot be read is a
    Parsed with a problem (the audit reports it as results-file-invalid), not a crash."""
    try:
        return _readme(data) if path == README else _parse_results(path, data)
    except Exception as exc:
        return _unreadable(exc)


def _unreadable(exc: Exception) -> Parsed:
    """Anything that goes wrong while reading one file version ends there, as that version's
    problem: one hostile blob must not end the audit of a whole history."""
    return Parsed((), f"cannot be read: {error_reason(exc)}")


def _parse_results(path: str, data: bytes) -> Parsed:
    root = fast_root(data)
    if root is False:
        try:
            root = load(data, path).root
        except YamlLoadError as exc:
            return Parsed((), f"{exc.message} ({exc.rule})", exc.line)
    if root is None:
        return Parsed(())
    if not root.is_seq:
        if root.is_map and root.get(MODEL_INDEX_KEY) is not None:
            stray = _metric_entries(read_metrics(root), path)
            return Parsed(
                (), "top level is a legacy `model-index` mapping, not a list of result entries", root.line, stray
            )
        return Parsed((), "top level is not a list of result entries", root.line)
    return Parsed(_entries(root, path, 0))


def _entries(root: Node, path: str, line_offset: int) -> tuple[Entry, ...]:
    return tuple(
        entry
        for item in read_entries(root)
        for entry in _entry(item, path, item.line + line_offset, item.value_line + line_offset, data=item.data)
    )


def _entry(
    fields: EntryFields | None, path: str, line: int, value_line: int, *, data: Any = None, raw: bytes | None = None
) -> tuple[Entry, ...]:
    """The audit's entry for what ``formats.results.entry_fields`` read (every path comes here:
    whole files, parsed items and patched items); none without a key (lint reports it: without a
    key there is no timeline to put it in)."""
    if fields is None or fields.dataset_id is None or fields.task_id is None:
        return ()
    source = fields.source or {}
    return (
        Entry(
            fields.dataset_id,
            fields.task_id,
            setup_key(fields.notes, fields.revision),
            fields.value,
            path,
            line,
            value_line,
            _str(source.get("url")),
            _str(source.get("name")),
            _str(source.get("user")),
            fields.notes,
            fields.revision,
            fields.date,
            fields.verify_token,
            data=data,
            raw=raw,
        ),
    )


# --- incremental parsing -------------------------------------------------------------------------
# An edit changes one entry of a file that holds many; re-parsing the whole file for every version
# would make the audit cost (versions x file size). A results file is a block sequence at column 0,
# so its items are independent YAML texts: each item is parsed once and reused, by text and
# position, in every later version that still contains it. Files of any other shape are parsed
# whole, and any item that does not parse on its own sends the file to the whole-file parser.
_ITEM = re.compile(rb"^-(?: |$)", re.M)
# a column-0 line that is not a sequence item, a comment or blank (searched after a literal
# newline so the regex engine can skip ahead; the first line is checked on its own)
_NOT_ITEM = re.compile(rb"\n(?:[^ #\n\r-]|-[^ \n\r])")
_NOT_ITEM_FIRST = re.compile(rb"(?:[^ #\n\r-]|-[^ \n\r])")


class BlobParser:
    """``parse_blob`` with a bounded cache of parsed sequence items."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, int, bytes], tuple[Entry, ...]] = OrderedDict()
        # the last item seen at each (path, line): its text, data, entries and plain one-line leaves,
        # so an edit that only rewrites such leaves is applied to the data without parsing
        self._at: dict[tuple[str, int], tuple[bytes, dict[str, Any], tuple[Entry, ...], BlockLeaves | FlowShape]] = {}
        # the last place each item text was seen, and its entries there
        self._last: dict[bytes, tuple[str, int, tuple[Entry, ...]]] = {}

    def parse(self, path: str, data: bytes) -> Parsed:
        """``parse_blob``, re-using items parsed before; never raises (see ``parse_blob``)."""
        if path == README:
            return parse_blob(path, data)
        try:
            entries = self._by_items(path, data)
        except Exception as exc:
            return _unreadable(exc)
        return parse_blob(path, data) if entries is None else Parsed(entries)

    def _by_items(self, path: str, data: bytes) -> tuple[Entry, ...] | None:
        if (
            len(data) > 16 * _FAST_MAX_BYTES
            or b"\r" in data
            or b"\t" in data
            or _NOT_ITEM_FIRST.match(data)
            or _NOT_ITEM.search(data)
            or _refused(data)
        ):
            return None
        starts = [m.start() for m in _ITEM.finditer(data)]
        if not starts:
            return None
        head = data[: starts[0]]
        if any(line.strip() and not line.lstrip().startswith(b"#") for line in head.split(b"\n")):
            return None
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        entries: list[Entry] = []
        line = 1 + head.count(b"\n")
        ends = starts[1:] + [len(data)]
        cache = self._items
        for start, end in zip(starts, ends, strict=True):
            chunk = data[start:end]
            key = (path, line, chunk)
            found = cache.get(key)
            if found is not None:
                cache.move_to_end(key)
            else:
                found = self._moved_item(path, line, chunk)
                if found is None:
                    found = self._patched(path, line, chunk)
                if found is None:
                    found = self._parsed_item(path, line, chunk)
                if found is None:
                    return None
                cache[key] = found
                if len(cache) > self._size:
                    cache.popitem(last=False)
                if len(self._last) > self._size:
                    self._last.clear()
                self._last[chunk] = (path, line, found)
            entries.extend(found)
            line += chunk.count(b"\n")
        return tuple(entries)

    def _parsed_item(self, path: str, line: int, chunk: bytes) -> tuple[Entry, ...] | None:
        """An item parsed on its own (and remembered for patching); None when it must not be:
        the whole file then goes to the full loader."""
        composed = _compose(chunk, checked=True)
        if not isinstance(composed, yaml.SequenceNode) or len(composed.value) != 1 or composed.tag != YAML_TAG + "seq":
            return None
        item = composed.value[0]
        try:
            item_data = _plain(item) if isinstance(item, yaml.MappingNode) else None
            found = _item_entries(item, path, line - 1, chunk, item_data)
        except _Refuse:
            return None
        if found and item_data is not None:
            _remember_content(chunk, item_data)
            if len(self._at) > self._size:
                self._at.clear()
            shape = _flow_template(item, chunk) if item.flow_style else _leaves(item)
            if shape is not None:
                self._at[(path, line)] = (chunk, item_data, found, shape)
        return found

    def _moved_item(self, path: str, line: int, chunk: bytes) -> tuple[Entry, ...] | None:
        """An item whose text was seen elsewhere (another line: an item above it was added or
        removed; another file: the entry was moved): its entries, shifted. A parsed item's
        entries depend on its position only through path, line and value line."""
        seen = self._last.get(chunk)
        if seen is None:
            return None
        old_path, old_line, old_entries = seen
        shift = line - old_line
        found = tuple(
            dataclasses.replace(e, path=path, line=e.line + shift, value_line=e.value_line + shift) for e in old_entries
        )
        previous = self._at.get((old_path, old_line))
        if previous is not None and previous[0] == chunk:
            self._at[(path, line)] = (chunk, previous[1], found, previous[3])
        return found

    def _patched(self, path: str, line: int, chunk: bytes) -> tuple[Entry, ...] | None:
        """The item at (path, line) with only plain one-line scalars rewritten: the previous data
        with those leaves replaced (resolved and constructed exactly as the loader would)."""
        previous = self._at.get((path, line))
        if previous is None:
            return None
        old_chunk, old_data, old_entries, leaves = previous
        if isinstance(leaves, tuple):
            return self._patched_flow(path, line, chunk, old_data, old_entries, leaves)
        old_lines, new_lines = old_chunk.split(b"\n"), chunk.split(b"\n")
        if len(old_lines) != len(new_lines):
            return None
        data = dict(old_data)
        for number, (before, after) in enumerate(zip(old_lines, new_lines, strict=True)):
            if before == after:
                continue
            leaf = leaves.get(number)
            match = _SIMPLE_PAIR.match(after)
            if leaf is None or match is None:
                return None
            keys, column, name = leaf
            text = match.group(4)
            if (
                len(match.group(1) or b"") + len(match.group(2)) != column
                or match.group(3) != name
                or b": " in text
                or text.endswith(b":")
                or (text[:1] in b"-?:" and (len(text) == 1 or text[1:2] == b" "))
            ):
                return None
            target = data
            for key in keys[:-1]:  # copy along the path only: the old data is still in use
                target[key] = dict(target[key])
                target = target[key]
            value = text.decode()
            target[keys[-1]] = _plain_value(value)
        entry = old_entries[0]
        found = _entry_from(data, path, entry.line, entry.value_line, chunk)
        if found:
            _remember_content(chunk, data)
            self._at[(path, line)] = (chunk, data, found, leaves)
        return found

    def _patched_flow(
        self,
        path: str,
        line: int,
        chunk: bytes,
        old_data: dict[str, Any],
        old_entries: tuple[Entry, ...],
        shape: FlowShape,
    ) -> tuple[Entry, ...] | None:
        """A flow-style item (``- {dataset: {id: a, task_id: b}, value: 1, ...}``) with only scalar
        texts rewritten: everything between the scalars (keys, braces, commas, spacing, comments)
        must be byte-identical, and each new scalar must be one the loader reads the same way in
        that place (plain without indicators, or quoted without escapes). Else: None (full parse)."""
        gaps, leaves = shape
        if len(chunk) > _FAST_MAX_BYTES:
            return None
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:  # pragma: no cover - _by_items decoded the whole file
            return None
        if not text.startswith(gaps[0]):
            return None
        pos = len(gaps[0])
        data = dict(old_data)
        copied: set[KeyPath] = set()
        for (keys, style), gap in zip(leaves, gaps[1:], strict=True):
            scalar = _flow_scalar(text, pos, style)
            if scalar is None:
                return None
            value, pos = scalar
            if not text.startswith(gap, pos):
                return None
            pos += len(gap)
            target = data
            for depth in range(len(keys) - 1):  # copy along the path only: the old data is still in use
                if keys[: depth + 1] not in copied:
                    target[keys[depth]] = dict(target[keys[depth]])
                    copied.add(keys[: depth + 1])
                target = target[keys[depth]]
            target[keys[-1]] = value
        if pos != len(text):
            return None
        entry = old_entries[0]
        found = _entry_from(data, path, entry.line, entry.value_line, chunk)
        if found:
            _remember_content(chunk, data)
            self._at[(path, line)] = (chunk, data, found, (gaps, leaves))
        return found


def _flow_scalar(text: str, pos: int, style: str) -> tuple[Any, int] | None:
    """The value of the scalar at ``pos`` of a flow item and where it ends, when the loader reads
    it the same way there (``style``: its quote, or "" for plain); else None."""
    if style:
        if not text.startswith(style, pos):
            return None
        end = text.find(style, pos + 1)
        if end < 0:
            return None
        quoted = text[pos + 1 : end]
        if not quoted.isprintable() or (style == '"' and "\\" in quoted):
            return None
        return quoted, end + 1
    match = _FLOW_PLAIN.match(text, pos)
    if match is None or not match.group().isprintable():
        return None
    return _plain_value(match.group()), match.end()


# a plain scalar in a flow mapping, as one token: no indicator first ('-' only before a digit), no
# flow indicators, ':', '#' or quotes anywhere, single spaces inside, none at either end
_FLOW_PLAIN = re.compile(r"(?:[^\s\-?:,\[\]{}#&*!|>'\"%@`]|-(?=[0-9.]))[^\s,\[\]{}#:'\"]*(?: [^\s,\[\]{}#:'\"]+)*")


def _flow_template(item: yaml.MappingNode, chunk: bytes) -> FlowShape | None:
    """A one-line flow mapping cut into the text between its scalar values (gaps) and the values'
    (key path, quote style); None for anything else (sequences, non-plain keys, duplicate keys,
    multi-line scalars)."""
    if item.start_mark.line != item.end_mark.line:
        return None
    text = chunk.decode("utf-8")
    spans: list[tuple[int, int, KeyPath, str]] = []
    work: list[tuple[yaml.MappingNode, KeyPath]] = [(item, ())]
    str_tag = YAML_TAG + "str"
    while work:
        node, keys = work.pop()
        names = [key.value for key, _ in node.value]
        if not node.flow_style or len(set(names)) != len(names):
            return None
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.style or key.tag != str_tag:
                return None
            if isinstance(value, yaml.MappingNode):
                work.append((value, keys + (key.value,)))
            elif (
                isinstance(value, yaml.ScalarNode)
                and value.style in (None, "", "'", '"')
                and value.start_mark.line == value.end_mark.line
            ):
                start, end = value.start_mark.index, value.end_mark.index
                raw = text[start:end]
                if value.style:  # quoted: the text between the quotes is the value, no escapes
                    if (
                        len(raw) < 2
                        or raw[-1] != value.style
                        or value.style in raw[1:-1]
                        or "\\" in raw
                        or raw[1:-1] != value.value
                    ):
                        return None
                elif _FLOW_PLAIN.fullmatch(raw) is None or raw != value.value:
                    return None
                spans.append((start, end, keys + (key.value,), value.style or ""))
            else:
                return None
    spans.sort()
    gaps: list[str] = []
    leaves: list[tuple[KeyPath, str]] = []
    pos = 0
    for start, end, keys, style in spans:
        gaps.append(text[pos:start])
        leaves.append((keys, style))
        pos = end
    gaps.append(text[pos:])
    return tuple(gaps), tuple(leaves)


# `key: plain scalar` on one line (optionally after the item's "- "), no comment, no flow or
# quoting or anchor characters: the only shape an edit may take to be patched without parsing
_SIMPLE_PAIR = re.compile(rb"^(- )?( *)([A-Za-z_][A-Za-z0-9_]*): ([^ #'\"&*!|>{}\[\],%@`][^#]*?) *$")


def _leaves(item: yaml.MappingNode) -> BlockLeaves:
    """Line (in the item's text) -> (key path, key column, key) of each plain one-line scalar
    written as `key: value` in a block mapping; mappings with a duplicate key are left out."""
    leaves: BlockLeaves = {}
    work: list[tuple[yaml.MappingNode, KeyPath]] = [(item, ())]
    str_tag = YAML_TAG + "str"
    while work:
        node, keys = work.pop()
        if node.flow_style:
            continue
        names = [key.value for key, _ in node.value]
        if len(set(names)) != len(names):
            continue
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.style or key.tag != str_tag:  # plain: ''
                continue
            if isinstance(value, yaml.MappingNode):
                work.append((value, keys + (key.value,)))
            elif (
                isinstance(value, yaml.ScalarNode)
                and not value.style
                and value.start_mark.line == value.end_mark.line == key.start_mark.line
            ):
                leaves[key.start_mark.line] = (keys + (key.value,), key.start_mark.column, key.value.encode())
    return leaves


def _plain_value(text: str) -> Any:
    """A plain scalar's value, resolved and constructed as the loader does (memoised there)."""
    return plain_scalar(text)[1]


def _readme(data: bytes) -> Parsed:
    """A README's model-index metrics, read as lint reads them (``formats.model_index``)."""
    if b"model-index" not in data:
        return Parsed(())  # most READMEs: nothing to read, no need to decode or parse
    try:
        doc = load_card(data, README)
    except YamlLoadError as exc:
        where = "" if exc.rule in (BINARY_FILE.id, NOT_UTF8.id) else "front matter: "
        return Parsed((), f"{where}{exc.message} ({exc.rule})", exc.line)
    root = doc.root if doc is not None else None
    index = root.get(MODEL_INDEX_KEY) if root is not None and root.is_map else None
    if root is None or index is None:
        return Parsed(())
    if not index.is_seq:
        return Parsed((), "`model-index` is not a list", index.line)
    return Parsed(_metric_entries(read_metrics(root), README))


def _metric_entries(metrics: list[MetricResult], path: str) -> tuple[Entry, ...]:
    """One entry per metric: key (dataset.type, config:split:metric type, revision)."""
    entries: list[Entry] = []
    for metric in metrics:
        benchmark = _scalar(metric.dataset_type)
        if benchmark is None or not isinstance(metric.content["dataset"], dict):
            continue
        revision = _scalar(metric.dataset_revision)
        source = metric.source if isinstance(metric.source, dict) else {}
        task = ":".join(
            x for x in (_scalar(metric.dataset_config), _scalar(metric.dataset_split), _scalar(metric.metric_type)) if x
        )
        entries.append(
            Entry(
                benchmark,
                task,
                setup_key(None, revision),
                finite_number(metric.value),
                path,
                metric.line,
                metric.value_line,
                _str(source.get("url")),
                _str(source.get("name")),
                None,
                None,
                revision,
                None,
                _scalar(metric.verify_token),
                metric.content,
            )
        )
    return tuple(entries)


def _scalar(value: Any) -> str | None:
    """A plain scalar as text (None for null, booleans and collections), as a key part."""
    if value is None or isinstance(value, (bool, list, dict)):
        return None
    return value if isinstance(value, str) else str(value)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# --- fast path -----------------------------------------------------------------------------------
# A history audit parses every version of every results file (thousands of blobs); libyaml's C
# composer is ~3x faster than the positioned event builder of yamlsource on such small files. It is
# used only where it cannot differ from yamlsource.load or be abused: small UTF-8 text without
# anchors, aliases, merge keys or tags, and little flow nesting (the C composer recurses). Anything
# else, and every file libyaml rejects, takes the full loader, which also produces the error text.
_FAST_MAX_BYTES = 64 * 1024
_FAST_MAX_FLOW = 200
# anchors, aliases and tags start a token (after a space or flow indicator); '&' or '*' inside a
# word or URL ("?a=1&b=2") is plain text and must not send every such file to the slow path
_FAST_REFUSE_TOKENS = re.compile(rb"(?:^|[\s\[{,:?-])(?:[&*][^\s]|!)|<<|\xef\xbb\xbf|^%", re.M)


def _refused(data: bytes) -> bool:
    # the regex cannot skip ahead by a literal; most files hold none of these bytes at all
    if (
        b"&" not in data
        and b"*" not in data
        and b"!" not in data
        and b"<" not in data
        and b"%" not in data
        and b"\xef" not in data
    ):
        return False
    return _FAST_REFUSE_TOKENS.search(data) is not None


def _compose(data: bytes, checked: bool = False) -> yaml.Node | Literal[False] | None:
    if (
        len(data) > _FAST_MAX_BYTES
        or data.count(b"[") + data.count(b"{") > _FAST_MAX_FLOW
        or b"\x00" in data
        or (not checked and _refused(data))
    ):
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    loader = _Loader(text)
    try:
        if not loader.check_node():
            return None
        composed = loader.get_node()
        if loader.check_node():
            return False  # several documents: the full loader reports it
    except yaml.YAMLError:
        return False
    finally:
        loader.dispose()
    return composed


def fast_root(data: bytes, checked: bool = False) -> Node | Literal[False] | None:
    """The document root as yamlsource Nodes, None for an empty document, False: use the full loader.

    ``checked``: the caller already refused the markers on the whole file this text comes from."""
    composed = _compose(data, checked)
    if composed is None or composed is False:
        return composed
    return _convert(composed)


class _Loader(CParser, yaml.resolver.Resolver):
    """CSafeLoader's parser and composer, without its constructor: it only composes nodes, and
    every scalar becomes a value through ``yamlsource.construct_scalar`` (``_plain``, ``_convert``),
    the one bounded conversion. Implicit tags come from ``yamlsource.plain_scalar``, the loader's
    one memoised resolver (the same keys, URLs and numbers recur in every version of a file):
    the safe resolver registers no path resolvers, so a scalar's tag depends only on its text
    and whether it is plain."""

    def __init__(self, stream: str) -> None:
        CParser.__init__(self, stream)
        yaml.resolver.Resolver.__init__(self)

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:  # implicit: (plain, quoted); a quoted scalar is a string
            return YAML_TAG + plain_scalar(value)[0] if implicit[0] else _STR_TAG
        return _MAP_TAG if kind is yaml.MappingNode else _SEQ_TAG


_STR_TAG, _MAP_TAG, _SEQ_TAG = YAML_TAG + "str", YAML_TAG + "map", YAML_TAG + "seq"


def _scalar_value(node: yaml.ScalarNode) -> Any:
    """A composed scalar's value (its tag is a ``YAML_TAG`` one): as ``construct_scalar`` makes it,
    taken from ``plain_scalar``'s memo when that resolved the tag (``_Loader.resolve``), which
    constructed the value too."""
    if node.tag == _STR_TAG:
        return node.value
    tag, value = plain_scalar(node.value)
    return value if node.tag == YAML_TAG + tag else construct_scalar(node.tag[len(YAML_TAG) :], node.value)


class _Refuse(Exception):
    pass


_PLAIN_MAX_DEPTH = DEFAULT_LIMITS.max_depth - 4


def _plain(node: yaml.Node, depth: int = 0) -> Any:
    """Composed node -> plain data exactly as yamlsource's ``to_python`` gives it."""
    if depth > _PLAIN_MAX_DEPTH or not node.tag.startswith(YAML_TAG):
        raise _Refuse
    if isinstance(node, yaml.ScalarNode):
        return _scalar_value(node)
    if isinstance(node, yaml.SequenceNode):
        return [_plain(child, depth + 1) for child in node.value]
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise _Refuse
            out[_plain(key, depth + 1)] = _plain(value, depth + 1)
        return out
    raise _Refuse


def _item_entries(item: yaml.Node, path: str, line_offset: int, raw: bytes, data: Any = None) -> tuple[Entry, ...]:
    """The entry of one sequence item, read straight from composed nodes (one pass); ``data``:
    the item's plain data when the caller has it already."""
    if not isinstance(item, yaml.MappingNode):
        _plain(item)  # refuses what the full loader must judge; a non-mapping item is no entry
        return ()
    if data is None:
        data = _plain(item)
    line = item.start_mark.line + 1 + line_offset
    value_line = line
    for key, value in item.value:
        if key.value == "value" and key.tag == YAML_TAG + "str":
            value_line = value.start_mark.line + 1 + line_offset
    return _entry_from(data, path, line, value_line, raw)


def _entry_from(data: dict[str, Any], path: str, line: int, value_line: int, raw: bytes) -> tuple[Entry, ...]:
    return _entry(entry_fields(data), path, line, value_line, raw=raw)


def _convert(composed: yaml.Node) -> Node | Literal[False] | None:
    """Composed nodes -> yamlsource Nodes, iteratively; False on anything the fast path refuses."""
    root: Node | None = None
    work: list[tuple[yaml.Node, Node | None, Any, int]] = [(composed, None, None, 0)]
    while work:
        item, parent, slot, depth = work.pop()
        if depth > DEFAULT_LIMITS.max_depth:
            return False  # the full loader reports yaml-depth-limit
        tag = item.tag[len(YAML_TAG) :] if item.tag.startswith(YAML_TAG) else None
        if tag is None:
            return False
        mark = item.start_mark
        if isinstance(item, yaml.ScalarNode):
            node = Node(
                "scalar",
                _scalar_value(item),
                mark.line + 1,
                mark.column + 1,
                tag,
                bool(item.style),
            )
        elif isinstance(item, yaml.SequenceNode):
            node = Node("seq", [None] * len(item.value), mark.line + 1, mark.column + 1)
            for index in range(len(item.value) - 1, -1, -1):
                work.append((item.value[index], node, index, depth + 1))
        elif isinstance(item, yaml.MappingNode):
            node = Node("map", {}, mark.line + 1, mark.column + 1)
            pairs = []
            for key, value in item.value:
                if not isinstance(key, yaml.ScalarNode) or not key.tag.startswith(YAML_TAG):
                    return False
                key_node = Node(
                    "scalar",
                    _scalar_value(key),
                    key.start_mark.line + 1,
                    key.start_mark.column + 1,
                    key.tag[len(YAML_TAG) :],
                    bool(key.style),
                )
                if isinstance(key_node.value, (list, dict)):
                    return False
                pairs.append((key_node, value))
            # children are attached in document order so a duplicate key keeps the last value
            for key_node, value in reversed(pairs):
                work.append((value, node, key_node, depth + 1))
        else:
            return False
        if parent is None:
            root = node
        elif parent.kind == "seq":
            parent.value[slot] = node
        else:
            parent.value[slot.value] = node  # document order: a duplicate key keeps the last value
            assert parent.keys is not None  # a map has its key nodes
            parent.keys[slot.value] = slot
    return root
