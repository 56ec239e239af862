"""A model repo's trees are hostile: a folder of N entries that all name one folder of N entries
(and so on) costs a few objects to push and lists N**levels paths. The audit refuses such a
revision (exit 2, the repo, the count reached and the limit) while it counts, instead of building
the list. Real repos built with git plumbing (``mktree``: a few objects each); every run is a
subprocess under a timeout, so a regression fails instead of hanging the suite."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gitutil import GitRepo, git

#: far more than the bounded audit needs (well under a second here); the unbounded one took
#: over 120 s on the 10**6-path repo below
TIMEOUT = 60

RESULT = """\
- dataset:
    id: Idavidrein/gpqa
    task_id: diamond
  value: {value}
  source:
    url: https://example.org/run
"""

_ENV = {
    "GIT_AUTHOR_NAME": "alice",
    "GIT_AUTHOR_EMAIL": "alice@example.com",
    "GIT_COMMITTER_NAME": "alice",
    "GIT_COMMITTER_EMAIL": "alice@example.com",
    "GIT_AUTHOR_DATE": "1767225600 +0000",
    "GIT_COMMITTER_DATE": "1767225600 +0000",
}


def _blob(repo: GitRepo, text: str) -> str:
    return _blobs(repo, [text])[0]


def _blobs(repo: GitRepo, texts: list[str]) -> list[str]:
    """Blob ids of ``texts``, written by one ``git hash-object``."""
    folder = repo.path.parent / "texts"
    folder.mkdir(exist_ok=True)
    names = []
    for i, text in enumerate(texts):
        (folder / str(i)).write_text(text)
        names.append(str(folder / str(i)))
    return subprocess.run(
        ["git", "hash-object", "-w", "--stdin-paths"],
        cwd=repo.path,
        input="\n".join(names) + "\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()


def _mktree(repo: GitRepo, entries: list[tuple[str, str, str]]) -> str:
    """A tree of (mode, name, object id) entries."""
    lines = "".join(f"{mode} {'tree' if mode == '040000' else 'blob'} {oid}\t{name}\n" for mode, name, oid in entries)
    return subprocess.run(
        ["git", "mktree"], cwd=repo.path, input=lines, capture_output=True, text=True, check=True
    ).stdout.strip()


def _entries(repo: GitRepo, tree: str) -> list[tuple[str, str, str]]:
    """(mode, name, object id) of the entries of ``tree``."""
    lines = git(repo.path, "ls-tree", tree).splitlines()
    return [(mode, name, oid) for mode, _kind, oid, name in (line.replace("\t", " ").split(" ", 3) for line in lines)]


def _commit(repo: GitRepo, results_tree: str, message: str) -> str:
    """A commit on HEAD whose tree is HEAD's with ``.eval_results`` replaced by ``results_tree``."""
    head = repo.head()
    kept = [entry for entry in _entries(repo, head) if entry[1] != ".eval_results"]
    root = _mktree(repo, [*kept, ("040000", ".eval_results", results_tree)])
    sha = git(repo.path, "commit-tree", root, "-p", head, "-m", message, env=_ENV).strip()
    git(repo.path, "update-ref", "HEAD", sha)
    return sha


def _base(path: Path) -> GitRepo:
    repo = GitRepo.init(path)
    repo.write("README.md", "# model\n")
    repo.commit("card")
    return repo


def _exploding(repo: GitRepo, width: int, levels: int) -> str:
    """The id of a tree listing ``width ** levels`` result files from ``levels`` objects."""
    leaf = _blob(repo, RESULT.format(value=0.5))
    tree = _mktree(repo, [("100644", f"r{i:05d}.yaml", leaf) for i in range(width)])
    for _ in range(levels - 1):
        tree = _mktree(repo, [("040000", f"d{i:05d}", tree) for i in range(width)])
    return tree


def _flat(repo: GitRepo, count: int) -> str:
    """A tree of ``count`` result files (distinct contents)."""
    blobs = _blobs(repo, [RESULT.format(value=i / 10_000) for i in range(count)])
    return _mktree(repo, [("100644", f"r{i:05d}.yaml", blob) for i, blob in enumerate(blobs)])


def _memory_limit(memory: int) -> Callable[[], None]:
    """A ``preexec_fn`` bounding the memory of the command (and the git it starts): the unbounded
    code would take the machine's memory, and fails instead."""

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))

    return limit


