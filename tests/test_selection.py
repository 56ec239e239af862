"""Rule selection as ruff users know it: --select/--ignore by id or prefix, suppression comments,
the repository's config ([tool.evalledger], .evalledger.yaml's lint:), warnings for suppressions
that do nothing and ids that name no rule, and redirects of renamed ids. Run through the CLI on
real files in real (git init'ed) repositories."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from evalledger import selectors
from evalledger.cli import main
from evalledger.rules import all_rules, render_markdown
from gitutil import GitRepo

# three warnings, each from another rule: date-unquoted 3:9, unknown-key 4:3, legacy-dataset-field 1:52
ENTRY = """\
- dataset: {id: Idavidrein/gpqa, task_id: diamond, split: test}
  value: 71.0
  date: 2026-01-15
  verify_token: abc
"""
ALL_THREE = [("legacy-dataset-field", 1, 52), ("date-unquoted", 3, 9), ("unknown-key", 4, 3)]


def repo(tmp_path: Path, text: str = ENTRY, name: str = "gpqa.yaml") -> Path:
    root = tmp_path / "model"
    (root / ".git").mkdir(parents=True, exist_ok=True)  # the config root: the nearest folder holding .git
    target = root / ".eval_results" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return root


def lint(capsys, *args: str) -> tuple[int, list[tuple[str, int, int]], str]:
    code = main(["lint", "--format", "json", *args])
    captured = capsys.readouterr()
    problems = json.loads(captured.out)["problems"]
    return (
        code,
        sorted(((p["rule"], p["line"], p["column"]) for p in problems), key=lambda r: (r[1], r[2])),
        captured.err,
    )


def rules_of(found: list[tuple[str, int, int]]) -> list[str]:
    return sorted(rule for rule, _line, _column in found)


def test_the_example_has_three_findings_of_three_rules(tmp_path, capsys):
    code, found, _ = lint(capsys, str(repo(tmp_path)))
    assert sorted(found) == sorted(ALL_THREE)
    assert code == 0


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--select", "date-unquoted"], ["date-unquoted"]),
        (["--select", "unknown-key,date-unquoted"], ["date-unquoted", "unknown-key"]),
        (["--select", "unknown-key", "--select", "date-unquoted"], ["date-unquoted", "unknown-key"]),
        (["--select", "date"], ["date-unquoted"]),  # a prefix, at a word boundary
        (["--select", "date-"], ["date-unquoted"]),
        (["--select", "legacy-dataset"], ["legacy-dataset-field"]),
        (["--select", "ALL"], ["date-unquoted", "legacy-dataset-field", "unknown-key"]),
        (["--ignore", "date-unquoted"], ["legacy-dataset-field", "unknown-key"]),
        (["--ignore", "date,unknown"], ["legacy-dataset-field"]),
        (["--ignore", "legacy", "--ignore", "date-unquoted"], ["unknown-key"]),
        # the more specific selector wins: an id over a prefix, anything over ALL
        (["--select", "ALL", "--ignore", "date"], ["legacy-dataset-field", "unknown-key"]),
        (["--select", "date-unquoted", "--ignore", "date"], ["date-unquoted"]),
        (["--select", "date", "--ignore", "date-unquoted"], []),
    ],
)
def test_select_and_ignore_by_id_and_prefix(tmp_path, capsys, args, expected):
    code, found, err = lint(capsys, str(repo(tmp_path)), *args)
    assert rules_of(found) == expected
    assert err == ""
    assert code == 0


def test_select_does_not_hide_a_file_that_cannot_be_read_or_parsed(tmp_path, capsys):
    root = repo(tmp_path, "- dataset: {id: a/b\n")
    code, found, _ = lint(capsys, str(root), "--ignore", "yaml-syntax", "--select", "value")
    assert rules_of(found) == ["yaml-syntax"]
    assert code == 1
    code, found, _ = lint(capsys, str(tmp_path / "missing"), "--ignore", "path")
    assert rules_of(found) == ["path-not-found"]
    assert code == 2


def test_ignored_findings_are_not_fixed(tmp_path, capsys):
    root = repo(tmp_path)
    assert main(["lint", "--fix", "--ignore", "date-unquoted", str(root)]) == 0
    capsys.readouterr()
    text = (root / ".eval_results" / "gpqa.yaml").read_text()
    assert "date: 2026-01-15\n" in text  # not quoted: the rule was ignored
    assert "verifyToken: abc" in text  # fixed: the rule was not


def test_unknown_ids_on_the_command_line_are_warnings_with_did_you_mean(tmp_path, capsys):
    code, found, err = lint(
        capsys,
        str(repo(tmp_path)),
        "--ignore",
        "date-unqouted",
        "--select",
        "ALL,unknown-kye",
        "--ignore",
        "value-raised",
    )
    assert code == 0
    assert err.splitlines() == [
        "evalledger lint: warning: --select: unknown rule id 'unknown-kye' (did you mean 'unknown-key'?)",
        "evalledger lint: warning: --ignore: unknown rule id 'date-unqouted' (did you mean 'date-unquoted'?)",
    ]  # value-raised is an audit rule: a real id, so no warning
    assert rules_of(found) == ["date-unquoted", "legacy-dataset-field", "unknown-key"]


# -- suppression comments ----------------------------------------------------------------------


def test_a_comment_suppresses_the_findings_of_its_own_line(tmp_path, capsys):
    text = ENTRY.replace("date: 2026-01-15", "date: 2026-01-15  # evalledger: ignore[date-unquoted]")
    code, found, _ = lint(capsys, str(repo(tmp_path, text)))
    assert rules_of(found) == ["legacy-dataset-field", "unknown-key"]
    # several ids, a prefix, a reason after the bracket
    text = ENTRY.replace("verify_token: abc", "verify_token: abc # evalledger: ignore[date, unknown-key] old tool")
    text = text.replace("date: 2026-01-15", "date: 2026-01-15  # evalledger: ignore[date, unknown-key]")
    code, found, _ = lint(capsys, str(repo(tmp_path, text)))
    assert found == [("legacy-dataset-field", 1, 52), ("unused-suppression", 3, 48), ("unused-suppression", 4, 42)]


def test_a_comment_on_a_line_of_its_own_applies_to_that_line_only(tmp_path, capsys):
    text = ENTRY.replace("  date:", "  # evalledger: ignore[date-unquoted]\n  date:")
    code, found, _ = lint(capsys, str(repo(tmp_path, text)))
    assert ("date-unquoted", 4, 9) in found  # still reported
    assert ("unused-suppression", 3, 24) in found
    main(["lint", str(repo(tmp_path, text))])
    out = capsys.readouterr().out
    assert "write it at the end of the finding's line" in out


def test_a_comment_before_the_first_content_applies_to_the_whole_file(tmp_path, capsys):
    text = "# results of the 2026 runs\n\n# evalledger: ignore[unknown-key, date-unquoted]\n" + ENTRY
    code, found, _ = lint(capsys, str(repo(tmp_path, text)))
    assert found == [("legacy-dataset-field", 4, 52)]
    # after the first content line it is a line comment again
    text = ENTRY + "# evalledger: ignore[legacy-dataset-field]\n"
    code, found, _ = lint(capsys, str(repo(tmp_path, text)))
    assert ("legacy-dataset-field", 1, 52) in found and ("unused-suppression", 5, 22) in found


def test_a_comment_in_the_front_matter_of_a_model_card(tmp_path, capsys):
    root = tmp_path / "card"
    (root / ".git").mkdir(parents=True)
    card = (
        "---\n# evalledger: ignore[unknown-key]\nmodel-index:\n- name: m\n  results:\n"
        "  - task: {type: text-generation, nmae: x}\n"
        "    dataset: {type: openai/gsm8k, name: GSM8K, spilt: test}  # evalledger: ignore[value]\n"
        "    metrics:\n    - {type: accuracy, value: 57.9, veriefied: false}\n---\n"
        "# evalledger: ignore[results-empty]\n\nThe card's text: a heading is not a comment.\n"
    )
    (root / "README.md").write_text(card)
    code, found, _ = lint(capsys, str(root))
    # the file-wide comment inside the front matter hides the three unknown keys; the line comment
    # names a rule with no finding on its line (README line 7); the body's text is not YAML
    assert found == [("unused-suppression", 7, 83)]
    (root / "README.md").write_text(card.replace("# evalledger: ignore[unknown-key]\n", ""))
    code, found, _ = lint(capsys, str(root))
    assert rules_of(found) == ["unknown-key"] * 3 + ["unused-suppression"]


def test_unused_and_malformed_suppressions_are_warnings(tmp_path, capsys):
    text = (
        "# evalledger: ignore[value-not-number]\n"
        + ENTRY
        + "# evalledger: ignore\n# evalledger: ignore[]\n# evalledger: disable[unknown-key]\n"
    )
    code, found, _ = lint(capsys, str(repo(tmp_path, text)))
    assert [f for f in found if f[0] == "unused-suppression"] == [
        ("unused-suppression", 1, 22),
        ("unused-suppression", 6, 1),
        ("unused-suppression", 7, 1),
        ("unused-suppression", 8, 1),
    ]
    assert code == 0
    assert main(["lint", "--strict", str(repo(tmp_path, text))]) == 1  # --strict fails on them
    capsys.readouterr()
    # a comment naming a rule this run does not select is not called unused
    code, found, _ = lint(capsys, str(repo(tmp_path, text)), "--ignore", "value")
    assert next(f for f in found if f[0] == "unused-suppression") == ("unused-suppression", 6, 1)
    # and the warning itself can be ignored, or suppressed
    code, found, _ = lint(capsys, str(repo(tmp_path, text)), "--ignore", "unused-suppression")
    assert "unused-suppression" not in rules_of(found)
    quiet = "# evalledger: ignore[unused-suppression, value-not-number]\n" + ENTRY
    code, found, _ = lint(capsys, str(repo(tmp_path, quiet)))
    assert "unused-suppression" not in rules_of(found)


def test_an_unknown_id_in_a_comment_is_a_warning_with_did_you_mean(tmp_path, capsys):
    text = ENTRY.replace("date: 2026-01-15", "date: 2026-01-15  # evalledger: ignore[date-unqouted]")
    code, found, _ = lint(capsys, str(repo(tmp_path, text)))
    assert ("rule-id-unknown", 3, 42) in found and ("date-unquoted", 3, 9) in found
    assert main(["lint", str(repo(tmp_path, text))]) == 0
    assert "unknown rule id 'date-unqouted' (did you mean 'date-unquoted'?)" in capsys.readouterr().out


def test_a_comment_cannot_hide_a_parse_error(tmp_path, capsys):
    text = "# evalledger: ignore[yaml-syntax]\n- dataset: {id: a/b\n"
    code, found, _ = lint(capsys, str(repo(tmp_path, text)))
    assert found == [("unused-suppression", 1, 22), ("yaml-syntax", 3, 1)]
    assert code == 1
    main(["lint", str(repo(tmp_path, text))])
    assert "yaml-syntax cannot be suppressed" in capsys.readouterr().out


def test_comments_are_read_only_from_files_that_mention_them(tmp_path):
    """The hook's cost: one bytes search per file; a plain run never imports the selection
    module's config readers (tomllib) nor difflib."""
    root = repo(tmp_path, "- dataset: {id: Idavidrein/gpqa, task_id: diamond}\n  value: 71.0\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "evalledger",
            "lint",
            "--kind",
            "results",
            str(root / ".eval_results" / "gpqa.yaml"),
        ],
        capture_output=True,
        text=True,
        check=False,
        # without the coverage run's variables: coverage would start first in the child and import
        # tomllib itself, before evalledger, so the list would not be evalledger's imports alone
        env={k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")},
    )
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert proc.returncode == 0, proc.stderr
    assert "evalledger.lint.api" in imported
    assert not imported & {"tomllib", "tomli", "difflib", "evalledger.rules.suppression"}


