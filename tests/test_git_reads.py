"""Reads of git objects in evalledger.git, on real repositories."""

from __future__ import annotations

from evalledger import git
from gitutil import GitRepo
from gitutil import git as run_git


def test_index_blobs_keeps_each_size_with_its_file_when_a_staged_blob_is_missing(tmp_path):
    # a missing object answers "<oid> missing" (two words): read word by word, the sizes of the
    # files after it shifted, and a small file was taken for one over the limit
    repo = GitRepo.init(tmp_path / "model")
    repo.write("a.yaml", "x" * 100)
    repo.write("c.yaml", "small\n")
    run_git(repo.path, "add", "a.yaml", "c.yaml")
    run_git(repo.path, "update-index", "--add", "--cacheinfo", f"100644,{'1' * 40},b.yaml")
    assert git.index_blobs(repo.path, ["."], 50) == [("a.yaml", None), ("b.yaml", None), ("c.yaml", b"small\n")]
