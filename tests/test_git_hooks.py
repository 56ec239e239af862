"""The plain git hooks in hooks/ block real `git commit` / `git push` runs, without the framework."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from gitutil import GitRepo

REPO_ROOT = Path(__file__).resolve().parent.parent
HOOKS = REPO_ROOT / "hooks"
VENV_BIN = str(Path(sys.executable).parent)

GOOD_RESULT = (
    "- dataset:\n    id: Idavidrein/gpqa\n    task_id: diamond\n  value: 85.2\n"
    "  date: '2026-02-13'\n  source:\n    url: https://huggingface.co/MiniMaxAI/MiniMax-M2.5\n"
)
BAD_RESULT = "- dataset:\n    id: Idavidrein/gpqa\n  value: 85.2\n"  # no task_id
SPEC = (
    "name: GPQA\ndescription: hard questions\nevaluation_framework: olmocr-bench\ntasks:\n"
    "  - id: diamond\n    config: gpqa_diamond\n    split: train\n"
)


def _install(repo: GitRepo, hook: str) -> None:
    target = repo.path / ".git" / "hooks" / hook
    shutil.copy(HOOKS / hook, target)
    target.chmod(target.stat().st_mode | stat.S_IXUSR)


def _git(repo: GitRepo, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PATH"] = path if path is not None else f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    # git shows a hook's stdout on stderr: keep both in one stream, in order
    return subprocess.run(
        ["git", *args], cwd=repo.path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120
    )


def _commits(repo: GitRepo) -> int:
    return len(repo.git("rev-list", "--all").split())


@pytest.fixture
def model_repo(tmp_path) -> GitRepo:
    repo = GitRepo.init(tmp_path / "model")
    repo.write("README.md", "# a model\n")
    repo.commit("init")
    _install(repo, "pre-commit")
    return repo


def test_hooks_are_executable_posix_shell_scripts():
    for name in ("pre-commit", "pre-push"):
        script = HOOKS / name
        assert script.read_text().startswith("#!/bin/sh\n")
        assert script.stat().st_mode & stat.S_IXUSR, f"hooks/{name} is not executable"
        subprocess.run(["sh", "-n", str(script)], check=True)


def test_pre_commit_blocks_a_bad_result_and_accepts_the_fix(model_repo):
    model_repo.write(".eval_results/gpqa.yaml", BAD_RESULT)
    _git(model_repo, "add", "-A")
    proc = _git(model_repo, "commit", "-m", "add gpqa")
    assert proc.returncode == 1, proc.stdout
    assert re.search(r"^\.eval_results/gpqa\.yaml:2:5: error missing-field ", proc.stdout, re.M), proc.stdout
    assert "commit blocked" in proc.stdout
    assert _commits(model_repo) == 1

    model_repo.write(".eval_results/gpqa.yaml", GOOD_RESULT)
    _git(model_repo, "add", "-A")
    proc = _git(model_repo, "commit", "-m", "add gpqa")
    assert proc.returncode == 0, proc.stdout
    assert _commits(model_repo) == 2


def test_pre_commit_checks_what_is_staged_not_the_working_tree(model_repo):
    model_repo.write(".eval_results/gpqa.yaml", BAD_RESULT)
    _git(model_repo, "add", "-A")
    model_repo.write(".eval_results/gpqa.yaml", GOOD_RESULT)  # fixed on disk, but not staged
    proc = _git(model_repo, "commit", "-m", "add gpqa")
    assert proc.returncode == 1, proc.stdout
    assert ".eval_results/gpqa.yaml:2:5" in proc.stdout

    _git(model_repo, "add", "-A")  # now the good version is staged
    model_repo.write(".eval_results/gpqa.yaml", BAD_RESULT)  # broken on disk, good one staged
    proc = _git(model_repo, "commit", "-m", "add gpqa")
    assert proc.returncode == 0, proc.stdout


def test_pre_commit_ignores_files_no_hook_is_for(model_repo):
    model_repo.write("data/scores.yaml", BAD_RESULT)
    model_repo.write(".eval_results/notes.txt", "not yaml: [")
    model_repo.write(".eval_results/eval.yaml", GOOD_RESULT)  # a result file, not a benchmark spec
    _git(model_repo, "add", "-A")
    proc = _git(model_repo, "commit", "-m", "data")
    assert proc.returncode == 0, proc.stdout


def test_pre_commit_lints_subfolders_and_unusual_names(model_repo):
    model_repo.write(".eval_results/gpqa/result yaml.yml", BAD_RESULT)
    _git(model_repo, "add", "-A")
    proc = _git(model_repo, "commit", "-m", "nested")
    assert proc.returncode == 1, proc.stdout
    assert ".eval_results/gpqa/result yaml.yml:2:5: error" in proc.stdout


def test_pre_commit_passes_benchmark_option_relative_to_the_repo_root(model_repo):
    model_repo.write("specs/gpqa/eval.yaml", SPEC)
    model_repo.commit("spec")
    model_repo.git("config", "evalledger.lintArgs", "--benchmark specs/gpqa/eval.yaml")
    model_repo.write(".eval_results/gpqa.yaml", GOOD_RESULT.replace("task_id: diamond", "task_id: gpqa_diamond"))
    _git(model_repo, "add", "-A")
    proc = _git(model_repo, "commit", "-m", "unknown task")
    assert proc.returncode == 1, proc.stdout
    assert re.search(r"^\.eval_results/gpqa\.yaml:\d+:\d+: error .*gpqa_diamond", proc.stdout, re.M), proc.stdout


def test_pre_commit_refuses_when_evalledger_is_missing(model_repo):
    probe = subprocess.run(
        ["sh", "-c", "command -v evalledger || python3 -c 'import evalledger'"],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
    )
    assert probe.returncode != 0, "evalledger is importable by the system python3; cannot test this"
    model_repo.write(".eval_results/gpqa.yaml", GOOD_RESULT)
    _git(model_repo, "add", "-A")
    proc = _git(model_repo, "commit", "-m", "add gpqa", path="/usr/bin:/bin")
    assert proc.returncode != 0
    assert "evalledger is not installed" in proc.stdout
    assert _commits(model_repo) == 1


def test_pre_push_runs_the_history_check_over_the_pushed_range(tmp_path):
    # a probe stands in for check-eval-history so the range the hook hands over is visible
    remote = GitRepo.init(tmp_path / "remote.git", bare=True)
    repo = GitRepo.init(tmp_path / "model")
    repo.write(".eval_results/gpqa.yaml", GOOD_RESULT)
    first = repo.commit("first")
    repo.git("remote", "add", "origin", remote.url)
    repo.git("push", "-q", "origin", "main")
    repo.write(".eval_results/gpqa.yaml", GOOD_RESULT.replace("85.2", "91.0"))
    second = repo.commit("raise")
    _install(repo, "pre-push")
    log = tmp_path / "calls.txt"
    probe = tmp_path / "probe.sh"
    probe.write_text(
        f'#!/bin/sh\necho "$PRE_COMMIT_FROM_REF $PRE_COMMIT_TO_REF $PRE_COMMIT_REMOTE_BRANCH" >> {log}\n'
        'exit "${PROBE_EXIT:-0}"\n'
    )
    probe.chmod(0o755)
    os.environ["EVALLEDGER_HISTORY"] = str(probe)
    try:
        proc = _git(repo, "push", "origin", "main")
        assert proc.returncode == 0, proc.stdout
        assert log.read_text().split() == [first, second, "refs/heads/main"]

        repo.write(".eval_results/gpqa.yaml", GOOD_RESULT.replace("85.2", "99.0"))
        repo.commit("raise again")
        os.environ["PROBE_EXIT"] = "1"
        proc = _git(repo, "push", "origin", "main")
        assert proc.returncode != 0 and "push blocked" in proc.stdout
        assert remote.head("main") == second  # nothing reached the remote
    finally:
        os.environ.pop("EVALLEDGER_HISTORY")
        os.environ.pop("PROBE_EXIT", None)


def test_pre_push_with_the_real_history_check_blocks_a_raised_score(tmp_path):
    remote = GitRepo.init(tmp_path / "remote.git", bare=True)
    repo = GitRepo.init(tmp_path / "model")
    repo.write(".eval_results/gpqa.yaml", GOOD_RESULT)
    repo.commit("add gpqa")
    repo.git("remote", "add", "origin", remote.url)
    _install(repo, "pre-push")
    proc = _git(repo, "push", "origin", "main")  # a new branch: its whole history is audited
    assert proc.returncode == 0, proc.stdout
    pushed = repo.head()

    repo.write(".eval_results/gpqa.yaml", GOOD_RESULT.replace("85.2", "91.0"))  # same source
    raised = repo.commit("better score")
    proc = _git(repo, "push", "origin", "main")
    assert proc.returncode != 0, proc.stdout
    assert re.search(r"^\.eval_results/gpqa\.yaml:\d+:\d+: error value-raised ", proc.stdout, re.M), proc.stdout
    assert raised[:10] in proc.stdout and "push blocked" in proc.stdout
    assert remote.head("main") == pushed


def test_pre_commit_reports_a_symlink_out_of_the_repo(model_repo):
    link = model_repo.path / ".eval_results" / "gpqa.yaml"
    link.parent.mkdir()
    link.symlink_to("/etc/hostname")
    _git(model_repo, "add", "-A")
    proc = _git(model_repo, "commit", "-m", "link")
    assert proc.returncode == 1, proc.stdout
    assert ".eval_results/gpqa.yaml:1:1: error symlink-outside-repo" in proc.stdout


def test_pre_commit_catches_a_duplicate_of_an_entry_already_in_the_repo(model_repo):
    model_repo.write(".eval_results/gpqa.yaml", GOOD_RESULT)
    _git(model_repo, "add", "-A")
    assert _git(model_repo, "commit", "-m", "gpqa").returncode == 0
    # a second file repeating the committed entry: only the new file is staged, and handed to lint
    model_repo.write(".eval_results/gpqa_again.yaml", GOOD_RESULT.replace("85.2", "91.0"))
    _git(model_repo, "add", "-A")
    proc = _git(model_repo, "commit", "-m", "again")
    assert proc.returncode == 1, proc.stdout
    assert re.search(
        r"^\.eval_results/gpqa_again\.yaml:1:3: error duplicate-entry .*first at"
        r" \.eval_results/gpqa\.yaml:1",
        proc.stdout,
        re.M,
    ), proc.stdout
    assert "gpqa.yaml:1:3" not in proc.stdout  # reported on the changed file only
    assert _commits(model_repo) == 2


def test_pre_commit_compares_with_what_is_staged_not_with_the_working_tree(model_repo):
    model_repo.write(".eval_results/new.yaml", GOOD_RESULT)
    model_repo.write(".eval_results/untracked.yaml", GOOD_RESULT)  # never staged: not in the commit
    _git(model_repo, "add", ".eval_results/new.yaml")
    proc = _git(model_repo, "commit", "-m", "new")
    assert proc.returncode == 0, proc.stdout
    # the committed (staged) other.yaml counts, not its unstaged edit in the working tree
    model_repo.write(".eval_results/other.yaml", GOOD_RESULT.replace("diamond", "main"))
    _git(model_repo, "add", ".eval_results/other.yaml")
    assert _git(model_repo, "commit", "-m", "other").returncode == 0
    model_repo.write(".eval_results/other.yaml", GOOD_RESULT.replace("diamond", "extended"))
    model_repo.write(".eval_results/again.yaml", GOOD_RESULT.replace("diamond", "main"))
    _git(model_repo, "add", ".eval_results/again.yaml")
    proc = _git(model_repo, "commit", "-m", "again")
    assert proc.returncode == 1, proc.stdout
    assert re.search(
        r"^\.eval_results/again\.yaml:1:3: error duplicate-entry .*first at \.eval_results/other\.yaml:1",
        proc.stdout,
        re.M,
    ), proc.stdout


def test_pre_commit_without_evalledger_lets_commits_without_eval_files_through(model_repo):
    model_repo.write("src/train.py", "print('hi')\n")
    _git(model_repo, "add", "-A")
    proc = _git(model_repo, "commit", "-m", "code", path="/usr/bin:/bin")
    assert proc.returncode == 0, proc.stdout
    assert _commits(model_repo) == 2


MALICIOUS = "import pathlib\npathlib.Path({marker!r}).write_text('the repo ran its own evalledger')\n"


@pytest.fixture
def hostile_repo(tmp_path) -> tuple[GitRepo, Path, str]:
    """A model repo carrying its own evalledger/ (and yaml/) package, and a PATH whose python3 has
    the real evalledger but no `evalledger` console script: the hooks' `python3` fallback."""
    marker = tmp_path / "MARKER"
    repo = GitRepo.init(tmp_path / "model")
    for package in ("evalledger", "yaml"):
        repo.write(f"{package}/__init__.py", MALICIOUS.format(marker=str(marker)))
        repo.write(f"{package}/__main__.py", MALICIOUS.format(marker=str(marker)))
    repo.write(".eval_results/gpqa.yaml", GOOD_RESULT)
    repo.commit("model with a package of its own")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (bin_dir / "python3").chmod(0o755)
    return repo, marker, f"{bin_dir}{os.pathsep}/usr/bin:/bin"


