"""The audit's fast paths give what the careful paths give, on real git histories: the PR path
(ends resolved through cat-file, the merge base confirmed from the range's own walk, the base tree
read through cat-file, blames batched per file) against the step-by-step path, and the split
whole-history walk against one walk of both paths."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalledger import git
from evalledger.audit import engine
from gitutil import GitRepo


def entry(bench: str, value: float, url: str, flow: bool) -> str:
    if flow:
        return f"- {{dataset: {{id: {bench}, task_id: t}}, value: {value}, source: {{url: '{url}'}}}}\n"
    return f"- dataset:\n    id: {bench}\n    task_id: t\n  value: {value}\n  source:\n    url: {url}\n"


def slow_audit(path, rev_range, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(engine, "_quick_range", lambda *a: None)
        m.setattr(engine, "_blame_base_entries", lambda *a: {})
        m.setattr(engine, "_guess_blames", lambda *a: engine._BaseBlames([]))
        m.setattr(git, "tree_files", lambda *a: None)
        return engine.run_audit(path, rev_range=rev_range, model="org/m")


def summary(result):
    return (
        [(f.path, f.line, f.rule, f.severity, f.message, f.commit, f.old, f.new, f.evidence) for f in result.findings],
        result.commits,
        result.files,
        result.claims,
    )


# an edit script: (author, file, bench, value, new source?, flow style?, move to the other file?)
steps = st.lists(
    st.tuples(
        st.sampled_from(["alice", "bob", "carol"]),
        st.sampled_from(["a", "b"]),
        st.sampled_from(["x/one", "x/two", "x/three"]),
        st.sampled_from([40.0, 41.5, 45.0, 0.45]),
        st.booleans(),
        st.booleans(),
        st.booleans(),
    ),
    min_size=2,
    max_size=7,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps, st.data())
def test_pr_path_matches_the_careful_path_on_generated_histories(tmp_path_factory, monkeypatch, script, draw):
    repo = GitRepo.init(tmp_path_factory.mktemp("h") / "m")
    files: dict[str, dict[str, list]] = {"a": {}, "b": {}}
    shas = []
    for n, (author, name, bench, value, new_source, flow, move) in enumerate(script):
        other = "b" if name == "a" else "a"
        if move and bench in files[other]:
            files[name][bench] = files[other].pop(bench)
        item = files[name].setdefault(bench, [value, f"https://e.org/{n}", flow])
        item[0] = value
        item[2] = flow
        if new_source:
            item[1] = f"https://e.org/{n}"
        for f in ("a", "b"):
            if files[f]:
                repo.write(f".eval_results/{f}.yaml", "".join(entry(b, *v) for b, v in files[f].items()))
            elif (repo.path / ".eval_results" / f"{f}.yaml").exists():
                repo.remove(f".eval_results/{f}.yaml")
        shas.append(repo.commit(f"step {n}", author=author))
    base = shas[draw.draw(st.integers(0, len(shas) - 2))]
    # the quick path is taken and confirmed (its read gives the commits) on a linear history
    probe = engine._quick_range(repo.path, f"{base}..HEAD")
    assert probe is not None
    commits, _ = engine._read(probe)
    probe.close()
    assert commits is not None and len(commits) == len(shas) - 1 - shas.index(base)
    fast = engine.run_audit(repo.path, rev_range=f"{base}..HEAD", model="org/m")
    assert summary(fast) == summary(slow_audit(repo.path, f"{base}..HEAD", monkeypatch))


def test_pr_path_matches_on_a_branch_whose_base_is_not_an_ancestor(tmp_path, monkeypatch):
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/a.yaml", entry("x/one", 40.0, "https://e.org/0", False))
    repo.commit("add", author="alice")
    repo.git("checkout", "-q", "-b", "pr")
    repo.write(".eval_results/a.yaml", entry("x/one", 45.0, "https://e.org/0", False))
    repo.commit("raise", author="bob")
    repo.git("checkout", "-q", "main")
    repo.write(".eval_results/b.yaml", entry("x/two", 41.5, "https://e.org/1", True))
    repo.commit("main moves on", author="carol")
    fast = engine.run_audit(repo.path, rev_range="main..pr", model="org/m")
    assert [f.rule for f in fast.findings] == [
        "value-changed-without-evidence",
        "value-edited-by-other-author",
        "value-raised",
    ]
    assert summary(fast) == summary(slow_audit(repo.path, "main..pr", monkeypatch))


def test_pr_path_words_errors_like_the_careful_path(tmp_path):
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/a.yaml", entry("x/one", 40.0, "https://e.org/0", False))
    repo.commit("add")
    for bad, message in (
        ("nope..HEAD", "'nope' is not a commit"),
        ("HEAD..nope", "'nope' is not a commit"),
        ("--output=x..HEAD", "is not a commit"),
    ):
        with pytest.raises(engine.AuditError, match=message):
            engine.run_audit(repo.path, rev_range=bad)
    assert not (repo.path / "x").exists()


def test_tree_files_lists_what_ls_tree_lists(tmp_path):
    repo = GitRepo.init(tmp_path / "m")
    for path in (
        ".eval_results/b.yaml",
        ".eval_results/a.yaml",
        ".eval_results/sub/c.yaml",
        ".eval_results/sub-x.yaml",
        ".eval_results/sub/deeper/d.yml",
        "README.md",
        "other/e.yaml",
    ):
        repo.write(path, "- x\n")
    os.symlink("a.yaml", repo.path / ".eval_results" / "link.yaml")
    sha = repo.commit("files")
    with git.BlobReader(repo.path) as blobs:
        listed = git.tree_files(blobs, sha, (".eval_results", "README.md"), 1000)
    expected = git.ls_tree(repo.path, sha, (".eval_results", "README.md"), 1000)
    assert list(listed.items()) == list(expected.items()) and len(listed) == 7


class Rounds:
    """Counts the round trips to git's cat-file: calls of the BlobReader's reading methods (each
    writes its requests, then waits for git's answers)."""

    def __init__(self, monkeypatch) -> None:
        self.count = 0
        for name in ("read", "read_typed", "read_batch", "read_typed_batch", "size"):
            method = getattr(git.BlobReader, name, None)
            if method is not None:
                monkeypatch.setattr(git.BlobReader, name, self._counted(method))

    def _counted(self, method):
        def counted(reader, *args, **kwargs):
            self.count += 1
            return method(reader, *args, **kwargs)

        return counted


def test_tree_files_reads_a_level_of_folders_per_round_trip(tmp_path, monkeypatch):
    repo = GitRepo.init(tmp_path / "m")
    for folder in ("one", "two", "three"):  # "one" and "two" are the same tree object
        repo.write(f".eval_results/{folder}/deep/r.yaml", "- x\n" if folder != "three" else "- y\n")
        repo.write(f".eval_results/{folder}/s.yaml", "- z\n")
    repo.write(".eval_results/a.yaml", "- a\n")
    repo.write("README.md", "# m\n")
    sha = repo.commit("files")
    expected = git.ls_tree(repo.path, sha, (".eval_results", "README.md"), 1000)
    with git.BlobReader(repo.path) as blobs:
        rounds = Rounds(monkeypatch)
        listed = git.tree_files(blobs, sha, (".eval_results", "README.md"), 1000)
    assert list(listed.items()) == list(expected.items()) and len(listed) == 8
    assert rounds.count == 3  # the two top paths, the three folders, their "deep" folders


def test_pr_audit_reads_the_base_in_round_trips_not_per_file(tmp_path, monkeypatch):
    """A PR's base files are read in one batch whatever their number (and their line counts kept
    for the blames): the audit's cat-file round trips do not grow with the files the PR edits."""
    repo = GitRepo.init(tmp_path / "m")
    files = [f".eval_results/r{n}.yaml" for n in range(6)]
    for n, path in enumerate(files):
        repo.write(path, entry(f"x/b{n}", 40.0, "https://e.org/1", False))
    repo.commit("results", author="alice")
    base = repo.head()
    for n, path in enumerate(files):
        repo.write(path, entry(f"x/b{n}", 45.0, "https://e.org/1", False))
    repo.commit("raised", author="bob")
    expected = summary(slow_audit(repo.path, f"{base}..HEAD", monkeypatch))
    rounds = Rounds(monkeypatch)
    result = engine.run_audit(repo.path, rev_range=f"{base}..HEAD", model="org/m")
    assert summary(result) == expected and result.commits == 1
    assert any(f.evidence and f.evidence.get("original_author") == "alice" for f in result.findings) or any(
        "alice" in f.message for f in result.findings
    )
    # the ends, the range's new blobs, the base tree, the base blobs
    assert rounds.count == 4


def test_findings_sort_key_orders_as_the_dataclass_order():
    import dataclasses
    import random

    from evalledger.finding import POSITION, Finding

    assert [f.name for f in dataclasses.fields(Finding) if f.compare] == ["path", "line", "column", "rule"]
    findings = [
        Finding(path, line, column, rule, "warning", f"m{n}")
        for n, (path, line, column, rule) in enumerate(
            (p, ln, c, r) for p in ("b", "a", "a/b") for ln in (2, 10, 1) for c in (1, 3) for r in ("y", "x", "x")
        )
    ]
    random.Random(3).shuffle(findings)
    by_key = sorted(findings, key=POSITION)
    assert [id(f) for f in by_key] == [id(f) for f in sorted(findings)]  # ties keep their order too


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from(["alice", "bob", "carol"]), st.lists(st.integers(0, 11), min_size=1, max_size=4)),
        min_size=1,
        max_size=6,
    )
)
def test_batched_blame_matches_one_blame_per_line(tmp_path_factory, edits):
    repo = GitRepo.init(tmp_path_factory.mktemp("b") / "m")
    lines = [f"line {i}" for i in range(12)]
    repo.write("f.yaml", "\n".join(lines) + "\n")
    repo.commit("start", author="alice")
    for n, (author, which) in enumerate(edits):
        for i in which:
            lines[i] = f"line {i} v{n}"
        repo.write("f.yaml", "\n".join(lines) + "\n")
        repo.commit(f"edit {n}", author=author)
    head = repo.head()
    wanted = [1, 3, 4, 7, 12]
    status, out = git.blame_lines(repo.path, head, "f.yaml", wanted).result()
    assert status == 0
    batched = git.parse_blame(out)
    assert batched == {line: git.blame_line(repo.path, head, "f.yaml", line) for line in wanted}


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


