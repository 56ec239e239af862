"""Merge commits in real git histories: what a merge brings into its branch is judged, once.

An edit made inside a merge (``git merge --no-commit``, edit, commit: an "evil merge") is judged
at the merge; an edit a side branch made is judged at the side's own commit, never again at the
merge that brings it in; a PR's "update branch" merge of main does not make main's edits the PR's.
The whole-history walk and the ``--range`` path (quick and careful) give the same findings."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalledger import git
from evalledger.audit import engine
from evalledger.cli import main
from gitutil import GitRepo

GSM8K = """\
- dataset:
    id: openai/gsm8k
    task_id: gsm8k
  value: {main}
  source:
    url: {url}
{token}- dataset:
    id: openai/gsm8k
    task_id: gsm8k
  value: {tools}
  notes: With Tools
  source:
    url: https://example.org/tools-run
"""

MMLU = """\
- dataset: {{id: TIGER-Lab/MMLU-Pro, task_id: mmlu_pro}}
  value: {value}
  source: {{url: 'https://example.org/mmlu'}}
"""

CARD = """---
model-index:
- name: m
  results:
  - task: {{type: text-generation}}
    dataset: {{type: openai/gsm8k, name: GSM8K}}
    metrics:
    - type: exact_match
      value: {value}
---
# m
"""


def gsm8k(main=70.0, tools=50.0, url="https://example.org/run", token="tok-1") -> str:
    return GSM8K.format(main=main, tools=tools, url=url, token=f"  verifyToken: {token}\n" if token else "")


def audit(repo: GitRepo, *args: str, capsys) -> list[tuple]:
    code = main(["audit", str(repo.path), "--format", "json", "--fail-on", "never", *args])
    assert code == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    return sorted((f["commit"], f["rule"], f["severity"], f["old"], f["new"]) for f in findings)


def careful(repo: GitRepo, rev_range: str, monkeypatch) -> list[tuple]:
    with monkeypatch.context() as m:
        m.setattr(engine, "_quick_range", lambda *a: None)
        result = engine.run_audit(repo.path, rev_range=rev_range)
    return sorted((f.commit, f.rule, f.severity, f.old, f.new) for f in result.findings)


def started(tmp_path) -> tuple[GitRepo, str]:
    repo = GitRepo.init(tmp_path / "org" / "model")
    repo.write(".eval_results/gsm8k.yaml", gsm8k())
    repo.write(".eval_results/mmlu.yaml", MMLU.format(value=40.0))
    return repo, repo.commit("results", author="alice")


def test_an_edit_made_inside_a_merge_is_judged_at_the_merge(tmp_path, capsys, monkeypatch):
    repo, first = started(tmp_path)
    repo.git("checkout", "-q", "-b", "side")
    repo.write("side.txt", "side work\n")
    repo.commit("side work", author="bob")
    repo.git("checkout", "-q", "main")
    repo.write("main.txt", "main work\n")
    before = repo.commit("main work", author="alice")
    repo.git("merge", "-q", "--no-commit", "--no-ff", "side")
    repo.write(".eval_results/gsm8k.yaml", gsm8k(main=80.0, token=""))  # raised, token dropped
    merge = repo.commit("Merge branch 'side'", author="mallory")
    expected = [
        (merge, "value-changed-without-evidence", "warning", 70.0, 80.0),
        (merge, "value-edited-by-other-author", "info", 70.0, 80.0),
        (merge, "value-raised", "error", 70.0, 80.0),
        (merge, "verify-token-removed", "error", 70.0, 80.0),
    ]
    assert audit(repo, capsys=capsys) == expected
    for rev_range in (f"{before}..HEAD", f"{first}..HEAD", "HEAD^2..HEAD", "side..main"):
        assert audit(repo, "--range", rev_range, capsys=capsys) == expected, rev_range
        assert careful(repo, rev_range, monkeypatch) == expected, rev_range
    text = engine.run_audit(repo.path).findings[0].message
    assert "in the merge itself" in text, text


def test_a_side_branch_raise_merged_cleanly_is_reported_once_at_its_commit(tmp_path, capsys, monkeypatch):
    repo, first = started(tmp_path)
    repo.git("checkout", "-q", "-b", "side")
    repo.write(".eval_results/gsm8k.yaml", gsm8k(main=80.0))
    raised = repo.commit("better gsm8k", author="bob")
    repo.git("checkout", "-q", "main")
    repo.write(".eval_results/mmlu.yaml", MMLU.format(value=41.0).replace("mmlu'", "mmlu-2'"))
    repo.write(".eval_results/gsm8k.yaml", gsm8k(tools=49.0))  # the same file, another entry
    mmlu = repo.commit("new mmlu run, tools fixed", author="alice")
    repo.git("merge", "-q", "--no-commit", "side")
    assert (repo.path / ".eval_results/gsm8k.yaml").read_text() == gsm8k(main=80.0, tools=49.0)
    repo.commit("Merge branch 'side'", author="alice")  # clean: what git merged, untouched
    assert len(repo.head("HEAD^@").split()) == 2
    side = [
        (raised, "value-changed-without-evidence", "warning", 70.0, 80.0),
        (raised, "value-edited-by-other-author", "info", 70.0, 80.0),
        (raised, "value-raised", "error", 70.0, 80.0),
        (raised, "verify-token-stale", "error", 70.0, 80.0),
    ]
    ours = [
        (mmlu, "value-changed", "info", 40.0, 41.0),
        (mmlu, "value-changed-without-evidence", "warning", 50.0, 49.0),
    ]
    assert audit(repo, capsys=capsys) == sorted(side + ours)
    # the PR as it was reviewed, and the merge as main received it: the same findings
    assert audit(repo, "--range", f"{mmlu}..side", capsys=capsys) == side
    for rev_range in (f"{mmlu}..HEAD", "HEAD^1..HEAD"):
        assert audit(repo, "--range", rev_range, capsys=capsys) == side
        assert careful(repo, rev_range, monkeypatch) == side
    assert audit(repo, "--range", f"{first}..HEAD", capsys=capsys) == sorted(side + ours)
    assert careful(repo, f"{first}..HEAD", monkeypatch) == sorted(side + ours)


def test_an_update_branch_merge_of_main_keeps_main_edits_out_of_the_pr(tmp_path, capsys, monkeypatch):
    repo, first = started(tmp_path)
    repo.git("checkout", "-q", "-b", "pr")
    repo.write(".eval_results/mmlu.yaml", MMLU.format(value=42.0).replace("mmlu'", "mmlu-pr'"))
    own = repo.commit("pr: new mmlu run", author="bob")
    repo.git("checkout", "-q", "main")
    repo.write(".eval_results/gsm8k.yaml", gsm8k(tools=55.0))  # main's own (flagged on main)
    on_main = repo.commit("main: tools rerun", author="carol")
    repo.git("checkout", "-q", "pr")
    repo.git("merge", "-q", "--no-commit", "main")
    clean = repo.commit("Merge branch 'main' into pr", author="bob")
    pr = [(own, "value-changed", "info", 40.0, 42.0), (own, "value-edited-by-other-author", "info", 40.0, 42.0)]
    assert audit(repo, "--range", "main..pr", capsys=capsys) == pr
    assert careful(repo, "main..pr", monkeypatch) == pr
    # the next "update branch" merge edits a value while resolving: the PR now owns that edit
    repo.git("checkout", "-q", "main")
    repo.write(".eval_results/gsm8k.yaml", gsm8k(tools=55.0, url="https://example.org/run-2"))
    repo.commit("main: new source", author="carol")
    repo.git("checkout", "-q", "pr")
    repo.git("merge", "-q", "--no-commit", "main")
    repo.write(".eval_results/gsm8k.yaml", gsm8k(main=75.0, tools=55.0, url="https://example.org/run-2", token=""))
    evil = repo.commit("Merge branch 'main' into pr", author="bob")
    expected = sorted(
        pr
        + [
            (evil, "value-raised", "error", 70.0, 75.0),
            (evil, "value-changed-without-evidence", "warning", 70.0, 75.0),
            (evil, "value-edited-by-other-author", "info", 70.0, 75.0),
            (evil, "verify-token-removed", "error", 70.0, 75.0),
        ]
    )
    for rev_range in ("main..pr", f"main..{evil}"):
        got = audit(repo, "--range", rev_range, capsys=capsys)
        assert got == expected, "\n".join(map(str, got))
        assert careful(repo, rev_range, monkeypatch) == expected
    whole = audit(repo, capsys=capsys)
    assert [f for f in whole if f[0] in (own, clean, evil)] == expected
    assert {f[0] for f in whole} == {own, evil, on_main}
    assert (on_main, "value-changed-without-evidence", "warning", 50.0, 55.0) in whole


def test_a_merge_that_undoes_a_correction_on_its_branch_is_judged(tmp_path, capsys, monkeypatch):
    """The side never touched the value, so a clean merge keeps main's correction; taking the
    side's (old) value back is the merge's own edit."""
    repo, first = started(tmp_path)
    repo.git("checkout", "-q", "-b", "side")
    repo.write("side.txt", "x\n")
    repo.commit("side work", author="bob")
    repo.git("checkout", "-q", "main")
    repo.write(".eval_results/mmlu.yaml", MMLU.format(value=35.0).replace("mmlu'", "mmlu-fixed'"))
    fixed = repo.commit("correct mmlu", author="alice")
    repo.git("merge", "-q", "--no-commit", "side")
    repo.write(".eval_results/mmlu.yaml", MMLU.format(value=40.0))
    merge = repo.commit("merge", author="mallory")
    got = audit(repo, capsys=capsys)
    assert (merge, "value-raised", "warning", 35.0, 40.0) in got
    assert {f[0] for f in got} == {fixed, merge}
    assert audit(repo, "--range", f"{fixed}..HEAD", capsys=capsys) == [f for f in got if f[0] == merge]


def test_parallel_edits_of_one_file_are_each_judged_against_their_own_parent(tmp_path, capsys, monkeypatch):
    """The walk interleaves two lines of history: an edit on one line is no change of what the
    other line held (no invented reverts), and the merge of both brings nothing new."""
    repo, first = started(tmp_path)
    repo.git("checkout", "-q", "-b", "side")
    repo.write(".eval_results/gsm8k.yaml", gsm8k(tools=52.0))
    side = repo.commit("side: tools rerun", author="bob")
    repo.git("checkout", "-q", "main")
    repo.write(".eval_results/gsm8k.yaml", gsm8k(main=71.0, token="tok-2"))
    ours = repo.commit("main: new token", author="alice")
    repo.git("merge", "-q", "--no-commit", "side")
    assert (repo.path / ".eval_results/gsm8k.yaml").read_text() == gsm8k(main=71.0, tools=52.0, token="tok-2")
    repo.commit("merge", author="alice")
    got = audit(repo, capsys=capsys)
    assert [f[1:] for f in got if f[0] == ours] == [("value-changed", "info", 70.0, 71.0)]
    assert [f[1:] for f in got if f[0] == side] == [
        ("value-changed-without-evidence", "warning", 50.0, 52.0),
        ("value-edited-by-other-author", "info", 50.0, 52.0),
    ]
    assert len(got) == 3
    assert audit(repo, "--range", f"{first}..HEAD", capsys=capsys) == got
    assert careful(repo, f"{first}..HEAD", monkeypatch) == got
    claims = {(c.setup, c.value) for c in engine.run_audit(repo.path).claims if c.benchmark == "openai/gsm8k"}
    assert claims == {("", 71.0), ("with tools", 52.0)}


def test_a_model_index_value_edited_inside_a_merge_is_judged(tmp_path, capsys):
    """Whole-history audits walk README.md apart from .eval_results: a merge that differs in
    README.md alone must still reach the judge."""
    repo, first = started(tmp_path)
    repo.write("README.md", CARD.format(value=20.0))
    repo.commit("card", author="alice")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("side.txt", "x\n")
    repo.commit("side", author="bob")
    repo.git("checkout", "-q", "main")
    repo.write("main.txt", "x\n")
    repo.commit("main", author="alice")
    repo.git("merge", "-q", "--no-commit", "side")
    repo.write("README.md", CARD.format(value=29.0))
    merge = repo.commit("merge", author="mallory")
    got = audit(repo, capsys=capsys)
    assert (merge, "value-raised", "error", 20.0, 29.0) in got
    assert audit(repo, "--range", "HEAD^..HEAD", capsys=capsys) == got


def entry(bench: str, value: float, url: str) -> str:
    return f"- dataset: {{id: {bench}, task_id: t}}\n  value: {value}\n  source: {{url: '{url}'}}\n"


# (branch, benchmark, value (None: delete the entry), new source?, merge the other branch first?,
#  evil edit in that merge?)
dag = st.lists(
    st.tuples(
        st.sampled_from(["main", "side"]),
        st.sampled_from(["x/one", "x/two"]),
        st.sampled_from([40.0, 41.0, 45.0, None]),
        st.booleans(),
        st.booleans(),
        st.booleans(),
    ),
    min_size=2,
    max_size=8,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dag)
def test_whole_history_and_ranges_agree_on_histories_with_merges(tmp_path_factory, monkeypatch, script):
    """Whatever the merges, the findings of the commits after the root are the same from the whole
    history, from the range root..HEAD (quick path) and from the careful range path."""
    repo = GitRepo.init(tmp_path_factory.mktemp("d") / "m")
    state = {"main": {"x/one": [40.0, "u0"], "x/two": [40.0, "u0"]}}
    state["side"] = {k: list(v) for k, v in state["main"].items()}

    def write(branch: str) -> None:
        repo.write(
            ".eval_results/r.yaml",
            "".join(entry(b, v, u) for b, (v, u) in sorted(state[branch].items()) if v is not None),
        )

    write("main")
    root = repo.commit("root", author="alice")
    repo.git("branch", "side")
    current = "main"
    for n, (branch, bench, value, new_source, merge, evil) in enumerate(script):
        other = "side" if branch == "main" else "main"
        if branch != current:
            repo.git("checkout", "-q", branch)
            current = branch
        if merge:
            repo.git("merge", "-q", "--no-commit", "--no-ff", "-X", "theirs", other, env={"GIT_EDITOR": "true"})
            merged = {k: list(v) for k, v in state[branch].items()}
            for key, item in state[other].items():  # mirror what -X theirs gives per entry
                merged[key] = list(item)
            state[branch] = merged
            if evil:
                state[branch][bench][0] = (value or 40.0) + 1.5
            write(branch)
            repo.commit(f"merge {n}", author="mallory")
        item = state[branch][bench]
        item[0] = value
        if new_source:
            item[1] = f"u{n}"
        write(branch)
        repo.commit(f"step {n}", author=("alice", "bob")[n % 2])
    whole = engine.run_audit(repo.path, model="org/m")

    def key(findings):
        return sorted((f.commit, f.rule, f.path, f.line, f.old, f.new, f.message) for f in findings if f.commit != root)

    quick = engine.run_audit(repo.path, rev_range=f"{root}..HEAD", model="org/m")
    assert key(quick.findings) == key(whole.findings)
    with monkeypatch.context() as m:
        m.setattr(engine, "_quick_range", lambda *a: None)
        m.setattr(git, "tree_files", lambda *a: None)
        slow = engine.run_audit(repo.path, rev_range=f"{root}..HEAD", model="org/m")
    assert key(slow.findings) == key(whole.findings)

    def claims(result):  # who wrote a value the range never touched is blamed, not walked: not compared
        return sorted((c.benchmark, c.task, c.setup, c.value, c.path, c.line) for c in result.claims)

    assert claims(whole) == claims(quick) == claims(slow)
