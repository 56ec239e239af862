"""`.pre-commit-hooks.yaml` is valid, matches the right files, and really blocks commits.

The end-to-end tests drive the real pre-commit framework: `pre-commit try-repo` and a real
`git commit` through `pre-commit install`, against a throwaway clone of this working tree (try-repo
only sees tracked files, so uncommitted work is copied and committed there first). The hook
environment is pip-installed once per session into a shared PRE_COMMIT_HOME.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gitutil import GitRepo

REPO_ROOT = Path(__file__).resolve().parent.parent
MANIFEST = REPO_ROOT / ".pre-commit-hooks.yaml"
LINT_HOOKS = ("check-eval-results", "check-eval-spec", "check-model-index")
ALL_HOOKS = (*LINT_HOOKS, "check-eval-history")
USER_PIP_CACHE = Path(os.environ.get("PIP_CACHE_DIR") or Path.home() / ".cache" / "pip")


def manifest() -> dict[str, dict]:
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in hooks}


def console_scripts() -> dict[str, str]:
    text = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib
    except ImportError:  # Python 3.10: read the one flat table by hand
        table = text.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
        return dict(re.findall(r'^([\w.-]+)\s*=\s*"([^"]+)"', table, re.M))
    return tomllib.loads(text)["project"]["scripts"]


# --- the manifest ---------------------------------------------------------------------------


def test_manifest_is_valid_for_pre_commit():
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_manifest_declares_exactly_the_published_hooks():
    assert tuple(manifest()) == ALL_HOOKS  # ids are public: never renamed, never dropped


@pytest.mark.parametrize("hook_id", ALL_HOOKS)
def test_every_entry_is_a_console_script_named_after_the_hook(hook_id):
    hook = manifest()[hook_id]
    assert hook["language"] == "python"
    assert hook["entry"] == hook_id
    assert hook["entry"] in console_scripts()
    assert hook["minimum_pre_commit_version"] == "3.2.0"  # stage names equal git hook names


def test_lint_hooks_run_at_commit_and_history_at_push():
    hooks = manifest()
    for hook_id in LINT_HOOKS:
        assert hooks[hook_id]["stages"] == ["pre-commit", "pre-merge-commit", "pre-push", "manual"]
        assert hooks[hook_id].get("pass_filenames", True) is True
    history = hooks["check-eval-history"]
    assert history["stages"] == ["pre-push", "manual"]
    assert history["pass_filenames"] is False and history["always_run"] is True


def test_hooks_need_no_network():
    for hook in manifest().values():
        assert "additional_dependencies" not in hook  # everything comes from `pip install .`
        assert not re.search(r"https?://", hook["entry"])


FILE_TABLE = {
    "check-eval-results": (
        [
            ".eval_results/gpqa.yaml",
            ".eval_results/hle_with_tools.yml",
            ".eval_results/gpqa/result.yaml",
            ".eval_results/a/b/c.yaml",
            ".eval_results/eval.yaml",
        ],
        [
            "eval_results/gpqa.yaml",
            "models/x/.eval_results/gpqa.yaml",
            ".eval_results/gpqa.json",
            ".eval_results/gpqa.yaml.bak",
            ".eval_results/README.md",
            "README.md",
            "eval.yaml",
            ".eval_results_old/gpqa.yaml",
        ],
    ),
    "check-eval-spec": (
        [
            "eval.yaml",
            "eval.yml",
            "benchmarks/gpqa/eval.yaml",
            "examples/benchmark/eval.yml",
            ".evalledger.yaml",  # the policy beside eval.yaml: a commit of it alone is checked too
            "benchmarks/gpqa/.evalledger.yaml",
        ],
        [
            "my_eval.yaml",
            "eval.yaml.orig",
            "eval.json",
            "evals.yaml",
            ".eval_results/eval.yaml.txt",
            "Eval.yaml",
            "eval_yaml",
            ".eval_results/eval.yaml",
            ".eval_results/sub/eval.yml",
            "evalledger.yaml",
            ".evalledger.yml",
            ".evalledger.yaml.bak",
            ".eval_results/.evalledger.yaml",
        ],
    ),
    "check-model-index": (
        ["README.md", "models/gpt/README.md"],
        ["readme.md", "README.rst", "README.md.bak", "docs/README.markdown", "MY_README.md", ".eval_results/README.md"],
    ),
}


@pytest.mark.parametrize("hook_id", LINT_HOOKS)
def test_files_patterns(hook_id):
    hook = manifest()[hook_id]
    files, exclude = re.compile(hook["files"]), re.compile(hook.get("exclude", "^$"))
    good, bad = FILE_TABLE[hook_id]
    # pre-commit applies `files` and `exclude` with re.search to repo-relative POSIX paths
    chosen = lambda path: bool(files.search(path)) and not exclude.search(path)  # noqa: E731
    assert [path for path in good if not chosen(path)] == []
    assert [path for path in bad if chosen(path)] == []


def test_symlinks_reach_the_hook_so_links_out_of_the_repo_get_reported(tmp_path):
    from identify.identify import tags_from_path

    real = tmp_path / "gpqa.yaml"
    real.write_text("[]\n")
    link = tmp_path / "link.yaml"
    link.symlink_to("/etc/hostname")
    for hook_id in LINT_HOOKS:
        wanted = set(manifest()[hook_id]["types_or"])
        assert wanted & tags_from_path(str(real)) and wanted & tags_from_path(str(link))


def test_readme_mentions_every_hook_id():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [hook_id for hook_id in ALL_HOOKS if hook_id not in readme]
    assert missing == [], f"README.md does not document hook(s) {missing}"


# --- the real framework ---------------------------------------------------------------------


def _clean_env(home: Path, pre_commit_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        HOME=str(home),
        PRE_COMMIT_HOME=str(pre_commit_home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
        PRE_COMMIT_COLOR="never",
        GIT_AUTHOR_NAME="Test Author",
        GIT_AUTHOR_EMAIL="author@example.com",
        GIT_COMMITTER_NAME="Test Author",
        GIT_COMMITTER_EMAIL="author@example.com",
    )
    # the hook env is built by pip from PyPI; keep pip quiet and off the user's config
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    # reuse the user's pip cache (captured before tests move HOME) so wheels download once
    env.setdefault("PIP_CACHE_DIR", str(USER_PIP_CACHE))
    return env


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory) -> tuple[str, str, dict[str, str]]:
    """A committed copy of this working tree (tracked and new files) and a shared PRE_COMMIT_HOME."""
    base = tmp_path_factory.mktemp("hookrepo")
    home = base / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
    env = _clean_env(home, base / "pre-commit-home")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
        env=env,
    ).stdout
    copy = base / "evalledger"
    for rel in sorted(set(filter(None, listed.decode().split("\0")))):
        source = REPO_ROOT / rel
        if source.is_file() and not source.is_symlink():
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / rel)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "--no-verify", "-m", "snapshot"]):
        subprocess.run(["git", *args], cwd=copy, check=True, env=env, capture_output=True)
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=copy, check=True, env=env, capture_output=True, text=True
    ).stdout.strip()
    return str(copy), sha, env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _target(tmp_path: Path, env: dict[str, str], files: dict[str, str]) -> Path:
    repo = tmp_path / "model-repo"
    repo.mkdir(parents=True)
    _run(["git", "init", "-q"], repo, env)
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    _run(["git", "add", "-A"], repo, env)
    return repo


GOOD_RESULT = (
    "- dataset:\n    id: Idavidrein/gpqa\n    task_id: diamond\n  value: 85.2\n"
    "  date: '2026-02-13'\n  source:\n    url: https://huggingface.co/MiniMaxAI/MiniMax-M2.5\n"
)
BAD_RESULT = "- dataset:\n    id: Idavidrein/gpqa\n  value: 85.2\n"  # no task_id
GOOD_SPEC = (
    "name: GPQA\ndescription: hard questions\nevaluation_framework: inspect-ai\ntasks:\n"
    "  - id: diamond\n    config: gpqa_diamond\n    split: train\n    field_spec:\n"
    "      input: Question\n      target: 'literal:D'\n    solvers:\n      - name: multiple_choice\n"
    "    scorers:\n      - name: choice\n"
)
BAD_SPEC = GOOD_SPEC.replace("    split: train\n", "    split: train\n    epochs: 0\n")
GOOD_CARD = (
    "---\nlicense: mit\nmodel-index:\n- name: my-model\n  results:\n  - task:\n      type: text-generation\n"
    "    dataset:\n      type: openai/gsm8k\n      name: GSM8K\n    metrics:\n    - type: accuracy\n"
    "      value: 0.9\n---\n# my model\n"
)
BAD_CARD = GOOD_CARD.replace("    dataset:\n      type: openai/gsm8k\n      name: GSM8K\n", "")

CASES = {
    "check-eval-results": (".eval_results/gpqa.yaml", GOOD_RESULT, BAD_RESULT),
    "check-eval-spec": ("eval.yaml", GOOD_SPEC, BAD_SPEC),
    "check-model-index": ("README.md", GOOD_CARD, BAD_CARD),
}


@pytest.mark.slow
def test_try_repo_blocks_bad_files_and_passes_good_ones(hook_repo, tmp_path):
    # try-repo builds its hook environment afresh on every call (a temporary store), so one call
    # covers all three lint hooks, bad and good files side by side; exit codes for good files
    # alone are shown by the installed-hook test below
    repo_path, _, env = hook_repo
    files = {name: bad for name, _, bad in CASES.values()}
    good_files = {
        ".eval_results/hle.yaml": CASES["check-eval-results"][1],
        "benchmarks/gpqa/eval.yaml": CASES["check-eval-spec"][1],
        "models/small/README.md": CASES["check-model-index"][1],
    }
    files.update(good_files)
    files["data/notes.yaml"] = "- not: a result file\n"  # matches no hook: must not be checked
    target = _target(tmp_path, env, files)
    # no hook id: every hook of the manifest at the pre-commit stage (check-eval-history is
    # pre-push/manual only, so it stays out)
    proc = _run([sys.executable, "-m", "pre_commit", "try-repo", repo_path, "--all-files"], target, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    for hook_id, (name, _, _) in CASES.items():
        assert re.search(rf"^{re.escape(name)}:\d+:\d+: error ", output, re.M), (hook_id, output)
    for name in [*good_files, "data/notes.yaml"]:
        assert name not in output, output
    assert "Traceback" not in output and "audit score edits" not in output


@pytest.mark.slow
def test_installed_hook_blocks_git_commit_until_the_file_is_fixed(hook_repo, tmp_path):
    repo_path, sha, env = hook_repo
    config = (
        f"repos:\n-   repo: {repo_path}\n    rev: {sha}\n    hooks:\n"
        "    -   id: check-eval-results\n    -   id: check-eval-spec\n    -   id: check-model-index\n"
    )
    repo = _target(tmp_path, env, {".pre-commit-config.yaml": config, ".eval_results/gpqa.yaml": BAD_RESULT})
    proc = _run([sys.executable, "-m", "pre_commit", "install"], repo, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    proc = _run(["git", "commit", "-m", "add gpqa"], repo, env)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert re.search(r"^\.eval_results/gpqa\.yaml:\d+:\d+: error ", proc.stdout + proc.stderr, re.M)
    assert GitRepo(repo).git("rev-list", "--all").strip() == ""  # nothing was committed

    (repo / ".eval_results" / "gpqa.yaml").write_text(GOOD_RESULT)
    _run(["git", "add", "-A"], repo, env)
    proc = _run(["git", "commit", "-m", "add gpqa"], repo, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(GitRepo(repo).git("rev-list", "HEAD").split()) == 1


@pytest.mark.slow
def test_hook_with_fix_changes_files_fails_once_then_the_next_commit_passes(hook_repo, tmp_path):
    # pre-commit's convention for fixers: a hook that changed files fails the commit; the user
    # stages the fixes and the next commit passes
    repo_path, sha, env = hook_repo
    config = (
        f"repos:\n-   repo: {repo_path}\n    rev: {sha}\n    hooks:\n"
        "    -   id: check-eval-results\n        args: [--fix]\n"
        "    -   id: check-model-index\n        args: [--fix]\n"
    )
    fixable = (
        GOOD_RESULT.replace("date: '2026-02-13'", "date: 2026-02-13  # run date").replace(
            "value: 85.2", 'value: "85.2%"'
        )
        + "  verify_token: eyJhbGciOi\n"
    )
    card = GOOD_CARD.replace("value: 0.9", "value: 0,9").replace("type: openai/gsm8k", "type: gsm8k  # moved")
    repo = _target(
        tmp_path, env, {".pre-commit-config.yaml": config, ".eval_results/gpqa.yaml": fixable, "README.md": card}
    )
    assert _run([sys.executable, "-m", "pre_commit", "install"], repo, env).returncode == 0
    proc = _run(["git", "commit", "-m", "add results"], repo, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "files were modified by this hook" in output, output
    assert (repo / ".eval_results" / "gpqa.yaml").read_text() == (
        GOOD_RESULT.replace("date: '2026-02-13'", "date: '2026-02-13'  # run date") + "  verifyToken: eyJhbGciOi\n"
    )
    assert (repo / "README.md").read_text() == GOOD_CARD.replace("type: openai/gsm8k", "type: openai/gsm8k  # moved")
    _run(["git", "add", "-A"], repo, env)
    proc = _run(["git", "commit", "-m", "add results"], repo, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_lint_hooks_are_verbose_so_warnings_of_a_passing_hook_are_seen():
    for hook_id in LINT_HOOKS:
        assert manifest()[hook_id].get("verbose") is True, hook_id


@pytest.mark.slow
def test_installed_hook_sees_other_files_for_duplicates_and_shows_warnings(hook_repo, tmp_path):
    repo_path, sha, env = hook_repo
    config = f"repos:\n-   repo: {repo_path}\n    rev: {sha}\n    hooks:\n    -   id: check-eval-results\n"
    repo = _target(tmp_path, env, {".pre-commit-config.yaml": config, ".eval_results/gpqa.yaml": GOOD_RESULT})
    proc = _run([sys.executable, "-m", "pre_commit", "install"], repo, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _run(["git", "commit", "-m", "gpqa"], repo, env).returncode == 0

    # pre-commit hands the hook only the new file: the entry it repeats is in gpqa.yaml
    (repo / ".eval_results" / "gpqa_rerun.yaml").write_text(GOOD_RESULT.replace("85.2", "88.0"))
    _run(["git", "add", "-A"], repo, env)
    proc = _run(["git", "commit", "-m", "rerun"], repo, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert re.search(
        r"^\.eval_results/gpqa_rerun\.yaml:1:3: error duplicate-entry .*first at"
        r" \.eval_results/gpqa\.yaml:1",
        output,
        re.M,
    ), output
    assert not re.search(r"^\.eval_results/gpqa\.yaml:", output, re.M)  # the unchanged file is not reported

    # a warning does not fail the hook, and its output is shown all the same
    (repo / ".eval_results" / "gpqa_rerun.yaml").write_text(
        GOOD_RESULT.replace("diamond", "main").replace("'2026-02-13'", "2026-02-13")
    )
    _run(["git", "add", "-A"], repo, env)
    proc = _run(["git", "commit", "-m", "rerun"], repo, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert re.search(r"^\.eval_results/gpqa_rerun\.yaml:\d+:\d+: warning date-unquoted ", output, re.M), output


# --- check-eval-spec and the policy file beside eval.yaml --------------------------------------

GOOD_POLICY = "# GPQA scores are fractions\ndefaults: {direction: higher}\ntasks:\n  diamond: {unit: fraction}\n"
TYPO_POLICY = GOOD_POLICY.replace("{unit: fraction}", "{unit: fraction, direciton: lower}")  # at 4:29
# eval.yaml's task renamed: the policy's `diamond:` key (4:3) now names no task
RENAMED_SPEC = GOOD_SPEC.replace("  - id: diamond\n", "  - id: gpqa_diamond\n")


@pytest.mark.slow
def test_installed_spec_hook_checks_the_policy_beside_eval_yaml(hook_repo, tmp_path):
    """check-eval-spec reports the .evalledger.yaml beside eval.yaml at its line:col: when only the
    policy is committed (a misspelt key), and when eval.yaml changes under it (a renamed task)."""
    repo_path, sha, env = hook_repo
    config = f"repos:\n-   repo: {repo_path}\n    rev: {sha}\n    hooks:\n    -   id: check-eval-spec\n"
    repo = _target(
        tmp_path, env, {".pre-commit-config.yaml": config, "eval.yaml": GOOD_SPEC, ".evalledger.yaml": GOOD_POLICY}
    )
    assert _run([sys.executable, "-m", "pre_commit", "install"], repo, env).returncode == 0
    proc = _run(["git", "commit", "-m", "benchmark"], repo, env)  # a valid spec and policy pass
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "policy-invalid" not in proc.stdout + proc.stderr

    (repo / ".evalledger.yaml").write_text(TYPO_POLICY)  # only the policy changes
    _run(["git", "add", "-A"], repo, env)
    proc = _run(["git", "commit", "-m", "rank latency lower"], repo, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert re.search(
        r"^\.evalledger\.yaml:4:29: error policy-invalid tasks\.diamond: unknown key 'direciton'"
        r" \(did you mean 'direction'\?\)",
        output,
        re.M,
    ), output
    assert not re.search(r"^eval\.yaml:", output, re.M) and "Traceback" not in output
    assert len(GitRepo(repo).git("rev-list", "HEAD").split()) == 1  # not committed

    (repo / ".evalledger.yaml").write_text(GOOD_POLICY)  # back as committed
    _run(["git", "add", "-A"], repo, env)

    (repo / "eval.yaml").write_text(RENAMED_SPEC)  # only eval.yaml changes; the policy is stale
    _run(["git", "add", "-A"], repo, env)
    proc = _run(["git", "commit", "-m", "rename the task"], repo, env)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert re.search(
        r"^\.evalledger\.yaml:4:3: error policy-invalid tasks: unknown task id 'diamond'"
        r" \(did you mean 'gpqa_diamond'\?\): not a task of eval\.yaml",
        output,
        re.M,
    ), output

    (repo / ".evalledger.yaml").write_text(GOOD_POLICY.replace("  diamond:", "  gpqa_diamond:"))
    _run(["git", "add", "-A"], repo, env)
    proc = _run(["git", "commit", "-m", "rename the task"], repo, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(GitRepo(repo).git("rev-list", "HEAD").split()) == 2


def _benchmark(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = GitRepo.init(tmp_path / "bench").path
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    return repo


def _spec_hook(capsys, repo: Path, monkeypatch, *files: str) -> tuple[int, list[str]]:
    from evalledger.cli import check_eval_spec

    monkeypatch.chdir(repo)
    code = check_eval_spec(list(files))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out.splitlines()


def test_spec_hook_entry_reports_a_policy_committed_alone(tmp_path, capsys, monkeypatch):
    repo = _benchmark(tmp_path, {"eval.yaml": GOOD_SPEC, ".evalledger.yaml": TYPO_POLICY})
    code, lines = _spec_hook(capsys, repo, monkeypatch, ".evalledger.yaml")
    assert code == 1
    assert [line.split(" (known")[0] for line in lines] == [
        ".evalledger.yaml:4:29: error policy-invalid tasks.diamond: unknown key 'direciton' (did you mean 'direction'?)"
    ]


def test_spec_hook_entry_reports_a_policy_task_id_eval_yaml_no_longer_has(tmp_path, capsys, monkeypatch):
    repo = _benchmark(tmp_path, {"eval.yaml": RENAMED_SPEC, ".evalledger.yaml": GOOD_POLICY})
    for given in (["eval.yaml"], [".evalledger.yaml"], ["eval.yaml", ".evalledger.yaml"]):
        code, lines = _spec_hook(capsys, repo, monkeypatch, *given)
        assert code == 1, given
        assert len(lines) == 1, (given, lines)  # once, whichever of the two files is handed over
        assert lines[0].startswith(
            ".evalledger.yaml:4:3: error policy-invalid tasks: unknown task id 'diamond'"
            " (did you mean 'gpqa_diamond'?): not a task of eval.yaml"
        ), lines


def test_spec_hook_entry_passes_a_valid_spec_and_policy(tmp_path, capsys, monkeypatch):
    repo = _benchmark(tmp_path, {"eval.yaml": GOOD_SPEC, ".evalledger.yaml": GOOD_POLICY})
    for given in (["eval.yaml"], [".evalledger.yaml"], ["eval.yaml", ".evalledger.yaml"]):
        assert _spec_hook(capsys, repo, monkeypatch, *given) == (0, []), given


def test_spec_hook_entry_reports_spec_and_policy_findings_in_a_benchmark_folder(tmp_path, capsys, monkeypatch):
    # a monorepo of benchmarks: each policy is read beside its own eval.yaml, shown by its path
    repo = _benchmark(
        tmp_path,
        {
            "benchmarks/gpqa/eval.yaml": BAD_SPEC,
            "benchmarks/gpqa/.evalledger.yaml": TYPO_POLICY,
            "benchmarks/other/eval.yaml": GOOD_SPEC,
            "benchmarks/other/.evalledger.yaml": GOOD_POLICY,
        },
    )
    code, lines = _spec_hook(
        capsys, repo, monkeypatch, "benchmarks/gpqa/.evalledger.yaml", "benchmarks/other/.evalledger.yaml"
    )
    assert code == 1
    assert [line.split(" ")[0] for line in lines] == [
        "benchmarks/gpqa/.evalledger.yaml:4:29:",
        "benchmarks/gpqa/eval.yaml:8:13:",  # the spec beside the policy is linted with it
    ], lines
    assert " policy-invalid " in lines[0] and "epochs" in lines[1]


def test_spec_hook_entry_checks_a_policy_with_no_eval_yaml_beside_it_on_its_own(tmp_path, capsys, monkeypatch):
    # no spec to take task ids from: every other problem is reported, and the policy is never
    # linted as if it were an eval.yaml (no missing name/description findings)
    repo = _benchmark(tmp_path, {".evalledger.yaml": TYPO_POLICY.replace("unit: fraction", "unit: percentage")})
    code, lines = _spec_hook(capsys, repo, monkeypatch, ".evalledger.yaml")
    assert code == 1
    assert [line.split(" ", 3)[:3] for line in lines] == [
        [".evalledger.yaml:4:19:", "error", "policy-invalid"],  # unit: percentage
        [".evalledger.yaml:4:31:", "error", "policy-invalid"],  # direciton
    ], lines
    alone = _benchmark(tmp_path / "ok", {".evalledger.yaml": GOOD_POLICY})
    assert _spec_hook(capsys, alone, monkeypatch, ".evalledger.yaml") == (0, [])


def test_lint_benchmark_and_the_spec_report_a_policy_finding_once(tmp_path, capsys, monkeypatch):
    from evalledger.cli import main

    repo = _benchmark(tmp_path, {"eval.yaml": RENAMED_SPEC, ".evalledger.yaml": GOOD_POLICY})
    monkeypatch.chdir(repo)
    assert main(["lint", "--benchmark", "eval.yaml", "eval.yaml"]) == 1
    assert len(capsys.readouterr().out.splitlines()) == 1
