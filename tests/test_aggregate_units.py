"""Pieces of aggregate without git: registry parsing, the selection policy, the dataset card."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from evalledger.leaderboard import write
from evalledger.leaderboard.select import CandidateTable, select
from evalledger.leaderboard.sources import load_registry, model_id_from_url
from evalledger.policy import BenchmarkPolicy, TaskPolicy


def test_registry_lines_refs_ids_and_errors(tmp_path):
    (tmp_path / "models").mkdir()
    registry = tmp_path / "models.txt"
    registry.write_text(
        "# model repos\n"
        "https://huggingface.co/MiniMaxAI/MiniMax-M2.5\n"
        "git@github.com:org/model.git  v1.2  org/model   # pinned tag\n"
        "models/local - acme/local\n"
        "\n"
        "https://huggingface.co/MiniMaxAI/MiniMax-M2.5\n"
        "https://x.org/a --upload-pack=evil\n"
        "ftp://x.org/a\n"
    )
    sources, findings = load_registry(registry)
    assert [(s.model, s.ref) for s in sources] == [
        ("MiniMaxAI/MiniMax-M2.5", None),
        ("org/model", "v1.2"),
        ("acme/local", None),
        ("MiniMaxAI/MiniMax-M2.5", None),
    ]
    assert sources[2].location == str((tmp_path / "models/local").resolve())
    assert sources[2].url == "models/local"  # written as given: output must not depend on the checkout
    got = [(f.line, f.rule, f.severity) for f in sorted(findings)]
    assert got == [
        (6, "registry-duplicate", "warning"),
        (7, "registry-invalid", "error"),
        (8, "registry-invalid", "error"),
    ]


def test_yaml_registry_positions(tmp_path):
    registry = tmp_path / "models.yaml"
    registry.write_text(
        "- url: https://huggingface.co/a/b\n  ref: main\n- {url: https://h.co/c/d, model: x/y}\n"
        "- {path: 3}\n- {url: https://h.co/e/f, colour: red}\n"
    )
    sources, findings = load_registry(registry)
    assert [(s.model, s.ref) for s in sources] == [("a/b", "main"), ("x/y", None), ("3", None)]
    assert [(f.line, f.rule) for f in findings] == [(5, "registry-invalid")]


def test_registry_size_limits_are_the_documented_ones_and_say_nothing_of_lints_option(tmp_path):
    """A YAML registry is bounded like lint's YAML files (2 MiB), a text registry at 16 MiB (the
    README's figures), both refused from their size as registry-invalid: a YAML one between the two
    was a file-too-large finding telling the user to set --max-file-size, which aggregate lacks."""
    from evalledger.leaderboard.sources import MAX_REGISTRY_BYTES
    from evalledger.yamlsource import DEFAULT_LIMITS

    line = "- https://huggingface.co/a/b\n"
    for name, limit in (("models.yaml", DEFAULT_LIMITS.max_bytes), ("models.txt", MAX_REGISTRY_BYTES)):
        registry = tmp_path / name
        registry.write_text(line)
        with open(registry, "ab") as padding:  # sparse: zeros past the entry, never read
            padding.truncate(limit + 1)
        sources, findings = load_registry(registry)
        assert sources == []
        assert [(f.line, f.rule, f.message) for f in findings] == [
            (1, "registry-invalid", f"file is {limit + 1:,} bytes, over the {limit:,} byte limit for a model registry")
        ]
    registry = tmp_path / "models.txt"  # a text registry over 2 MiB is read
    registry.write_text("# padding\n" * (DEFAULT_LIMITS.max_bytes // 10 + 1) + "https://huggingface.co/a/b\n")
    assert [s.model for s in load_registry(registry)[0]] == ["a/b"]


def test_model_ids_from_urls():
    assert model_id_from_url("https://huggingface.co/org/name") == "org/name"
    assert model_id_from_url("https://github.com/org/name.git") == "org/name"
    assert model_id_from_url("git@github.com:org/name.git") == "org/name"
    assert model_id_from_url("file:///srv/models/org/name.git") == "org/name"


def _table(rows):
    table = CandidateTable()
    for i, row in enumerate(rows):
        base = dict(
            model="m",
            benchmark="b",
            task="t",
            setup="",
            value=1.0,
            commit=f"{i:040x}",
            commit_time=100,
            repo="r",
            ref="HEAD",
            file="f.yaml",
            line=1,
            entry=0,
        )
        base.update(row)
        table.add(**base)
    return table


def test_policy_order_and_never_the_maximum():
    table = _table(
        [
            dict(value=90.0, commit_time=100),  # older, higher
            dict(value=80.0, commit_time=200),  # newer, lower: wins on recency
            dict(value=99.0, commit_time=300, community=True),  # open PR: never displaces merged
            dict(value=95.0, commit_time=400, ineligible="value-out-of-bounds"),
        ]
    )
    selection = select(table)
    assert selection.rows == [1]
    # the winner is labelled with the closest call: it beat the runner-up (older, merged) on recency
    assert selection.reason == ["lost:newest", "newest", "lost:merged", "ineligible:value-out-of-bounds"]
    assert selection.conflicts == 1 and selection.count[0] == 4
    verified = _table([dict(value=50.0, commit_time=500), dict(value=40.0, commit_time=1, verified=True)])
    assert select(verified).rows == [1] and select(verified).reason[1] == "verified"


def test_ties_are_broken_by_content_not_input_order():
    rows = [dict(value=1.0, commit="b" * 40), dict(value=2.0, commit="a" * 40)]
    forward, backward = select(_table(rows)), select(_table(rows[::-1]))
    assert forward.table.value[forward.rows[0]] == backward.table.value[backward.rows[0]] == 2.0
    assert forward.reason[forward.rows[0]] == "tie-break-commit"


def test_ranks_follow_the_task_direction_with_shared_places():
    rows = [dict(model=name, value=value) for name, value in (("a", 3.0), ("b", 1.0), ("c", 3.0), ("d", 5.0))]
    higher = select(_table(rows))
    lower = select(_table(rows), BenchmarkPolicy(tasks={"t": TaskPolicy(direction="lower")}))
    by_model = lambda s: {s.table.model[r]: s.rank[r] for r in s.rows}  # noqa: E731
    assert by_model(higher) == {"d": 1, "a": 2, "c": 2, "b": 4}
    assert by_model(lower) == {"b": 1, "a": 2, "c": 2, "d": 4}


def _tables():
    return write.build_tables(
        select(_table([dict(model="org/a", value=0.5), dict(model="org/b", value=0.7)])), directions={"t": "higher"}
    )


def test_card_keeps_the_maintainers_card_and_front_matter():
    existing = (
        "---\nlicense: mit\nconfigs:\n- config_name: default\n  data_files: data/*.parquet\n"
        "- config_name: leaderboard_old\n  data_files: old.csv\n---\n# My benchmark\n\nHand-written.\n"
    )
    output = write.render(
        _tables(),
        output_dir="leaderboard",
        fmt="csv",
        card_path="README.md",
        card_text=existing,
        summary={"sources": 2, "conflicts": 0},
    )
    card = output.files["README.md"].decode()
    front = yaml.safe_load(card.split("---\n")[1])
    assert front["license"] == "mit"
    names = [c["config_name"] for c in front["configs"]]
    assert names == ["default", "leaderboard", "leaderboard_candidates"]
    for config in front["configs"][1:]:
        assert all(re.fullmatch(r"\w+(\.\w+)*", f["split"]) for f in config["data_files"])
    assert front["configs"][1]["data_files"][0]["path"] == "leaderboard/leaderboard.csv"
    assert "# My benchmark\n\nHand-written.\n" in card and "| 1 | org/b | 0.7 |" in card
    again = write.render(
        _tables(),
        output_dir="leaderboard",
        fmt="csv",
        card_path="README.md",
        card_text=card,
        summary={"sources": 2, "conflicts": 0},
    )
    assert again.files["README.md"].decode() == card  # stable: a second run changes nothing


def test_card_in_a_subfolder_points_at_relative_paths():
    output = write.render(
        _tables(), output_dir="lb/data", fmt="csv", card_path="lb/README.md", card_text=None, summary={}
    )
    front = yaml.safe_load(output.files["lb/README.md"].decode().split("---\n")[1])
    assert front["configs"][0]["data_files"][0]["path"] == "data/leaderboard.csv"


def test_parquet_tables_are_typed_and_deterministic(tmp_path):
    import pyarrow.parquet as pq

    first = write.render(_tables(), output_dir="", fmt="parquet", card_path=None, card_text=None, summary={})
    second = write.render(_tables(), output_dir="", fmt="parquet", card_path=None, card_text=None, summary={})
    assert first.files == second.files
    path = tmp_path / "leaderboard.parquet"
    path.write_bytes(first.files["leaderboard.parquet"])
    table = pq.read_table(path)
    assert str(table.schema.field("value").type) == "double" and str(table.schema.field("rank").type) == "int64"
    assert table.column("model").to_pylist() == ["org/b", "org/a"]
    assert write.read_table(Path(path))[0]["rank"] == "1"


def test_csv_cells_are_canonical():
    data = write.csv_bytes(_tables().leaderboard, write.LEADERBOARD_COLUMNS).decode().splitlines()
    assert data[0].startswith("benchmark,task,setup,rank,model,value,verified")
    assert data[1].split(",")[:8] == ["b", "t", "", "1", "org/b", "0.7", "false", "false"]


def test_push_failures_are_classified_by_what_git_says():
    from evalledger.leaderboard.publish import classify

    # a lost race on the ref lock names object ids; digits inside them are not an HTTP status
    race = (
        "remote: error: cannot lock ref 'refs/heads/main': is at 9b403e1c7a2f but expected 5d1e6a0b\n"
        "!\tHEAD:refs/heads/main\t[remote rejected] (failed to update ref)\nDone\n"
    )
    assert classify(race) == "race"
    assert classify("! [rejected]        HEAD -> main (fetch first)") == "race"
    assert (
        classify(
            "remote: Permission to org/bench.git denied to github-actions[bot].\n"
            "fatal: unable to access 'https://github.com/org/bench/': "
            "The requested URL returned error: 403"
        )
        == "permission"
    )
    assert classify("fatal: ... returned error: 403") == "permission"
    assert classify("! [remote rejected] main -> main (protected branch hook declined)") == "permission"
    assert classify("fatal: repository 'file:///gone.git' does not exist") == "other"


def test_one_row_type_holds_the_leaderboard_columns_with_flags_last():
    """One definition of a leaderboard row (issue 9): the columns are its fields; `flags`, last, is a
    column of an --audit run only, and the writer leaves it out otherwise."""
    assert not hasattr(write, "FlaggedLeaderboardRow")
    assert write.LeaderboardRow._fields == write.LEADERBOARD_COLUMNS + ("flags",) == write.AUDITED_COLUMNS
    assert write.CandidateRow._fields == write.CANDIDATE_COLUMNS
    selection = select(_table([dict(model="org/a", value=0.5), dict(model="org/b", value=0.7)]))
    plain = write.build_tables(selection)
    audited = write.build_tables(selection, flags=[], flagged={("org/a", "b", "t", ""): ["score-raised"]})
    assert [row.flags for row in plain.leaderboard] == [None, None]
    assert [row.flags for row in audited.leaderboard] == ["", "score-raised"]
    for tables, columns in ((plain, write.LEADERBOARD_COLUMNS), (audited, write.AUDITED_COLUMNS)):
        files = write.render(tables, output_dir="", fmt="csv", card_path=None, card_text=None, summary={}).files
        lines = files["leaderboard.csv"].decode().splitlines()
        assert lines[0] == ",".join(columns)
        assert all(line.count(",") == len(columns) - 1 for line in lines)  # no cell past the header
    assert files["leaderboard.csv"].decode().splitlines()[2].endswith(",false,score-raised")
