"""The one place that talks to git.

Everything else receives plain data (paths, blobs, commits). We shell out to the git binary: it is
what users have, it reads commit-graph Bloom filters, and one long-lived ``cat-file --batch``
process serves thousands of blobs (GitPython spawns a process for most calls and is several times
slower on history walks; see AUDIT.md §3.1).
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

# never let a user's git config or hooks change what we read or write
_BASE_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}


class GitError(Exception):
    """A git command failed; message carries git's own stderr."""

    def __init__(self, args: Sequence[str], returncode: int, stderr: str) -> None:
        self.args_ = list(args)
        self.returncode = returncode
        self.stderr = stderr.strip()
        super().__init__(f"git {' '.join(args)}: {self.stderr or f'exit {returncode}'}")


def git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(_BASE_ENV)
    if extra:
        env.update(extra)
    return env


def run(args: Sequence[str], cwd: str | os.PathLike[str] | None = None, *, input: bytes | None = None,
        env: dict[str, str] | None = None, check: bool = True, timeout: float | None = None) -> bytes:
    """Run ``git args`` and return stdout; raise GitError on failure when ``check``."""
    proc = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True,
                          env=git_env(env), timeout=timeout)
    if check and proc.returncode != 0:
        raise GitError(args, proc.returncode, proc.stderr.decode("utf-8", "replace"))
    return proc.stdout


def run_text(args: Sequence[str], cwd: str | os.PathLike[str] | None = None, **kwargs) -> str:
    return run(args, cwd, **kwargs).decode("utf-8", "replace")


def toplevel(path: str | os.PathLike[str]) -> Path | None:
    """The work tree root containing ``path``, or None outside a repository."""
    start = Path(path)
    if not start.is_dir():
        start = start.parent
    try:
        out = run_text(["rev-parse", "--show-toplevel"], cwd=start)
    except (GitError, FileNotFoundError, NotADirectoryError):
        return None
    return Path(out.strip())


def rev_parse(repo: str | os.PathLike[str], rev: str) -> str | None:
    try:
        return run_text(["rev-parse", "--verify", "--quiet", rev + "^{commit}"], repo).strip() or None
    except GitError:
        return None


def is_shallow(repo: str | os.PathLike[str]) -> bool:
    return run_text(["rev-parse", "--is-shallow-repository"], repo).strip() == "true"


def current_branch(repo: str | os.PathLike[str]) -> str | None:
    """Branch name, or None on a detached HEAD."""
    out = run(["symbolic-ref", "--quiet", "--short", "HEAD"], repo, check=False)
    return out.decode().strip() or None


@dataclass(frozen=True)
class Blob:
    oid: str
    data: bytes | None  # None when the object is missing


class BlobReader:
    """One ``git cat-file --batch`` process serving many blob reads."""

    def __init__(self, repo: str | os.PathLike[str]) -> None:
        self._proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=repo, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=git_env())

    def read(self, spec: str) -> Blob:
        """``spec`` is an object id or ``<rev>:<path>``."""
        assert self._proc.stdin and self._proc.stdout
        self._proc.stdin.write(spec.encode() + b"\n")
        self._proc.stdin.flush()
        header = self._proc.stdout.readline().decode().rstrip("\n")
        if header.endswith(" missing") or header.endswith(" ambiguous") or not header:
            return Blob(spec, None)
        oid, _type, size = header.split(" ")
        data = self._proc.stdout.read(int(size))
        self._proc.stdout.read(1)  # trailing newline
        return Blob(oid, data)

    def read_many(self, specs: Iterable[str]) -> Iterator[Blob]:
        for spec in specs:
            yield self.read(spec)

    def close(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        self._proc.wait()
        if self._proc.stdout:
            self._proc.stdout.close()

    def __enter__(self) -> "BlobReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
