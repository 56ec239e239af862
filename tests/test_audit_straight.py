"""A PR's range read through cat-file (``git.straight_changes``): on a line of commits it lists
what ``git log --raw`` lists, any other shape is left to git log, the audit it feeds gives what
the careful path gives, and a previous value is blamed where it stood at the base."""

from __future__ import annotations

import os
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalledger import git
from evalledger.audit import engine
from gitutil import GitRepo
from test_audit_fastpaths import entry, slow_audit, summary


def logged(repo: GitRepo, base: str, head: str) -> list[tuple]:
    """What the quick path read before: ``git log --raw base..head``, every path, newest first,
    kept to the walked paths (and to changes of content: a mode change alone keeps the blob)."""
    out = []
    for commit in git.ChangeStream(repo.path, [f"{base}..{head}"], (), oldest_first=False):
        changes = [
            ("M" if c.status == "T" else c.status, c.path, c.old_oid, c.new_oid)
            for c in commit.changes
            if engine._walked(c.path) and c.old_oid != c.new_oid
        ]
        out.append((commit.sha, commit.parents, commit.time, commit.author_name, commit.author_email, changes))
    return out


def straight(repo: GitRepo, base: str, head: str, max_files: int = 1000) -> list[tuple] | None:
    with git.BlobReader(repo.path) as blobs:
        line = git.straight_changes(blobs, base, head, engine.WALK_PATHS, max_files)
    if line is None:
        return None
    out = []
    for c in git.straight_line_changes(line):
        changes = [(x.status, x.path, x.old_oid, x.new_oid) for x in c.changes]
        out.append((c.sha, c.parents, c.time, c.author_name, c.author_email, changes))
    return out