# -- config ------------------------------------------------------------------------------------


def test_pyproject_tool_evalledger(tmp_path, capsys):
    root = repo(tmp_path)
    legacy = root / "legacy" / "old.yaml"
    legacy.parent.mkdir()
    legacy.write_text(ENTRY)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.evalledger]\nignore = ["date-unquoted"]\n'
        'per-file-ignores = {"legacy/*" = ["unknown"], "*.yml" = ["date"]}\n'
    )
    code, found, err = lint(capsys, str(root), str(legacy), "--kind", "results")
    assert err == ""
    by_file = {}
    for path in (root / ".eval_results" / "gpqa.yaml", legacy):
        code, found, _ = lint(capsys, str(path), "--kind", "results")
        by_file[path.parent.name] = rules_of(found)
    assert by_file == {".eval_results": ["legacy-dataset-field", "unknown-key"], "legacy": ["legacy-dataset-field"]}
    # --ignore adds to the config's ignore; --select replaces its select
    code, found, _ = lint(capsys, str(root), "--ignore", "legacy")
    assert rules_of(found) == ["unknown-key"]
    (root / "pyproject.toml").write_text('[tool.evalledger]\nselect = ["unknown-key"]\n')
    assert rules_of(lint(capsys, str(root))[1]) == ["unknown-key"]
    assert rules_of(lint(capsys, str(root), "--select", "date")[1]) == ["date-unquoted"]