def test_plain_hooks_never_import_the_repositorys_own_evalledger(hostile_repo, tmp_path):
    repo, marker, path = hostile_repo
    _install(repo, "pre-commit")
    _install(repo, "pre-push")
    repo.write(".eval_results/gpqa.yaml", BAD_RESULT)
    _git(repo, "add", "-A")
    proc = _git(repo, "commit", "-m", "bad", path=path)
    assert not marker.exists(), proc.stdout
    # the real evalledger ran (from python3's environment) and blocked the commit
    assert proc.returncode == 1 and ".eval_results/gpqa.yaml:2:5: error missing-field" in proc.stdout, proc.stdout

    repo.write(".eval_results/gpqa.yaml", GOOD_RESULT.replace("85.2", "86.0"))
    _git(repo, "add", "-A")
    proc = _git(repo, "commit", "-m", "good", path=path)
    assert proc.returncode == 0 and not marker.exists(), proc.stdout

    remote = GitRepo.init(tmp_path / "remote.git", bare=True)
    repo.git("remote", "add", "origin", remote.url)
    proc = _git(repo, "push", "origin", "main", path=path)
    assert not marker.exists(), proc.stdout
    # the real history check ran over the pushed commits (a warning: the push goes through)
    assert proc.returncode == 0 and " warning value-changed-without-evidence " in proc.stdout, proc.stdout
