"""The real edit histories of the corpus, replayed as commits, give the findings a reviewer expects."""

from __future__ import annotations

import json

from evalledger.cli import main
from gitutil import GitRepo

MARCH_20_2026 = 1_773_964_800  # the real edits happened in March 2026 (dates in the files)


def replay(tmp_path, corpus, path: str, versions: list[tuple[str, str]]) -> tuple[GitRepo, list[str]]:
    repo = GitRepo.init(tmp_path / "model")
    shas = []
    for number, (name, author) in enumerate(versions):
        repo.write(path, (corpus / "eval_results" / name).read_bytes())
        shas.append(repo.commit(f"Update {path}", author=author, when=MARCH_20_2026 + 3600 * number))
    return repo, shas


def audit(repo: GitRepo, capsys, *args: str) -> tuple[int, list[dict]]:
    code = main(["audit", str(repo.path), "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)["findings"]


def test_minimax_swe_bench_lowered_with_official_source_is_shown_not_flagged(tmp_path, corpus, capsys):
    # f8ed508 wrote 80.2 from the model card; a2e5c2d (nielsr) replaced it with the official 75.80
    repo, (first, edit) = replay(
        tmp_path,
        corpus,
        ".eval_results/swe_bench_verified.yaml",
        [
            ("MiniMaxAI__MiniMax-M2.5__swe_bench_verified@a2e5c2d-parent.yaml", "nielsr"),
            ("MiniMaxAI__MiniMax-M2.5__swe_bench_verified.yaml", "nielsr"),
        ],
    )
    code, findings = audit(repo, capsys)
    assert code == 0
    assert [(f["rule"], f["severity"], f["line"], f["commit"], f["old"], f["new"]) for f in findings] == [
        ("value-changed", "info", 8, edit, 80.2, 75.8)
    ]
    evidence = findings[0]["evidence"]
    assert {k: evidence[k] for k in ("benchmark", "task", "setup")} == {
        "benchmark": "SWE-bench/SWE-bench_Verified",
        "task": "swe_bench_%_resolved",
        "setup": "high reasoning",
    }
    assert "before" not in evidence  # info findings carry old/new only


def test_minimax_edit_by_someone_else_is_attributed(tmp_path, corpus, capsys):
    repo, (_, edit) = replay(
        tmp_path,
        corpus,
        ".eval_results/swe_bench_verified.yaml",
        [
            ("MiniMaxAI__MiniMax-M2.5__swe_bench_verified@a2e5c2d-parent.yaml", "MiniMax"),
            ("MiniMaxAI__MiniMax-M2.5__swe_bench_verified.yaml", "nielsr"),
        ],
    )
    _, findings = audit(repo, capsys)
    # nielsr is the entry's source.user: a contributor editing the entry they are credited for
    assert [f["rule"] for f in findings] == ["value-changed"]


def test_snurfy_gsm8k_model_index_paste_and_revert(tmp_path, corpus, capsys):
    # 168a381 created the fraction entry; bb8c3f1 pasted a legacy model-index with the percent
    # 27.67 into the results file; d65770c reverted it
    repo, (create, paste, revert) = replay(
        tmp_path,
        corpus,
        ".eval_results/gsm8k.yaml",
        [
            ("SnurfyAI__Sn-CodeExplainer-0.5B__gsm8k.yaml", "MrSnurfy"),
            ("SnurfyAI__Sn-CodeExplainer-0.5B__gsm8k@bb8c3f1-INVALID.yaml", "MrSnurfy"),
            ("SnurfyAI__Sn-CodeExplainer-0.5B__gsm8k.yaml", "MrSnurfy"),
        ],
    )
    code, findings = audit(repo, capsys)
    assert code == 0  # warnings: the PR check passes by default, reviewers see the table
    got = [(f["rule"], f["severity"], f["commit"], f["old"], f["new"]) for f in findings]
    assert sorted(got) == sorted(
        [
            ("results-file-invalid", "warning", paste, 0.2767, None),
            ("scale-flip", "warning", paste, 0.2767, 27.67),
            ("entry-restored", "info", revert, 0.2767, 0.2767),
        ]
    )
    invalid = next(f for f in findings if f["rule"] == "results-file-invalid")
    assert invalid["line"] == 6  # where the lost entry was, in the parent's version
    flip = next(f for f in findings if f["rule"] == "scale-flip")
    assert flip["line"] == 16  # the model-index `value: 27.67` in the pasted file
    # reported under the entry it replaced, so a leaderboard marks the gsm8k row
    assert (flip["evidence"]["task"], flip["evidence"]["setup"]) == ("gsm8k", "5-shot, flexible-extract")
    code, _ = audit(repo, capsys, "--fail-on", "warning")
    assert code == 1
