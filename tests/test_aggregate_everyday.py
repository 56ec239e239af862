"""Everyday aggregate use: a typo'd benchmark id, a run that would empty the board, a declared unit
enforced the same way as lint, progress on long runs."""
from __future__ import annotations

import json
import re

import yaml

from evalledger.cli import main
from evalledger.leaderboard.collect import _fallback_lint, collect
from evalledger.leaderboard.fetch import RefFiles, Snapshot
from evalledger.leaderboard.sources import ModelSource
from evalledger.policy import parse_policy
from evalledger.rules import all_rules

from test_aggregate_support import POLICY, World, aggregate, entry, read_csv, rows_by_model


# -- a declared unit is enforced (value-unit-mismatch: one id, one severity, one behaviour) ----------

def test_a_fraction_on_a_percent_task_is_ineligible_not_ranked(tmp_path, capsys):
    world = World(tmp_path)  # POLICY: alpha is scored in percent, beta in points
    world.model("a", {".eval_results/r.yaml": entry("alpha", 60.25)})
    world.model("b", {".eval_results/r.yaml": entry("alpha", 0.58)})
    world.registry([f"{world.url('a')} - org/a", f"{world.url('b')} - org/b"])
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0, doc
    board = rows_by_model(world.bench.path / "leaderboard/leaderboard.csv")
    assert list(board) == ["org/a"] and board["org/a"]["rank"] == "1"
    candidates = rows_by_model(world.bench.path / "leaderboard/candidates.csv")
    assert candidates["org/b"]["eligible"] == "false" and candidates["org/b"]["value"] == "0.58"
    assert candidates["org/b"]["selection_reason"] == "ineligible:value-unit-mismatch"
    [rejected] = doc["rejected"]
    assert rejected["rule"] == "value-unit-mismatch" and rejected["model"] == "org/b"
    assert "0.58 looks like a fraction" in rejected["message"] and "write 58" in rejected["message"]
    assert doc["lint_rejected"] == {"files": 0, "entries": 1}


def test_lint_and_aggregate_agree_on_the_unit_rule(tmp_path, capsys):
    """The catalogue's severity is the one lint reports, and an error is what keeps aggregate's row
    off the board; the selection guard holds even when lint is reduced to parsing."""
    assert all_rules()["value-unit-mismatch"].severity == "error"
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "eval.yaml").write_text("name: Bench\nevaluation_framework: inspect-ai\ntasks:\n"
                                     "  - {id: alpha, config: default, split: test}\n")
    (bench / ".evalledger.yaml").write_text("tasks:\n  alpha: {unit: fraction}\n")
    results = tmp_path / "model/.eval_results"
    results.mkdir(parents=True)
    (results / "r.yaml").write_text(entry("alpha", 71.0, bench="acme/bench"))
    code = main(["lint", "--format", "json", "--benchmark", f"acme/bench={bench / 'eval.yaml'}",
                 str(tmp_path / "model")])
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert code == 1
    assert [(p["rule"], p["severity"]) for p in problems] == [("value-unit-mismatch", "error")]
    policy, problems = parse_policy(yaml.safe_load(POLICY))
    assert not problems
    text = entry("alpha", 0.58) + entry("alpha", 0.0, notes="zero") + entry("beta", 0.5)
    snapshot = Snapshot(ModelSource(url="u", location="u", model="org/m"),
                        (RefFiles("HEAD", "c" * 40, 1, False, ((".eval_results/r.yaml", text.encode()),)),))
    got = collect(snapshot, benchmark_id="acme/bench", task_ids=frozenset({"alpha", "beta"}), policy=policy,
                  lint=_fallback_lint)
    # 0.0 is a valid percent (and fraction); beta is declared in points, where 0.5 is fine
    assert [r.extra.get("ineligible") for r in got.records] == ["value-unit-mismatch", None, None]
