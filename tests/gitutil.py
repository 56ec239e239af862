"""Build real git repositories in tests, so tests read as scenarios.

repo = GitRepo.init(tmp_path / "model")
repo.write(".eval_results/gpqa.yaml", RESULT)
sha = repo.commit("add gpqa", author="alice")
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_BASE_TIME = 1_767_225_600  # 2026-01-01T00:00:00Z: commit times are explicit, so runs are reproducible


def git(cwd: Path | str, *args: str, env: dict[str, str] | None = None) -> str:
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=full_env)
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed in {cwd}:\n{proc.stderr}")
    return proc.stdout


class GitRepo:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._tick = 0

    @classmethod
    def init(cls, path: Path, *, bare: bool = False, branch: str = "main") -> GitRepo:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        git(path, "init", "-q", f"--initial-branch={branch}", *(["--bare"] if bare else []))
        if not bare:
            git(path, "config", "commit.gpgsign", "false")
        return cls(path)

    @classmethod
    def clone(cls, url: str, path: Path, *args: str) -> GitRepo:
        git(Path(path).parent, "clone", "-q", *args, url, str(path))
        return cls(Path(path))

    @property
    def url(self) -> str:
        return self.path.resolve().as_uri()

    def write(self, relpath: str, text: str | bytes) -> Path:
        target = self.path / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text)
        return target

    def remove(self, relpath: str) -> None:
        git(self.path, "rm", "-q", relpath)

    def commit(self, message: str, *, author: str = "alice", when: int | None = None) -> str:
        """Stage everything and commit as ``author`` at a deterministic time; returns the sha."""
        self._tick += 1
        stamp = f"{when if when is not None else _BASE_TIME + self._tick * 3600} +0000"
        env = {
            "GIT_AUTHOR_NAME": author,
            "GIT_AUTHOR_EMAIL": f"{author}@example.com",
            "GIT_COMMITTER_NAME": author,
            "GIT_COMMITTER_EMAIL": f"{author}@example.com",
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
        }
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "--no-verify", "--allow-empty", "-m", message, env=env)
        return self.head()

    def head(self, rev: str = "HEAD") -> str:
        return git(self.path, "rev-parse", rev).strip()

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        return git(self.path, *args, env=env)
