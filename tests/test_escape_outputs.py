"""Text from a model repo, through the real commands, never controls the terminal or the runner.

Each test drives the CLI on a real file or git history whose names, values or commit authors
carry terminal escapes, bidi overrides, newlines or workflow commands."""

from __future__ import annotations

import re

from evalledger.cli import main
from gitutil import GitRepo

CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# a value YAML reads as a string with an OSC title sequence, a CSI colour and a bidi override
HOSTILE_VALUE = '"\\e]0;pwned\\a\\e[31m74\\u202e%"'
RESULT = "- dataset:\n    id: Idavidrein/gpqa\n    task_id: {task}\n  value: {value}\n  source:\n    url: https://example.org/{url}\n"


LEGACY = re.compile(r"##\[(error|warning|notice|debug|add-mask|set-output|stop-commands|group|endgroup)\b")


def _lines_are_clean(text: str) -> None:
    assert not CONTROL.search(text), [line for line in text.splitlines() if CONTROL.search(line)]


def _commands(text: str) -> list[str]:
    """Lines the runner would read as workflow commands (``::`` after leading space, or ``##[``)."""
    return [line for line in text.splitlines() if line.lstrip().startswith("::") or LEGACY.search(line)]


def test_lint_text_output_shows_escapes_from_values_and_paths(tmp_path, monkeypatch, capsys):
    repo = GitRepo.init(tmp_path / "model")
    monkeypatch.chdir(repo.path)
    repo.write(".eval_results/a.yaml", RESULT.format(task="diamond", value=HOSTILE_VALUE, url="a"))
    repo.write(".eval_results/\x1b[2Jwipe\u202e.yaml", RESULT.format(task="diamond", value="'x'", url="b"))
    code = main(["lint", "--format", "text", "."])
    out = capsys.readouterr().out
    assert code == 1
    _lines_are_clean(out)
    assert "\\x1b]0;pwned\\x07\\x1b[31m74\\u202e%" in out  # shown, not obeyed
    assert ".eval_results/\\x1b[2Jwipe\\u202e.yaml:" in out
    assert len(out.splitlines()) == len([line for line in out.splitlines() if re.match(r"^\.eval_results/", line)])


def test_lint_note_about_a_misnamed_folder_shows_escapes(tmp_path, monkeypatch, capsys):
    repo = GitRepo.init(tmp_path / "model")
    monkeypatch.chdir(repo.path)
    repo.write(".eval\x1b]0;\x07_results/a.yaml", RESULT.format(task="diamond", value=71.0, url="a"))
    code = main(["lint", "."])
    err = capsys.readouterr().err
    assert code == 0 and "holds YAML files but is not .eval_results/" in err
    _lines_are_clean(err)
    assert ".eval\\x1b]0;\\x07_results/" in err


def test_lint_github_output_cannot_issue_commands_from_data(tmp_path, monkeypatch, capsys):
    repo = GitRepo.init(tmp_path / "model")
    monkeypatch.chdir(repo.path)
    repo.write(
        ".eval_results/a.yaml",
        RESULT.format(task="diamond", value='"\\n::error file=x::forged ##[error]legacy"', url="a"),
    )
    repo.write(".eval_results/::warning::forged.yaml", RESULT.format(task="diamond", value="'x'", url="b"))
    code = main(["lint", "--format", "github", "."])
    out = capsys.readouterr().out
    assert code == 1
    _lines_are_clean(out)
    for line in _commands(out):  # only our own commands: level, group, endgroup, notice
        assert re.match(
            r"^::(error|warning|notice) file=[^:,]*,line=\d+,col=\d+,title=[a-z-]+::|^::(end)?group::", line
        ), line
    assert not any(line.startswith(("::error file=x", "::add-mask")) for line in out.splitlines())
    group = out.split("::group::evalledger findings\n", 1)[1]
    assert all(not line.lstrip().startswith("::") or line == "::endgroup::" for line in group.splitlines())
    assert all(
        line.startswith(("::notice ", "::warning ", "::error ")) for line in out.splitlines() if LEGACY.search(line)
    )


def _audit_a_raise(tmp_path, capsys, *, task: str, author: str, fmt: str) -> tuple[int, str]:
    """A score raised by ``author`` on ``task`` (YAML text), audited in format ``fmt``."""
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/gpqa.yaml", RESULT.format(task=task, value=0.41, url="a"))
    base = repo.commit("add", author="alice")
    repo.write(".eval_results/gpqa.yaml", RESULT.format(task=task, value=0.47, url="a"))
    repo.commit("raise", author=author)
    code = main(["audit", str(repo.path), "--range", f"{base}..HEAD", "--format", fmt, "--model", "org/m"])
    return code, capsys.readouterr().out


def test_audit_text_output_shows_escapes_from_authors_and_tasks(tmp_path, capsys):
    code, out = _audit_a_raise(
        tmp_path, capsys, task='"dia\\e[8mmond\\u202e"', author="b\x1b]0;owned\x07ob", fmt="text"
    )
    assert code == 1 and "value-raised" in out
    _lines_are_clean(out)
    assert "dia\\x1b[8mmond\\u202e" in out
    assert "b\\x1b]0;owned\\x07ob" in out


def test_audit_github_output_keeps_data_inside_its_command(tmp_path, capsys):
    code, out = _audit_a_raise(
        tmp_path, capsys, task='"diamond\\n::error::forged"', author="mallory ##[warning]x", fmt="github"
    )
    assert code == 1
    assert not any(line.startswith("::error::forged") for line in out.splitlines())
    assert "%0A::error::forged" in out
    # the legacy prefix is honoured anywhere in a line, except inside a `::command::` (parsed first)
    assert all(
        line.startswith(("::notice ", "::warning ", "::error ")) for line in out.splitlines() if LEGACY.search(line)
    )
    assert any("mallory ##[warning]x" in line for line in out.splitlines())
