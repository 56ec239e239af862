"""Get each model repo's ``.eval_results`` with as few bytes as git allows, into a reusable cache.

Per repo, in a bare cache repository (``<cache>/<hash of url>.git``) whose origin is a promisor
remote (AUDIT.md §3.2):

1. one fetch: depth 1, ``--filter=blob:none``, of the wanted ref (remote HEAD by default) and, with
   pull requests, ``refs/pull/*/head`` and ``refs/pr/*`` (pruned, so closed HF PRs disappear):
   commits and trees only -- no file contents, no history;
2. the ``.eval_results`` trees are read locally, and their files are fetched in ONE request, with
   a size filter (``blob:limit``, git >= 2.36): asking for the ``.eval_results`` trees themselves,
   because git filters by size only what it reaches from the objects asked for, never those
   objects. A file over the YAML size limit (``yamlsource.Limits.max_bytes``, 2 MiB) thus never
   leaves the server. (Older git, or a server that refuses the filter: exactly the result blobs,
   asked for by id; an over-size one then arrives compressed and index-pack streams it to disk.)
   A sparse checkout would fetch the same blobs but also write a work tree we never read;
3. each blob's size is read from its header (``cat-file --batch-command info``) before it is
   read: an over-size blob (or one the server left out) becomes a ``too_large`` entry, which
   ``collect`` rejects with lint's ``file-too-large``; the others are read with one ``cat-file``,
   one at a time, while ``reduce`` (``collect``) consumes them, so a run holds about one result
   file per job in memory.

A later run re-fetches the refs (only new commits and trees travel) and asks for files only for
commits it has not read yet. A repo that cannot be fetched becomes a ``Snapshot`` with ``error``
set; it never stops the others. ``fetch_map`` maps over sources with threads: the work is git
processes and I/O, so the GIL is not the bottleneck.

Interrupted runs (a ``--timeout``, a cancelled job, a killed process) must not break the cache:

* each entry is used under an exclusive ``flock`` (``_locked``) that the entry's git processes
  inherit (``git.holding``): whoever takes the lock knows that no process of an earlier run, nor
  any git process one left behind, is still at work in the entry, so the lock files and temporary
  packs found there are debris of dead processes and are removed (``_clear_debris``);
* files evalledger writes into an entry are written whole (``atomic.write_atomic``);
* a fetch that times out ends git's whole process group (``git.end_group``);
* an existing entry git fails on is rebuilt from scratch once, beside it, before the repo is
  declared unreachable; the old entry is replaced only if the rebuild succeeds.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalledger import git
from evalledger.atomic import write_atomic
from evalledger.finding import error_reason
from evalledger.formats.results import MAX_RESULT_FILES, RESULTS_DIR
from evalledger.leaderboard.auth import HubAuth
from evalledger.leaderboard.sources import ModelSource
from evalledger.yamlsource import DEFAULT_LIMITS, Limits, YamlLoadError, read_file

HEAD_REF = "refs/evalledger/head"
PULL_PREFIXES = (("refs/pull/*/head", "refs/evalledger/pull/*"), ("refs/pr/*", "refs/evalledger/pr/*"))
RESULT_SUFFIXES = (".yaml", ".yml")
COMPLETE = "evalledger-complete"  # in an entry: commits whose result blobs are all there
#: result files larger than this are never read (lint refuses them before parsing anyway)
MAX_RESULT_BYTES = DEFAULT_LIMITS.max_bytes
#: pull-request refs read per repo at most: the default of ``aggregate --max-pull-requests``. A repo
#: with more has its highest-numbered ones read (the newest: the host numbers them, in order)
MAX_PULL_REQUESTS = 100


@dataclass(frozen=True)
class RefFiles:
    """The result files of one ref of one model repo, as git returned them."""

    ref: str  # "HEAD", the registry's ref, or the pull-request ref (refs/pull/1/head)
    commit: str
    commit_time: int
    community: bool
    #: (path in repo, content), sorted by path. Inside ``reduce`` it may be a one-pass iterable
    #: reading each file as it is reached; after ``fetch_map`` returns it is empty.
    files: Iterable[tuple[str, bytes]]
    #: (path, size) of result files over the limit, never read (size None: the server left it out)
    too_large: tuple[tuple[str, int | None], ...] = ()
    #: the number of result files when it is over ``FetchOptions.max_result_files``: then none of
    #: them is fetched or read (``files`` and ``too_large`` are empty), else 0
    too_many: int = 0


@dataclass(frozen=True)
class Snapshot:
    source: ModelSource
    refs: tuple[RefFiles, ...] = ()
    error: str | None = None
    #: (the number of pull-request refs, the newest one not read) when there are more than
    #: ``FetchOptions.max_pull_requests``: only that many, the highest-numbered, are in ``refs``
    pull_requests_over: tuple[int, str] | None = None


@dataclass
class FetchOptions:
    cache_dir: Path
    include_pull_requests: bool = False
    timeout: float = 300.0
    bench_root: Path | None = None  # for submission folders: where commits are looked up
    auth: HubAuth | None = None  # the Hub token (sent to the Hub's repos only), for gated repos
    #: per ref (``--max-result-files``); a ref with more is not read at all
    max_result_files: int = MAX_RESULT_FILES
    #: with ``include_pull_requests``: pull-request refs read per repo (``--max-pull-requests``)
    max_pull_requests: int = MAX_PULL_REQUESTS
    stats: dict[str, int] = field(default_factory=dict)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "evalledger" / "repos"


def cache_path(cache_dir: Path, source: ModelSource) -> Path:
    digest = hashlib.sha256(source.location.encode()).hexdigest()[:24]
    return cache_dir / f"{digest}.git"


Reduce = Callable[[Snapshot], Any]


def fetch_map(
    sources: Sequence[ModelSource],
    options: FetchOptions,
    jobs: int,
    reduce: Reduce,
    progress: Callable[[Snapshot], None] | None = None,
) -> list[tuple[Snapshot, Any]]:
    """(snapshot, ``reduce(snapshot)``) per source, in the order of ``sources``: the map of the
    map/reduce, in ``jobs`` threads. ``reduce`` runs in the thread that fetched the repo, while
    its files are read one at a time, and is not called for a repo that could not be fetched
    (its result is None). The snapshots returned carry no file contents. A repo whose ``reduce``
    raises is reported like one that cannot be fetched ("cannot be read: ..."), the others go
    on. ``progress`` is called in this thread with each snapshot as soon as it is done."""
    options.cache_dir.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda snapshot: None)
    if jobs <= 1 or len(sources) <= 1:
        results = []
        for source in sources:
            results.append(fetch_one(source, options, reduce))
            report(results[-1][0])
        return results
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(fetch_one, source, options, reduce) for source in sources]
        for future in as_completed(futures):
            report(future.result()[0])
    return [future.result() for future in futures]


def fetch_all(
    sources: Sequence[ModelSource], options: FetchOptions, jobs: int, progress: Callable[[Snapshot], None] | None = None
) -> list[Snapshot]:
    """Snapshots in the order of ``sources``, every result file read into memory (for callers
    that want the bytes; ``aggregate`` uses ``fetch_map``)."""
    return [
        kept if kept is not None else snapshot
        for snapshot, kept in fetch_map(sources, options, jobs, _materialize, progress)
    ]


def _materialize(snapshot: Snapshot) -> Snapshot:
    return dataclasses.replace(
        snapshot, refs=tuple(dataclasses.replace(ref, files=tuple(ref.files)) for ref in snapshot.refs)
    )


class _ReduceFailed(Exception):
    """``reduce`` raised (its exception is the cause): the repo cannot be read, but it is not a
    fetch failure (no rebuild of the cache entry)."""


class _ReadFailed(Exception):
    """Reading a file failed inside ``reduce`` (the cause): a fetch failure after all."""


def fetch_one(source: ModelSource, options: FetchOptions, reduce: Reduce = _materialize) -> tuple[Snapshot, Any]:
    """(snapshot, ``reduce(snapshot)``) of one source; (snapshot with ``error``, None) when it
    cannot be read."""
    try:
        try:
            if source.kind == "dir":
                return _reduced(read_folder(source, options.bench_root, options.max_result_files), reduce)
            return _fetch_git(source, options, reduce)
        except _ReadFailed as exc:
            raise (exc.__cause__ or exc) from None  # (always raised from the read's error)
    except _ReduceFailed as exc:  # the boundary of one model repo: reported, its last rows kept
        return Snapshot(source, error=f"cannot be read: {error_reason(exc.__cause__ or exc)}"), None
    except git.GitError as exc:
        message = _short(exc.stderr) or str(exc)
        explained = options.auth.explain(message, source.location) if options.auth else message
        return Snapshot(source, error=explained), None
    except subprocess.TimeoutExpired:
        return Snapshot(source, error=f"timed out after {options.timeout:g}s"), None
    except OSError as exc:
        return Snapshot(source, error=str(exc)), None
    except (ValueError, IndexError, UnicodeError) as exc:  # a repo git cannot describe sanely
        return Snapshot(source, error=f"unreadable repository data: {type(exc).__name__}: {exc}"), None
    except Exception as exc:
        return Snapshot(source, error=f"cannot be read: {error_reason(exc)}"), None


def _reduced(snapshot: Snapshot, reduce: Reduce) -> tuple[Snapshot, Any]:
    """Run ``reduce``; its own exceptions are wrapped so they are not taken for fetch failures."""
    try:
        result = reduce(snapshot)
    except _ReadFailed:
        raise
    except Exception as exc:
        raise _ReduceFailed() from exc
    empty = tuple(dataclasses.replace(ref, files=()) for ref in snapshot.refs)
    return dataclasses.replace(snapshot, refs=empty), result


def _short(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    keep = [line for line in lines if line.startswith(("fatal:", "error:"))] or lines
    return " ".join(keep[-2:])


def _fetch_git(source: ModelSource, options: FetchOptions, reduce: Reduce) -> tuple[Snapshot, Any]:
    entry = cache_path(options.cache_dir, source)
    with _locked(entry.with_suffix(".lock"), options.timeout) as lock:
        if not lock.held:
            # held for longer than a fetch may take (a git process an earlier run left behind is
            # still at work in it): read this run from a private entry rather than not at all
            with tempfile.TemporaryDirectory(dir=options.cache_dir, prefix=f"{entry.stem}.private.") as tmp:
                return _read_entry(Path(tmp) / "repo.git", source, options, reduce)
        _clear_debris(entry)
        existed = entry.exists()
        try:
            return _read_entry(entry, source, options, reduce)
        except (git.GitError, OSError, _ReadFailed):
            if not existed:
                raise
        # once from scratch, beside the entry git failed on: if this fails too, the repo is
        # unreachable (and the old entry stays for when it is back)
        fresh = entry.with_name(f"{entry.stem}.fresh.git")
        _remove_tree(fresh)
        try:
            result = _read_entry(fresh, source, options, reduce)
        except BaseException:
            _remove_tree(fresh)
            raise
        old = entry.with_name(f"{entry.stem}.old.git")
        _remove_tree(old)
        os.replace(entry, old)
        os.replace(fresh, entry)
        _remove_tree(old)
        return result


def _prune_safe(src: str) -> bool:
    """``fetch --prune`` keeps a ref fetched from ``src`` only when ``src`` is a name the remote
    advertises as is: a short name (``main``, ``v1.2``) or a commit id is "not on the remote" to
    it, so the ref would be deleted by every other run."""
    return src == "HEAD" or src.startswith("refs/")


def _read_entry(repo: Path, source: ModelSource, options: FetchOptions, reduce: Reduce) -> tuple[Snapshot, Any]:
    if not (repo / "config").is_file():
        if repo.exists():  # a half-made cache entry from an interrupted run
            _remove_tree(repo)
        git.init_partial_cache(repo, source.location)
    head = source.ref or "HEAD"
    refspecs = [f"+{head}:{HEAD_REF}"]
    prune = options.include_pull_requests  # closed pull requests disappear
    if prune:
        refspecs += [f"+{remote}:{local}" for remote, local in PULL_PREFIXES]
        if not _prune_safe(head):
            git.delete_ref(repo, HEAD_REF)  # fetched anew below, never left pruned
    env = options.auth.git_env(source.location) if options.auth else None
    git.fetch_shallow(repo, source.location, refspecs, prune=prune, timeout=options.timeout, env=env)
    over = None
    if options.include_pull_requests:
        refs = git.list_refs(repo, [HEAD_REF, "refs/evalledger/pull/", "refs/evalledger/pr/"])
        refs, over = _newest_pull_requests(refs, options.max_pull_requests)
    else:  # cat-file resolves the one ref itself: no for-each-ref process
        refs = [(HEAD_REF, HEAD_REF)]
    complete = repo / COMPLETE
    known, omitted = _read_complete(complete)
    # one cat-file serves trees, sizes, then blobs: after the batch fetch git finds the new objects
    # when it looks again, and nothing here asks for a blob before it was fetched (a missing blob
    # would make cat-file fetch it, whatever its size: ``omitted`` ones are never asked for)
    with git.BlobReader(repo, sizes=True) as reader:
        listed, too_many = _list_refs(reader, refs, options.max_result_files)
        commits = sorted({commit for name, commit, *_ in listed if name not in too_many})
        fresh = not set(commits) <= known
        if fresh:  # a warm run on unchanged tips skips the round trip
            new = [(tree, blobs) for _, commit, _, tree, blobs in listed if commit not in known]
            omitted |= _fetch_blobs(
                repo,
                source.location,
                sorted({tree for tree, _ in new if tree}),
                sorted({oid for _, blobs in new for _, oid in blobs}),
                options.timeout,
                env,
            )
        sizes: dict[str, int | None] = {}
        for *_, blobs in listed:
            for path, oid in blobs:
                if oid in sizes:
                    continue
                if oid in omitted:
                    sizes[oid] = None  # over the limit by an unknown amount: never fetched
                    continue
                size = reader.size(oid)
                if size is None:
                    raise git.GitError(["cat-file", oid], 1, f"error: blob {oid} of {path} missing")
                sizes[oid] = size
        refs_files = []
        for name, commit, when, _tree, blobs in listed:
            community = name != HEAD_REF
            shown = source.ref or "HEAD" if not community else _pull_ref(name)
            readable = tuple((path, oid) for path, oid in blobs if not _over(sizes[oid]))
            too_large = tuple((path, sizes[oid]) for path, oid in blobs if _over(sizes[oid]))
            files = _BlobFiles(reader, readable)
            refs_files.append(RefFiles(shown, commit, when, community, files, too_large, too_many.get(name, 0)))
        refs_files.sort(key=lambda r: (r.community, r.ref))
        result = _reduced(Snapshot(source, tuple(refs_files), pull_requests_over=over), reduce)
    if fresh:
        listed_blobs = {oid for *_, blobs in listed for _, oid in blobs}
        write_atomic(
            complete,
            "".join(f"{c}\n" for c in commits) + "".join(f"-{oid}\n" for oid in sorted(omitted & listed_blobs)),
            durable=False,
        )
    return result


def _pull_ref(name: str) -> str:
    """The remote's name of a pull-request ref fetched as ``name`` (``PULL_PREFIXES``)."""
    shown = "refs/" + name[len("refs/evalledger/") :]
    return shown + "/head" if shown.startswith("refs/pull/") else shown