def combined_audit(path, monkeypatch):
    """The whole history from one walk of both paths (what the split walk must equal)."""

    class Combined:
        def __init__(self, top, revs, early=None):
            self.stream = git.ChangeStream(top, revs, engine.WALK_PATHS, oldest_first=False)

        def read(self, cache, blobs):
            return engine._read_ahead(self.stream, cache, blobs)

        def close(self):
            self.stream.close()

    with monkeypatch.context() as m:
        m.setattr(engine, "_Walk", Combined)
        return engine.run_audit(path, model="org/m")


# a commit script on two branches: (branch, edits results?, edits README?, merge the other branch first?)
dag_steps = st.lists(
    st.tuples(st.sampled_from(["main", "side"]), st.booleans(), st.booleans(), st.booleans()), min_size=2, max_size=8
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dag_steps)
def test_split_walk_matches_one_walk_of_both_paths(tmp_path_factory, monkeypatch, script):
    """Whole-history audits walk .eval_results and README.md in two git processes (Bloom filters
    serve one path each); with branches, merges and README-only commits the result is the same."""
    repo = GitRepo.init(tmp_path_factory.mktemp("s") / "m")
    repo.write(".eval_results/a.yaml", entry("x/one", 40.0, "https://e.org/0", False))
    repo.write("README.md", CARD.format(value=20.0))
    repo.commit("start")
    repo.git("branch", "side")
    current = "main"
    for n, (branch, results, readme, merge) in enumerate(script):
        if branch != current:
            repo.git("checkout", "-q", branch)
            current = branch
        if merge:
            repo.git("merge", "-q", "--no-edit", "-X", "theirs", "main" if branch == "side" else "side")
        if results:
            repo.write(f".eval_results/{branch}.yaml", entry(f"x/{branch}", 40.0 + n, "https://e.org/0", n % 2 == 0))
        if readme:
            repo.write("README.md", CARD.format(value=20.0 + n))
        if results or readme:
            repo.commit(f"step {n}", author=("alice", "bob")[n % 2])
    assert summary(engine.run_audit(repo.path, model="org/m")) == summary(combined_audit(repo.path, monkeypatch))


