"""Model repo snapshot -> candidate ScoreRecords: a pure function of what git returned.

No git, no network, no clock here: the same ``Snapshot`` always gives the same candidates, so the
map over repos can run in threads today and on Dask/Ray tomorrow (DESIGN.md "Shape").

Every entry of this benchmark becomes a candidate, eligible or not: an entry with a lint error
(unknown task, value out of the policy's bounds, not a number...) stays in the candidates table
with ``ineligible:<rule>`` and never reaches the leaderboard. A file that cannot be read as a list
of entries at all has no candidates; it is reported as rejected with the rule that failed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from evalledger.finding import ERROR, Finding, error_reason
from evalledger.formats.results import MAX_RESULT_FILES, RESULTS_DIR, ResultEntry, read_entries
from evalledger.leaderboard.fetch import MAX_PULL_REQUESTS, Snapshot
from evalledger.leaderboard.registry import TOO_MANY_PULL_REQUESTS, TOO_MANY_RESULT_FILES
from evalledger.lint.rules.benchmark import TASK_ID_UNKNOWN, VALUE_OUT_OF_BOUNDS, VALUE_UNIT_MISMATCH
from evalledger.lint.rules.shape import RESULTS_NOT_LIST
from evalledger.lint.rules.value import VALUE_NOT_FINITE, VALUE_NOT_NUMBER
from evalledger.policy import BenchmarkPolicy
from evalledger.records import ScoreRecord
from evalledger.yamlsource import is_number, size_error

LintFunction = Callable[..., "tuple[list[ResultEntry], list[Finding]]"]


@dataclass
class Collected:
    """What one model repo contributed."""

    records: list[ScoreRecord] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)  # files/entries lint rejected
    ineligible: int = 0
    dataset_ids: dict[str, int] = field(default_factory=dict)  # every dataset.id read -> entries


def lint_function() -> LintFunction:
    """The lint helper's library entry point; a minimal reader while it is not installed."""
    try:
        from evalledger.lint.api import lint_results_bytes
    except ImportError:  # pragma: no cover - only before lint.api exists
        return _fallback_lint
    return lint_results_bytes


def _fallback_lint(
    data: bytes, path: str, *, spec: Any = None, policy: Any = None
) -> tuple[list[ResultEntry], list[Finding]]:
    from evalledger.yamlsource import YamlLoadError, load

    try:
        doc = load(data, path)
    except YamlLoadError as exc:
        return [], [exc.to_finding(path)]
    findings = list(doc.problems)
    if doc.root is None or doc.root.kind != "seq":
        findings.append(
            Finding(path, 1, 1, RESULTS_NOT_LIST.id, RESULTS_NOT_LIST.severity, "results file is not a list")
        )
    return read_entries(doc.root), findings


def collect(
    snapshot: Snapshot,
    *,
    benchmark_id: str,
    task_ids: frozenset[str] | None,
    policy: BenchmarkPolicy,
    spec: Any = None,
    lint: LintFunction | None = None,
    max_result_files: int = MAX_RESULT_FILES,
    max_pull_requests: int = MAX_PULL_REQUESTS,
) -> Collected:
    """Candidates of ``benchmark_id`` in one model repo (all its refs). ``max_result_files`` and
    ``max_pull_requests``: the limits the fetch applied (``RefFiles.too_many``,
    ``Snapshot.pull_requests_over``), for the messages."""
    lint = lint or lint_function()
    out = Collected()
    source = snapshot.source
    if snapshot.pull_requests_over:  # the newest were read; the others not even fetched
        count, newest_left = snapshot.pull_requests_over
        message = (
            f"{source.url} has {count:,} pull-request refs, over the limit of {max_pull_requests:,} "
            f"(--max-pull-requests); the newest {max_pull_requests:,} by number were read, the "
            f"{count - max_pull_requests:,} older ones ({newest_left} and below) were not: raise "
            "--max-pull-requests to read them all"
        )
        found = Finding(f"{RESULTS_DIR}/", 1, 1, TOO_MANY_PULL_REQUESTS.id, TOO_MANY_PULL_REQUESTS.severity, message)
        out.rejected.append(_rejection(source.model, source.url, newest_left, found.path, found))
    for ref in snapshot.refs:
        if ref.too_many:  # none of its files was fetched or read: the ref is refused as a whole
            message = (
                f"{source.url} has {ref.too_many:,} result files at {ref.ref}, over the limit of "
                f"{max_result_files:,} (--max-result-files); none of them was read: the repo can hold one "
                "file per benchmark, or raise --max-result-files to read them all"
            )
            found = Finding(f"{RESULTS_DIR}/", 1, 1, TOO_MANY_RESULT_FILES.id, TOO_MANY_RESULT_FILES.severity, message)
            out.rejected.append(_rejection(source.model, source.url, ref.ref, found.path, found))
        for path, size in ref.too_large:  # never read: refused as lint refuses a file over the limit
            too_large = size_error(size)
            if too_large is not None:
                out.rejected.append(_rejection(source.model, source.url, ref.ref, path, too_large.to_finding(path)))
        for path, data in ref.files:
            try:
                got = _collect_file(source, ref, path, data, benchmark_id, task_ids, policy, spec, lint)
            except Exception as exc:
                # whatever goes wrong reading one file ends there: the file is rejected with the
                # reason, and the other files, refs and repos are still read
                from evalledger.lint.rules.input import UNREADABLE_FILE

                out.rejected.append(
                    _rejection(
                        source.model,
                        source.url,
                        ref.ref,
                        path,
                        Finding(
                            path,
                            1,
                            1,
                            UNREADABLE_FILE.id,
                            UNREADABLE_FILE.severity,
                            f"cannot be read: {error_reason(exc)}",
                        ),
                    )
                )
                continue
            out.records += got.records
            out.rejected += got.rejected
            out.ineligible += got.ineligible
            for dataset_id, count in got.dataset_ids.items():
                out.dataset_ids[dataset_id] = out.dataset_ids.get(dataset_id, 0) + count
    return out


