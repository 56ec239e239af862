"""aggregate's rule ids are in the catalogue: its own rules documented, its guards reusing lint's ids."""

from __future__ import annotations

import re

import pytest
import yaml

from evalledger.cli import main
from evalledger.finding import SEVERITIES
from evalledger.leaderboard.collect import _fallback_lint, collect
from evalledger.leaderboard.fetch import RefFiles, Snapshot
from evalledger.leaderboard.registry import RULES
from evalledger.leaderboard.sources import ModelSource
from evalledger.policy import parse_policy
from evalledger.rules import all_rules, render_markdown
from test_aggregate_support import POLICY, World, aggregate, entry


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_aggregate_rule_is_documented(rule_id):
    rule = RULES[rule_id]
    assert rule.id == rule_id and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.id)
    assert rule.severity in SEVERITIES and rule.command == "aggregate"
    assert rule.summary and "\n" not in rule.summary
    assert rule.doc.startswith("Flags ") and "Why it matters:" in rule.doc
    assert "Bad" in rule.doc and "Fixed" in rule.doc
    assert all_rules()[rule_id] is rule


def test_catalogue_lists_aggregate_rules(capsys):
    assert "## aggregate" in render_markdown(all_rules())
    assert main(["rules"]) == 0
    listed = {line.split()[0]: line.split()[1] for line in capsys.readouterr().out.splitlines()}
    assert {rule_id: listed[rule_id] for rule_id in RULES} == dict.fromkeys(RULES, "aggregate")


def test_selection_guards_report_lint_rule_ids():
    """With lint reduced to parsing, the guards still keep these entries off the board, and say why
    with ids the catalogue documents (not twins of lint's rules)."""
    text = (
        entry("alpha", "'71.2%'")
        + entry("alpha", ".nan", notes="n")
        + entry("gamma", 10.0)
        + entry("alpha", 150.0, notes="o")
        + entry("beta", 2.0)
    )
    snapshot = Snapshot(
        ModelSource(url="u", location="u", model="org/m"),
        (RefFiles("HEAD", "c" * 40, 1, False, ((".eval_results/r.yaml", text.encode()),)),),
    )
    policy, problems = parse_policy(yaml.safe_load(POLICY))
    assert not problems
    got = collect(
        snapshot, benchmark_id="acme/bench", task_ids=frozenset({"alpha", "beta"}), policy=policy, lint=_fallback_lint
    )
    rules = [r["rule"] for r in got.rejected]
    assert rules == ["value-not-number", "value-not-finite", "task-id-unknown", "value-out-of-bounds"]
    catalogue = all_rules()
    assert all(catalogue[rule].command == "lint" for rule in rules)
    assert [r.extra.get("ineligible") for r in got.records] == rules + [None]


def test_ids_in_a_real_run_are_all_in_the_catalogue(tmp_path, capsys):
    world = World(tmp_path)
    world.model(
        "bad",
        {
            ".eval_results/broken.yaml": "- dataset: {id: acme/bench\n",
            ".eval_results/r.yaml": entry("alpha", 150.0) + entry("gamma", 1.0),
        },
    )
    world.registry(
        [f"{world.url('bad')} - org/bad", f"{world.url('bad')} - org/bad", f"{tmp_path / 'gone'} - org/gone"]
    )
    code, _ = aggregate(world, "--format", "text", capsys=None)
    out = capsys.readouterr().out
    assert code == 0
    emitted = set(re.findall(r": (?:warning|error|ineligible) ([a-z0-9-]+) ", out))
    assert emitted == {
        "registry-duplicate",
        "model-repo-unreachable",
        "yaml-syntax",
        "task-id-unknown",
        "value-out-of-bounds",
    }
    assert emitted <= set(all_rules()), emitted - set(all_rules())
