"""``aggregate --audit``: history findings about the model repos behind the leaderboard's rows.

The leaderboard reads each repo at one commit (depth 1); an audit needs the history of its
``.eval_results``. For each model repo a second cache entry holds a blob-less clone with full
history and only the result-file blobs (``git.clone_history``), and the audit helper's
``audit_repository`` judges it. Each finding becomes a row of the ``flags`` table; findings that
name an entry (model, benchmark, task, setup) mark that leaderboard row's ``flags`` column.
Submission folders (``--models-dir``) live in the benchmark repo, whose own audit runs in its PRs.

The history clone is hostile input like the rest of a model repo, and bounded (``HISTORY_LIMITS``):
at most 10,000 commits travel (a longer history is not audited), at most 10,000 versions of
result files and model cards, each at most 2 MiB (result files over it never leave the server),
and at most 256 MiB on disk. It stays in the cache, beside the repo's entry and under the same
lock, so a later run fetches only new commits; a clone over a bound, or one a fetch failed on
(half-made), is removed, and the repo gets an ``audit-unavailable`` row naming the bound.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from evalledger import git
from evalledger.leaderboard.fetch import (
    MAX_RESULT_BYTES,
    FetchOptions,
    Snapshot,
    _clear_debris,
    _locked,
    _remove_tree,
    cache_path,
)
from evalledger.leaderboard.registry import AUDIT_UNAVAILABLE
from evalledger.policy import BenchmarkPolicy

#: what one model repo's history may make ``--audit`` fetch (README, "Audit history")
HISTORY_LIMITS = git.HistoryLimits(max_commits=10_000, max_files=10_000, max_file_bytes=MAX_RESULT_BYTES)
#: the history clone on disk (commits, trees and the blobs read), checked once it is fetched
MAX_HISTORY_BYTES = 256 * 1024 * 1024


def _audit_one(snapshot: Snapshot, options: FetchOptions, policy: BenchmarkPolicy) -> tuple[list[Any], str | None]:
    from evalledger.audit.api import audit_repository
    from evalledger.audit.sources import WALK_PATHS

    source = snapshot.source
    merged = [r for r in snapshot.refs if not r.community]
    if source.kind != "git" or snapshot.error or not merged or not merged[0].commit:
        return [], None
    entry = cache_path(options.cache_dir, source)
    path = entry.with_suffix(".history")
    # the repo's entry lock: two runs sharing a cache take turns, and whoever holds it knows that
    # the lock files and temporary packs found in the clone are debris of dead processes
    with _locked(entry.with_suffix(".lock"), options.timeout) as lock:
        if not lock.held:
            return [], f"its cache entry was in use by another run for longer than {options.timeout:g}s"
        _clear_debris(path / ".git")
        try:
            env = options.auth.git_env(source.location) if options.auth else None
            # every blob the audit reads is fetched here, in one request: a lazy fetch from inside
            # the audit's own git processes would go without the token (and one request per blob)
            git.clone_history(
                path,
                source.location,
                merged[0].commit,
                list(WALK_PATHS),
                timeout=options.timeout,
                env=env,
                limits=HISTORY_LIMITS,
            )
            size = _disk_bytes(path)
            if size > MAX_HISTORY_BYTES:
                raise git.LimitExceeded(
                    f"its history clone takes {size:,} bytes, over the limit of {MAX_HISTORY_BYTES:,}"
                )
        except git.LimitExceeded as exc:
            _remove_tree(path)  # never kept: the next run asks again, and is refused again
            return [], f"{source.url}: {exc}"
        except BaseException:
            _remove_tree(path)  # a clone a fetch failed on may be half-made: the next run starts anew
            raise
        return audit_repository(path, policy=policy, model=source.model), None


def _disk_bytes(path: Path) -> int:
    total = 0
    for folder, _dirs, names in os.walk(path):
        for name in names:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                continue
    return total


def audit_one(snapshot: Snapshot, options: FetchOptions, policy: BenchmarkPolicy) -> tuple[list[Any], str | None]:
    """(findings, error) for one model repo."""
    try:
        return _audit_one(snapshot, options, policy)
    except git.GitError as exc:
        message = exc.stderr or str(exc)
        source = snapshot.source
        return [], options.auth.explain(message, source.location) if options.auth else message
    except subprocess.TimeoutExpired:
        return [], f"timed out after {options.timeout:g}s"
    except Exception as exc:  # the audit's own errors (AuditError) must not sink the leaderboard
        return [], f"{type(exc).__name__}: {exc}"


def audit_sources(
    snapshots: Sequence[Snapshot],
    options: FetchOptions,
    policy: BenchmarkPolicy,
    benchmark_id: str,
    jobs: int = 4,
    progress: Callable[[bool], None] | None = None,
) -> tuple[list[dict[str, Any]], dict[tuple[str, str, str, str], list[str]]]:
    """``progress(failed)`` is called in this thread as each repo's audit is done."""
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(audit_one, s, options, policy) for s in snapshots]
        for future in as_completed(futures):
            if progress:
                progress(future.result()[1] is not None)
        results = [future.result() for future in futures]
    rows: list[dict[str, Any]] = []
    flagged: dict[tuple[str, str, str, str], list[str]] = {}
    for snapshot, (findings, error) in zip(snapshots, results, strict=True):
        source = snapshot.source
        if error:
            rows.append(
                {
                    "rule": AUDIT_UNAVAILABLE.id,
                    "severity": AUDIT_UNAVAILABLE.severity,
                    "model": source.model,
                    "model_repo": source.url,
                    "message": f"history could not be audited: {error}",
                }
            )
            continue
        for finding in findings:
            evidence = finding.evidence or {}
            benchmark = evidence.get("benchmark")
            if benchmark not in (None, benchmark_id):
                continue
            model = evidence.get("model") or source.model
            rows.append(
                {
                    "rule": finding.rule,
                    "severity": finding.severity,
                    "model": model,
                    "benchmark": benchmark,
                    "task": evidence.get("task"),
                    "setup": evidence.get("setup"),
                    "model_repo": source.url,
                    "commit": finding.commit,
                    "file": finding.path,
                    "line": finding.line,
                    "message": finding.message,
                }
            )
            if benchmark and evidence.get("task") is not None:
                key = (source.model, benchmark, str(evidence["task"]), evidence.get("setup") or "")
                marks = flagged.setdefault(key, [])
                if finding.rule not in marks:
                    marks.append(finding.rule)
    for marks in flagged.values():
        marks.sort()
    return rows, flagged
