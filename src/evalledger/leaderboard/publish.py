"""Committing the leaderboard back, and pushing it when another run got there first.

The leaderboard is derived data: when a push is rejected because the branch moved, we fetch the
new tip, move to it (``reset --keep``: our generated commit is dropped, uncommitted work is never
discarded), REGENERATE from the new base and try again, a bounded number of times with backoff.
Rebasing a generated file would merge two stale tables line by line; regenerating cannot
(ECOSYSTEM.md §2.3: the push races users of git-auto-commit-action and add-and-commit hit).

Errors a maintainer can act on are ``PublishError`` (the CLI exits 2 with the message): detached
HEAD, no such remote, no write permission, a local branch that has diverged from the remote.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evalledger import git
from evalledger.leaderboard.result import Generated

BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"

_PERMISSION = (
    "permission to",
    "permission denied",
    "authentication failed",
    "could not read username",
    "access denied",
    "not allowed to push",
    "protected branch",
    "write access to repository not granted",
    "insufficient permission",
)
# HTTP 403 as a status, not three digits inside an object id ("cannot lock ref ... is at 9b403e...")
_HTTP_403 = re.compile(r"(?<![0-9a-z])403(?![0-9a-z])")
_RACE = (
    "[rejected]",
    "fetch first",
    "non-fast-forward",
    "cannot lock ref",
    "failed to update ref",
    "stale info",
    "incorrect old value",
    "! [remote rejected]",
)


class PublishError(Exception):
    """Commit or push cannot proceed; the message says what to change."""


@dataclass
class Target:
    root: Path
    remote: str
    branch: str
    start: str  # HEAD before we committed anything


def preflight(root: Path, *, push: bool, remote: str, branch: str | None) -> Target:
    """Check what committing (and pushing) needs before any work is done."""
    current = git.current_branch(root)
    if current is None and branch is None:
        raise PublishError(
            "HEAD is detached: cannot commit the leaderboard to a branch. Check out a branch "
            "(actions/checkout: `ref: ${{ github.head_ref || github.ref_name }}`) or pass --branch"
        )
    if current is None:
        raise PublishError(f"HEAD is detached; check out {branch} before committing to it")
    if branch is not None and branch != current:
        raise PublishError(f"--branch {branch} is not the checked-out branch ({current})")
    start = git.rev_parse(root, "HEAD") or ""
    if push and git.remote_url(root, remote) is None:
        raise PublishError(f"no git remote named {remote!r} to push to")
    return Target(root, remote, current, start)


def classify(stderr: str) -> str:
    """'permission', 'race' (someone pushed first: regenerate and retry) or 'other'."""
    text = stderr.lower()
    if any(word in text for word in _PERMISSION) or _HTTP_403.search(text):
        return "permission"
    if any(word in text for word in _RACE):
        return "race"
    return "other"


def needs_commit(target: Target, paths: Sequence[str]) -> bool:
    return bool(paths) and bool(git.status_paths(target.root, list(paths)).strip())


def commit(target: Target, paths: Sequence[str], message: str, *, name: str, email: str) -> str:
    return git.commit_paths(target.root, list(paths), message, name=name, email=email)


def push(target: Target, timeout: float | None = None) -> tuple[bool, str]:
    ok, text = git.push_branch(target.root, target.remote, target.branch, timeout=timeout)
    if ok:
        return True, text
    kind = classify(text)
    if kind == "permission":
        raise PublishError(
            f"push to {target.remote}/{target.branch} was refused for lack of write permission "
            "(a workflow needs `permissions: contents: write`, and the repository's workflow "
            f"permissions must allow it): {last_lines(text)}"
        )
    return False, text


def rebase_onto_remote(target: Target, timeout: float | None = None) -> str:
    """Move to the remote's new tip, dropping only our generated commit; returns the new tip."""
    tip = git.fetch_branch(target.root, target.remote, target.branch, timeout=timeout)
    if target.start and not git.is_ancestor(target.root, target.start, tip):
        raise PublishError(
            f"the local branch has commits that {target.remote}/{target.branch} does not have; push "
            "or drop them first (the leaderboard is regenerated on the remote's tip, never rebased)"
        )
    git.reset_keep(target.root, tip)
    target.start = tip
    return tip


def backoff(attempt: int, base: float) -> None:
    if base > 0:
        time.sleep(base * (2 ** (attempt - 1)) * (0.5 + random.random()))


def last_lines(text: str) -> str:
    """The last two lines of git's output, as the reason a push failed."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " / ".join(lines[-2:]) if lines else "no message from git"


def message(generated: Generated) -> str:
    """One-line subject plus the inputs, so `git log` tells what each update did."""
    changes = generated.changes
    parts = [f"{generated.rows} rows"]
    for label, rows in (
        ("new", changes.new),
        ("moved", changes.moved),
        ("removed", changes.removed),
        ("new conflicts", changes.new_conflicts),
    ):
        if rows:
            parts.append(f"{len(rows)} {label}")
    stale = generated.stale
    if stale:
        parts.append(f"{len(stale)} stale")
    subject = "Update leaderboard: " + ", ".join(parts)
    body = [
        (
            f"Sources: {generated.sources} model repos, {len(generated.unreachable)} "
            f"unreachable; {generated.candidates} candidates, "
            f"{generated.conflicts} conflicts."
        )
    ]
    if stale:
        repos = sorted({row.model_repo for row in stale})
        body.append(
            f"Kept from the previous run, marked stale (repo could not be fetched): "
            f"{len(stale)} rows of {', '.join(repos)}."
        )
    return subject + "\n\n" + "\n".join(body) + "\n"
