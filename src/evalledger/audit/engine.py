"""The audit run: resolve the range, check the history is complete, walk it, judge each event.

For ``BASE..HEAD`` (what a PR adds) the state at the merge base is read from the tree at that
commit, never by walking older history, so a PR audit costs what the PR changed: when the range
is a line of commits (the usual PR), the commits, their trees and blobs are all read through
one ``cat-file`` process (``_Straight``), and the only other git processes are the blames of
the values it edits (``_AtBase``, ``_guess_blames``). Findings are reported only for commits
inside the range.

Each commit is judged against its own parent; a merge against its first parent, for what no side
parent explains (``_Merges``), so the whole history and a range report a side branch's edits once,
at the side's commits, and an edit made inside a merge at the merge.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalledger import git, revrange
from evalledger.audit.context import EventContext, Origin
from evalledger.audit.early import EarlyWalk
from evalledger.audit.rules import EVENT_MODULES, edits, retraction, verify
from evalledger.audit.rules.copies import Claim
from evalledger.audit.rules.published import PUBLISHED_COMMIT_UNREACHABLE, PublishedRow, check_rows
from evalledger.audit.sources import README, WALK_PATHS, Entry, is_tracked
from evalledger.audit.timeline import (
    ADDED,
    DELETED,
    EDITED,
    FILE_INVALID,
    RESTORED,
    EntryKey,
    Event,
    FileProblem,
    ParseCache,
    Timeline,
    same,
)
from evalledger.finding import POSITION, Finding
from evalledger.formats.results import MAX_RESULT_FILES, RESULTS_DIR
from evalledger.policy import BenchmarkPolicy

#: leaderboard rows whose commits must still be in the history: commit ids, commit id -> the row's
#: fields (``path``, ``line``, ``model``, ``benchmark``...), or the rows themselves
Published = Iterable[str] | Mapping[str, Mapping[str, Any]] | Iterable[PublishedRow]
Blamed = Mapping[tuple[str, int], tuple[str, str, str] | None]  # (path, line) -> (commit, name, email)
#: changed paths of the walked paths in one commit: at most every file its parent had and every
#: file it has, each a listing of at most MAX_RESULT_FILES under .eval_results plus README.md. A
#: commit git lists with more (a crafted tree of a few KB can hold billions of paths) is refused
#: while git prints it
MAX_COMMIT_CHANGES = 2 * (MAX_RESULT_FILES + 1)


class AuditError(Exception):
    """The history cannot be audited as asked (not a repo, bad range, shallow clone): exit 2."""


@dataclass
class AuditResult:
    findings: list[Finding]
    commits: int = 0  # commits that touched result files in the audited range
    files: int = 0  # result files changed
    claims: list[Claim] = field(default_factory=list)  # live entries at HEAD (cross-model checks)
    model: str = ""
    range: str | None = None
    # (model, benchmark, task, setup) -> the entry's last values, (commit or "" for the state
    # before the range, value): the score history the Markdown report charts for flagged entries
    history: dict[tuple[str, ...], deque[tuple[str, float]]] = field(default_factory=dict)


def model_id(repo: Path, given: str | None = None) -> str:
    """The model repo id: given, else from the origin URL (``.../org/name[.git]``), else the folder."""
    if given:
        return given
    url = git.remote_url(repo)
    if url:
        parts = [p for p in url.rstrip("/").removesuffix(".git").replace(":", "/").split("/") if p]
        if len(parts) >= 2:
            return "/".join(parts[-2:])
    return repo.name


class _Policies:
    def __init__(self, policy: BenchmarkPolicy | Mapping[str, BenchmarkPolicy] | None) -> None:
        self.single = policy if isinstance(policy, BenchmarkPolicy) else None
        self.by_benchmark: dict[str, BenchmarkPolicy] = dict(policy) if isinstance(policy, Mapping) else {}
        star = self.by_benchmark.pop("*", None)
        self.default = star or self.single or BenchmarkPolicy()

    def __call__(self, benchmark: str) -> BenchmarkPolicy:
        return self.by_benchmark.get(benchmark, self.default)


def _parse_range(rev_range: str) -> revrange.RevRange:
    try:
        return revrange.parse(rev_range)
    except revrange.RangeError as exc:
        raise AuditError(f"--range {exc}") from None


def _resolve_range(
    repo: Path, rev_range: str | None, deepen: bool, shallow: bool
) -> tuple[str | None, str | None, list[str]]:
    """(merge base or None for full history, head sha, revs for git log)."""
    if rev_range is None:
        head = git.rev_parse(repo, "HEAD")
        if head is None:
            return None, None, []
        if shallow:
            _deepen_or_fail(repo, deepen, "the whole history was asked for")
        return None, head, [head]
    ends = _parse_range(rev_range)
    base_rev, head_rev = ends.base, ends.head
    for attempt in (0, 1):
        base, head = git.rev_parse(repo, base_rev), git.rev_parse(repo, head_rev)
        if head is None:
            raise AuditError(f"--range {rev_range}: {head_rev!r} is not a commit in {repo}")
        merge_base = git.merge_base(repo, base, head) if base else None
        if base is not None and merge_base is not None:
            break
        if not shallow or attempt:
            if base is None:
                raise AuditError(f"--range {rev_range}: {base_rev!r} is not a commit in {repo}")
            raise AuditError(f"--range {rev_range}: {base_rev} and {head_rev} share no history")
        missing = (
            f"base {base_rev} is not in this shallow clone"
            if base is None
            else f"the merge base of {base_rev} and {head_rev} is beyond this shallow clone's depth"
        )
        _deepen_or_fail(repo, deepen, missing)
        shallow = False
    assert base is not None and head is not None and merge_base is not None  # the loop breaks with all or raises
    revs = [revrange.join(base, head)]
    if shallow:
        cut = git.shallow_commits(repo)
        if cut and cut & set(git.rev_list(repo, revs)):
            _deepen_or_fail(repo, deepen, "commits of the range have parents this shallow clone lacks")
    return merge_base, head, revs


def _deepen_or_fail(repo: Path, deepen: bool, why: str) -> None:
    if not deepen:
        raise AuditError(
            f"{repo} is a shallow clone and {why}; the audit will not report on history it cannot see. "
            "Fetch the full history (`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout) "
            "or pass --deepen to let the audit fetch it"
        )
    try:
        git.fetch_unshallow(repo)
    except git.GitError as exc:
        raise AuditError(f"{repo} is a shallow clone and {why}; --deepen failed: {exc.stderr or exc}") from None


@dataclass
class _History:
    """What one audit reads, started: the work tree root, the head, the base (None: the whole
    history), the walk of the commits in between and the blob reader."""

    top: Path
    head: str | None  # None: a repository without commits
    base: str | None
    walk: Any = None  # _Quick, _Walk or git.ChangeStream
    blobs: git.BlobReader | None = None
    before: _Base | None = None  # the state at the base, read before the walk (``_read``)

    def read(self, cache: ParseCache) -> list[git.CommitChanges] | None:
        """The walked commits, oldest first, their new blobs parsed; None when the quick path's
        guess of the base was wrong."""
        assert self.blobs is not None
        if isinstance(self.walk, (_Walk, _Quick, _Straight)):
            return self.walk.read(cache, self.blobs)
        return _read_ahead(self.walk, cache, self.blobs)

    def close(self) -> None:
        for part in (self.before, self.walk, self.blobs):
            if part is not None:
                part.close()


@dataclass
class _Quick:
    """A range that is not a line of commits (a merge in it, a base off the head's line), in the
    fewest git processes (each costs milliseconds to start, which is most of what a PR-sized
    audit costs): the blob reader that resolved the ends, and one walk of the range. The walk
    is not path-limited (a range is short) so it lists every commit with its real parents, and
    the base is the merge base when it is a parent of a commit of the range (checked after the
    walk; otherwise the audit starts again on the careful path)."""

    stream: git.ChangeStream
    merge_base: str
    seen: set[str] = field(default_factory=set)
    parents: set[str] = field(default_factory=set)

    def commits(self) -> Iterator[git.CommitChanges]:
        """The walk, with only the result files' changes kept."""
        for commit in self.stream:
            self.seen.add(commit.sha)
            self.parents.update(commit.parents)
            changes = tuple(c for c in commit.changes if _walked(c.path))
            yield commit if len(changes) == len(commit.changes) else dataclasses.replace(commit, changes=changes)

    def read(self, cache: ParseCache, blobs: git.BlobReader) -> list[git.CommitChanges] | None:
        try:
            commits = _read_ahead(self.commits(), cache, blobs)
        except git.LimitExceeded:  # counted over every path of the commit: the careful path's
            return None  # walk lists only the result files, and words the refusal if they are too many
        return commits if self.merge_base in self.parents and self.merge_base not in self.seen else None

    def close(self) -> None:
        self.stream.close()


@dataclass
class _Straight:
    """A range that is a line of commits, read through the blob reader before the audit starts
    (``git.straight_changes``): no ``git log`` process at all. ``files``: commit id -> the walked
    files it holds, for every commit of the line and the base (``_files`` answers from it)."""

    commits: list[git.CommitChanges]  # newest first
    files: dict[str, dict[str, str]]

    def read(self, cache: ParseCache, blobs: git.BlobReader) -> list[git.CommitChanges]:
        return _read_ahead(self.commits, cache, blobs)

    def close(self) -> None:
        pass


def _walked(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in WALK_PATHS)


def _quick_range(repo: str | os.PathLike[str], rev_range: str | None) -> _History | None:
    """None: take the careful path (shallow clones, errors, unusual layouts), which also words
    every error."""
    try:
        ends = revrange.parse(rev_range) if rev_range is not None else None
    except revrange.RangeError:
        ends = None
    start = Path(repo)
    dot = start / ".git"
    if (
        ends is None
        or any(r.startswith("-") for r in (ends.base, ends.head))
        or not (dot / "HEAD").is_file()
        or (dot / "shallow").exists()
        or any(v in os.environ for v in ("GIT_DIR", "GIT_WORK_TREE"))
    ):
        return None
    if any(not r or any(c.isspace() for c in r) for r in (ends.base, ends.head)):
        return None  # (each end is one line of a request to cat-file)
    blobs = git.BlobReader(start)
    try:
        ends_at = [f"{rev}^{{commit}}" for rev in (ends.base, ends.head)]
        found = blobs.read_batch(ends_at, git.MAX_LINE_OBJECT_BYTES)  # one round trip; a giant commit: careful path
        if any(end.data is None for end in found):
            blobs.close()
            return None
        base, head = found[0].oid, found[1].oid
        read = {end.oid: end.data for end in found if end.data is not None}
        line = git.straight_changes(blobs, base, head, WALK_PATHS, MAX_RESULT_FILES, read)
        if line is not None:
            walk: Any = _Straight(git.straight_line_changes(line), {sha: files for sha, (_, files) in line.items()})
        else:
            stream = git.ChangeStream(
                start, [revrange.join(base, head)], (), oldest_first=False, max_changes=MAX_COMMIT_CHANGES
            )
            walk = _Quick(stream, base)
    except BaseException:
        blobs.close()
        raise
    return _History(start.resolve(), head, base, walk, blobs)


def _careful(
    repo: str | os.PathLike[str], rev_range: str | None, deepen: bool, write_commit_graph: bool, early: EarlyWalk | None
) -> _History:
    """Every check made and worded (not a repository, bad range, shallow clone); git walks while
    the caller sets up."""
    state = git.repo_state(repo) if Path(repo).exists() else None
    if state is None:
        raise AuditError(f"{repo} is not inside a git repository")
    top, shallow = state
    base, head, revs = _resolve_range(top, rev_range, deepen, shallow)
    if head is None:
        return _History(top, None, None)
    if write_commit_graph:
        git.write_commit_graph(top)
    if base is None:
        fits = early is not None and not shallow and not write_commit_graph and early.root == top.resolve()
        walk: Any = _Walk(top, revs, early if fits else None)
    else:
        walk = git.ChangeStream(top, revs, WALK_PATHS, oldest_first=False, max_changes=MAX_COMMIT_CHANGES)
    history = _History(top, head, base, walk)
    try:
        history.blobs = git.BlobReader(top)
    except BaseException:
        history.close()
        raise
    return history


def _read(history: _History) -> tuple[list[git.CommitChanges] | None, ParseCache]:
    """The walked commits (see ``_History.read``) and the cache of their parsed blobs; for a range,
    the state at its base is read first, while git walks (``_read_base``)."""
    assert history.blobs is not None
    blobs = history.blobs
    cache = ParseCache(lambda oid: blobs.read(oid).data)
    try:
        if history.base is not None:
            history.before = _read_base(history, cache)
        return history.read(cache), cache
    except BaseException:
        history.close()
        raise


def run_audit(
    repo: str | os.PathLike[str],
    *,
    rev_range: str | None = None,
    policy: BenchmarkPolicy | Mapping[str, BenchmarkPolicy] | None = None,
    published_commits: Published | None = None,
    model: str | None = None,
    deepen: bool = False,
    write_commit_graph: bool = False,
    label: str = "",
    early: EarlyWalk | None = None,
) -> AuditResult:
    """``early``: an ``evalledger.audit.early.EarlyWalk`` of this repo's whole history, started
    before the imports; used when it fits what is audited (else ignored; the caller closes it).

    A history over a bound (``git.LimitExceeded``: a revision listing more files than a repo may
    hold, a commit changing more) raises ``AuditError`` naming the repo, the count and the limit."""
    try:
        history = _quick_range(repo, rev_range) if not write_commit_graph and Path(repo).exists() else None
        commits = None
        if history is not None:
            commits, cache = _read(history)
            if commits is None:  # the base is not where the range starts: the careful path finds it
                history.close()
        if commits is None:
            history = _careful(repo, rev_range, deepen, write_commit_graph, early)
            if history.head is None:  # a repository without commits has no history to audit
                return AuditResult([], model=model_id(history.top, model), range=rev_range)
            commits, cache = _read(history)
        assert history is not None and commits is not None and history.head is not None
        model_name = model_id(history.top, model)
        try:
            result = _audit(history, commits, cache, model_name, _Policies(policy), rev_range, label)
        finally:
            history.close()
    except git.LimitExceeded as exc:
        raise AuditError(
            f"{repo} cannot be audited: {exc}; the audit will not report on history it cannot read"
        ) from None
    return _finish(result, published_commits, history.top, history.head, model_name, f"{label}/" if label else "")


def _audit(
    history: _History,
    commits: list[git.CommitChanges],
    cache: ParseCache,
    model_name: str,
    policies: _Policies,
    rev_range: str | None,
    label: str,
) -> AuditResult:
    """Replay the walked commits on the timeline and judge each one's events."""
    assert history.blobs is not None
    result = AuditResult([], model=model_name, range=rev_range)
    timeline = Timeline(cache)
    before = history.before
    at_base: dict[EntryKey, Entry] = {}  # the base's entries by key (the first of a duplicated key)
    if before is not None:
        timeline.load(before.files)
        for entry in timeline.entries():
            at_base.setdefault(entry.key, entry)
    judge = _Judge(result, model_name, policies, _Blame(history.top, history.base, at_base))
    merges = _Merges(history, timeline)
    applied: list[_Applied] = []
    for commit in commits:
        item = merges.apply(commit) if len(commit.parents) > 1 else _apply(commit, timeline)
        if item is None:
            continue
        if history.base is None:  # whole history: judged in order, nothing is held
            judge(item)
        else:  # a range: judged once all of it is read, so its blames run together
            applied.append(item)
    history.blobs.end_input()  # every object is read: cat-file exits while the judging runs
    if applied and before is not None and history.base is not None:  # a range
        judge.blame.start(before.guessed, _blame_base_entries(history.top, history.base, before, at_base, applied))
        for item in applied:
            judge(item)
        judge.blame.finish()
    result.files = len(judge.files)
    prefix = f"{label}/" if label else ""
    for entry in timeline.entries():
        if entry.value is not None:
            origin = judge.origins.get(entry.key)
            result.claims.append(
                Claim(
                    model_name,
                    entry.benchmark,
                    entry.task,
                    entry.setup,
                    entry.value,
                    prefix + entry.path,
                    entry.value_line,
                    origin.commit if origin else None,
                )
            )
    return result


def _files(history: _History, rev: str) -> dict[str, str]:
    """path -> blob id of the walked paths at ``rev``, through the open blob reader."""
    assert history.blobs is not None
    if isinstance(history.walk, _Straight) and rev in history.walk.files:
        return history.walk.files[rev]
    listed = git.tree_files(history.blobs, rev, WALK_PATHS, MAX_RESULT_FILES)
    return git.ls_tree(history.top, rev, WALK_PATHS, MAX_RESULT_FILES) if listed is None else listed


@dataclass
class _Applied:
    """One commit replayed: the events and unreadable files it is judged for, and the events a
    merge takes from a side whose own commits are judged for them (``carried``)."""

    commit: git.CommitChanges
    events: list[Event]
    problems: list[FileProblem]
    carried: list[Event] = field(default_factory=list)


def _apply(commit: git.CommitChanges, timeline: Timeline) -> _Applied | None:
    if not commit.changes:
        return None
    events, problems = timeline.apply(commit.changes)
    return _Applied(commit, events, problems) if events or problems else None


class _Merges:
    """A merge is compared with its first parent: that is what it brings into the branch. An
    event a side parent explains is not judged again at the merge: the side's value is the
    merge's, and the side changed it since the merge base (a three-way merge takes it). The
    side's own commits are in the walk (whole history, or a range: the commits HEAD has and the
    base has not), where they were judged one by one with their authors; a side already in the
    base (a PR's "update branch" merge of main) is history the range does not own. What no side
    explains (an "evil merge": a value edited while resolving, or a side's change undone) is
    judged at the merge, as an edit of the first parent's entry."""

    def __init__(self, history: _History, timeline: Timeline) -> None:
        self.history = history
        self.timeline = timeline

    def apply(self, commit: git.CommitChanges) -> _Applied | None:
        first_parent, *others = commit.parents
        merged, first = _files(self.history, commit.sha), _files(self.history, first_parent)
        paths = sorted(p for p in set(first) | set(merged) if first.get(p) != merged.get(p))
        changes = tuple(
            git.Change(
                "A" if first.get(p) is None else "D" if merged.get(p) is None else "M", p, first.get(p), merged.get(p)
            )
            for p in paths
        )
        events, problems = self.timeline.apply(changes) if changes else ([], [])
        self.timeline.sync(merged)
        if not events and not problems:
            return None
        sides = [_Side(self.history, self.timeline, first_parent, parent) for parent in others]
        at_merge = self.timeline.keyed(merged)
        own: list[Event] = []
        carried: list[Event] = []
        for event in events:
            if any(side.explains(event, at_merge) for side in sides):
                carried.append(event)
            else:
                own.append(_against_clean_merge(event, sides))
        problems = [p for p in problems if not any(side.explains_file(p.path, merged.get(p.path)) for side in sides)]
        return _Applied(dataclasses.replace(commit, changes=changes), own, problems, carried)


def _against_clean_merge(event: Event, sides: list[_Side]) -> Event:
    """A merge's own edit, judged against what a clean merge would hold: the first parent's entry,
    or a side's where only the side changed it (so a source the side updated does not pass for
    the merge's own evidence)."""
    entry = event.entry
    clean = next((side.entries[entry.key] for side in sides if side.changed(entry.key)), None)
    if clean is None or (event.old is not None and event.old.key != entry.key):
        return event
    if event.new is None:
        return dataclasses.replace(event, old=clean)
    return Event(EDITED if event.kind == ADDED else event.kind, clean, event.new)


class _Side:
    """A merge's side parent, and its merge base with the first parent (one ``git merge-base``,
    run only when the side holds what the merge holds), as entries by key."""

    def __init__(self, history: _History, timeline: Timeline, first_parent: str, parent: str) -> None:
        self.history, self.timeline, self.first_parent, self.parent = history, timeline, first_parent, parent
        self.files = _files(history, parent)
        self.entries = timeline.keyed(self.files)
        self._fork: tuple[dict[str, str], dict[EntryKey, Entry]] | None = None

    def _at_fork(self) -> tuple[dict[str, str], dict[EntryKey, Entry]]:
        if self._fork is None:
            fork = git.merge_base(self.history.top, self.first_parent, self.parent)
            files = _files(self.history, fork) if fork else {}
            self._fork = (files, self.timeline.keyed(files))
        return self._fork

    def changed(self, key: EntryKey) -> bool:
        """The side holds the key, changed since the merge base."""
        return key in self.entries and not same(self.entries[key], self._at_fork()[1].get(key))

    def explains(self, event: Event, at_merge: dict[EntryKey, Entry]) -> bool:
        keys = {e.key for e in (event.old, event.new) if e is not None}
        if not all(same(at_merge.get(k), self.entries.get(k)) for k in keys):
            return False
        fork = self._at_fork()[1]
        return all(not same(self.entries.get(k), fork.get(k)) for k in keys)

    def explains_file(self, path: str, oid: str | None) -> bool:
        return oid == self.files.get(path) and oid != self._at_fork()[0].get(path)


class _AtBase:
    """Where each key's value stood at the base of a range (the entry, its path and value line:
    what ``git blame`` is asked about), followed through what the range does to the entry while
    keeping its value: a move to another file, a reformat, a setup renamed. An edit's previous
    value is blamed at its place at the base, never at the line it holds in a later version of
    the file (which at the base may be another entry's line, or no entry's)."""

    def __init__(self, entries: Mapping[EntryKey, Entry]) -> None:
        self.entries = dict(entries)

    def of(self, old: Entry) -> Entry | None:
        """The base entry holding ``old``'s value; None when the value was not there."""
        found = self.entries.get(old.key)
        return found if found is not None and found.value == old.value else None

    def follow(self, event: Event) -> None:
        old, new = event.old, event.new
        if old is not None and new is not None and old.key != new.key and old.value == new.value:
            found = self.entries.get(old.key)
            if found is not None:
                self.entries[new.key] = found


class _Blame:
    """Who wrote, before the range, a value the range changes (for the whole history there is no
    before: every value's writer is seen on the way). Lines blamed in batches of one ``git blame``
    per file (``start``), the rest one by one."""

    def __init__(self, top: Path, base: str | None, entries: Mapping[EntryKey, Entry]) -> None:
        self.top, self.base = top, base
        self.at_base = _AtBase(entries)
        self.batches: tuple[Blamed, ...] = ()

    def start(self, *batches: Blamed) -> None:
        self.batches = batches

    def __call__(self, entry: Entry) -> Origin | None:
        held = self.at_base.of(entry)
        if self.base is None or held is None:
            return None
        where = (held.path, held.value_line)
        found = next((batch[where] for batch in self.batches if where in batch), None)
        if found is None:
            found = git.blame_line(self.top, self.base, held.path, held.value_line)
        return Origin(*found) if found else None

    def finish(self) -> None:
        for batch in self.batches:  # no rule asked: the processes are still read to the end
            len(batch)


class _Judge:
    """Judges replayed commits into one result, remembering who wrote each value."""

    def __init__(self, result: AuditResult, model_name: str, policies: _Policies, blame: _Blame) -> None:
        self.result, self.model_name, self.policies, self.blame = result, model_name, policies, blame
        self.origins: dict[EntryKey, Origin] = {}  # who wrote each key's current value
        self.written: dict[EntryKey, dict[float | None, Origin]] = {}  # who last wrote each value of a key
        self.files: set[str] = set()

    def __call__(self, item: _Applied) -> None:
        for event in item.carried:
            _carry(event, self.origins, self.written)
            self.blame.at_base.follow(event)
        if not item.events and not item.problems:
            return
        commit, result = item.commit, self.result
        result.commits += 1
        self.files.update(c.path for c in commit.changes)
        for event in item.events:
            result.findings.extend(_judge(event, commit, self.model_name, self.policies, self.origins, self.blame))
            _record_value(result.history, event, commit.sha, self.model_name)
            _remember(event, commit, self.origins, self.written)
            self.blame.at_base.follow(event)
        for problem in item.problems:
            vanished = [
                e.old
                for e in item.events
                if e.kind == DELETED and e.reason == FILE_INVALID and e.old is not None and e.old.path == problem.path
            ]
            if not vanished:
                result.findings.append(
                    Finding(
                        problem.path,
                        problem.line,
                        1,
                        retraction.RESULTS_FILE_INVALID.id,
                        retraction.RESULTS_FILE_INVALID.severity,
                        f"{problem.path} is not a valid results file: {problem.message}",
                        commit=commit.sha,
                        evidence={"model": self.model_name},
                    )
                )
            result.findings.extend(_judge_stray(problem, vanished, commit, self.model_name, self.policies))


@dataclass
class _Base:
    """The state before a range, read before its replay: the tracked files (path -> blob id), their
    line counts (path -> lines: what ``git blame`` may be asked about), and the blames started on
    a guess of what the range edits (``_guess_blames``)."""

    files: dict[str, str]
    lines: dict[str, int]
    guessed: _BaseBlames

    def close(self) -> None:
        self.guessed.close()


def _read_base(history: _History, cache: ParseCache) -> _Base:
    """The tracked files at the base, read in one round trip with the files the head changes
    (and, for a line of commits, every version the range holds), and parsed into ``cache`` (the
    timeline loads them from there). Every blob is read before the blames guessed from their text
    (``_guess_blames``) start: once git blames, the two cores are busy, and a round trip to
    cat-file waits for one."""
    assert history.blobs is not None and history.base is not None and history.head is not None
    files = _files(history, history.base)
    try:
        head: dict[str, str] | None = _files(history, history.head)
    except git.LimitExceeded:  # the walk words what is over a bound
        head = None
    changed = {path: oid for path, oid in (head or {}).items() if is_tracked(path) and files.get(path) != oid}
    wanted = [(path, oid) for path, oid in files.items() if is_tracked(path)]
    wanted += [(path, oid) for path, oid in changed.items() if not cache.has(path, oid)]
    if isinstance(history.walk, _Straight):  # the range's own versions too: git blames meanwhile
        wanted += [
            (c.path, c.new_oid)
            for commit in history.walk.commits
            for c in commit.changes
            if c.new_oid and is_tracked(c.path) and c.new_oid != changed.get(c.path)
        ]
    wanted = list(dict.fromkeys(wanted))
    read = [
        (path, oid, blob.data)
        for (path, oid), blob in zip(wanted, history.blobs.read_batch([oid for _, oid in wanted]), strict=True)
    ]
    lines = {
        path: data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        for path, oid, data in read
        if data and files.get(path) == oid
    }
    texts = {(path, oid): data for path, oid, data in read if data is not None}
    guessed = _guess_blames(history.top, history.base, files, changed, texts, lines)
    cache.parse_ahead(read)
    return _Base(files, lines, guessed)


#: a ``value`` key and the text of its value on one line (block ``  value: 71.3``, or inside a
#: flow mapping ``{..., value: 71.3, ...}``)
_VALUE_TEXT = re.compile(rb"(?:^|[\s{,])value\s*:\s*([^\s,{}\[\]#]*)")


def _guess_blames(
    top: Path,
    base: str,
    files: dict[str, str],
    changed: dict[str, str],
    texts: Mapping[tuple[str, str], bytes],
    lines: dict[str, int],
) -> _BaseBlames:
    """Blames of the base lines a range most likely needs, started before anything is parsed:
    in the files the head changes (``changed``: path -> blob id), the base's lines that hold a
    ``value`` whose text no changed file holds as a value at the head (a line rewritten around
    a kept value, or moved, is left out). Otherwise a PR's audit parses and replays its commits
    before git blame starts, and then waits for it. A guess changes no finding: an answer is
    used only for a line ``_blame_base_entries`` asks about (the same question gets the same
    answer), what the guess misses (a value edited and set back inside the range, a value on the
    line after its key, a new value another entry already had) is blamed after the replay, and a
    line asked in vain costs only git's time."""
    kept = {
        match.group(1) for path, oid in changed.items() for match in _VALUE_TEXT.finditer(texts.get((path, oid), b""))
    }
    wanted: dict[str, set[int]] = {}
    for path in changed:
        old = texts.get((path, files.get(path, "")))
        for number, line in enumerate(old.split(b"\n") if old is not None else (), 1):
            match = _VALUE_TEXT.search(line)
            if match is not None and match.group(1) not in kept:
                wanted.setdefault(path, set()).add(number)
    return _start_blames(top, base, wanted, lines)


def _blame_base_entries(
    top: Path, base: str, before: _Base, at_base: Mapping[EntryKey, Entry], applied: list[_Applied]
) -> Blamed:
    """Who wrote, before the range, the values the range changes: the base lines ``_judge`` would
    blame one by one (found by replaying which keys get an origin inside the range, and where each
    value stood at the base: ``at_base``, the base's entries by key) that the guessed blames
    (``before.guessed``) do not ask about, asked with one ``git blame`` per file. A line a batch
    does not answer is blamed on demand."""
    wanted: dict[str, set[int]] = {}
    known: set[EntryKey] = set()
    held_at = _AtBase(at_base)
    for item in applied:
        for event in item.carried:  # not judged: only where a value stood is followed
            held_at.follow(event)
        for event in item.events:
            old, new = event.old, event.new
            if (
                event.kind in (EDITED, RESTORED)
                and old is not None
                and new is not None
                and old.value is not None
                and new.value is not None
                and old.value != new.value
                and old.key not in known
            ):
                held = held_at.of(old)
                if held is not None and (held.path, held.value_line) not in before.guessed.asked:
                    wanted.setdefault(held.path, set()).add(held.value_line)
                known.add(old.key)
            if new is not None and (old is None or old.value != new.value or old.key in known):
                known.add(new.key)
            held_at.follow(event)
    return _start_blames(top, base, wanted, before.lines)


def _start_blames(top: Path, base: str, wanted: dict[str, set[int]], lines: dict[str, int]) -> _BaseBlames:
    """One ``git blame`` per file for the ``wanted`` lines (path -> line numbers) at ``base``, the
    files' blames started at once. Returns once they are started: they are read on the first look
    into the mapping, so judging runs while git blames."""
    asked: list[tuple[str, set[int]]] = []
    for path, numbers in wanted.items():
        count = lines.get(path, 0)
        present = {line for line in numbers if 1 <= line <= count}  # git blame refuses the whole batch
        if present:
            asked.append((path, present))
    if not asked:
        return _BaseBlames([])
    started = git.start_together(
        [functools.partial(git.blame_lines, top, base, path, sorted(numbers)) for path, numbers in asked]
    )
    return _BaseBlames([(path, numbers, pending) for (path, numbers), pending in zip(asked, started, strict=True)])


class _BaseBlames(Mapping[tuple[str, int], tuple[str, str, str] | None]):
    """(path, line) -> (commit, author name, author email), of blames started at once and read
    on first use; ``asked``: the lines they were asked about."""

    def __init__(self, started: list[tuple[str, set[int], git.Pending]]) -> None:
        self._started = started
        self.asked = {(path, line) for path, lines, _ in started for line in lines}
        self._found: dict[tuple[str, int], tuple[str, str, str] | None] | None = None

    def _read(self) -> dict[tuple[str, int], tuple[str, str, str] | None]:
        if self._found is None:
            found: dict[tuple[str, int], tuple[str, str, str] | None] = {}
            for path, lines, pending in self._started:
                status, out = pending.result()
                if status != 0:
                    continue
                by_line = git.parse_blame(out)
                for line in lines:
                    if line in by_line:
                        found[(path, line)] = by_line[line]
            self._found = found
        return self._found

    def close(self) -> None:
        """End the blames not read (an audit that stops early)."""
        if self._found is None:
            for _, _, pending in self._started:
                pending.close()

    def __getitem__(self, key: tuple[str, int]) -> tuple[str, str, str] | None:
        return self._read()[key]

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


HISTORY_POINTS = 40  # per entry: memory follows the entries, not the length of the history


def _record_value(history: dict[tuple[str, ...], deque[tuple[str, float]]], event: Event, sha: str, model: str) -> None:
    new, old = event.new, event.old
    if new is None or new.value is None or (old is not None and old.value == new.value):
        return
    points = history.get((model,) + new.key)
    if points is None:
        points = history[(model,) + new.key] = deque(maxlen=HISTORY_POINTS)
        if old is not None and old.value is not None:
            points.append(("", old.value))  # the value before the first change seen
    points.append((sha, new.value))


def _finish(
    result: AuditResult, published_commits: Published | None, top: Path, head: str, model_name: str, prefix: str
) -> AuditResult:
    if published_commits is not None:
        rows = _published_rows(published_commits)
        result.findings.extend(
            check_rows(
                rows, lambda sha: git.commit_exists(top, sha), lambda sha: git.is_ancestor(top, sha, head), model_name
            )
        )
    if prefix:
        result.findings = [_prefixed(f, prefix) for f in result.findings]
    result.findings.sort(key=POSITION)
    return result


class _Walk:
    """The whole history of the result files, as two walks run at once: one of ``.eval_results``
    and one of README.md. git (before 2.41 or so) uses the changed-path Bloom filters for a single
    path only; with both paths in one walk it diffs every commit's tree, which takes about twice
    as long. Both walks list commits in the order of the same revision walk, so the README.md
    changes are merged into the commits of the first; a commit that changes README.md alone
    (rare: a model-index edit without a results edit) sends the audit to the combined walk."""

    def __init__(self, top: Path, revs: list[str], early: EarlyWalk | None = None) -> None:
        self.top, self.revs = top, revs
        if early is not None:  # started before the imports, on HEAD (which revs resolve)
            self.results, self.readme = early.results, early.readme
        else:
            self.results = git.ChangeStream(top, revs, (RESULTS_DIR,), oldest_first=False)
            self.readme = git.ChangeStream(top, revs, (README,), oldest_first=False)
        for stream in (self.results, self.readme):  # the early walk imports no formats: bounded here
            stream.max_changes = MAX_COMMIT_CHANGES
        self.combined: git.ChangeStream | None = None

    def read(self, cache: ParseCache, blobs: git.BlobReader) -> list[git.CommitChanges]:
        readme: list[git.CommitChanges] = []
        failed: list[BaseException] = []

        def read() -> None:
            try:  # a merge lists no changes: it is listed because it differs from a parent
                readme.extend(c for c in self.readme if c.changes or len(c.parents) > 1)
            except BaseException as exc:  # re-raised in the caller's thread
                failed.append(exc)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            commits = _read_ahead(self.results, cache, blobs)
        finally:
            reader.join()
        if failed:
            raise failed[0]
        position = {commit.sha: i for i, commit in enumerate(commits)}
        if any(commit.sha not in position for commit in readme):
            self.combined = git.ChangeStream(
                self.top, self.revs, WALK_PATHS, oldest_first=False, max_changes=MAX_COMMIT_CHANGES
            )
            return _read_ahead(self.combined, cache, blobs)
        for commit in readme:  # README.md sorts after .eval_results/, as in the combined walk
            i = position[commit.sha]
            if commit.changes:
                commits[i] = dataclasses.replace(commits[i], changes=commits[i].changes + commit.changes)
        return commits

    def close(self) -> None:
        for stream in (self.results, self.readme, self.combined):
            if stream is not None:
                stream.close()


def _read_ahead(
    newest_first: Iterable[git.CommitChanges], cache: ParseCache, blobs: git.BlobReader, size: int = 256
) -> list[git.CommitChanges]:
    """All commits of the walk, oldest first, with their new blobs already parsed.

    git prints newest first while it walks; reading and parsing each batch of blobs meanwhile
    keeps both cores busy (``--reverse`` would make git finish its walk before printing a line).
    What is held is the commit list and one parsed version per changed file: the size of the
    result edits, not of the history."""
    commits: list[git.CommitChanges] = []
    batch: list[git.CommitChanges] = []

    def flush() -> None:
        wanted = list(
            dict.fromkeys(
                (c.path, c.new_oid)
                for commit in batch
                for c in commit.changes
                if c.new_oid and is_tracked(c.path) and not cache.has(c.path, c.new_oid)
            )
        )
        read = blobs.read_batch([oid for _, oid in wanted]) if wanted else []
        cache.parse_ahead([(path, oid, blob.data) for (path, oid), blob in zip(wanted, read, strict=True)])
        commits.extend(batch)

    for commit in newest_first:
        batch.append(commit)
        if len(batch) >= size:
            flush()
            batch = []
    if batch:
        flush()
    commits.reverse()
    return commits


def _judge(
    event: Event,
    commit: git.CommitChanges,
    model: str,
    policies: _Policies,
    origins: dict[EntryKey, Origin],
    blame: Callable[[Entry], Origin | None],
) -> list[Finding]:
    entry = event.entry
    old = event.old

    def origin() -> Origin | None:
        if old is None:
            return None
        found = origins.get(old.key)
        if found is None:
            found = blame(old)
            if found is not None:
                origins[old.key] = found
        return found

    ctx = EventContext(event, commit, model, policies(entry.benchmark), origin)
    findings: list[Finding] = []
    for module in EVENT_MODULES:
        findings.extend(module.check(ctx))
    return findings


def _judge_stray(
    problem: FileProblem, vanished: list[Entry], commit: git.CommitChanges, model: str, policies: _Policies
) -> list[Finding]:
    """A results file replaced by a legacy model-index: compare what it now says with what it held."""
    findings: list[Finding] = []
    for old in vanished:
        matches = [s for s in problem.stray if s.benchmark == old.benchmark]
        if len(matches) != 1:
            continue
        # reported under the entry it replaced, so the finding marks that leaderboard row
        stray = dataclasses.replace(matches[0], task=old.task, setup=old.setup)
        event = Event(EDITED, old, stray)
        ctx = EventContext(event, commit, model, policies(old.benchmark), lambda: None)
        for module in (edits, verify):
            findings.extend(f for f in module.check(ctx) if f.rule != edits.VALUE_CHANGED.id)
    return findings


def _remember(
    event: Event,
    commit: git.CommitChanges,
    origins: dict[EntryKey, Origin],
    written: dict[EntryKey, dict[float | None, Origin]],
) -> None:
    if event.new is None:
        return
    if event.old is None or event.old.value != event.new.value:
        origin = Origin(commit.sha, commit.author_name, commit.author_email)
        origins[event.new.key] = origin
        written.setdefault(event.new.key, {})[event.new.value] = origin
    elif event.old.key != event.new.key and event.old.key in origins:
        origins[event.new.key] = origins[event.old.key]


def _carry(event: Event, origins: dict[EntryKey, Origin], written: dict[EntryKey, dict[float | None, Origin]]) -> None:
    """A value a merge takes from a side: its writer is the side commit that wrote it, which the
    walk saw (the whole history, or a side inside the range); a side the base already has wrote
    it before the range, where blame finds it."""
    new = event.new
    if new is None:
        return
    found = written.get(new.key, {}).get(new.value)
    if found is not None:
        origins[new.key] = found
    else:
        origins.pop(new.key, None)


def _published_rows(published: Published) -> list[PublishedRow]:
    rows: list[PublishedRow] = []
    if isinstance(published, Mapping):
        for sha, fields in published.items():
            rows.append(
                PublishedRow(sha, str(fields.get("path", "leaderboard")), int(fields.get("line", 1)), dict(fields))
            )
        return rows
    for item in published:
        rows.append(item if isinstance(item, PublishedRow) else PublishedRow(str(item), "leaderboard", 1, {}))
    return rows


def _prefixed(f: Finding, prefix: str) -> Finding:
    if f.path.startswith(prefix) or f.rule == PUBLISHED_COMMIT_UNREACHABLE.id:
        return f
    return Finding(
        prefix + f.path,
        f.line,
        f.column,
        f.rule,
        f.severity,
        f.message,
        commit=f.commit,
        old=f.old,
        new=f.new,
        evidence=f.evidence,
    )


def published_check(repo: str | os.PathLike[str], rows: Iterable[PublishedRow], model: str) -> list[Finding]:
    """Leaderboard rows whose recorded commit is gone from ``repo`` (history rewritten)."""
    top = git.toplevel(repo)
    if top is None:
        raise AuditError(f"{repo} is not inside a git repository")
    head = git.rev_parse(top, "HEAD") or "HEAD"
    return list(
        check_rows(rows, lambda sha: git.commit_exists(top, sha), lambda sha: git.is_ancestor(top, sha, head), model)
    )
