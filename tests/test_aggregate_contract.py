"""The contract between `evalledger aggregate --format json` and the Action: one definition.

``evalledger.leaderboard.result`` defines the document; the CLI prints it and the Action reads it
back with ``AggregateResult.from_json``. A real run that fills every part of the document pins
the key names (public: workflows read them) and, by reading the output back and printing it
again byte for byte, that every value has the type the dataclasses declare.
"""

from __future__ import annotations

import io
import json
import shutil

import pytest

from evalledger import report
from evalledger.leaderboard.result import ABSENT, AggregateResult, Generated, Rejected
from evalledger.report import REPORTER_BY_NAME, Report, render
from test_aggregate_support import World, aggregate, entry

KEYS = [
    "changed",
    "committed",
    "pushed",
    "commit",
    "push_attempts",
    "error",
    "benchmark",
    "rows",
    "candidates",
    "conflicts",
    "sources",
    "fetched",
    "unreachable",
    "stale",
    "lint_rejected",
    "rejected",
    "files",
    "written",
    "changes",
    "top",
    "flags",
    "warnings",
]
ROW = ["benchmark", "task", "setup", "model", "rank", "value"]
ITEM_KEYS = {
    "unreachable": ["model", "url", "ref", "where", "message", "kept"],
    "stale": ["benchmark", "task", "setup", "model", "model_repo", "ref", "commit", "rank", "value"],
    "rejected": ["model", "model_repo", "ref", "file", "line", "rule", "message"],
    "top": [
        "benchmark",
        "task",
        "setup",
        "rank",
        "model",
        "value",
        "verified",
        "community",
        "conflict",
        "stale",
        "flags",
    ],
    "warnings": ["path", "line", "rule", "message"],
}
CHANGE_KEYS = {
    "new": ROW,
    "removed": ROW,
    "moved": ROW + ["old_rank"],
    "value_changed": ROW + ["old_value"],
    "new_conflicts": ["benchmark", "task", "setup", "model", "values"],
}


def _second_run(tmp_path, capsys, *args: str) -> tuple[int, str]:
    """Two runs over the same world; the second one's stdout, where every list of the document
    has items: unreachable repos (one kept stale), rejected files and entries, each kind of
    change, a new conflict, flagged top rows and a registry warning."""
    world = World(tmp_path)
    world.model("a", {".eval_results/r.yaml": entry("alpha", 70.0) + entry("beta", 3.0)})
    world.model("b", {".eval_results/r.yaml": entry("alpha", 60.0)})
    world.model(
        "c",
        {
            ".eval_results/bad.yaml": "- [unclosed\n",
            ".eval_results/r.yaml": entry("beta", '"74%"') + entry("alpha", 55.0),
        },
    )
    world.model("gone", {".eval_results/r.yaml": entry("alpha", 50.0)})
    world.model("e1", {".eval_results/r.yaml": entry("alpha", 85.0)})
    world.model("e2", {".eval_results/r.yaml": entry("alpha", 86.0)})
    nope = (tmp_path / "models" / "nope.git").as_uri()
    world.registry(
        [
            f"{world.url('a')} - org/a",
            f"{world.url('b')} - org/b",
            f"{world.url('c')} - org/c",
            f"{world.url('gone')} - org/gone",
            f"{world.url('a')} - org/a",
            f"{nope} - org/nope",
        ]
    )
    code, _ = aggregate(world, "--commit", "--push", capsys=capsys)
    assert code == 0, world.stderr
    world.model("a", {".eval_results/r.yaml": entry("alpha", 89.0)}, message="bump")  # raised, beta removed
    world.model("b", {".eval_results/r.yaml": entry("alpha", 80.0)})
    shutil.rmtree(tmp_path / "models" / "gone.git")
    world.registry(
        [
            f"{world.url('a')} - org/a",
            f"{world.url('b')} - org/b",
            f"{world.url('c')} - org/c",
            f"{world.url('gone')} - org/gone",
            f"{world.url('a')} - org/a",
            f"{nope} - org/nope",
            f"{world.url('e1')} - org/e",
            f"{world.url('e2')} - org/e",
        ]
    )
    code, _ = aggregate(world, "--audit", "--commit", "--push", *args)
    return code, capsys.readouterr().out