def _newest_pull_requests(
    refs: list[tuple[str, str]], limit: int
) -> tuple[list[tuple[str, str]], tuple[int, str] | None]:
    """``refs`` with at most ``limit`` pull-request refs, the highest-numbered (the newest: hosts
    number pull requests in order; commit times are the author's to write), and, when some were
    left out, (how many pull-request refs there are, the newest left out). A name that is not a
    number counts as the oldest; equal numbers go by name, so the choice depends on the refs
    alone, and the same repo state gives the same tables."""
    pulls = sorted((ref for ref in refs if ref[0] != HEAD_REF), key=_pull_order, reverse=True)
    if len(pulls) <= limit:
        return refs, None
    return [ref for ref in refs if ref[0] == HEAD_REF] + pulls[:limit], (len(pulls), _pull_ref(pulls[limit][0]))


def _pull_order(ref: tuple[str, str]) -> tuple[bool, int, str, str]:
    """Sort key of a pull-request ref: numbers above other names, numerically (compared as digit
    strings: a hostile ref's thousands of digits would make ``int`` raise), then by name."""
    number = ref[0].rsplit("/", 1)[-1]
    digits = number.lstrip("0") if number.isascii() and number.isdigit() else None
    return (digits is not None, len(digits or ""), digits or "", ref[0])


