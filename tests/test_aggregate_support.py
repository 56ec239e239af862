"""Scenario builders for the aggregate tests: a benchmark repo and model repos as bare remotes.

(No tests here; the name keeps it inside the aggregate test files this helper owns.)
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from evalledger.cli import main
from gitutil import GitRepo, git

BENCH_ID = "acme/bench"
EVAL_YAML = """name: Bench
evaluation_framework: inspect-ai
tasks:
  - id: alpha
    config: default
    split: test
  - id: beta
    config: default
    split: test
"""
POLICY = """tasks:
  alpha: {direction: higher, unit: percent}
  beta: {direction: lower, unit: points}
"""


def entry(
    task: str,
    value: object,
    *,
    bench: str = BENCH_ID,
    token: str | None = None,
    notes: str | None = None,
    date: str = "2026-01-02",
) -> str:
    lines = [f"- dataset:\n    id: {bench}\n    task_id: {task}\n  value: {value}\n  date: '{date}'"]
    if token:
        lines.append(f"  verifyToken: {token}")
    if notes:
        lines.append(f"  notes: {notes}")
    lines.append("  source:\n    url: https://example.com/run\n    name: Eval traces")
    return "\n".join(lines) + "\n"


class World:
    """A benchmark repo (work clone of a bare origin) and model repos (bare remotes)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.origin = GitRepo.init(tmp / "bench.git", bare=True)
        seed = GitRepo.init(tmp / "seed")
        seed.write("eval.yaml", EVAL_YAML)
        seed.write(".evalledger.yaml", POLICY)
        seed.write("README.md", "---\nlicense: mit\n---\n# Bench\n\nA benchmark.\n")
        seed.write("models.txt", "")
        seed.commit("benchmark")
        seed.git("push", "-q", self.origin.url, "HEAD:refs/heads/main")
        self.bench = self.clone("bench")
        self._work: dict[str, GitRepo] = {}
        self.stderr = ""

    def clone(self, name: str, *args: str) -> GitRepo:
        repo = GitRepo.clone(self.origin.url, self.tmp / name, *args)
        repo.git("config", "commit.gpgsign", "false")
        return repo

    def model(self, name: str, files: dict[str, str], *, when: int | None = None, message: str = "results") -> GitRepo:
        """Create or update model repo ``name`` (bare remote ``models/<name>.git``)."""
        work = self._work.get(name)
        bare_path = self.tmp / "models" / f"{name}.git"
        if work is None:
            GitRepo.init(bare_path, bare=True)
            work = self._work[name] = GitRepo.init(self.tmp / "work" / name)
            work.write("README.md", f"# {name}\n")
            work.write("model.safetensors", b"\0" * 2048)
        for path, text in files.items():
            if text is None:
                work.remove(path)
            else:
                work.write(path, text)
        work.commit(message, when=when)
        work.git("push", "-q", "--force", GitRepo(bare_path).url, "HEAD:refs/heads/main")
        return GitRepo(bare_path)

    def pull_request(self, name: str, number: int, files: dict[str, str], *, hf: bool = False) -> str:
        """Push a commit on top of main to refs/pull/N/head (GitHub) or refs/pr/N (Hub)."""
        work = self._work[name]
        main = work.head()
        for path, text in files.items():
            work.write(path, text)
        sha = work.commit(f"PR {number}")
        ref = f"refs/pr/{number}" if hf else f"refs/pull/{number}/head"
        work.git("push", "-q", "--force", GitRepo(self.tmp / "models" / f"{name}.git").url, f"HEAD:{ref}")
        work.git("reset", "-q", "--hard", main)
        return sha

    def url(self, name: str) -> str:
        return GitRepo(self.tmp / "models" / f"{name}.git").url

    def registry(self, lines: list[str], repo: GitRepo | None = None, commit: bool = False) -> Path:
        repo = repo or self.bench
        path = repo.write("models.txt", "".join(line + "\n" for line in lines))
        if commit:
            repo.commit("registry")
            repo.git("push", "-q", "origin", "HEAD:main")
        return path


def aggregate(
    world: World, *args: str, repo: GitRepo | None = None, capsys=None, cache: str = "cache"
) -> tuple[int, dict]:
    repo = repo or world.bench
    argv = [
        "aggregate",
        "--repo",
        str(repo.path),
        "--models",
        str(repo.path / "models.txt"),
        "--benchmark-id",
        BENCH_ID,
        "--cache-dir",
        str(world.tmp / cache),
        "--format",
        "json",
        "--jobs",
        "4",
        *args,
    ]
    code = main(argv)
    doc = {}
    if capsys is not None:
        captured = capsys.readouterr()
        world.stderr = captured.err
        doc = json.loads(captured.out) if captured.out.strip().startswith("{") else {}
    return code, doc


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def rows_by_model(path: Path, task: str | None = None) -> dict[str, dict[str, str]]:
    return {r["model"]: r for r in read_csv(path) if task is None or r["task"] == task}


__all__ = ["BENCH_ID", "World", "aggregate", "entry", "git", "read_csv", "rows_by_model"]