def _audit(repo: GitRepo, *args: str, memory: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalledger", "audit", *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=dict(os.environ),
        preexec_fn=_memory_limit(memory) if memory is not None else None,
    )


def _refused(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert proc.stderr.startswith("evalledger audit: error: . cannot be audited: "), proc.stderr
    return proc.stderr


def test_a_commit_adding_a_million_paths_from_three_trees_is_refused_quickly(tmp_path):
    repo = _base(tmp_path / "m")
    base = repo.head()
    bomb = _commit(repo, _exploding(repo, 100, 3), "a few KB, 10**6 paths")
    for args in ((), ("--range", f"{base}..{bomb}")):
        message = _refused(_audit(repo, *args))
        assert f"commit {bomb} changes " in message
        assert "paths under .eval_results" in message and "over the limit of 2,002" in message


def test_a_revision_holding_a_million_paths_is_refused_before_they_are_listed(tmp_path):
    """The state at the base of a range is read from its tree (git.tree_files)."""
    repo = _base(tmp_path / "m")
    bomb = _commit(repo, _exploding(repo, 100, 3), "a few KB, 10**6 paths")
    after = _commit(repo, _exploding(repo, 100, 3), "no change")
    message = _refused(_audit(repo, "--range", f"{bomb}..{after}"))
    assert f".eval_results at {bomb} holds 1,000,000 files, over the limit of 1,000" in message
    assert "over the limit of 1,000" in message


def test_a_billion_paths_are_refused_within_bounded_memory(tmp_path):
    """git holds every changed path of a commit before printing one: its walk runs under a memory
    bound (Linux), and the audit says which bound stopped it."""
    repo = _base(tmp_path / "m")
    base = repo.head()
    bomb = _commit(repo, _exploding(repo, 1000, 3), "a few KB, 10**9 paths")
    after = _commit(repo, _exploding(repo, 1000, 3), "no change")
    message = _refused(_audit(repo, "--range", f"{bomb}..{after}", memory=2 << 30))
    assert f".eval_results at {bomb} holds 1,000,000,000 files, over the limit of 1,000" in message
    if sys.platform.startswith("linux"):
        for args in ((), ("--range", f"{base}..{bomb}")):
            message = _refused(_audit(repo, *args, memory=2 << 30))
            assert "git ran out of the 512 MiB a history walk may use" in message


def test_a_repo_at_the_limit_is_audited_and_one_file_more_is_refused(tmp_path):
    repo = _base(tmp_path / "m")
    full = _commit(repo, _flat(repo, 1000), "1,000 result files: the limit")
    edited = _mktree(
        repo,
        [entry for entry in _entries(repo, f"{full}:.eval_results") if entry[1] != "r00001.yaml"]
        + [("100644", "r00001.yaml", _blob(repo, RESULT.format(value=0.9)))],
    )
    edit = _commit(repo, edited, "raise one value")
    for args in ((), ("--range", f"{full}..{edit}")):
        proc = _audit(repo, "--format", "json", *args)
        assert proc.returncode == 1, proc.stderr  # the raise is a finding: the history was read
        assert '"value-raised"' in proc.stdout
    over = _commit(repo, _flat(repo, 1001), "1,001 result files")
    after = _commit(repo, _flat(repo, 1001), "no change")
    message = _refused(_audit(repo, "--range", f"{over}..{after}"))
    assert f".eval_results at {over} holds 1,001 files, over the limit of 1,000" in message


def test_folders_nested_deeper_than_the_limit_are_refused(tmp_path):
    repo = _base(tmp_path / "m")
    tree = _flat(repo, 1)
    for level in range(33):
        tree = _mktree(repo, [("040000", f"n{level}", tree)])
        if level == 31:
            deep = _commit(repo, tree, "32 folders deep: the limit")
            assert _audit(repo, "--range", f"{deep}..{_commit(repo, tree, 'no change')}").returncode == 0
    deeper = _commit(repo, tree, "33 folders deep")
    message = _refused(_audit(repo, "--range", f"{deeper}..{_commit(repo, tree, 'no change')}"))
    assert f".eval_results at {deeper} holds folders nested more than 32 deep, the limit" in message


@pytest.mark.parametrize("fallback", [False, True])
def test_the_listing_without_a_blob_reader_is_bounded_the_same_way(tmp_path, fallback):
    """git.ls_tree serves repositories whose object ids are not SHA-1; it ends git's listing as
    soon as it passes a bound."""
    from evalledger import git as evgit

    repo = _base(tmp_path / "m")
    bomb = _commit(repo, _exploding(repo, 100, 3), "a few KB, 10**6 paths")
    fine = _commit(repo, _flat(repo, 3), "three files")
    with evgit.BlobReader(repo.path) as blobs:

        def listing(rev: str) -> dict[str, str] | None:
            if fallback:
                return evgit.ls_tree(repo.path, rev, (".eval_results", "README.md"), 1000)
            return evgit.tree_files(blobs, rev, (".eval_results", "README.md"), 1000)

        with pytest.raises(evgit.LimitExceeded, match=r"over the limit of 1,000"):
            listing(bomb)
        assert sorted(listing(fine) or {}) == [
            ".eval_results/r00000.yaml",
            ".eval_results/r00001.yaml",
            ".eval_results/r00002.yaml",
            "README.md",
        ]


def test_a_repository_with_sha256_ids_is_listed_by_ls_tree_under_the_same_bound(tmp_path):
    """Object ids that are not SHA-1 send the audit's listing to ``git ls-tree``, ended by the
    bound as git prints (the exploding revision is the base of the range: listed, not walked)."""
    path = tmp_path / "m"
    path.mkdir()
    git(path, "init", "-q", "-b", "main", "--object-format=sha256")
    repo = GitRepo(path)
    repo.write("README.md", "# model\n")
    repo.commit("card")
    bomb = _commit(repo, _exploding(repo, 100, 3), "a few KB, 10**6 paths")
    after = _commit(repo, _exploding(repo, 100, 3), "no change")
    assert len(bomb) == 64
    message = _refused(_audit(repo, "--range", f"{bomb}..{after}"))
    assert f".eval_results, README.md at {bomb} holds 1,001 files or more (counted before listing them)" in message
    assert "over the limit of 1,000" in message


# --- aggregate: the fetch's listing and --audit's history clone ------------------------------------


def test_aggregate_refuses_an_exploding_ref_and_its_history_and_goes_on(tmp_path):
    """The fetch counts the result files from the trees before listing any (one of 10**9 is one
    rejected ref); ``--audit`` reads the history's changes as git prints them, under the same
    bounds: the repo gets ``audit-unavailable`` and the run goes on."""
    import json

    from test_aggregate_support import BENCH_ID, World, entry, read_csv, rows_by_model

    world = World(tmp_path)
    world.model("bomb", {".eval_results/r.yaml": entry("alpha", 90.0)})
    world.model("fine", {".eval_results/r.yaml": entry("alpha", 50.0)})
    work = world._work["bomb"]
    _commit(work, _exploding(work, 1000, 3), "a few KB, 10**9 paths")
    work.git("push", "-q", "--force", world.url("bomb"), "HEAD:refs/heads/main")
    world.registry([f"{world.url('bomb')} - org/bomb", f"{world.url('fine')} - org/fine"], commit=True)
    bench = world.bench.path
    argv = ["--repo", str(bench), "--models", str(bench / "models.txt"), "--benchmark-id", BENCH_ID]
    argv += ["--cache-dir", str(tmp_path / "cache"), "--format", "json", "--audit"]
    proc = subprocess.run(
        [sys.executable, "-m", "evalledger", "aggregate", *argv],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=_memory_limit(2 << 30),
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    [rejected] = json.loads(proc.stdout)["rejected"]
    assert (rejected["model"], rejected["rule"]) == ("org/bomb", "too-many-result-files")
    assert rejected["message"].startswith(
        f"{world.url('bomb')} has 1,000,000,000 result files at HEAD, over the limit of 1,000 "
        "(--max-result-files); none of them was read"
    )
    unaudited = {
        r["model"]: r["message"] for r in read_csv(bench / "leaderboard/flags.csv") if r["rule"] == "audit-unavailable"
    }
    assert list(unaudited) == ["org/bomb"]
    assert unaudited["org/bomb"].startswith(f"history could not be audited: {world.url('bomb')}: ")
    assert "paths under .eval_results" in unaudited["org/bomb"] or "a history walk may use" in unaudited["org/bomb"]
    rows = rows_by_model(bench / "leaderboard/leaderboard.csv", "alpha")
    assert "org/bomb" not in rows and rows["org/fine"]["value"] == "50.0"  # the run went on
