"""Entry timelines: the live entries of a repo, keyed by (benchmark, task, setup), commit by commit.

An entry's identity is its key, not its file or position: moving an entry to another file,
reordering a list or reformatting YAML produce no event. What a commit does to the entries is
reduced to events (added, edited, deleted, restored) that the rules judge.

A commit's events compare its files with its parent's (the blob ids ``git log --raw`` names), not
with the last commit applied: on a history with branches the walk interleaves the lines, and an
edit on one line is not a change of what the other line held. A merge is compared with its first
parent (see ``evalledger.audit.engine`` for which of its events are judged).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from evalledger.audit.sources import BlobParser, Entry, Parsed, is_tracked
from evalledger.git import Change

EntryKey = tuple[str, str, str]  # ``Entry.key``: (benchmark, task, setup)

ADDED, EDITED, DELETED, RESTORED = "added", "edited", "deleted", "restored"
# why an entry is gone: removed from a file that remains, file deleted, or file no longer readable
REMOVED, FILE_DELETED, FILE_INVALID = "removed", "file-deleted", "file-invalid"


@dataclass(frozen=True)
class Event:
    kind: str
    old: Entry | None  # before (for RESTORED: the entry as it was when deleted)
    new: Entry | None
    reason: str = ""  # for DELETED: REMOVED / FILE_DELETED / FILE_INVALID
    duplicate: bool = False  # the key lives on in another file

    @property
    def entry(self) -> Entry:
        """The entry as the event leaves it, or as it was when the event removed it."""
        entry = self.new or self.old
        if entry is None:
            raise ValueError("an event has an entry before or after it")
        return entry


@dataclass(frozen=True)
class FileProblem:
    path: str
    line: int
    message: str
    stray: tuple[Entry, ...] = ()


class ParseCache:
    """Parsed blobs by object id; small and bounded (reverts and moves reuse recent blobs)."""

    def __init__(self, read: Callable[[str], bytes | None], size: int = 256) -> None:
        self._read = read
        self._size = size
        self._items: OrderedDict[tuple[str, str], Parsed] = OrderedDict()
        self._ahead: dict[tuple[str, str], Parsed] = {}
        self._parser = BlobParser()

    def parse_ahead(self, blobs: list[tuple[str, str, bytes | None]]) -> None:
        """Parse blobs read ahead (while git is still walking); ``get`` takes them when their
        commit is applied."""
        for path, oid, data in blobs:
            if (path, oid) not in self._ahead:
                self._ahead[(path, oid)] = (
                    Parsed((), "blob is missing from the repository")
                    if data is None
                    else self._parser.parse(path, data)
                )

    def has(self, path: str, oid: str) -> bool:
        """Whether the blob is parsed (read ahead or kept): ``get`` will not read it."""
        return (path, oid) in self._ahead or (path, oid) in self._items

    def get(self, path: str, oid: str) -> Parsed:
        key = (path, oid)
        ahead = self._ahead.pop(key, None)
        if ahead is not None:
            self._items[key] = ahead
            if len(self._items) > self._size:
                self._items.popitem(last=False)
            return ahead
        hit = self._items.get(key)
        if hit is not None:
            self._items.move_to_end(key)
            return hit
        data = self._read(oid)
        parsed = Parsed((), "blob is missing from the repository") if data is None else self._parser.parse(path, data)
        self._items[key] = parsed
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return parsed


class Timeline:
    """Live entries per file, plus the last version of each deleted key (its tombstone)."""

    def __init__(self, cache: ParseCache) -> None:
        self.cache = cache
        self.files: dict[str, dict[EntryKey, Entry]] = {}
        self.oids: dict[str, str] = {}  # the blob each tracked path holds (readable or not)
        self.tombstones: dict[EntryKey, Entry] = {}

    def load(self, files: dict[str, str]) -> None:
        """Initial state: the tracked files at the base commit."""
        for path, oid in files.items():
            if is_tracked(path):
                self.files[path] = _by_key(self.cache.get(path, oid).entries)
                self.oids[path] = oid

    def sync(self, files: dict[str, str]) -> None:
        """Make the live state the tracked files of one commit, without events (after a merge,
        whose lines the walk may have applied in any order)."""
        tracked = {path: oid for path, oid in files.items() if is_tracked(path)}
        for path in [p for p in self.oids if p not in tracked]:
            del self.oids[path]
            self.files.pop(path, None)
        for path, oid in tracked.items():
            if self.oids.get(path) != oid:
                self.oids[path] = oid
                parsed = self.cache.get(path, oid)
                if parsed.problem is None:
                    self.files[path] = _by_key(parsed.entries)
                else:
                    self.files.pop(path, None)

    def keyed(self, files: dict[str, str]) -> dict[EntryKey, Entry]:
        """The entries of one commit's tracked files by key (the first of a duplicated key)."""
        out: dict[EntryKey, Entry] = {}
        for path, oid in files.items():
            if is_tracked(path):
                for entry in self.cache.get(path, oid).entries:
                    out.setdefault(entry.key, entry)
        return out

    def live(self, key: EntryKey) -> Entry | None:
        for entries in self.files.values():
            if key in entries:
                return entries[key]
        return None

    def entries(self) -> Iterable[Entry]:
        for entries in self.files.values():
            yield from entries.values()

    def apply(self, changes: Iterable[Change]) -> tuple[list[Event], list[FileProblem]]:
        """Apply one commit's changed files; return its events and files that became unreadable."""
        old: dict[EntryKey, Entry] = {}
        new: dict[EntryKey, Entry] = {}
        reasons: dict[EntryKey, str] = {}
        problems: list[FileProblem] = []
        files, oids = self.files, self.oids
        for change in changes:
            path, new_oid = change.path, change.new_oid
            if not is_tracked(path):
                continue
            # the file as the commit's parent held it: on a linear history the live state; after
            # a commit of another line of history, the blob git names as the old side
            before = files.pop(path, {})
            if change.old_oid != oids.get(path):
                before = {} if change.old_oid is None else _by_key(self.cache.get(path, change.old_oid).entries)
            for key, entry in before.items():
                old.setdefault(key, entry)
            if new_oid is None:
                oids.pop(path, None)
                for key in before:
                    reasons.setdefault(key, FILE_DELETED)
                continue
            oids[path] = new_oid
            parsed = self.cache.get(path, new_oid)
            if parsed.problem is not None:
                problems.append(FileProblem(path, parsed.line, parsed.problem, parsed.stray))
                for key in before:
                    reasons.setdefault(key, FILE_INVALID)
                continue
            after = _by_key(parsed.entries)
            files[path] = after
            for key, entry in after.items():
                new.setdefault(key, entry)
        return self._events(old, new, reasons), problems

    def _events(
        self, old: dict[EntryKey, Entry], new: dict[EntryKey, Entry], reasons: dict[EntryKey, str]
    ) -> list[Event]:
        """What one commit did to the entries: ``old`` and ``new`` by key, as its changed files
        held them before and after; ``reasons`` why a file's entries are gone."""
        events: list[Event] = []
        gone = [key for key in old if key not in new]
        came = [key for key in new if key not in old]
        # a key whose setup changed in the same commit (notes or revision rewritten) is an edit of
        # that entry, not a deletion plus an unrelated addition
        pairs = _pair_by_task(gone, came)
        for old_key, new_key in pairs.items():
            events.append(Event(EDITED, old[old_key], new[new_key]))
        paired_new = set(pairs.values())
        for key, entry in old.items():
            if key in new:
                if _differs(entry, new[key]):
                    events.append(Event(EDITED, entry, new[key]))
            elif key not in pairs:
                duplicate = self.live(key) is not None
                events.append(Event(DELETED, entry, None, reasons.get(key, REMOVED), duplicate))
                if not duplicate:
                    self.tombstones[key] = entry
        for key in came:
            if key in paired_new:
                continue
            tomb = self.tombstones.pop(key, None)
            if tomb is not None:
                events.append(Event(RESTORED, tomb, new[key]))
            else:
                events.append(Event(ADDED, None, new[key]))
        return events


