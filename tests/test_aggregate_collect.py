"""evalledger aggregate over real git: selection, conflicts, PR refs, unreachable and failing repos."""

from __future__ import annotations

from test_aggregate_support import World, aggregate, entry, read_csv, rows_by_model


def test_newest_lower_score_replaces_older_higher_and_the_conflict_is_kept(tmp_path, capsys):
    world = World(tmp_path)
    # the same model published by two repos: the newer commit wins even though its score is lower
    world.model("old", {".eval_results/bench.yaml": entry("alpha", 91.0)}, when=1_767_300_000)
    world.model("new", {".eval_results/bench.yaml": entry("alpha", 84.5)}, when=1_767_400_000)
    world.model("other", {".eval_results/bench.yaml": entry("alpha", 88.0) + entry("beta", 3.5)})
    world.registry([f"{world.url('old')} - org/m", f"{world.url('new')} - org/m", f"{world.url('other')} - org/other"])
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0, doc
    board = rows_by_model(world.bench.path / "leaderboard/leaderboard.csv", "alpha")
    assert board["org/m"]["value"] == "84.5"
    assert board["org/m"]["selection_reason"] == "newest"
    assert board["org/m"]["candidates"] == "2" and board["org/m"]["conflict"] == "true"
    assert board["org/m"]["rank"] == "2" and board["org/other"]["rank"] == "1"
    assert board["org/m"]["model_repo"] == world.url("new")
    assert len(board["org/m"]["commit"]) == 40 and board["org/m"]["file"] == ".eval_results/bench.yaml"
    losers = [r for r in read_csv(world.bench.path / "leaderboard/candidates.csv") if r["selected"] == "false"]
    assert [(r["model"], r["value"], r["selection_reason"]) for r in losers] == [("org/m", "91.0", "lost:newest")]
    assert doc["conflicts"] == 1 and doc["rows"] == 3 and doc["candidates"] == 4
    assert doc["changes"]["new_conflicts"] == [
        {"benchmark": "acme/bench", "task": "alpha", "setup": "", "model": "org/m", "values": [84.5, 91.0]}
    ]


def test_verified_beats_newer_unverified_and_lower_is_better_ranks(tmp_path, capsys):
    world = World(tmp_path)
    world.model("a", {".eval_results/x.yaml": entry("beta", 5.0, token="tok.en.sig")}, when=1_767_300_000)
    world.model("b", {".eval_results/x.yaml": entry("beta", 2.0)}, when=1_767_500_000)
    world.model("c", {".eval_results/x.yaml": entry("beta", 1.0) + entry("beta", 1.0, notes="With Tools")})
    world.registry([f"{world.url('a')} - org/a", f"{world.url('b')} - org/a", f"{world.url('c')} - org/c"])
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0
    rows = read_csv(world.bench.path / "leaderboard/leaderboard.csv")
    plain = {r["model"]: r for r in rows if r["setup"] == ""}
    assert plain["org/a"]["value"] == "5.0" and plain["org/a"]["verified"] == "true"
    assert plain["org/a"]["selection_reason"] == "verified"
    # beta: lower is better (policy), so 1.0 ranks above 5.0
    assert plain["org/c"]["rank"] == "1" and plain["org/a"]["rank"] == "2"
    tools = [r for r in rows if r["setup"] == "with tools"]
    assert [(r["model"], r["rank"]) for r in tools] == [("org/c", "1")]


