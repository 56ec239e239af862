"""Get each model repo's ``.eval_results`` with as few bytes as git allows, into a reusable cache.

Per repo, in a bare cache repository (``<cache>/<hash of url>.git``) whose origin is a promisor
remote (AUDIT.md §3.2):

1. one fetch: depth 1, ``--filter=blob:none``, of the wanted ref (remote HEAD by default) and, with
   pull requests, ``refs/pull/*/head`` and ``refs/pr/*`` (pruned, so closed HF PRs disappear):
   commits and trees only -- no file contents, no history;
2. the ``.eval_results`` trees are read locally and exactly their blobs are fetched in ONE request
   (a sparse checkout would fetch the same blobs but also write a work tree we never read);
3. blobs are read with one ``cat-file --batch``.

A later run re-fetches the refs (only new commits and trees travel) and asks only for blobs it
does not have yet. A repo that cannot be fetched becomes a ``Snapshot`` with ``error`` set; it
never stops the others. ``fetch_all`` maps over sources with threads: the work is git processes
and I/O, so the GIL is not the bottleneck.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import stat
import subprocess
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

from evalledger import git
from evalledger.finding import error_reason
from evalledger.formats.results import RESULTS_DIR
from evalledger.leaderboard.auth import HubAuth
from evalledger.leaderboard.sources import ModelSource

HEAD_REF = "refs/evalledger/head"
PULL_PREFIXES = (("refs/pull/*/head", "refs/evalledger/pull/*"), ("refs/pr/*", "refs/evalledger/pr/*"))
RESULT_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class RefFiles:
    """The result files of one ref of one model repo, as git returned them."""

    ref: str  # "HEAD", the registry's ref, or the pull-request ref (refs/pull/1/head)
    commit: str
    commit_time: int
    community: bool
    files: tuple[tuple[str, bytes], ...]  # (path in repo, content), sorted by path


@dataclass(frozen=True)
class Snapshot:
    source: ModelSource
    refs: tuple[RefFiles, ...] = ()
    error: str | None = None


@dataclass
class FetchOptions:
    cache_dir: Path
    include_pull_requests: bool = False
    timeout: float = 300.0
    bench_root: Path | None = None  # for submission folders: where commits are looked up
    auth: HubAuth | None = None  # the Hub token (sent to the Hub's repos only), for gated repos
    stats: dict[str, int] = field(default_factory=dict)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "evalledger" / "repos"


def cache_path(cache_dir: Path, source: ModelSource) -> Path:
    digest = hashlib.sha256(source.location.encode()).hexdigest()[:24]
    return cache_dir / f"{digest}.git"


def fetch_all(sources: Sequence[ModelSource], options: FetchOptions, jobs: int,
              progress: Callable[[Snapshot], None] | None = None) -> list[Snapshot]:
    """Snapshots in the order of ``sources``; threads run ``fetch_one`` (the map of the map/reduce).
    ``progress`` is called in this thread with each snapshot as soon as it is done."""
    options.cache_dir.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda snapshot: None)
    if jobs <= 1 or len(sources) <= 1:
        results = []
        for source in sources:
            results.append(fetch_one(source, options))
            report(results[-1])
        return results
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(fetch_one, source, options) for source in sources]
        for future in as_completed(futures):
            report(future.result())
    return [future.result() for future in futures]


def fetch_one(source: ModelSource, options: FetchOptions) -> Snapshot:
    try:
        if source.kind == "dir":
            return read_folder(source, options.bench_root)
        return _fetch_git(source, options)
    except git.GitError as exc:
        message = _short(exc.stderr) or str(exc)
        return Snapshot(source, error=options.auth.explain(message, source.location) if options.auth else message)
    except subprocess.TimeoutExpired:
        return Snapshot(source, error=f"timed out after {options.timeout:g}s")
    except OSError as exc:
        return Snapshot(source, error=str(exc))
    except (ValueError, IndexError, UnicodeError) as exc:  # a repo git cannot describe sanely
        return Snapshot(source, error=f"unreadable repository data: {type(exc).__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001 - the boundary of one model repo: it is unreachable
        return Snapshot(source, error=f"cannot be read: {error_reason(exc)}")


def _short(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    keep = [line for line in lines if line.startswith(("fatal:", "error:"))] or lines
    return " ".join(keep[-2:])


def _fetch_git(source: ModelSource, options: FetchOptions) -> Snapshot:
    repo = cache_path(options.cache_dir, source)
    with _locked(repo.with_suffix(".lock")):
        if not (repo / "config").is_file():
            if repo.exists():  # a half-made cache entry from an interrupted run
                _remove_tree(repo)
            git.init_partial_cache(repo, source.location)
        refspecs = [f"+{source.ref or 'HEAD'}:{HEAD_REF}"]
        if options.include_pull_requests:
            refspecs += [f"+{remote}:{local}" for remote, local in PULL_PREFIXES]
        env = options.auth.git_env(source.location) if options.auth else None
        git.fetch_shallow(repo, source.location, refspecs, prune=True, timeout=options.timeout, env=env)
        if options.include_pull_requests:
            refs = git.list_refs(repo, [HEAD_REF, "refs/evalledger/pull/", "refs/evalledger/pr/"])
        else:  # cat-file resolves the one ref itself: no for-each-ref process
            refs = [(HEAD_REF, HEAD_REF)]
        complete = repo / "evalledger-complete"  # commits whose result blobs are all here
        try:
            known = set(complete.read_text().split())
        except OSError:
            known = set()
        snapshots = []
        # one cat-file serves trees, then blobs: after the batch fetch git finds the new objects
        # when it looks again, and nothing here asks for a blob before it was fetched
        with git.BlobReader(repo) as reader:
            listed = [(name, *_result_blobs(reader, spec)) for name, spec in refs]
            commits = sorted({commit for _, commit, *_ in listed})
            if not set(commits) <= known:  # a warm run on unchanged tips skips the round trip
                wanted = sorted({oid for *_, blobs in listed for _path, oid in blobs})
                git.fetch_objects(repo, source.location, wanted, timeout=options.timeout, env=env)
            for name, commit, when, blobs in listed:
                files = []
                for path, oid in blobs:
                    blob = reader.read(oid)
                    if blob.data is None:
                        raise git.GitError(["cat-file", oid], 1, f"error: blob {oid} of {path} missing")
                    files.append((path, blob.data))
                community = name != HEAD_REF
                shown = source.ref or "HEAD" if not community else "refs/" + name[len("refs/evalledger/"):]
                if community and shown.startswith("refs/pull/"):
                    shown += "/head"
                snapshots.append(RefFiles(shown, commit, when, community, tuple(files)))
        if not set(commits) <= known:
            complete.write_text("".join(f"{c}\n" for c in commits))
    snapshots.sort(key=lambda r: (r.community, r.ref))
    return Snapshot(source, tuple(snapshots))


def _result_blobs(reader: git.BlobReader, commit: str) -> tuple[str, int, list[tuple[str, str]]]:
    """(commit, commit time, [(path, blob id)]) of the result files at ``commit``, from trees only."""
    found = reader.read(commit)
    if found.data is None:
        raise git.GitError(["cat-file", commit], 1, f"error: commit {commit} missing")
    tree, when = git.parse_commit(found.data)
    root = reader.read(tree).data or b""
    blobs: list[tuple[str, str]] = []
    for mode, name, oid in git.parse_tree(root):
        if name == RESULTS_DIR and mode == "40000":
            _walk(reader, oid, RESULTS_DIR, blobs, depth=0)
    blobs.sort()
    return found.oid, when, blobs


def _walk(reader: git.BlobReader, tree: str, prefix: str, out: list[tuple[str, str]], depth: int) -> None:
    if depth > 4:  # sub-folders are unusual (lint warns); deeper nesting is not results
        return
    for mode, name, oid in git.parse_tree(reader.read(tree).data or b""):
        path = f"{prefix}/{name}"
        if mode == "40000":
            _walk(reader, oid, path, out, depth + 1)
        elif mode in ("100644", "100755") and name.endswith(RESULT_SUFFIXES):
            out.append((path, oid))


def read_folder(source: ModelSource, bench_root: Path | None) -> Snapshot:
    """A submission folder inside the benchmark repo: files as on disk, commit from git when tracked.

    Regular files only: a symlink below ``.eval_results`` (to a file or a folder) is neither read
    nor entered, and a FIFO or device is never opened. ``.eval_results`` itself may be a link
    only within the repository (``scan_models_dir`` reports one that leads out; checked again here)."""
    from evalledger.lint.files import containment_root, is_outside

    folder = Path(source.location)
    files = []
    results = folder / RESULTS_DIR
    if results.is_dir() and not is_outside(str(results), containment_root(str(folder))):
        for directory, dirs, names in os.walk(results):  # followlinks=False: links are not entered
            for name in names:
                path = Path(directory, name)
                if path.suffix in RESULT_SUFFIXES and stat.S_ISREG(path.lstat().st_mode):
                    files.append((path.relative_to(folder).as_posix(), path.read_bytes()))
    files.sort()
    commit, when = "", 0
    if bench_root is not None:
        found = git.last_commit(bench_root, str(folder))
        if found:
            commit, when = found
    return Snapshot(source, (RefFiles("HEAD", commit, when, False, tuple(files)),))


class _locked:
    """An exclusive lock on one cache entry: two aggregations sharing a cache take turns on a repo."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> "_locked":
        self.handle = open(self.path, "a+")
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def cache_bytes(cache_dir: Path) -> Iterator[int]:
    """Sizes of the pack files and loose objects in a cache (what the fetches transferred)."""
    for path in cache_dir.glob("*.git/objects/**/*"):
        if path.is_file() and (path.suffix == ".pack" or len(path.parent.name) == 2):
            yield path.stat().st_size
