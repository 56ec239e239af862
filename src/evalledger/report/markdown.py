"""A PR-ready Markdown report (job summary, sticky PR comment).

Layout: a headline with counts, a table of warnings and errors (severity, rule, model, task,
old → new, Δ, commit), info findings folded in ``<details>``, then a semantic before/after diff of
each flagged entry (entries as data, so reformatting shows no noise). Everything quoted from the
audited files is escaped: a PR author controls those strings and the report is posted as a
comment (no HTML, no table breaking, no @-mentions).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

import yaml

from evalledger.escape import markdown as escape
from evalledger.escape import terminal
from evalledger.finding import ERROR, INFO, WARNING, Finding
from evalledger.report import Report, Reporter
from evalledger.report import counted as _count

ICON = {ERROR: "❌ error", WARNING: "⚠️ warning", INFO: "ℹ️ info"}
MAX_DIFFS = 50  # a job summary holds 1 MiB; keep a pathological history from exceeding it


def _short_range(text: str) -> str:
    """``<40-hex>..HEAD`` as ``1a2b3c4..HEAD``: full ids make the headline unreadable."""
    return re.sub(r"\b[0-9a-f]{12,40}\b", lambda m: m.group(0)[:7], text)


def _number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        return f"{value:.1f}"
    return escape(repr(value) if isinstance(value, float) else value)


def _delta(f: Finding) -> str:
    if (
        isinstance(f.old, (int, float))
        and isinstance(f.new, (int, float))
        and not isinstance(f.old, bool)
        and not isinstance(f.new, bool)
    ):
        return f"{f.new - f.old:+.4g}"
    return ""


def _row(f: Finding) -> str:
    ev = f.evidence or {}
    task = " · ".join(escape(x) for x in (ev.get("benchmark"), ev.get("task")) if x) or escape(f.path)
    if ev.get("setup"):
        task += f" ({escape(ev['setup'])})"
    commit = f"`{f.commit[:7]}`" if f.commit else ""
    model = escape(ev.get("model", ""))
    change = f"{_number(f.old)} → {_number(f.new)}"
    return (
        f"| {ICON[f.severity]} | `{f.rule}` | {model} | {task} | {change} | {_delta(f)} | "
        f"{escape(f.message)} | {commit} |"
    )


_HEADER = ["| Severity | Rule | Model | Task | Old → New | Δ | Finding | Commit |", "|---|---|---|---|---|---|---|---|"]


def _dump(data: Any) -> list[str]:
    if data is None:
        return []
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000)
    return text.splitlines()


def _fence(lines: Sequence[str]) -> str:
    longest = max((len(m) for line in lines for m in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def semantic_diff(f: Finding) -> list[str]:
    ev = f.evidence or {}
    before, after = _dump(ev.get("before")), _dump(ev.get("after"))
    if not before and not after:
        return []
    body = list(difflib.unified_diff(before, after, lineterm="", n=max(len(before), len(after))))[2:]
    if not body:
        body = [" " + line for line in after]
    # inside the fence nothing is markup, but bidi overrides and escapes would still mislead a reader
    body = [terminal(line) for line in body if not line.startswith("@@")]
    title = " · ".join(escape(x) for x in (ev.get("benchmark"), ev.get("task")) if x)
    where = f"{escape(f.path)}:{f.line}"
    commit = f" at `{f.commit[:7]}`" if f.commit else ""
    moved = f" (moved from {escape(ev['moved_from'])})" if ev.get("moved_from") else ""
    fence = _fence(body)
    return [
        (f"<details><summary>{title} — {escape(ev.get('model', ''))}{commit}: <code>{f.rule}</code></summary>"),
        "",
        f"{where}{moved}",
        "",
        f"{fence}diff",
        *body,
        fence,
        "",
        "</details>",
    ]


def _audit(report: Report) -> list[str]:
    findings = sorted(report.findings, key=lambda f: (-_rank(f.severity), f.path, f.line, f.rule))
    counts = {s: sum(1 for f in findings if f.severity == s) for s in (ERROR, WARNING, INFO)}
    commits = report.extra.get("commits", 0)
    scope = f"{_count(commits, 'commit')} changing results"
    if report.extra.get("range"):
        scope += f" in `{_short_range(str(report.extra['range'])).replace('`', '')}`"
    if not findings:
        return [f"### Eval-results audit: no findings ({scope})", ""]
    head = ", ".join(_count(counts[s], s) for s in (ERROR, WARNING, INFO) if counts[s])
    lines = [f"### Eval-results audit: {head} ({scope})", ""]
    shown = [f for f in findings if f.severity != INFO]
    folded = [f for f in findings if f.severity == INFO]
    if shown:
        lines += _HEADER + [_row(f) for f in shown] + [""]
    if folded:
        lines += [f"<details><summary>{_count(len(folded), 'info finding')}</summary>", ""]
        lines += _HEADER + [_row(f) for f in folded] + ["", "</details>", ""]
    diffs = []
    seen = set()
    for f in shown + folded:
        key = (f.commit, f.path, f.line)
        if key in seen:
            continue
        seen.add(key)
        block = semantic_diff(f)
        if block:
            diffs.append(block)
    if diffs:
        lines += ["#### Flagged entries, before → after", ""]
        for block in diffs[:MAX_DIFFS]:
            lines += block + [""]
        if len(diffs) > MAX_DIFFS:
            lines += [f"{len(diffs) - MAX_DIFFS} more diffs not shown; run `evalledger audit` locally.", ""]
    lines += score_history(shown, report.extra.get("history") or {})
    lines += ["Rule docs: `evalledger rules` · exit status follows `--fail-on` (default: error)", ""]
    return lines


MAX_CHARTS = 10
FLAG = "⚑"


def score_history(
    flagged: Sequence[Finding], history: Mapping[tuple[Any, ...], Sequence[tuple[str, float]]]
) -> list[str]:
    """Per flagged entry, its value over the commits of the audited history as a Mermaid
    ``xychart-beta`` (GitHub draws it in comments), the flagged commits marked with a bar and
    ``⚑``. The chart holds only numbers and commit ids; names from the audited files stay in the
    escaped title line above it."""
    marks: dict[tuple[Any, ...], dict[str, list[str]]] = {}
    for f in flagged:
        ev = f.evidence or {}
        key = (ev.get("model", ""), ev.get("benchmark"), ev.get("task"), ev.get("setup", ""))
        if f.commit and len(history.get(key) or ()) >= 2:
            marks.setdefault(key, {}).setdefault(f.commit, []).append(f.rule)
    if not marks:
        return []
    lines = ["#### Score history of flagged entries", ""]
    for key, commits in list(marks.items())[:MAX_CHARTS]:
        points = [
            (sha, value)
            for sha, value in history[key]
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        ]
        labels = [("before" if not sha else sha[:7]) + (f" {FLAG}" if sha in commits else "") for sha, _ in points]
        values = [value for _, value in points]
        low, high = min(values), max(values)
        pad = (high - low) * 0.1 or 1.0
        model, bench, task, setup = key
        title = " · ".join(escape(x) for x in (bench, task) if x) + (f" ({escape(setup)})" if setup else "")
        lines += [
            f"{title} — {escape(model)}",
            "",
            "```mermaid",
            "xychart-beta",
            "    x-axis [" + ", ".join(f'"{label}"' for label in labels) + "]",
            f'    y-axis "value" {_axis(low - pad)} --> {_axis(high + pad)}',
            # a bar up to the value at each flagged commit, none elsewhere: the mark
            "    bar [" + ", ".join(repr(float(v)) if sha in commits else _axis(low - pad) for sha, v in points) + "]",
            "    line [" + ", ".join(repr(float(v)) for v in values) + "]",
            "```",
            "",
        ]
        flagged_at = "; ".join(
            f"`{sha[:7]}` ({', '.join(f'`{r}`' for r in sorted(set(rules)))})" for sha, rules in commits.items()
        )
        missing = (
            "" if any(sha in commits for sha, _ in points) else f" (older than the last {len(points)} changes shown)"
        )
        lines += [f"{FLAG} flagged: {flagged_at}{missing}", ""]
    if len(marks) > MAX_CHARTS:
        lines += [f"{len(marks) - MAX_CHARTS} more flagged entries not charted.", ""]
    return lines


def _axis(value: float) -> str:
    return f"{value:.6g}"


def _lint(report: Report) -> list[str]:
    findings = sorted(report.findings)
    if not findings:
        return [f"### Eval-results lint: no problems ({_count(report.files, 'file')})", ""]
    counts = {s: sum(1 for f in findings if f.severity == s) for s in (ERROR, WARNING, INFO)}
    head = ", ".join(_count(counts[s], s) for s in (ERROR, WARNING, INFO) if counts[s])
    lines = [
        f"### Eval-results lint: {head} ({_count(report.files, 'file')})",
        "",
        "| Severity | Rule | Location | Problem |",
        "|---|---|---|---|",
    ]
    for f in findings:
        lines.append(
            f"| {ICON[f.severity]} | `{f.rule}` | {escape(f.path)}:{f.line}:{f.column} | {escape(f.message)} |"
        )
    return lines + [""]


def _rank(severity: str) -> int:
    return {ERROR: 2, WARNING: 1, INFO: 0}[severity]


def _write(lines: list[str], stream: TextIO) -> None:
    stream.write("\n".join(lines))
    if lines[-1] != "":
        stream.write("\n")


class MarkdownReporter(Reporter):
    name = "markdown"

    def lint(self, report: Report, stream: TextIO) -> None:
        _write(_lint(report), stream)

    def audit(self, report: Report, stream: TextIO) -> None:
        _write(_audit(report), stream)


REPORTER = MarkdownReporter()
