"""What the audit says, as a reader sees it: locations of entries that are gone, notes as written,
counts in words, author names without terminal escapes, and a hint when a leaderboard has no row
for the model audited."""

from __future__ import annotations

import json
import re

from evalledger.cli import main
from gitutil import GitRepo

TWO = """\
- dataset:
    id: openai/gsm8k
    task_id: gsm8k
  value: 70.0
  source:
    url: https://example.org/run
- dataset: {id: openai/gsm8k, task_id: gsm8k}
  notes: With  Tools, CoT
  value: 50.0
  source:
    url: https://example.org/tools
"""


def run(repo: GitRepo, *args: str, capsys) -> tuple[int, str, str]:
    code = main(["audit", str(repo.path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_deleted_entry_points_at_the_version_that_held_it(tmp_path, capsys):
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/gsm8k.yaml", TWO)
    repo.commit("add")
    repo.write(".eval_results/gsm8k.yaml", TWO.split("- dataset: {", maxsplit=1)[0])
    dropped = repo.commit("drop the tools entry")
    assert len((repo.path / ".eval_results/gsm8k.yaml").read_text().splitlines()) == 6
    code, out, _ = run(repo, "--format", "json", capsys=capsys)
    [found] = json.loads(out)["findings"]
    assert (found["rule"], found["path"], found["line"]) == ("entry-deleted", ".eval_results/gsm8k.yaml", 7)
    assert f"(line 7 of .eval_results/gsm8k.yaml as it was before {dropped[:10]})" in found["message"]


def test_notes_are_shown_as_written(tmp_path, capsys):
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/gsm8k.yaml", TWO)
    repo.commit("add")
    repo.write(".eval_results/gsm8k.yaml", TWO.replace("50.0", "58.0"))
    repo.commit("raise")
    code, out, _ = run(repo, "--format", "text", capsys=capsys)
    assert code == 1
    assert "openai/gsm8k · gsm8k (With Tools, CoT) improved 50.0 → 58.0" in out
    assert "with tools" not in out


def test_the_summary_counts_in_words(tmp_path, capsys):
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/gsm8k.yaml", TWO)
    repo.commit("add")
    repo.write(".eval_results/gsm8k.yaml", TWO.replace("70.0", "80.0").replace("50.0", "49.0"))
    repo.commit("edit both")
    code, _, err = run(repo, "--output", str(tmp_path / "report.txt"), capsys=capsys)
    assert code == 1
    assert "evalledger audit: 1 error, 2 warnings; report written to" in err


def test_author_names_reach_the_terminal_without_control_characters(tmp_path, capsys):
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/gsm8k.yaml", TWO)
    repo.commit("add", author="alice")
    repo.write(".eval_results/gsm8k.yaml", TWO.replace("70.0", "69.0").replace("/run", "/rerun"))
    hostile = "Mallory \x1b[8mhidden\x1b]0;owned title\x07 end"
    identity = {
        "GIT_AUTHOR_NAME": hostile,
        "GIT_AUTHOR_EMAIL": "m@example.com",
        "GIT_COMMITTER_NAME": "c",
        "GIT_COMMITTER_EMAIL": "c@example.com",
    }
    repo.git("commit", "-q", "-a", "-m", "rerun", env=identity)
    assert "\x1b" in repo.git("log", "-1", "--format=%an")
    for fmt in ("text", "github"):
        code, out, err = run(repo, "--format", fmt, capsys=capsys)
        assert "Mallory" in out, out
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", out + err), repr(out)


def test_a_leaderboard_without_a_row_for_the_model_says_what_to_pass(tmp_path, capsys):
    repo = GitRepo.init(tmp_path / "org" / "model")
    repo.write(".eval_results/gsm8k.yaml", TWO)
    published = repo.commit("add")
    board = tmp_path / "leaderboard.csv"
    board.write_text(f"model,benchmark,task,value,commit\norg/model,openai/gsm8k,gsm8k,70.0,{published}\n")
    repo.git("commit", "-q", "--amend", "-m", "rewritten")  # the published commit is gone
    code, out, err = run(repo, "--format", "json", "--leaderboard", str(board), capsys=capsys)
    assert (code, json.loads(out)["findings"]) == (0, [])
    assert "has no row for model 'model' (from the folder name; no origin remote)" in err
    assert "pass --model org/model" in err
    code, out, err = run(repo, "--format", "json", "--leaderboard", str(board), "--model", "org/model", capsys=capsys)
    assert code == 1 and [f["rule"] for f in json.loads(out)["findings"]] == ["published-commit-unreachable"]
    assert err == ""