def test_pyproject_found_from_the_repository_root_of_a_file(tmp_path, capsys, monkeypatch):
    root = repo(tmp_path)
    (root / "pyproject.toml").write_text('[tool.evalledger]\nignore = "date-unquoted, unknown-key"\n')
    monkeypatch.chdir(tmp_path)  # the hook passes files; the config is the file's repository's
    code, found, _ = lint(capsys, "model/.eval_results/gpqa.yaml")
    assert rules_of(found) == ["legacy-dataset-field"]


def test_evalledger_yaml_lint_section(tmp_path, capsys):
    root = repo(tmp_path)
    (root / ".evalledger.yaml").write_text(
        "defaults: {unit: percent}\nlint:\n  select: [ALL]\n  ignore: [unknown-key, legacy]\n"
    )
    code, found, _ = lint(capsys, str(root))
    assert rules_of(found) == ["date-unquoted"]
    # the same policy file read as a benchmark's policy: the section is part of its format
    from evalledger.policy import load_policy

    policy, problems = load_policy(root)
    assert problems == [] and policy.lint.ignore == ("unknown-key", "legacy")


def test_unknown_ids_and_malformed_config_are_reported_where_written(tmp_path, capsys):
    root = repo(tmp_path)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.evalledger]\nignore = ["date-unquoted",\n  "valu-raised"]\n'
    )
    code, found, _ = lint(capsys, str(root))
    assert ("rule-id-unknown", 5, 4) in found
    main(["lint", str(root)])
    assert "unknown rule id 'valu-raised' (did you mean 'value-raised'?)" in capsys.readouterr().out
    (root / "pyproject.toml").write_text('[tool.evalledger]\nignore = 3\nselct = ["value"]\n')
    code, found, _ = lint(capsys, str(root))
    assert [f for f in found if f[0] == "config-invalid"] == [("config-invalid", 1, 1)] * 2
    assert code == 1
    (root / "pyproject.toml").write_text("[tool.evalledger\nignore = []\n")
    code, found, _ = lint(capsys, str(root), "--ignore", "config")
    assert ("config-invalid", 1, 17) in found  # always reported: the config was not applied
    (root / "pyproject.toml").unlink()
    (root / ".evalledger.yaml").write_text("lint:\n  ignore: [unknown-key]\n  select: date-unqouted\n")
    code, found, _ = lint(capsys, str(root))
    assert ("rule-id-unknown", 3, 11) in found
    (root / ".evalledger.yaml").write_text("lint:\n  ignroe: [unknown-key]\n")
    code, found, _ = lint(capsys, str(root))
    assert ("policy-invalid", 2, 3) in found