def test_pull_request_refs_are_community_rows_and_never_displace_merged(tmp_path, capsys):
    world = World(tmp_path)
    world.model("m", {".eval_results/r.yaml": entry("alpha", 70.0)})
    world.pull_request("m", 1, {".eval_results/r.yaml": entry("alpha", 99.0) + entry("beta", 4.0)})
    world.pull_request("m", 7, {".eval_results/extra.yaml": entry("alpha", 75.0, notes="cot")}, hf=True)
    world.registry([f"{world.url('m')} - org/m"])
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0 and doc["candidates"] == 1  # without the flag, PR refs are not read
    code, doc = aggregate(world, "--include-pull-requests", capsys=capsys)
    assert code == 0, doc
    rows = read_csv(world.bench.path / "leaderboard/leaderboard.csv")
    got = {(r["task"], r["setup"]): (r["value"], r["community"], r["ref"], r["selection_reason"]) for r in rows}
    assert got[("alpha", "")] == ("70.0", "false", "HEAD", "merged")
    assert got[("beta", "")] == ("4.0", "true", "refs/pull/1/head", "only-candidate")
    assert got[("alpha", "cot")] == ("75.0", "true", "refs/pr/7", "only-candidate")
    pr_loser = [r for r in read_csv(world.bench.path / "leaderboard/candidates.csv") if r["value"] == "99.0"]
    assert pr_loser[0]["selection_reason"] == "lost:merged" and pr_loser[0]["community"] == "true"
    assert doc["conflicts"] == 1


def test_unreachable_repo_is_reported_and_the_others_still_aggregate(tmp_path, capsys):
    world = World(tmp_path)
    world.model("ok", {".eval_results/r.yaml": entry("alpha", 60.0)})
    world.registry(
        [
            f"{world.url('ok')} - org/ok",
            f"{tmp_path / 'missing'} - org/gone",
            f"{world.url('ok')} no-such-branch org/badref",
        ]
    )
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0
    assert doc["rows"] == 1 and doc["fetched"] == 1 and doc["sources"] == 3
    assert sorted(u["model"] for u in doc["unreachable"]) == ["org/badref", "org/gone"]
    assert all(u["message"] for u in doc["unreachable"])
    code, _ = aggregate(world, "--strict", capsys=capsys)
    assert code == 1


def test_results_failing_lint_never_reach_the_board(tmp_path, capsys):
    world = World(tmp_path)
    world.model(
        "bad",
        {
            ".eval_results/broken.yaml": "- dataset: {id: acme/bench, task_id: alpha\n  value: 50\n",
            ".eval_results/r.yaml": entry("alpha", 150.0) + entry("gamma", 10.0) + entry("beta", 2.0),
        },
    )
    world.registry([f"{world.url('bad')} - org/bad"])
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0, doc
    board = read_csv(world.bench.path / "leaderboard/leaderboard.csv")
    assert [(r["task"], r["value"]) for r in board] == [("beta", "2.0")]
    candidates = {r["task"]: r for r in read_csv(world.bench.path / "leaderboard/candidates.csv")}
    assert candidates["alpha"]["eligible"] == "false"
    assert candidates["alpha"]["selection_reason"].startswith("ineligible:")
    assert candidates["gamma"]["selection_reason"].startswith("ineligible:")
    assert doc["lint_rejected"] == {"files": 1, "entries": 2}
    broken = [r for r in doc["rejected"] if r["file"] == ".eval_results/broken.yaml"]
    assert broken and broken[0]["rule"].startswith("yaml")


def test_models_dir_submissions(tmp_path, capsys):
    world = World(tmp_path)
    world.bench.write("submissions/org-a/.eval_results/r.yaml", entry("alpha", 55.0))
    world.bench.write("submissions/org/b/.eval_results/r.yaml", entry("alpha", 65.0))
    world.bench.commit("submissions")
    code, doc = main_dir(world, capsys)
    assert code == 0, doc
    board = rows_by_model(world.bench.path / "leaderboard/leaderboard.csv")
    assert board["org/b"]["rank"] == "1" and board["org-a"]["rank"] == "2"
    assert board["org/b"]["model_repo"] == "submissions/org/b"
    assert board["org/b"]["commit"] == world.bench.head()