Listed = list[tuple[str, str, int, str | None, list[tuple[str, str]]]]


def _list_refs(reader: git.BlobReader, refs: list[tuple[str, str]], max_files: int) -> tuple[Listed, dict[str, int]]:
    """(name, commit, commit time, results tree, [(path, blob)]) of each ref, and the refs with
    more than ``max_files`` result files with their count: those are read not at all (their tree
    and blobs are left out of the listing, so nothing of them is fetched)."""
    listed: Listed = []
    too_many: dict[str, int] = {}
    for name, spec in refs:
        try:
            commit, when, tree, blobs = _result_blobs(reader, spec, max_files)
        except _TooMany as over:
            too_many[name] = over.files.count
            commit, when, tree, blobs = over.commit, over.when, None, []
        listed.append((name, commit, when, tree, blobs))
    return listed, too_many


class _TooMany(Exception):
    def __init__(self, commit: str, when: int, files: git.TooManyFiles) -> None:
        self.commit, self.when, self.files = commit, when, files


def _over(size: int | None) -> bool:
    return size is None or size > MAX_RESULT_BYTES


def _read_complete(path: Path) -> tuple[set[str], set[str]]:
    """(commits whose result blobs are all here, blobs left out as over the size limit)."""
    try:
        lines = path.read_text().split()
    except OSError:
        return set(), set()
    return {line for line in lines if not line.startswith("-")}, {line[1:] for line in lines if line.startswith("-")}