def test_a_pyproject_without_the_section_is_not_our_business(tmp_path, capsys):
    root = repo(tmp_path)
    (root / "pyproject.toml").write_text("this is [not toml\n")
    code, found, _ = lint(capsys, str(root))
    assert sorted(found) == sorted(ALL_THREE)


# -- redirects ---------------------------------------------------------------------------------


def test_a_renamed_id_keeps_working_everywhere(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(selectors.REDIRECTS, "date-not-quoted", "date-unquoted")
    text = ENTRY.replace("date: 2026-01-15", "date: 2026-01-15  # evalledger: ignore[date-not-quoted]")
    code, found, err = lint(capsys, str(repo(tmp_path, text)))
    assert rules_of(found) == ["legacy-dataset-field", "unknown-key"]
    root = repo(tmp_path)
    code, found, err = lint(capsys, str(root), "--select", "date-not-quoted")
    assert (rules_of(found), err) == (["date-unquoted"], "")
    (root / "pyproject.toml").write_text('[tool.evalledger]\nignore = ["date-not-quoted"]\n')
    code, found, err = lint(capsys, str(root))
    assert rules_of(found) == ["legacy-dataset-field", "unknown-key"]
    assert "## Renamed rule ids" in render_markdown(all_rules())
    assert "| `date-not-quoted` | [`date-unquoted`](#date-unquoted) |" in render_markdown(all_rules())


def test_redirects_point_at_real_rules_and_old_ids_are_not_rules():
    catalogue = all_rules()
    for old, new in selectors.REDIRECTS.items():
        assert new in catalogue and old not in catalogue


# -- audit -------------------------------------------------------------------------------------

AUDITED = """\
- dataset:
    id: Idavidrein/gpqa
    task_id: diamond
  value: {value}
  source:
    url: https://example.org/run
"""


def test_audit_select_and_ignore(tmp_path, capsys):
    model = GitRepo.init(tmp_path / "m")
    for value in (0.41, 0.47):
        model.write(".eval_results/gpqa.yaml", AUDITED.format(value=value))
        model.commit(f"gpqa {value}", author="alice")

    def audit(*args: str) -> tuple[int, list[str], str]:
        code = main(["audit", "--format", "json", str(model.path), *args])
        captured = capsys.readouterr()
        return code, sorted(f["rule"] for f in json.loads(captured.out)["findings"]), captured.err

    code, everything, _ = audit()
    assert code == 1 and "value-raised" in everything and len(set(everything)) > 1
    code, found, _ = audit("--select", "value-raised")
    assert (code, found) == (1, ["value-raised"])
    code, found, _ = audit("--ignore", "value-raised")
    assert code == 0 and found == [r for r in everything if r != "value-raised"]
    code, found, _ = audit("--ignore", "value")
    assert not any(r.startswith("value-") for r in found)
    code, found, err = audit("--ignore", "value-rasied")
    assert "value-raised" in found  # nothing ignored: the typo only warns
    assert err == "evalledger audit: warning: --ignore: unknown rule id 'value-rasied' (did you mean 'value-raised'?)\n"
    assert found == everything
    # the audited repository cannot switch its own audit off
    model.write("pyproject.toml", '[tool.evalledger]\nignore = ["value-raised"]\n')
    code, found, _ = audit()
    assert code == 1 and found == everything


def test_an_oversized_pyproject_is_refused_not_read(tmp_path, capsys):
    root = repo(tmp_path)
    (root / "pyproject.toml").write_text('[tool.evalledger]\nignore = ["date"]\n' + "#" * (3 * 1024 * 1024))
    code, found, _ = lint(capsys, str(root))
    assert ("config-invalid", 1, 1) in found and ("date-unquoted", 3, 9) in found
    assert code == 1


def test_the_readme_examples_do_what_they_say(tmp_path, capsys):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("### Choosing rules", 1)[1].split("\n### ", 1)[0]
    [yaml_block] = re.findall(r"```yaml\n(.*?)```", section, re.S)
    [toml_block] = re.findall(r"```toml\n(.*?)```", section, re.S)
    root = repo(tmp_path, yaml_block)
    assert lint(capsys, str(root), "--strict")[:2] == (0, [])
    bare = re.sub(r" *# evalledger: .*", "", yaml_block)
    assert rules_of(lint(capsys, str(repo(tmp_path, bare)))[1]) == ["legacy-dataset-field", "unknown-key"]
    (root / "pyproject.toml").write_text(toml_block)
    old = root / "legacy" / "old.yaml"
    old.parent.mkdir()
    old.write_text(bare)
    assert lint(capsys, str(old), "--kind", "results", "--strict")[:2] == (0, [])
    assert rules_of(lint(capsys, str(repo(tmp_path, bare)))[1]) == ["legacy-dataset-field", "unknown-key"]