def test_split_walk_falls_back_for_a_readme_only_commit(tmp_path, monkeypatch):
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/a.yaml", entry("x/one", 40.0, "https://e.org/0", False))
    repo.write("README.md", CARD.format(value=20.0))
    repo.commit("start", author="alice")
    repo.write("README.md", CARD.format(value=30.0))
    raised = repo.commit("card only", author="bob")
    repo.write(".eval_results/a.yaml", entry("x/one", 45.0, "https://e.org/0", False))
    repo.commit("results only", author="bob")
    result = engine.run_audit(repo.path, model="org/m")
    assert ("value-raised", "README.md", raised) in {(f.rule, f.path, f.commit) for f in result.findings}
    assert summary(result) == summary(combined_audit(repo.path, monkeypatch))


def test_early_walk_gives_what_the_engine_walk_gives(tmp_path):
    from evalledger.audit import early, sources

    assert early.PATHS == sources.WALK_PATHS
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/a.yaml", entry("x/one", 40.0, "https://e.org/0", False))
    repo.write("README.md", CARD.format(value=20.0))
    repo.commit("start", author="alice")
    repo.write(".eval_results/a.yaml", entry("x/one", 45.0, "https://e.org/0", True))
    repo.write("README.md", CARD.format(value=30.0))
    repo.commit("both", author="bob")
    walk = early.start(str(repo.path), None, False)
    assert walk is not None and early.start(str(repo.path), "HEAD~1..HEAD", False) is None
    try:
        with_early = engine.run_audit(repo.path, model="org/m", early=walk)
    finally:
        walk.close()
    assert with_early.findings and summary(with_early) == summary(engine.run_audit(repo.path, model="org/m"))


def test_git_binary_is_what_a_path_search_finds(tmp_path, monkeypatch):
    import shutil

    assert git.git_binary() == shutil.which("git")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "git").write_text("#!/bin/sh\nexit 0\n")
    (fake / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    assert git.git_binary() == str(fake / "git")  # a new PATH is searched again
    monkeypatch.setenv("PATH", f"relative{os.pathsep}{os.environ['PATH']}")
    assert git.git_binary() == "git"  # relative entries: left to the exec search