def _fetch_blobs(
    repo: Path, url: str, trees: list[str], blobs: list[str], timeout: float, env: dict[str, str] | None
) -> set[str]:
    """Fetch the result ``blobs`` (under the ``.eval_results`` ``trees``); return those the server
    left out as over the size limit. With git >= 2.36 the trees are fetched with a size filter,
    so an over-size blob is never transferred; a server that refuses the filter, or older git,
    gets the blobs asked for by id (and over-size ones arrive, compressed, and stay unread)."""
    if not blobs:
        return set()
    if git.git_version() >= (2, 36):
        try:
            git.fetch_trees_limited(repo, url, trees, MAX_RESULT_BYTES, timeout=timeout, env=env)
        except git.GitError:
            pass  # asked by id below; if the remote is down, that fails too
        else:
            missing = git.missing_objects(repo, trees)
            return {oid for oid in blobs if oid in missing}
    git.fetch_objects(repo, url, blobs, timeout=timeout, env=env)
    return set()


class _BlobFiles:
    """(path, content) of result blobs, each read when the iteration reaches it and not kept."""

    def __init__(self, reader: git.BlobReader, blobs: tuple[tuple[str, str], ...]) -> None:
        self._reader = reader
        self._blobs = blobs

    def __iter__(self) -> Iterator[tuple[str, bytes]]:
        for path, oid in self._blobs:
            try:
                blob = self._reader.read(oid)
                if blob.data is None:
                    raise git.GitError(["cat-file", oid], 1, f"error: blob {oid} of {path} missing")
            except Exception as exc:
                raise _ReadFailed() from exc
            yield path, blob.data