def test_models_dir_symlinks_never_lead_out_of_the_repo(tmp_path, capsys):
    import os

    world = World(tmp_path)
    outside = tmp_path / "elsewhere"
    for name in ("evil", "org/evil", "results-only"):
        (outside / name / ".eval_results").mkdir(parents=True)
        (outside / name / ".eval_results" / "r.yaml").write_text(entry("alpha", 99.9))
    (outside / "loose").mkdir()
    (outside / "loose" / "r.yaml").write_text(entry("alpha", 98.8))
    world.bench.write("submissions/good/.eval_results/r.yaml", entry("alpha", 55.0))
    world.bench.write("data/inside/.eval_results/r.yaml", entry("alpha", 60.0))
    subs = world.bench.path / "submissions"
    os.symlink(outside / "evil", subs / "evil")  # a submission folder leading out
    (subs / "org").mkdir()
    os.symlink(outside / "org" / "evil", subs / "org" / "evil")  # one level down
    (subs / "linked").mkdir()
    os.symlink(outside / "results-only" / ".eval_results", subs / "linked" / ".eval_results")
    os.symlink(outside / "loose", subs / "good" / ".eval_results" / "more")  # inside .eval_results
    os.symlink("../data/inside", subs / "moved")  # stays in the repo: followed
    world.bench.commit("submissions")
    code, doc = main_dir(world, capsys)
    assert code == 0, doc
    board = rows_by_model(world.bench.path / "leaderboard/leaderboard.csv")
    assert {model: row["value"] for model, row in board.items()} == {"good": "55.0", "moved": "60.0"}
    bench = world.bench.path.as_posix()
    assert sorted((w["path"].replace(bench + "/", ""), w["rule"]) for w in doc["warnings"]) == [
        ("submissions/evil", "symlink-outside-repo"),
        ("submissions/linked/.eval_results", "symlink-outside-repo"),
        ("submissions/org/evil", "symlink-outside-repo"),
    ]
    assert all("not read" in w["message"] for w in doc["warnings"])

    # the --models-dir folder itself a link out of the repo: reported, nothing read from it
    os.symlink(outside, world.bench.path / "linked-subs")
    import json

    from evalledger.cli import main

    code = main(
        [
            "aggregate",
            "--repo",
            str(world.bench.path),
            "--models-dir",
            str(world.bench.path / "linked-subs"),
            "--benchmark-id",
            "acme/bench",
            "--format",
            "json",
            "--cache-dir",
            str(world.tmp / "cache"),
            "--allow-removal",
        ]
    )
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert code == 0 and doc["rows"] == 0 and doc["sources"] == 0, captured.err
    assert [w["rule"] for w in doc["warnings"]] == ["symlink-outside-repo"]


def main_dir(world: World, capsys):
    import json

    from evalledger.cli import main

    code = main(
        [
            "aggregate",
            "--repo",
            str(world.bench.path),
            "--models-dir",
            str(world.bench.path / "submissions"),
            "--benchmark-id",
            "acme/bench",
            "--format",
            "json",
            "--cache-dir",
            str(world.tmp / "cache"),
        ]
    )
    return code, json.loads(capsys.readouterr().out)


def test_bad_registry_line_stops_before_anything_is_written(tmp_path, capsys):
    world = World(tmp_path)
    world.registry(["# models", "https://example.com/a b c d", "ext::sh -c evil"])
    code, _ = aggregate(world, capsys=capsys)
    err = world.stderr
    assert code == 2
    assert "models.txt:2:1: error registry-invalid" in err and "models.txt:3:1" in err
    assert not (world.bench.path / "leaderboard").exists()