def test_the_json_document_has_the_public_keys_and_reads_back_byte_for_byte(tmp_path, capsys):
    code, out = _second_run(tmp_path, capsys)
    assert code == 0
    doc = json.loads(out)
    assert list(doc) == KEYS
    for key, names in ITEM_KEYS.items():
        assert doc[key], f"the scenario leaves {key} empty"
        for item in doc[key]:
            assert list(item) == names + (["task"] if key == "rejected" and "task" in item else []), key
    assert {"task" in r for r in doc["rejected"]} == {True, False}  # a whole file and one entry
    assert list(doc["lint_rejected"]) == ["files", "entries"]
    assert list(doc["changes"]) == ["first_run", *CHANGE_KEYS]
    for key, names in CHANGE_KEYS.items():
        assert doc["changes"][key], f"the scenario has no {key}"
        assert all(list(item) == names for item in doc["changes"][key]), key
    assert any(row["flags"] for row in doc["top"]) and any(row["stale"] for row in doc["top"])
    assert doc["committed"] and doc["pushed"] and isinstance(doc["flags"], int)
    # every value has the type its field declares: a mistyped one would read back as its default
    result = AggregateResult.from_json(doc)
    assert json.dumps(result.to_json(), indent=2) + "\n" == out
    board = result.generated
    assert board.unreachable[0].kept == 1 and board.stale[0].model == "org/gone"
    assert board.changes.moved[0].old_rank is not ABSENT and board.changes.new[0].old_rank is ABSENT


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_text_and_github_print_the_same_result(tmp_path, capsys, fmt):
    code, out = _second_run(tmp_path, capsys, "--format", fmt)
    assert code == 0
    lines = out.splitlines()
    assert lines[-3] == (
        "leaderboard: 5 rows, 7 candidates, 1 conflicts from 5/7 model repos; 1 new, 3 moved, "
        "1 removed, 1 new conflicts, 1 stale"
    )
    assert lines[-2].startswith("wrote ") and lines[-1].startswith("committed ") and lines[-1].endswith(" and pushed")
    assert sum("registry-duplicate" in line for line in lines) == 1
    assert sum("model-repo-unreachable" in line for line in lines) == 2
    assert sum(("ineligible " if fmt == "text" else "result rejected (") in line for line in lines) == 2


def test_a_run_that_failed_before_generating_prints_every_generated_key_as_null():
    result = AggregateResult(None, push_attempts=1, error="git failed: boom")
    doc = result.to_json()
    assert list(doc) == KEYS
    assert doc["error"] == "git failed: boom" and doc["push_attempts"] == 1 and doc["committed"] is False
    assert all(
        doc[key] is None for key in KEYS if key not in ("committed", "pushed", "commit", "push_attempts", "error")
    )
    again = AggregateResult.from_json(json.loads(json.dumps(doc)))
    assert again == result and again.board.rows == 0 and again.board.changes.new == ()


def test_reading_a_partial_or_mistyped_document_gives_defaults():
    result = AggregateResult.from_json(
        {
            "rows": "3",
            "conflicts": True,
            "sources": 2,
            "files": ["a", 7],
            "unreachable": [{"model": "m", "kept": 2}, "junk"],
            "changes": {"moved": [{"model": "m", "rank": 1, "old_rank": None}]},
            "top": [{"value": 70, "flags": ["value-raised", 3]}],
        }
    )
    board = result.generated
    assert (board.rows, board.conflicts, board.sources, board.files) == (0, 0, 2, ("a",))
    assert [(u.model, u.url, u.ref, u.kept) for u in board.unreachable] == [("m", "", None, 2)]
    [moved] = board.changes.moved
    assert (moved.rank, moved.value, moved.old_rank, moved.old_value) == (1, None, None, ABSENT)
    assert board.top[0].value == 70 and board.top[0].flags == ("value-raised",)
    assert AggregateResult.from_json([1, 2]) == AggregateResult(None)
    assert Rejected.from_json({"model": "m"}).to_json() == {
        "model": "m",
        "model_repo": "",
        "ref": "",
        "file": "",
        "line": 0,
        "rule": "",
        "message": "",
    }
    assert list(Generated.from_json({}).to_json()) == [
        k for k in KEYS if k not in ("committed", "pushed", "commit", "push_attempts", "error")
    ]


def test_every_format_has_a_reporter_and_refuses_what_it_cannot_print():
    assert report.FORMATS == ("text", "json", "github", "sarif", "markdown")
    for name in REPORTER_BY_NAME:
        assert report.reporter(name).name == name
    empty = AggregateResult(None)
    for fmt in ("sarif", "markdown"):
        with pytest.raises(ValueError, match=f"format '{fmt}' cannot print an aggregate result"):
            render(empty, fmt, io.StringIO())
    with pytest.raises(ValueError, match="unknown format 'yaml'"):
        render(Report("lint", []), "yaml", io.StringIO())
    out = io.StringIO()
    render(Report("lint", [], files=2), "json", out)
    assert json.loads(out.getvalue()) == {"problems": [], "files": 2}