def _result_blobs(
    reader: git.BlobReader, ref: str, max_files: int
) -> tuple[str, int, str | None, list[tuple[str, str]]]:
    """(commit, commit time, ``.eval_results`` tree or None, [(path, blob id)]) of the result files
    at ``ref`` (a ref or commit id; an annotated tag is peeled to its commit), from trees only.
    More than ``max_files`` of them raise ``_TooMany`` as soon as the trees count them, before any
    path is listed (``git.list_folders``: a crafted tree of a few KB can name billions)."""
    found = reader.read(f"{ref}^{{commit}}")
    if found.data is None:
        raise git.GitError(["cat-file", ref], 1, f"error: commit {ref} missing")
    tree, when = git.parse_commit(found.data)
    root = reader.read(tree).data or b""
    blobs: list[tuple[str, str]] = []
    results_tree = None
    for mode, name, oid in git.parse_tree(root):
        if name == RESULTS_DIR and mode == "40000":
            results_tree = oid
            top = reader.read(oid).data or b""
            try:
                listed = git.list_folders(
                    reader,
                    [(RESULTS_DIR, oid, top)],
                    max_files,
                    MAX_DEPTH,
                    f"{RESULTS_DIR} at {ref}",
                    keep=_is_result,
                    refuse_deeper=False,
                )
            except git.TooManyFiles as exc:
                raise _TooMany(found.oid, when, exc) from None
            blobs.extend(listed[RESULTS_DIR].items())
    blobs.sort()
    return found.oid, when, results_tree, blobs


#: folders below ``.eval_results`` read for results: sub-folders are unusual (lint warns), deeper
#: nesting is not results (left out)
MAX_DEPTH = 4


def _is_result(mode: str, name: str) -> bool:
    return mode in ("100644", "100755") and name.endswith(RESULT_SUFFIXES)


