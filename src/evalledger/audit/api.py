"""Library entry point of the audit, for callers other than the CLI (the leaderboard marks rows).

``audit_repository`` walks one model repo's result history and returns Findings; each Finding's
``evidence`` carries ``model``, ``benchmark``, ``task`` and ``setup`` where the finding concerns
one entry, so a leaderboard can mark the rows it affects.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from evalledger.audit.engine import AuditError, Published
from evalledger.finding import Finding
from evalledger.policy import BenchmarkPolicy

__all__ = ["AuditError", "audit_repository"]


def audit_repository(
    repo: str | os.PathLike[str],
    *,
    rev_range: str | None = None,
    policy: BenchmarkPolicy | Mapping[str, BenchmarkPolicy] | None = None,
    published_commits: Published | None = None,
    model: str | None = None,
    deepen: bool = False,
) -> list[Finding]:
    """Findings for the commits of ``rev_range`` (``BASE..HEAD``) or the whole history.

    ``policy`` is one benchmark policy for every entry, or a mapping benchmark id -> policy.
    ``published_commits`` are commits a leaderboard recorded for this repo (optionally mapped to
    the row they came from); each one no longer reachable from HEAD is a finding.
    Raises ``AuditError`` when the history cannot be read completely (shallow clone, bad range).
    """
    from evalledger.audit.engine import run_audit

    return run_audit(
        repo, rev_range=rev_range, policy=policy, published_commits=published_commits, model=model, deepen=deepen
    ).findings
