"""Hostile and broken input: a clear, located problem, exit 1 or 2, never a traceback.
Also exit codes, output formats and the path rules."""

from __future__ import annotations

import json
import os

import pytest

from evalledger.cli import check_eval_results, main
from gitutil import GitRepo

GOOD = "- dataset:\n    id: Idavidrein/gpqa\n    task_id: diamond\n  value: 71.0\n"
BAD = "- dataset:\n    id: Idavidrein/gpqa\n  value: 71.0\n"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A real model repo as the working directory."""
    repo = GitRepo.init(tmp_path / "model")
    monkeypatch.chdir(repo.path)
    return repo


def _lint(capsys, *argv):
    code = main(["lint", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_binary_file(repo, capsys):
    repo.write(".eval_results/a.yaml", b"- dataset:\n  \x00\x01\x02")
    assert _lint(capsys, ".eval_results/a.yaml")[:2] == (
        1,
        (".eval_results/a.yaml:2:3: error binary-file file looks binary (NUL byte); expected UTF-8 YAML text\n"),
    )


def test_not_utf8(repo, capsys):
    repo.write(".eval_results/a.yaml", GOOD.encode() + b"  notes: r\xe9sum\xe9\n")
    assert _lint(capsys, ".eval_results/a.yaml")[:2] == (
        1,
        (
            ".eval_results/a.yaml:5:11: error not-utf8 file is not valid UTF-8 (byte 0xe9 at offset"
            " 80); save it as UTF-8\n"
        ),
    )


def test_alias_bomb_is_refused_early(repo, capsys):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 10)}]")
    repo.write(".eval_results/bomb.yaml", "\n".join(lines) + "\n")
    code, out, _ = _lint(capsys, ".eval_results/bomb.yaml")
    assert code == 1
    assert out.startswith(
        ".eval_results/bomb.yaml:4:36: error yaml-alias-limit aliases expand to more than 10,000 nodes"
    )


@pytest.mark.parametrize("flow", [True, False])
def test_ten_thousand_deep_nesting(repo, capsys, flow):
    text = "[" * 10_000 + "]" * 10_000 if flow else "- " * 10_000 + "x"
    repo.write(".eval_results/deep.yaml", text + "\n")
    code, out, _ = _lint(capsys, ".eval_results/deep.yaml")
    assert code == 1
    assert out.count("\n") == 1
    assert " error yaml-depth-limit " in out
    assert out.startswith(".eval_results/deep.yaml:")


def test_fifty_megabyte_file_is_refused_without_parsing(repo, capsys):
    path = repo.path / ".eval_results/huge.yaml"
    path.parent.mkdir()
    with open(path, "wb") as handle:
        handle.write(GOOD.encode())
        handle.truncate(50 * 1024 * 1024)
    assert _lint(capsys, ".eval_results/huge.yaml")[:2] == (
        1,
        (
            ".eval_results/huge.yaml:1:1: error file-too-large file is 52,428,800 bytes, over the"
            " 2,097,152 byte limit for a YAML file (set --max-file-size to raise it)\n"
        ),
    )


def test_max_file_size_option(repo, capsys):
    repo.write(".eval_results/a.yaml", GOOD)
    code, out, _ = _lint(capsys, "--max-file-size", "20", ".eval_results/a.yaml")
    assert (code, out.split(" ")[2]) == (1, "file-too-large")
    assert _lint(capsys, "--max-file-size", "1k", ".eval_results/a.yaml")[:2] == (0, "")
    code, _, err = _lint(capsys, "--max-file-size", "lots", ".eval_results/a.yaml")
    assert code == 2 and "not a size" in err


def test_python_object_tag(repo, capsys):
    repo.write(".eval_results/a.yaml", GOOD.replace("71.0", "!!python/object/apply:os.system [id]"))
    code, out, _ = _lint(capsys, ".eval_results/a.yaml")
    assert code == 1
    assert out.splitlines()[1] == (
        ".eval_results/a.yaml:4:10: error yaml-unsafe-tag tag !!python/object/apply:os.system is not"
        " allowed: result files are plain data, and safe YAML loaders (the Hub's included) refuse it"
    )


def test_symlink_out_of_the_repo_is_not_followed(repo, capsys, tmp_path):
    outside = tmp_path / "secret.yaml"
    outside.write_text(GOOD)
    (repo.path / ".eval_results").mkdir()
    os.symlink(outside, repo.path / ".eval_results/linked.yaml")
    for argv in ([".eval_results/linked.yaml"], ["."]):
        code, out, _ = _lint(capsys, *argv)
        assert code == 2
        assert out == (
            ".eval_results/linked.yaml:1:1: error"
            f" symlink-outside-repo symlink points outside the repository ({outside});"
            " not read: commit the file itself\n"
        )


def test_symlink_inside_the_repo_is_linted(repo, capsys):
    repo.write("data/gpqa.yaml", BAD)
    (repo.path / ".eval_results").mkdir()
    os.symlink("../data/gpqa.yaml", repo.path / ".eval_results/gpqa.yaml")
    code, out, _ = _lint(capsys, ".eval_results/gpqa.yaml")
    assert code == 1 and " missing-field " in out


def test_dangling_link_is_unreadable_exit_2(repo, capsys):
    (repo.path / ".eval_results").mkdir()
    os.symlink("gone.yaml", repo.path / ".eval_results/a.yaml")
    assert _lint(capsys, ".eval_results/a.yaml")[:2] == (
        2,
        (".eval_results/a.yaml:1:1: error unreadable-file cannot read file: No such file or directory\n"),
    )


def test_missing_path_exit_2(repo, capsys):
    assert _lint(capsys, "nope.yaml")[:2] == (2, "nope.yaml:1:1: error path-not-found no such file or directory\n")


def test_missing_benchmark_is_a_usage_error(repo, capsys):
    repo.write(".eval_results/a.yaml", GOOD)
    code, out, err = _lint(capsys, "--benchmark", "nowhere/eval.yaml", ".")
    assert (code, out) == (2, "")
    assert err == "evalledger lint: error: --benchmark 'nowhere/eval.yaml': no such file or directory\n"


def test_exit_codes_clean_warning_error(repo, capsys):
    repo.write(".eval_results/a.yaml", GOOD)
    assert _lint(capsys, ".")[:2] == (0, "")
    repo.write(".eval_results/a.yaml", GOOD + "  date: 2026-01-15\n")
    code, out, _ = _lint(capsys, ".")
    assert code == 0 and " warning date-unquoted " in out
    assert _lint(capsys, "--strict", ".")[0] == 1
    assert _lint(capsys, "--no-warnings", ".")[:2] == (0, "")
    repo.write(".eval_results/b.yaml", BAD)
    assert _lint(capsys, ".")[0] == 1
    assert _lint(capsys, "--kind", "nonsense", ".")[0] == 2


def test_default_path_is_the_current_directory(repo, capsys):
    repo.write(".eval_results/sub/a.yaml", BAD)
    repo.write("README.md", "# no metadata\n")
    repo.write("notes.yaml", "not: checked\n")  # outside .eval_results: not a results file
    code, out, _ = _lint(capsys)
    assert code == 1
    assert out.splitlines() == [
        (
            ".eval_results/sub/a.yaml:1:1: warning results-path results file in a sub-folder of"
            " .eval_results/; the Hub documents only .eval_results/*.yaml: move it up"
        ),
        (
            ".eval_results/sub/a.yaml:2:5: error missing-field `dataset.task_id` is missing: the id of"
            " the benchmark task (from its eval.yaml) this score belongs to"
        ),
    ]


def test_results_path_rule(repo, capsys):
    repo.write(".eval_results/a.yml", GOOD)
    assert _lint(capsys, ".")[:2] == (
        0,
        (
            ".eval_results/a.yml:1:1: warning results-path results file named *.yml; the Hub"
            " documents .eval_results/*.yaml: rename it\n"
        ),
    )
    (repo.path / ".eval_results/a.yml").rename(repo.path / ".eval_results/a.yaml")
    assert _lint(capsys, "--strict", ".")[:2] == (0, "")


def test_console_script_forces_the_kind(repo, capsys):
    repo.write("gpqa.yaml", "model-index: []\n")
    assert check_eval_results(["gpqa.yaml"]) == 1
    assert " results-not-list " in capsys.readouterr().out
    assert main(["lint", "gpqa.yaml"]) == 1  # by content: model-index metadata
    assert " model-index-not-list " in capsys.readouterr().out


def test_json_output(repo, capsys):
    repo.write(".eval_results/a.yaml", BAD)
    repo.write(".eval_results/b.yaml", GOOD)
    code, out, _ = _lint(capsys, "--format", "json", ".eval_results")
    assert code == 1
    assert json.loads(out) == {
        "problems": [
            {
                "path": ".eval_results/a.yaml",
                "line": 2,
                "column": 5,
                "severity": "error",
                "rule": "missing-field",
                "message": "`dataset.task_id` is missing: the id of the benchmark task (from its eval.yaml)"
                " this score belongs to",
            }
        ],
        "files": 2,
    }


def test_github_output_and_auto_format(repo, capsys, monkeypatch):
    repo.write(".eval_results/a.yaml", BAD)
    expected_annotation = (
        "::error file=.eval_results/a.yaml,line=2,col=5,title=missing-field::"
        "`dataset.task_id` is missing: the id of the benchmark task (from its"
        " eval.yaml) this score belongs to"
    )
    code, out, _ = _lint(capsys, "--format", "github", ".eval_results/a.yaml")
    assert code == 1 and out.splitlines()[0] == expected_annotation
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert _lint(capsys, ".eval_results/a.yaml")[1].splitlines()[0] == expected_annotation


def test_sarif_output(repo, capsys):
    repo.write(".eval_results/a.yaml", BAD)
    code, out, _ = _lint(capsys, "--format", "sarif", ".eval_results/a.yaml")
    doc = json.loads(out)
    assert code == 1 and doc["version"] == "2.1.0"
    [result] = doc["runs"][0]["results"]
    assert result["ruleId"] == "missing-field"
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 2, "startColumn": 5}
    rules = {r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert "missing-field" in rules and "task-id-unknown" in rules


def test_invalid_policy_is_reported(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench/eval.yaml").write_text(
        "name: B\ndescription: d\nevaluation_framework: mteb\ntasks:\n  - id: main\n"
    )
    (tmp_path / "bench/.evalledger.yaml").write_text("tasks:\n  main: {unit: percentage}\n")
    (tmp_path / ".eval_results").mkdir()
    (tmp_path / ".eval_results/a.yaml").write_text(GOOD.replace("Idavidrein/gpqa", "x/b").replace("diamond", "main"))
    code, out, _ = _lint(capsys, "--benchmark", "bench", ".eval_results")
    assert code == 1
    assert out == (
        "bench/.evalledger.yaml:2:16: error policy-invalid tasks.main.unit must be one of fraction, percent, points\n"
    )


# --- what the directory walk may read -----------------------------------------------------------


def _lint_process(cwd, *argv, unprivileged=False):
    """`evalledger lint` in a child process with a deadline: a hang fails the test instead of
    hanging the suite. ``unprivileged``: without root's right to read any file (so a chmod 000
    directory is unreadable even when the tests run as root)."""
    import shutil
    import subprocess
    import sys

    command = [sys.executable, "-m", "evalledger", "lint", *argv]
    if unprivileged and os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "running as root and setpriv (util-linux) is missing: cannot drop CAP_DAC_OVERRIDE"
        drop = "-dac_override,-dac_read_search"
        command = [setpriv, f"--inh-caps={drop}", f"--bounding-set={drop}", *command]
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=30)
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc


def test_symlinked_directory_out_of_the_repo_is_reported_not_followed(repo, capsys, tmp_path):
    outside = tmp_path / "elsewhere"
    (outside / "nested").mkdir(parents=True)
    (outside / "secret.yaml").write_text(BAD)
    (outside / "nested" / "secret.yaml").write_text(BAD)
    os.symlink(outside, repo.path / ".eval_results")
    code, out, _ = _lint(capsys, ".")
    assert (code, out) == (
        2,
        (
            f".eval_results:1:1: error symlink-outside-repo symlinked directory points"
            f" outside the repository ({outside}); not read: commit the files themselves\n"
        ),
    )
    os.unlink(repo.path / ".eval_results")
    repo.write(".eval_results/a.yaml", GOOD)
    os.symlink(outside / "nested", repo.path / ".eval_results/more")
    os.symlink(outside, repo.path / "models")  # any folder the walk would enter
    code, out, _ = _lint(capsys, "--format", "json", ".")
    doc = json.loads(out)
    assert code == 2 and doc["files"] == 1
    assert [(p["path"], p["rule"]) for p in doc["problems"]] == [
        (".eval_results/more", "symlink-outside-repo"),
        ("models", "symlink-outside-repo"),
    ]
    assert "secret" not in out


def test_symlinked_directory_inside_the_repo_is_walked_once_without_looping(repo, capsys):
    repo.write("data/results/a.yaml", BAD)
    os.symlink("data/results", repo.path / ".eval_results")
    os.symlink("..", repo.path / "data/results/loop")  # back up to data/: would recurse forever
    os.symlink(".", repo.path / "data/results/self")
    code, out, _ = _lint(capsys, "--format", "json", ".")
    doc = json.loads(out)
    assert code == 1 and doc["files"] == 1
    assert [(p["path"], p["rule"]) for p in doc["problems"]] == [(".eval_results/a.yaml", "missing-field")]


def test_fifo_is_reported_and_never_opened(repo):
    (repo.path / ".eval_results").mkdir()
    os.mkfifo(repo.path / ".eval_results/pipe.yaml")
    os.symlink("pipe.yaml", repo.path / ".eval_results/link.yaml")  # an in-repo link to the FIFO
    repo.write(".eval_results/a.yaml", GOOD)
    for argv in ([".eval_results/pipe.yaml"], [".eval_results/link.yaml"], ["."]):
        proc = _lint_process(repo.path, *argv)  # the old walk opened the FIFO and blocked forever
        assert proc.returncode == 2, (argv, proc.stdout, proc.stderr)
        assert ": error unreadable-file a FIFO (named pipe), not a regular file; not read" in proc.stdout
    assert proc.stdout.count("unreadable-file") == 2  # `.`: the FIFO and the link to it, a.yaml linted


def test_socket_is_reported_and_never_opened(repo, tmp_path):
    import socket

    (repo.path / ".eval_results").mkdir()
    cwd = os.getcwd()
    os.chdir(repo.path / ".eval_results")  # AF_UNIX paths are short: bind by relative name
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind("sock.yaml")
        os.chdir(cwd)
        proc = _lint_process(repo.path, ".")
    finally:
        os.chdir(cwd)
        server.close()
    assert proc.returncode == 2
    assert proc.stdout == ".eval_results/sock.yaml:1:1: error unreadable-file a socket, not a regular file; not read\n"


def test_readme_is_capped_like_result_files_before_reading(repo, capsys):
    line = b"| a table row of a long model card |\n"
    repo.write(
        "README.md", b"---\nlicense: mit\n---\n# card\n".ljust(32, b"\n") + line * (3 * 1024 * 1024 // len(line))
    )
    assert _lint(capsys, "README.md")[:2] == (
        1,
        (
            "README.md:1:1: error file-too-large file is 3,145,735 bytes, over the 2,097,152 byte"
            " limit for a model card (set --max-file-size to raise it)\n"
        ),
    )
    assert _lint(capsys, "--max-file-size", "4M", "README.md")[:2] == (0, "")


def test_unreadable_directory_is_reported_exit_2(repo):
    repo.write(".eval_results/a.yaml", GOOD)
    repo.write(".eval_results/sub/b.yaml", BAD)
    locked = repo.path / ".eval_results/sub"
    locked.chmod(0)
    try:
        proc = _lint_process(repo.path, "--format", "json", ".", unprivileged=True)
    finally:
        locked.chmod(0o755)
    doc = json.loads(proc.stdout)
    assert proc.returncode == 2, proc.stdout
    assert doc["problems"] == [
        {
            "path": ".eval_results/sub",
            "line": 1,
            "column": 1,
            "severity": "error",
            "rule": "unreadable-file",
            "message": "cannot read directory: Permission denied",
        }
    ]
    assert doc["files"] == 1


def test_no_files_found_is_said_and_json_stays_valid(repo, capsys):
    repo.write("notes.txt", "nothing to lint\n")
    code, out, err = _lint(capsys, "--format", "json", ".")
    assert (code, json.loads(out)) == (0, {"problems": [], "files": 0})
    assert err == (
        "evalledger lint: note: no eval files found in . (looked for .eval_results/**/*.yaml,"
        " eval.yaml and README.md)\n"
    )


@pytest.mark.parametrize("folder", [".eval-results", "eval_results", ".eval_result", ".Eval_Results"])
def test_misnamed_results_folder_is_named(repo, capsys, folder):
    repo.write(f"{folder}/gpqa.yaml", GOOD)
    repo.write("README.md", "# a model card without metadata\n")  # found and clean: not silence
    code, out, err = _lint(capsys, ".")
    assert (code, out) == (0, "")
    assert err == (
        f"evalledger lint: note: {folder}/ holds YAML files but is not .eval_results/, the"
        " only folder the Hub reads results from: rename it to .eval_results/\n"
    )
    code, out, err = _lint(capsys, folder)  # the misspelt folder given by name
    assert (code, out) == (0, "")
    assert "no eval files found" in err and f"{folder}/ holds YAML files" in err
    repo.write(".eval_results/gpqa.yaml", GOOD)  # the real one exists too: nothing to say
    assert _lint(capsys, ".") == (0, "", "")


def test_a_fifo_model_card_never_blocks_the_base_model_check(repo):
    # an entry with a source url makes lint look up the card's base_model in README.md
    repo.write(".eval_results/a.yaml", GOOD + "  source:\n    url: https://huggingface.co/org/model\n")
    os.mkfifo(repo.path / "README.md")
    proc = _lint_process(repo.path, ".eval_results/a.yaml")
    assert (proc.returncode, proc.stdout) == (0, "")


def test_reading_a_small_file_allocates_its_size_not_the_limit(tmp_path):
    """A buffered read(limit + 1) allocated the whole 2 MiB limit for every file read (a quarter
    of the parse time of a small results file); the file is read by its size, to the end (a file
    that grew after its stat is read whole, up to the limit)."""
    import tracemalloc

    from evalledger.lint.api import _read
    from evalledger.yamlsource import DEFAULT_LIMITS, Limits

    path = tmp_path / "a.yaml"
    path.write_text(GOOD)
    tracemalloc.start()
    try:
        data = _read(str(path), DEFAULT_LIMITS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert data == GOOD.encode()
    assert peak < 256 * 1024, f"reading {len(GOOD)} bytes peaked at {peak:,} bytes"
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 200_000)
    assert _read(str(big), DEFAULT_LIMITS) == b"#" * 200_000  # several reads, joined
    limits = Limits(max_bytes=150_000)
    assert _read(str(big), limits).rule == "file-too-large"


def test_a_given_file_that_is_refused_is_not_also_said_to_be_missing(repo):
    """A path given and reported (a FIFO README.md: unreadable-file, exit 2) is not also a "no eval
    files found" note: the note is for a silent exit 0, and here it contradicted the error."""
    os.mkfifo(repo.path / "README.md")
    proc = _lint_process(repo.path, "README.md")
    assert proc.returncode == 2 and "README.md:1:1: error unreadable-file a FIFO" in proc.stdout, proc.stdout
    assert "no eval files found" not in proc.stderr, proc.stderr
    proc = _lint_process(repo.path, "missing.yaml")  # path-not-found: no note either, as before
    assert proc.returncode == 2 and proc.stderr == "", proc.stderr
