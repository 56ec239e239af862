"""`lint --repo-context` (the results hook) reads the repo's other result files for the checks
across files; a repo with more than 1,000 of them adds none of them, says so in a note, and the
files given are linted as usual. Real git repo, real CLI process under a deadline."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from gitutil import GitRepo


def _result(value: str) -> str:
    return f"- dataset: {{id: org/bench, task_id: main}}\n  value: {value}\n"


def _lint(cwd, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalledger", "lint", *argv], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_a_repo_with_more_than_1000_other_result_files_adds_none_to_the_context_and_says_so(tmp_path):
    repo = GitRepo.init(tmp_path / "m")
    for i in range(1000):
        repo.write(f".eval_results/r{i:04d}.yaml", _result(str(60 + i % 10)))
    repo.write(".eval_results/dup.yaml", _result("71.0"))  # 1,001 other files
    repo.git("add", "-A")
    repo.write(".eval_results/new.yaml", _result("71.0"))  # repeats dup.yaml's entry
    proc = _lint(repo.path, "--repo-context", ".eval_results/new.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr  # no duplicate-entry: the context was not read
    assert "duplicate-entry" not in proc.stdout
    assert (
        "note: the other result files of .eval_results/ were not read for the checks across files "
        "(duplicate-entry, value-scale-mismatch): 1,001 files, over the limit of 1,000" in proc.stderr
    ), proc.stderr
    # the file given is still linted in full
    repo.write(".eval_results/new.yaml", "- dataset: {id: org/bench}\n  value: 71.0\n")
    proc = _lint(repo.path, "--repo-context", ".eval_results/new.yaml")
    assert proc.returncode == 1 and "missing-field" in proc.stdout
    # at the limit the context is read: the duplicate is found
    repo.git("rm", "-q", "--cached", ".eval_results/r0000.yaml")
    os.remove(repo.path / ".eval_results/r0000.yaml")
    repo.write(".eval_results/new.yaml", _result("71.0"))
    proc = _lint(repo.path, "--repo-context", ".eval_results/new.yaml")
    assert proc.returncode == 1 and "duplicate-entry" in proc.stdout and "note:" not in proc.stderr
    # outside a git work tree, the files on disk are bounded the same way
    repo.write(".eval_results/r0000.yaml", _result("60"))
    shutil.rmtree(repo.path / ".git")
    proc = _lint(repo.path, "--repo-context", ".eval_results/new.yaml")
    assert proc.returncode == 0 and "1,001 files, over the limit of 1,000" in proc.stderr, proc.stdout + proc.stderr