def _by_key(entries: Iterable[Entry]) -> dict[EntryKey, Entry]:
    out: dict[EntryKey, Entry] = {}
    for entry in entries:
        out.setdefault(entry.key, entry)  # a duplicate key is lint's finding; the first one counts
    return out


def _pair_by_task(gone: list[EntryKey], came: list[EntryKey]) -> dict[EntryKey, EntryKey]:
    by_task_gone: dict[tuple[str, str], list[EntryKey]] = {}
    by_task_came: dict[tuple[str, str], list[EntryKey]] = {}
    for key in gone:
        by_task_gone.setdefault(key[:2], []).append(key)
    for key in came:
        by_task_came.setdefault(key[:2], []).append(key)
    pairs: dict[EntryKey, EntryKey] = {}
    for task, keys in by_task_gone.items():
        others = by_task_came.get(task, [])
        if len(keys) == 1 and len(others) == 1:
            pairs[keys[0]] = others[0]
    return pairs


def same(a: Entry | None, b: Entry | None) -> bool:
    """The same entry, or both absent (position and file do not count)."""
    if a is None or b is None:
        return a is b
    return not _differs(a, b)


def _differs(a: Entry, b: Entry) -> bool:
    """True when anything but the position changed."""
    return (a.value, a.source_url, a.source_name, a.source_user, a.notes, a.revision, a.date, a.verify_token) != (
        b.value,
        b.source_url,
        b.source_name,
        b.source_user,
        b.notes,
        b.revision,
        b.date,
        b.verify_token,
    )