def read_folder(source: ModelSource, bench_root: Path | None, max_files: int = MAX_RESULT_FILES) -> Snapshot:
    """A submission folder inside the benchmark repo: files as on disk (read when iterated; over
    the size limit, not at all), commit from git when tracked.

    Regular files only: a symlink below ``.eval_results`` (to a file or a folder) is neither read
    nor entered, and a FIFO or device is never opened. ``.eval_results`` itself may be a link
    only within the repository (``scan_models_dir`` reports one that leads out; checked again here)."""
    from evalledger.lint.files import containment_root, is_outside

    folder = Path(source.location)
    readable: list[tuple[str, Path]] = []
    too_large: list[tuple[str, int | None]] = []
    results = folder / RESULTS_DIR
    if results.is_dir() and not is_outside(str(results), containment_root(str(folder))):
        for directory, _dirs, names in os.walk(results):  # followlinks=False: links are not entered
            for name in names:
                path = Path(directory, name)
                info = path.lstat()
                if path.suffix not in RESULT_SUFFIXES or not stat.S_ISREG(info.st_mode):
                    continue
                rel = path.relative_to(folder).as_posix()
                if info.st_size > MAX_RESULT_BYTES:
                    too_large.append((rel, info.st_size))
                else:
                    readable.append((rel, path))
    readable.sort()
    too_large.sort()
    too_many = len(readable) + len(too_large)
    if too_many > max_files:
        readable, too_large = [], []
    else:
        too_many = 0
    commit, when = "", 0
    if bench_root is not None:
        found = git.last_commit(bench_root, str(folder))
        if found:
            commit, when = found
    files = _DiskFiles(tuple(readable))
    return Snapshot(source, (RefFiles("HEAD", commit, when, False, files, tuple(too_large), too_many),))


class _DiskFiles:
    def __init__(self, files: tuple[tuple[str, Path], ...]) -> None:
        self._files = files

    def __iter__(self) -> Iterator[tuple[str, bytes]]:
        for rel, path in self._files:
            try:  # the one reader: a FIFO swapped in after the walk's lstat is not waited on
                data = read_file(path, Limits(max_bytes=MAX_RESULT_BYTES))
            except (OSError, YamlLoadError) as exc:
                raise _ReadFailed() from exc
            yield rel, data


class _locked:
    """An exclusive lock on one cache entry: two aggregations sharing a cache take turns on a repo.

    Waits up to ``timeout`` seconds (``held`` is False after that). The git processes started while
    it is held inherit it (``git.holding``), and it is released by closing, never by ``LOCK_UN``
    (which would release it for those processes too): it stays taken until the last of them exits.
    """

    def __init__(self, path: Path, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self.held = False

    def __enter__(self) -> _locked:
        self.handle = open(self.path, "a+")
        deadline = time.monotonic() + self.timeout
        pause = 0.01
        while True:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.held = True
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(pause)
                pause = min(pause * 2, 0.5)
        if self.held:
            self._holding = git.holding(self.handle.fileno())
            self._holding.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.held:
            self._holding.__exit__(None, None, None)
        self.handle.close()


def _clear_debris(entry: Path) -> None:
    """Remove what dead processes left in ``entry``: lock files (``shallow.lock``, ``config.lock``,
    ``packed-refs.lock``, ``refs/**/*.lock``), temporary packs, our temporary files, and the
    rebuild directories of an interrupted rebuild. Only called with the entry's lock held, which
    proves that nobody is at work in it."""
    for sibling in (entry.with_name(f"{entry.stem}.fresh.git"), entry.with_name(f"{entry.stem}.old.git")):
        _remove_tree(sibling)
    if not entry.is_dir():
        return
    for child in entry.iterdir():
        if child.is_file() and (child.name.endswith(".lock") or child.name.endswith(".evalledger-tmp")):
            child.unlink(missing_ok=True)
    for folder, _dirs, names in os.walk(entry / "refs"):
        for name in names:
            if name.endswith(".lock"):
                (Path(folder) / name).unlink(missing_ok=True)
    for sub in ("objects/pack", "objects/info", "objects"):
        try:
            names = os.listdir(entry / sub)
        except OSError:
            continue
        for name in names:
            if name.startswith("tmp_") or name.endswith(".lock"):
                (entry / sub / name).unlink(missing_ok=True)


def _remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def cache_bytes(cache_dir: Path) -> Iterator[int]:
    """Sizes of the pack files and loose objects in a cache (what the fetches transferred)."""
    for path in cache_dir.glob("*.git/objects/**/*"):
        if path.is_file() and (path.suffix == ".pack" or len(path.parent.name) == 2):
            yield path.stat().st_size
