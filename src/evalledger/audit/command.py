"""``evalledger audit``: flag suspicious score edits in the git history of result files.

Options are a public contract (the Action and the ``check-eval-history`` hook call them):
``--range BASE..HEAD``, ``--format``, ``--output``, ``--fail-on``, ``--deepen``, ``--pre-commit``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from evalledger.cli import UsageError
from evalledger.finding import POSITION, SEVERITY_RANK, Finding

if TYPE_CHECKING:  # imported where used: git walks the history meanwhile
    from collections import deque

    from evalledger.audit.early import EarlyWalk
    from evalledger.audit.rules.copies import Claim
    from evalledger.audit.rules.published import PublishedRow
    from evalledger.policy import AuditPolicy, BenchmarkPolicy
    from evalledger.report import Report

FAIL_ON = ("error", "warning", "never")
ZERO = "0" * 40


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "repos",
        nargs="*",
        metavar="REPO",
        default=[],
        help="model repo(s) to audit (default: the current directory); several repos "
        "also enable the cross-model copied-value check",
    )
    parser.add_argument(
        "--range",
        dest="rev_range",
        metavar="BASE..HEAD",
        help="audit only the commits a PR adds (default: the whole history)",
    )
    parser.add_argument(
        "--format",
        default="auto",
        choices=("text", "json", "github", "sarif", "markdown", "auto"),
        help="output format; auto: github under GitHub Actions, else text (default: auto)",
    )
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument(
        "--json-output",
        metavar="FILE",
        help="also write the JSON report to FILE, so one run serves a human report and a machine (the Action uses it)",
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="error",
        help="exit 1 when a finding at or above this severity exists (default: error)",
    )
    parser.add_argument(
        "--benchmark",
        action="append",
        default=[],
        metavar="[ID=]PATH",
        help="benchmark directory (or its .evalledger.yaml) whose policy sets units, "
        "directions and thresholds; ID= limits it to entries of that dataset id",
    )
    parser.add_argument(
        "--leaderboard",
        metavar="FILE",
        help="published leaderboard (CSV/JSONL with a commit column): flag recorded "
        "commits that are no longer reachable, and values copied across models",
    )
    parser.add_argument("--model", metavar="ID", help="model repo id to report (default: from the origin URL)")
    parser.add_argument(
        "--deepen",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="fetch missing history of a shallow clone instead of failing (network)",
    )
    parser.add_argument(
        "--write-commit-graph",
        action="store_true",
        help="write a commit-graph with changed-path Bloom filters first (faster walks)",
    )
    from evalledger.selection import add_arguments

    add_arguments(parser, config=False)  # no config from the repo under audit: it could turn its audit off
    parser.add_argument(
        "--pre-commit",
        action="store_true",
        help="run as the check-eval-history hook: range from PRE_COMMIT_FROM_REF/"
        "PRE_COMMIT_TO_REF (pre-push), else @{upstream}..HEAD, else origin/HEAD..HEAD, else whole history",
    )


def _pre_commit_range(repo: str) -> str | None:
    from evalledger import git, revrange

    source, target = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    if source and target:
        if source.strip("0") == "":
            return None  # pushing a new root: the whole history is new
        return revrange.join(source, target)
    for upstream in ("@{upstream}", "origin/HEAD"):
        if git.rev_parse(repo, upstream) is not None:
            return revrange.join(upstream, "HEAD")
    return None


def _load_policies(specs: list[str]) -> dict[str, BenchmarkPolicy] | None:
    from evalledger.policy import POLICY_FILE, load_policy

    if not specs:
        return None
    policies: dict[str, BenchmarkPolicy] = {}
    for spec in specs:
        benchmark, _, path = spec.rpartition("=") if "=" in spec else ("*", "", spec)
        target = Path(path)
        directory = target.parent if target.name == POLICY_FILE else target
        if not directory.is_dir():
            raise UsageError(f"--benchmark {spec}: {directory} is not a directory")
        policy, problems = load_policy(directory)
        errors = [f for f in problems if f.severity == "error"]
        if errors:
            first = errors[0]
            raise UsageError(f"{first.path}:{first.line}:{first.column}: {first.message}")
        policies[benchmark or "*"] = policy
    return policies


def run(args: argparse.Namespace) -> int:
    repos = args.repos or ["."]
    for repo in repos:
        if not Path(repo).is_dir():
            raise UsageError(f"{repo}: no such directory")
    rev_range = args.rev_range
    if args.pre_commit and rev_range is None:
        rev_range = _pre_commit_range(repos[0])
    from evalledger.audit import early

    # git walks the history while Python imports the rest
    walk = early.start(repos[0], rev_range, args.write_commit_graph) if len(repos) == 1 else None
    try:
        return _run(args, repos, rev_range, walk)
    finally:
        if walk is not None:
            walk.close()


def _run(args: argparse.Namespace, repos: list[str], rev_range: str | None, walk: EarlyWalk | None) -> int:
    from evalledger.audit.engine import AuditError, run_audit
    from evalledger.audit.registry import RULES
    from evalledger.audit.rules import copies
    from evalledger.report import Report, resolve_format
    from evalledger.selection import RuleSelection, from_arguments

    select, ignore = from_arguments(args, RULES, "audit", sys.stderr)
    policies = _load_policies(args.benchmark)
    rows: list[PublishedRow] = []
    if args.leaderboard:
        from evalledger.audit.published import LeaderboardError, read_leaderboard  # csv, json: only here

        try:
            rows = read_leaderboard(args.leaderboard)
        except LeaderboardError as exc:
            raise UsageError(str(exc)) from None
    findings: list[Finding] = []
    claims: list[Claim] = []
    commits = files = 0
    history: dict[tuple[str, ...], deque[tuple[str, float]]] = {}  # (model, *entry key) -> its values
    for repo in repos:
        try:
            result = run_audit(
                repo,
                rev_range=rev_range,
                policy=policies,
                model=args.model if len(repos) == 1 else None,
                deepen=args.deepen,
                write_commit_graph=args.write_commit_graph,
                label=repo.rstrip("/") if len(repos) > 1 else "",
                early=walk,
            )
        except AuditError as exc:
            raise UsageError(str(exc)) from None
        findings.extend(result.findings)
        claims.extend(result.claims)
        commits += result.commits
        history.update(result.history)
        files += result.files
        if rows:
            from evalledger.audit.engine import published_check

            mine = [r for r in rows if _row_matches(r.fields.get("model"), result.model, repo)]
            if len(repos) == 1 and not mine and not any(r.fields.get("model") for r in rows):
                mine = rows
            if not mine:
                sys.stderr.write(_no_rows_hint(args.leaderboard, rows, result.model, repo, args.model))
            findings.extend(published_check(repo, mine, result.model))
    if len(repos) > 1 or rows:
        audit_policy = _audit_policy(policies)
        for row in rows:
            value = row.fields.get("value")
            if isinstance(value, (int, float)) and row.fields.get("model") and row.fields.get("benchmark"):
                claims.append(
                    copies.Claim(
                        str(row.fields["model"]),
                        str(row.fields["benchmark"]),
                        str(row.fields.get("task") or ""),
                        str(row.fields.get("setup") or ""),
                        float(value),
                        row.path,
                        row.line,
                        row.commit,
                    )
                )
        claims = _one_claim_per_model(claims)
        findings.extend(
            copies.check(claims, audit_policy.copied_value_min_models, audit_policy.copied_value_min_digits)
        )
    findings = RuleSelection.of(RULES, select, ignore).filter(findings)
    findings.sort(key=POSITION)
    report = Report(
        "audit", findings, files=files, rules=RULES, extra={"commits": commits, "range": rev_range, "history": history}
    )
    fmt = resolve_format(args.format)
    _write(report, fmt, args.output)
    if args.json_output:
        _write(report, "json", args.json_output, announce=False)
    return _exit_code(findings, args.fail_on)


def _no_rows_hint(board: str, rows: Sequence[PublishedRow], model: str, repo: str, given: str | None) -> str:
    """No row of the leaderboard is this repo's: its published commits went unchecked. Say
    which id was looked for, where it came from, and what to pass."""
    from evalledger import git
    from evalledger.escape import terminal

    if given:
        why = "given by --model"
    elif git.remote_url(repo):
        why = "from the origin remote's URL"
    else:
        why = "from the folder name; no origin remote"
    listed = sorted({str(r.fields["model"]) for r in rows if r.fields.get("model")})
    name = model.rsplit("/", 1)[-1]
    likely = [m for m in listed if m.rsplit("/", 1)[-1] == name]
    if likely:
        hint = f"pass --model {' or --model '.join(terminal(m) for m in likely[:3])}"
    else:
        shown = ", ".join(terminal(m) for m in listed[:5]) + (", ..." if len(listed) > 5 else "")
        hint = f"pass --model with the id the leaderboard uses (it lists {len(listed)}: {shown})"
    return (
        f"evalledger audit: {terminal(board)} has no row for model '{terminal(model)}' ({why}), so no "
        f"published commit of {terminal(repo)} was checked; {hint}\n"
    )


def _row_matches(row_model: object, model: str, repo: str) -> bool:
    if not row_model:
        return False
    return str(row_model) == model


def _audit_policy(policies: dict[str, BenchmarkPolicy] | None) -> AuditPolicy:
    from evalledger.policy import AuditPolicy

    if policies and "*" in policies:
        return policies["*"].audit
    if policies:
        return next(iter(policies.values())).audit
    return AuditPolicy()


def _one_claim_per_model(claims: list[Claim]) -> list[Claim]:
    """A repo's own entry and the leaderboard row for it are one claim, not two models agreeing."""
    seen: dict[tuple[str, str, str, str], Claim] = {}
    for claim in claims:
        seen.setdefault((claim.model, claim.benchmark, claim.task, claim.setup), claim)
    return list(seen.values())


def _exit_code(findings: list[Finding], fail_on: str) -> int:
    if fail_on == "never":
        return 0
    level = SEVERITY_RANK[fail_on]
    return 1 if any(SEVERITY_RANK[f.severity] >= level for f in findings) else 0


def _write(report: Report, fmt: str, output: str | None, announce: bool = True) -> None:
    from evalledger.report import counted, render

    if output is None:
        render(report, fmt, sys.stdout)
        return
    target = Path(output)
    if not target.parent.is_dir():
        raise UsageError(f"--output {output}: directory {target.parent} does not exist")
    import io

    from evalledger.atomic import write_atomic

    # a reader never sees half a report
    stream = io.StringIO(newline="\n")
    render(report, fmt, stream)
    write_atomic(target, stream.getvalue())
    if not announce:
        return
    counts: dict[str, int] = {}
    for f in report.findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    summary = ", ".join(counted(counts[s], s) for s in ("error", "warning", "info") if s in counts) or "no findings"
    sys.stderr.write(f"evalledger audit: {summary}; report written to {output}\n")