def test_yaml_registry(tmp_path, capsys):
    world = World(tmp_path)
    world.model("y", {".eval_results/r.yaml": entry("alpha", 42.0)})
    (world.bench.path / "models.yaml").write_text(f"- url: {world.url('y')}\n  model: org/y\n  ref: main\n")
    import json

    from evalledger.cli import main

    code = main(
        [
            "aggregate",
            "--repo",
            str(world.bench.path),
            "--models",
            str(world.bench.path / "models.yaml"),
            "--benchmark-id",
            "acme/bench",
            "--format",
            "json",
            "--cache-dir",
            str(tmp_path / "c"),
        ]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["top"][0]["model"] == "org/y" and doc["top"][0]["value"] == 42.0
    assert read_csv(world.bench.path / "leaderboard/leaderboard.csv")[0]["ref"] == "main"


def test_audit_marks_rows_whose_history_has_findings(tmp_path, capsys):
    world = World(tmp_path)
    world.model("clean", {".eval_results/r.yaml": entry("alpha", 60.0)})
    world.model("edited", {".eval_results/r.yaml": entry("alpha", 61.0, token="tok.en.sig")})
    world.model("edited", {".eval_results/r.yaml": entry("alpha", 79.0)}, message="bump")
    world.registry([f"{world.url('clean')} - org/clean", f"{world.url('edited')} - org/edited"])
    code, doc = aggregate(world, "--audit", capsys=capsys)
    assert code == 0, doc
    board = rows_by_model(world.bench.path / "leaderboard/leaderboard.csv")
    assert board["org/clean"]["flags"] == ""
    assert board["org/edited"]["flags"] != ""
    flags = read_csv(world.bench.path / "leaderboard/flags.csv")
    assert flags and {f["model"] for f in flags} == {"org/edited"}
    assert set(board["org/edited"]["flags"].split()) <= {f["rule"] for f in flags}
    assert doc["flags"] == len(flags)
    assert "leaderboard_flags" in (world.bench.path / "README.md").read_text()


def test_submission_folders_in_a_shallow_checkout_are_a_clear_error(tmp_path, capsys):
    import json
    import os

    from evalledger.cli import main

    world = World(tmp_path)
    world.bench.write("submissions/org-a/.eval_results/r.yaml", entry("alpha", 55.0))
    world.bench.commit("submission")
    world.bench.write("notes.md", "later work\n")
    world.bench.commit("unrelated")
    world.bench.git("push", "-q", "origin", "HEAD:main")
    argv = [
        "aggregate",
        "--models-dir",
        "submissions",
        "--benchmark-id",
        "acme/bench",
        "--format",
        "json",
        "--cache-dir",
        str(tmp_path / "cache"),
    ]
    shallow = world.clone("shallow", "--depth", "1")  # what actions/checkout gives by default
    cwd = os.getcwd()
    try:
        os.chdir(shallow.path)
        code = main(argv)
        captured = capsys.readouterr()
        assert code == 2 and "shallow checkout" in captured.err and "fetch-depth: 0" in captured.err
        deep = world.clone("deep")
        os.chdir(deep.path)
        code = main(argv)
        doc = json.loads(capsys.readouterr().out)
    finally:
        os.chdir(cwd)
    assert code == 0 and doc["rows"] == 1
    board = rows_by_model(deep.path / "leaderboard/leaderboard.csv")
    assert board["org-a"]["commit"] == deep.head("HEAD~1")


def test_a_submission_folder_linking_out_is_skipped_at_the_catalogues_severity(tmp_path, capsys):
    """symlink-outside-repo is one rule (lint's, an error): aggregate shows it at that severity,
    skips the folder and builds the leaderboard from the others; it never said `warning` for it
    while lint said `error` (issue 9)."""
    import os

    from evalledger.cli import main
    from evalledger.leaderboard.sources import scan_models_dir
    from evalledger.lint.rules.input import SYMLINK_OUTSIDE_REPO
    from evalledger.rules import all_rules

    world = World(tmp_path)
    outside = tmp_path / "elsewhere" / "evil" / ".eval_results"
    outside.mkdir(parents=True)
    (outside / "r.yaml").write_text(entry("alpha", 99.9))
    world.bench.write("submissions/good/.eval_results/r.yaml", entry("alpha", 55.0))
    os.symlink(outside.parent, world.bench.path / "submissions" / "evil")
    world.bench.commit("submissions")
    severity = all_rules()[SYMLINK_OUTSIDE_REPO.id].severity
    assert severity == "error"
    _, skipped = scan_models_dir(world.bench.path / "submissions", "submissions")
    assert [(f.path, f.rule, f.severity) for f in skipped] == [("submissions/evil", SYMLINK_OUTSIDE_REPO.id, severity)]

    code = main(
        [
            "aggregate",
            "--repo",
            str(world.bench.path),
            "--models-dir",
            str(world.bench.path / "submissions"),
            "--benchmark-id",
            "acme/bench",
            "--cache-dir",
            str(world.tmp / "cache"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"submissions/evil:1: {severity} symlink-outside-repo symlinked folder points outside" in out
    board = rows_by_model(world.bench.path / "leaderboard/leaderboard.csv")
    assert {model: row["value"] for model, row in board.items()} == {"good": "55.0"}