# one commit: (author, [(operation, path)])
PATHS = [
    ".eval_results/a.yaml",
    ".eval_results/b.yaml",
    ".eval_results/sub/c.yaml",
    ".eval_results/a.yaml.d/x.yaml",
    ".eval_results/notes.txt",
    "README.md",
    "src/model.py",
    "README.mdx",
]
operations = st.lists(
    st.tuples(
        st.sampled_from(["alice", "Zoë Ω", "bob  "]),
        st.lists(
            st.tuples(st.sampled_from(["write", "remove", "chmod", "symlink"]), st.sampled_from(PATHS)),
            min_size=0,
            max_size=4,
        ),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations, st.data())
def test_a_line_of_commits_lists_what_git_log_lists(tmp_path_factory, script, draw):
    repo = GitRepo.init(tmp_path_factory.mktemp("s") / "m")
    repo.write(".eval_results/a.yaml", entry("x/one", 40.0, "https://e.org/0", False))
    repo.write("README.md", "# m\n")
    shas = [repo.commit("start")]
    for n, (author, ops) in enumerate(script):
        for op, path in ops:
            target = repo.path / path
            if op == "remove":
                if target.exists() or target.is_symlink():
                    target.unlink()
            elif op == "chmod" and target.is_file() and not target.is_symlink():
                target.chmod(target.stat().st_mode ^ stat.S_IXUSR)
            elif op == "symlink":
                if target.exists() or target.is_symlink():
                    target.unlink()
                target.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(f"target-{n}", target)
            else:
                if target.is_symlink():
                    target.unlink()
                repo.write(path, entry("x/one", 40.0 + n, f"https://e.org/{n}", n % 2 == 0))
        shas.append(repo.commit(f"step {n}", author=author))
    base = shas[draw.draw(st.integers(0, len(shas) - 1))]
    head = shas[-1]
    assert straight(repo, base, head) == logged(repo, base, head)


def test_other_shapes_are_left_to_git_log(tmp_path, monkeypatch):
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/a.yaml", entry("x/one", 40.0, "https://e.org/0", False))
    root = repo.commit("add", author="alice")
    repo.git("checkout", "-q", "-b", "side")
    repo.write(".eval_results/b.yaml", entry("x/two", 41.0, "https://e.org/1", False))
    side = repo.commit("side", author="bob")
    repo.git("checkout", "-q", "main")
    repo.write(".eval_results/a.yaml", entry("x/one", 45.0, "https://e.org/0", False))
    main = repo.commit("raise", author="carol")
    repo.git("merge", "-q", "--no-edit", "side")
    merged = repo.head()
    assert straight(repo, root, merged) is None  # a merge in the range
    assert straight(repo, main, side) is None  # the base is not on the head's line
    assert straight(repo, side, root) is None  # nor an ancestor at all: the root is reached first
    assert straight(repo, root, main) is not None
    assert straight(repo, root, root) == []  # an empty range is a line of none
    monkeypatch.setattr(git, "MAX_STRAIGHT_COMMITS", 0)
    assert straight(repo, root, main) is None  # longer than the bound
    monkeypatch.undo()
    assert straight(repo, root, main, max_files=0) is None  # a listing over a bound
    monkeypatch.setattr(git, "MAX_LINE_OBJECT_BYTES", 100)
    assert straight(repo, root, main) is None  # a commit or tree larger than it reads into memory
    fast = engine.run_audit(repo.path, rev_range=f"{root}..{main}", model="org/m")
    monkeypatch.undo()
    assert summary(fast) == summary(slow_audit(repo.path, f"{root}..{main}", monkeypatch))
    # a commit in another encoding (git log would re-encode its author)
    repo.git("config", "i18n.commitEncoding", "ISO-8859-1")
    repo.write(".eval_results/a.yaml", entry("x/one", 46.0, "https://e.org/0", False))
    latin = repo.commit("latin", author="dora")
    assert straight(repo, main, latin) is None
    # each of these audits the same on the quick path as on the careful one
    for rev_range in (f"{root}..{merged}", f"{main}..{side}", f"{main}..{latin}", f"{root}..{main}"):
        fast = engine.run_audit(repo.path, rev_range=rev_range, model="org/m")
        assert summary(fast) == summary(slow_audit(repo.path, rev_range, monkeypatch)), rev_range


def started_git(monkeypatch) -> list[str]:
    """The git commands the process starts from now on (their subcommand)."""
    started: list[str] = []
    real = git.start

    def counted(args, *rest, **kwargs):
        started.append(args[0])
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(git, "start", counted)
    return started


def test_a_linear_pr_starts_one_cat_file_and_one_blame_per_file_it_edits(tmp_path, monkeypatch):
    """No git log, no ls-tree: the range, both ends and the base are read through one cat-file;
    the blames are started from a guess before the range is replayed, and the replay adds none."""
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/a.yaml", entry("x/one", 40.0, "https://e.org/0", False))
    repo.write(".eval_results/b.yaml", entry("x/two", 50.0, "https://e.org/0", True))
    base = repo.commit("results", author="alice")
    repo.write(".eval_results/a.yaml", entry("x/one", 44.0, "https://e.org/0", False))
    repo.commit("raise one", author="bob")
    repo.write(".eval_results/b.yaml", entry("x/two", 55.0, "https://e.org/0", True))
    repo.commit("raise two", author="bob")
    repo.write("README.md", "# m\n")
    repo.commit("readme", author="bob")
    started = started_git(monkeypatch)
    fast = engine.run_audit(repo.path, rev_range=f"{base}..HEAD", model="org/m")
    assert sorted(started) == ["blame", "blame", "cat-file"]
    others = [f.message for f in fast.findings if f.rule == "value-edited-by-other-author"]
    assert len(others) == 2 and all("written by alice" in m for m in others)
    monkeypatch.undo()
    assert summary(fast) == summary(slow_audit(repo.path, f"{base}..HEAD", monkeypatch))


def test_a_value_edited_and_set_back_in_the_range_is_blamed_after_the_replay(tmp_path, monkeypatch):
    """The guess (values that differ at the head) misses it; the replay asks for it."""
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/a.yaml", entry("x/one", 40.0, "https://e.org/0", False))
    base = repo.commit("results", author="alice")
    repo.write(".eval_results/a.yaml", entry("x/one", 45.0, "https://e.org/0", False))
    repo.commit("raise", author="bob")
    repo.write(".eval_results/a.yaml", entry("x/one", 40.0, "https://e.org/0", False))
    repo.commit("set back", author="carol")
    started = started_git(monkeypatch)
    fast = engine.run_audit(repo.path, rev_range=f"{base}..HEAD", model="org/m")
    assert sorted(started) == ["blame", "cat-file"]
    assert any("written by alice" in f.message for f in fast.findings if f.rule == "value-edited-by-other-author")
    monkeypatch.undo()
    assert summary(fast) == summary(slow_audit(repo.path, f"{base}..HEAD", monkeypatch))


@pytest.mark.parametrize("quick", [True, False])
def test_the_previous_author_is_found_where_the_value_stood_at_the_base(tmp_path, monkeypatch, quick):
    """A range reformats a file (its lines move), then edits a value: the previous value is
    blamed at its line in the base, not at the line it held after the reformat (at the base
    another entry's line, written by someone else)."""
    repo = GitRepo.init(tmp_path / "m")
    first = entry("x/one", 40.0, "https://e.org/0", False)
    repo.write(".eval_results/a.yaml", first)
    repo.commit("one", author="alice")
    repo.write(".eval_results/a.yaml", first + entry("x/two", 50.0, "https://e.org/1", False))
    base = repo.commit("two", author="bob")
    flow = entry("x/one", 40.0, "https://e.org/0", True)
    repo.write(".eval_results/a.yaml", flow + entry("x/two", 50.0, "https://e.org/1", False))
    repo.commit("reformat", author="carol")
    repo.write(".eval_results/a.yaml", flow + entry("x/two", 55.0, "https://e.org/1", False))
    repo.commit("raise", author="dave")
    if quick:
        result = engine.run_audit(repo.path, rev_range=f"{base}..HEAD", model="org/m")
    else:
        result = slow_audit(repo.path, f"{base}..HEAD", monkeypatch)
    [other] = [f for f in result.findings if f.rule == "value-edited-by-other-author"]
    assert "written by bob" in other.message
    assert other.evidence["previous_commit"] == base
    [claim] = [c for c in result.claims if c.benchmark == "x/two"]
    assert claim.commit == repo.head()