def _collect_file(
    source: Any,
    ref: Any,
    path: str,
    data: bytes,
    benchmark_id: str,
    task_ids: frozenset[str] | None,
    policy: BenchmarkPolicy,
    spec: Any,
    lint: LintFunction,
) -> Collected:
    """What one file of one ref contributed."""
    out = Collected()
    entries, findings = lint(data, path, spec=spec, policy=policy)
    errors = sorted(f for f in findings if f.severity == ERROR)
    mine = [e for e in entries if e.dataset_id == benchmark_id]
    for e in entries:
        if e.dataset_id is not None:
            out.dataset_ids[e.dataset_id] = out.dataset_ids.get(e.dataset_id, 0) + 1
    if not entries and errors:
        # nothing readable: the file as a whole is rejected (it may or may not be ours)
        out.rejected.append(_rejection(source.model, source.url, ref.ref, path, errors[0]))
        return out
    spans = _spans(entries)
    for entry in mine:
        rule = _entry_error(entry, errors, spans)
        rule = rule or _policy_error(entry, task_ids, policy)
        extra = {"repo": source.url, "entry": entry.index}
        if entry.value is None:
            extra["value_raw"] = _raw_value(entry)
        if rule:
            extra["ineligible"] = rule
            out.ineligible += 1
            finding = next(
                (
                    f
                    for f in errors  # this entry's own finding, not a neighbour's
                    if f.rule == rule and _entry_error(entry, [f], spans)
                ),
                None,
            )
            out.rejected.append(
                _rejection(source.model, source.url, ref.ref, path, finding, line=entry.line, rule=rule, entry=entry)
            )
        out.records.append(
            entry.to_record(
                source.model,
                path,
                commit=ref.commit or None,
                commit_time=ref.commit_time,
                community=ref.community,
                ref=ref.ref,
                extra=extra,
            )
        )
    return out


RAW_VALUE_LIMIT = 200  # characters of a value that is not a number kept in the candidates table


def _raw_value(entry: ResultEntry) -> str:
    """A value that is not a number as written (``74%``), so the candidates table shows it."""
    node = entry.node.get("value")
    if node is None:
        return ""
    if node.kind != "scalar":
        return "(a mapping)" if node.kind == "map" else "(a list)"
    value = node.value
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text if len(text) <= RAW_VALUE_LIMIT else text[: RAW_VALUE_LIMIT - 1] + "…"


def _spans(entries: list[ResultEntry]) -> list[tuple[int, int, ResultEntry]]:
    """Line range [start, next start) of each entry, to attribute findings to entries."""
    ordered = sorted(entries, key=lambda e: e.line)
    spans = []
    for i, entry in enumerate(ordered):
        end = ordered[i + 1].line if i + 1 < len(ordered) else 1 << 30
        spans.append((entry.line, end, entry))
    return spans


def _entry_error(entry: ResultEntry, errors: list[Finding], spans: list[tuple[int, int, ResultEntry]]) -> str | None:
    """The first error inside this entry's lines, or a file-level error (before any entry)."""
    first_line = spans[0][0] if spans else 1
    for finding in errors:
        if finding.line < first_line:
            return finding.rule
        for start, end, owner in spans:
            if start <= finding.line < end:
                if owner is entry:
                    return finding.rule
                break
    return None


def _policy_error(entry: ResultEntry, task_ids: frozenset[str] | None, policy: BenchmarkPolicy) -> str | None:
    """What must hold for a leaderboard row even when lint is configured leniently.

    The same checks as lint's rules of these ids (documented in the rule catalogue), repeated
    here so no configuration of lint lets such an entry onto the board."""
    if entry.value is None or not math.isfinite(entry.value):  # read_entries gives None for NaN/inf
        raw = entry.node.get("value")
        if raw is not None and is_number(raw.value):  # a number, yet no value: not a finite one
            return VALUE_NOT_FINITE.id
        return VALUE_NOT_NUMBER.id
    if task_ids is not None and entry.task_id not in task_ids:
        return TASK_ID_UNKNOWN.id
    task_policy = policy.for_task(str(entry.task_id))
    if task_policy.unit_mismatch(entry.value):
        return VALUE_UNIT_MISMATCH.id
    low, high = task_policy.bounds()
    if (low is not None and entry.value < low) or (high is not None and entry.value > high):
        return VALUE_OUT_OF_BOUNDS.id
    return None


def _rejection(
    model: str,
    url: str,
    ref: str,
    path: str,
    finding: Finding | None,
    *,
    line: int | None = None,
    rule: str | None = None,
    entry: ResultEntry | None = None,
) -> dict[str, Any]:
    item = {
        "model": model,
        "model_repo": url,
        "ref": ref,
        "file": path,
        "line": line if line is not None else (finding.line if finding else 1),
        "rule": rule or (finding.rule if finding else "unknown"),
        "message": finding.message if finding else _message(rule or ""),
    }
    if entry is not None:
        item["task"] = entry.task_id
    return item


def _message(rule: str) -> str:
    return {
        VALUE_NOT_NUMBER.id: "value is not a number",
        VALUE_NOT_FINITE.id: "value is NaN or infinite",
        TASK_ID_UNKNOWN.id: "task_id is not a task of this benchmark's eval.yaml",
        VALUE_OUT_OF_BOUNDS.id: "value is outside the bounds the benchmark policy declares",
        VALUE_UNIT_MISMATCH.id: "value does not fit the unit the benchmark policy declares",
    }.get(rule, rule)
