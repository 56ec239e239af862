"""The audit run: resolve the range, check the history is complete, walk it, judge each event.

For ``BASE..HEAD`` (what a PR adds) the state at the merge base is read from the tree at that
commit (one ``ls-tree`` and the blobs it lists), never by walking older history, so a PR audit
costs what the PR changed. Findings are reported only for commits inside the range.
"""
from __future__ import annotations

import dataclasses
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from evalledger import git
from evalledger.audit.context import EventContext, Origin
from evalledger.audit.rules import EVENT_MODULES, edits, retraction, verify
from evalledger.audit.rules.copies import Claim
from evalledger.audit.rules.published import PublishedRow, check_rows
from evalledger.audit.sources import README, RESULTS_DIR, WALK_PATHS, Entry, is_tracked
from evalledger.audit.timeline import DELETED, EDITED, FILE_INVALID, RESTORED, Event, ParseCache, Timeline
from evalledger.finding import Finding
from evalledger.policy import BenchmarkPolicy


class AuditError(Exception):
    """The history cannot be audited as asked (not a repo, bad range, shallow clone): exit 2."""


@dataclass
class AuditResult:
    findings: list[Finding]
    commits: int = 0  # commits that touched result files in the audited range
    files: int = 0  # result files changed
    claims: list[Claim] = field(default_factory=list)  # live entries at HEAD (cross-model checks)
    model: str = ""
    range: str | None = None


def model_id(repo: Path, given: str | None = None) -> str:
    """The model repo id: given, else from the origin URL (``.../org/name[.git]``), else the folder."""
    if given:
        return given
    url = git.remote_url(repo)
    if url:
        parts = [p for p in url.rstrip("/").removesuffix(".git").replace(":", "/").split("/") if p]
        if len(parts) >= 2:
            return "/".join(parts[-2:])
    return repo.name


class _Policies:
    def __init__(self, policy: BenchmarkPolicy | Mapping[str, BenchmarkPolicy] | None) -> None:
        self.single = policy if isinstance(policy, BenchmarkPolicy) else None
        self.by_benchmark = dict(policy) if isinstance(policy, Mapping) else {}
        self.default = self.by_benchmark.pop("*", None) or self.single or BenchmarkPolicy()

    def __call__(self, benchmark: str) -> BenchmarkPolicy:
        return self.by_benchmark.get(benchmark, self.default)


def _resolve_range(repo: Path, rev_range: str | None, deepen: bool, shallow: bool
                   ) -> tuple[str | None, str | None, list[str]]:
    """(merge base or None for full history, head sha, revs for git log)."""
    if rev_range is None:
        head = git.rev_parse(repo, "HEAD")
        if head is None:
            return None, None, []
        if shallow:
            _deepen_or_fail(repo, deepen, "the whole history was asked for")
        return None, head, [head]
    if "..." in rev_range:
        base_rev, head_rev = rev_range.split("...", 1)
    elif ".." in rev_range:
        base_rev, head_rev = rev_range.split("..", 1)
    else:
        raise AuditError(f"--range {rev_range!r} is not of the form BASE..HEAD")
    base_rev, head_rev = base_rev or "HEAD", head_rev or "HEAD"
    for attempt in (0, 1):
        base, head = git.rev_parse(repo, base_rev), git.rev_parse(repo, head_rev)
        if head is None:
            raise AuditError(f"--range {rev_range}: {head_rev!r} is not a commit in {repo}")
        merge_base = git.merge_base(repo, base, head) if base else None
        if base is not None and merge_base is not None:
            break
        if not shallow or attempt:
            if base is None:
                raise AuditError(f"--range {rev_range}: {base_rev!r} is not a commit in {repo}")
            raise AuditError(f"--range {rev_range}: {base_rev} and {head_rev} share no history")
        missing = f"base {base_rev} is not in this shallow clone" if base is None else \
            f"the merge base of {base_rev} and {head_rev} is beyond this shallow clone's depth"
        _deepen_or_fail(repo, deepen, missing)
        shallow = False
    revs = [f"{base}..{head}"]
    if shallow:
        cut = git.shallow_commits(repo)
        if cut and cut & set(git.rev_list(repo, revs)):
            _deepen_or_fail(repo, deepen, "commits of the range have parents this shallow clone lacks")
    return merge_base, head, revs


def _deepen_or_fail(repo: Path, deepen: bool, why: str) -> None:
    if not deepen:
        raise AuditError(
            f"{repo} is a shallow clone and {why}; the audit will not report on history it cannot see. "
            "Fetch the full history (`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout) "
            "or pass --deepen to let the audit fetch it")
    try:
        git.fetch_unshallow(repo)
    except git.GitError as exc:
        raise AuditError(f"{repo} is a shallow clone and {why}; --deepen failed: {exc.stderr or exc}") from None


def _split_range(rev_range: str) -> tuple[str, str] | None:
    if "..." in rev_range:
        base_rev, head_rev = rev_range.split("...", 1)
    elif ".." in rev_range:
        base_rev, head_rev = rev_range.split("..", 1)
    else:
        return None
    return base_rev or "HEAD", head_rev or "HEAD"


@dataclass
class _Quick:
    """The common PR case in the fewest git processes (each costs a few milliseconds to start,
    which is most of what a PR-sized audit costs): the walk of the range and the blob reader,
    started at once. Both ends are resolved through the blob reader; the walk is not
    path-limited (a range is short) so it lists every commit with its real parents, and the
    base is the merge base when it is a parent of a commit of the range (checked after the walk;
    otherwise the audit starts again on the careful path)."""

    top: Path
    head: str
    merge_base: str
    stream: git.ChangeStream
    blobs: git.BlobReader
    seen: set = field(default_factory=set)
    parents: set = field(default_factory=set)

    def commits(self) -> Iterator[git.CommitChanges]:
        """The walk, with only the result files' changes kept."""
        for commit in self.stream:
            self.seen.add(commit.sha)
            self.parents.update(commit.parents)
            changes = tuple(c for c in commit.changes if _walked(c.path))
            yield commit if len(changes) == len(commit.changes) else dataclasses.replace(commit, changes=changes)

    def confirmed(self) -> bool:
        return self.merge_base in self.parents and self.merge_base not in self.seen


class _NotQuick(Exception):
    pass


def _walked(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in WALK_PATHS)


def _quick_range(repo: str | os.PathLike[str], rev_range: str | None) -> _Quick | None:
    """None: take the careful path (shallow clones, errors, unusual layouts), which also words
    every error."""
    revs = _split_range(rev_range) if rev_range is not None else None
    start = Path(repo)
    dot = start / ".git"
    if revs is None or any(not r or r.startswith("-") for r in revs) or not (dot / "HEAD").is_file() \
            or (dot / "shallow").exists() or any(v in os.environ for v in ("GIT_DIR", "GIT_WORK_TREE")):
        return None
    stream, blobs = git.start_together([
        lambda: git.ChangeStream(start, [f"{revs[0]}..{revs[1]}"], (), oldest_first=False),
        lambda: git.BlobReader(start)])
    ends = blobs.read_batch([f"{rev}^{{commit}}" for rev in revs])  # one round trip
    if any(end.data is None for end in ends):
        stream.close()
        blobs.close()
        return None
    base, head = ends[0].oid, ends[1].oid
    return _Quick(start.resolve(), head, base, stream, blobs)


def run_audit(repo: str | os.PathLike[str], *, rev_range: str | None = None,
              policy: BenchmarkPolicy | Mapping[str, BenchmarkPolicy] | None = None,
              published_commits: Iterable[str] | Mapping[str, Mapping] | Iterable[PublishedRow] | None = None,
              model: str | None = None, deepen: bool = False, write_commit_graph: bool = False,
              label: str = "", early: Any = None) -> AuditResult:
    """``early``: an ``evalledger.audit.early.EarlyWalk`` of this repo's whole history, started
    before the imports; used when it fits what is audited (else ignored; the caller closes it)."""
    args = dict(rev_range=rev_range, policy=policy, published_commits=published_commits, model=model,
                deepen=deepen, write_commit_graph=write_commit_graph, label=label, early=early)
    try:
        return _run_audit(repo, quick_ok=True, **args)
    except _NotQuick:
        return _run_audit(repo, quick_ok=False, **args)


def _run_audit(repo: str | os.PathLike[str], *, rev_range: str | None,
               policy: BenchmarkPolicy | Mapping[str, BenchmarkPolicy] | None,
               published_commits: Iterable[str] | Mapping[str, Mapping] | Iterable[PublishedRow] | None,
               model: str | None, deepen: bool, write_commit_graph: bool, label: str,
               quick_ok: bool, early: Any = None) -> AuditResult:
    quick = _quick_range(repo, rev_range) if quick_ok and Path(repo).exists() and not write_commit_graph else None
    blobs_early = None
    if quick is not None:
        top, head, base, stream, blobs_early = quick.top, quick.head, quick.merge_base, quick.stream, quick.blobs
    if quick is None:
        state = git.repo_state(repo) if Path(repo).exists() else None
        if state is None:
            raise AuditError(f"{repo} is not inside a git repository")
        top, shallow = state
        base, head, revs = _resolve_range(top, rev_range, deepen, shallow)
        if head is None:  # a repository without commits has no history to audit
            return AuditResult([], model=model_id(top, model), range=rev_range)
        if write_commit_graph:
            git.write_commit_graph(top)
        # git walks while the rest is set up
        if base is None:
            fits = early is not None and not shallow and not write_commit_graph and early.root == top.resolve()
            stream = _Walk(top, revs, early if fits else None)
        else:
            stream = git.ChangeStream(top, revs, WALK_PATHS, oldest_first=False)
    model_name = model_id(top, model)
    policies = _Policies(policy)
    result = AuditResult([], model=model_name, range=rev_range)
    prefix = f"{label}/" if label else ""
    try:
        with blobs_early or git.BlobReader(top) as blobs:
            cache = ParseCache(lambda oid: blobs.read(oid).data)
            timeline = Timeline(cache)
            origins: dict[tuple, Origin] = {}
            base_files: dict[str, str] = {}
            if base is not None:
                listed = git.tree_files(blobs, base, WALK_PATHS)
                base_files = git.ls_tree(top, base, WALK_PATHS) if listed is None else listed
                timeline.load(base_files)
            files = set()
            blamed: dict[tuple[str, int], tuple[str, str, str] | None] = {}
            running: list = []  # base blames started, read on the first question (judging runs meanwhile)

            def blame(entry: Entry) -> Origin | None:
                if base is None:
                    return None
                if running:
                    blamed.update(running.pop())
                where = (entry.path, entry.value_line)
                found = blamed[where] if where in blamed else git.blame_line(top, base, entry.path,
                                                                              entry.value_line)
                return Origin(*found) if found else None

            applied = []
            if isinstance(stream, _Walk):
                walked = stream.commits(cache, blobs)
            elif quick is not None:
                walked = _read_ahead(quick.commits(), cache, blobs)
                if not quick.confirmed():
                    raise _NotQuick
            else:
                walked = _read_ahead(stream, cache, blobs)
            for commit in walked:
                if not commit.changes:
                    continue
                events, problems = timeline.apply(commit.changes)
                if not events and not problems:
                    continue
                if base is None:  # whole history: judged as it is read, nothing is held
                    _judge_commit((commit, events, problems), result, files, model_name, policies,
                                  origins, blame)
                else:  # a range: judged once all of it is read, so its blames run together
                    applied.append((commit, events, problems))
            if applied:
                running.append(_blame_base_entries(top, base, applied, base_files, blobs))
                for item in applied:
                    _judge_commit(item, result, files, model_name, policies, origins, blame)
                if running:  # no rule asked: the processes are still read to the end
                    dict(running.pop())
            result.files = len(files)
            for entry in timeline.entries():
                if entry.value is not None:
                    origin = origins.get(entry.key)
                    result.claims.append(Claim(model_name, entry.benchmark, entry.task, entry.setup,
                                               entry.value, prefix + entry.path, entry.value_line,
                                               origin.commit if origin else None))
    finally:
        stream.close()
    return _finish(result, published_commits, top, head, model_name, prefix)


def _blame_base_entries(top: Path, base: str, applied: list, base_files: dict[str, str], blobs: git.BlobReader
                        ) -> Mapping[tuple[str, int], tuple[str, str, str] | None]:
    """Who wrote, before the range, the values the range changes: the lines ``_judge`` would blame
    one by one (found by replaying which keys get an origin inside the range), asked with one
    ``git blame`` per file, the files' blames running at once. A line a batch does not answer is
    left out and blamed on demand as before. Returns once the blames are started: they are read on
    the first look into the mapping, so judging runs while git blames."""
    wanted: dict[str, set[int]] = {}
    known: set[tuple] = set()
    for _, events, _ in applied:
        for event in events:
            old, new = event.old, event.new
            if event.kind in (EDITED, RESTORED) and old is not None and new is not None \
                    and old.value is not None and new.value is not None and old.value != new.value \
                    and old.key not in known:
                wanted.setdefault(old.path, set()).add(old.value_line)
                known.add(old.key)
            if new is not None and (old is None or old.value != new.value or old.key in known):
                known.add(new.key)
    asked = []
    for path, lines in wanted.items():  # all reads first: a started blame would slow them
        oid = base_files.get(path)
        data = blobs.read(oid).data if oid else None
        if not data:
            continue
        count = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        lines = {line for line in lines if 1 <= line <= count}  # git blame refuses the whole batch
        if lines:
            asked.append((path, lines))
    started = git.start_together([lambda path=path, lines=lines: git.blame_lines(top, base, path, sorted(lines))
                                  for path, lines in asked])
    return _BaseBlames([(path, lines, pending) for (path, lines), pending in zip(asked, started)])


class _BaseBlames(Mapping):
    """(path, line) -> (commit, author name, author email), of blames started at once and read
    on first use."""

    def __init__(self, started: list) -> None:
        self._started = started
        self._found: dict[tuple[str, int], tuple[str, str, str] | None] | None = None

    def _read(self) -> dict[tuple[str, int], tuple[str, str, str] | None]:
        if self._found is None:
            found: dict[tuple[str, int], tuple[str, str, str] | None] = {}
            for path, lines, pending in self._started:
                status, out = pending.result()
                if status != 0:
                    continue
                by_line = git.parse_blame(out)
                for line in lines:
                    if line in by_line:
                        found[(path, line)] = by_line[line]
            self._found = found
        return self._found

    def __getitem__(self, key: tuple[str, int]) -> tuple[str, str, str] | None:
        return self._read()[key]

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


def _judge_commit(item: tuple, result: AuditResult, files: set, model_name: str, policies: _Policies,
                  origins: dict[tuple, Origin], blame) -> None:
    commit, events, problems = item
    result.commits += 1
    files.update(c.path for c in commit.changes)
    for event in events:
        result.findings.extend(_judge(event, commit, model_name, policies, origins, blame))
        _remember(event, commit, origins)
    for problem in problems:
        vanished = [e.old for e in events if e.kind == DELETED and e.reason == FILE_INVALID
                    and e.old is not None and e.old.path == problem.path]
        if not vanished:
            result.findings.append(Finding(
                problem.path, problem.line, 1, retraction.RESULTS_FILE_INVALID.id,
                retraction.RESULTS_FILE_INVALID.severity,
                f"{problem.path} is not a valid results file: {problem.message}",
                commit=commit.sha, evidence={"model": model_name}))
        result.findings.extend(_judge_stray(problem, vanished, commit, model_name, policies))


def _finish(result: AuditResult, published_commits, top: Path, head: str, model_name: str,
            prefix: str) -> AuditResult:
    if published_commits is not None:
        rows = _published_rows(published_commits)
        result.findings.extend(check_rows(rows, lambda sha: git.commit_exists(top, sha),
                                          lambda sha: git.is_ancestor(top, sha, head), model_name))
    if prefix:
        result.findings = [_prefixed(f, prefix) for f in result.findings]
    result.findings.sort()
    return result


class _Walk:
    """The whole history of the result files, as two walks run at once: one of ``.eval_results``
    and one of README.md. git (before 2.41 or so) uses the changed-path Bloom filters for a single
    path only; with both paths in one walk it diffs every commit's tree, which takes about twice
    as long. Both walks list commits in the order of the same revision walk, so the README.md
    changes are merged into the commits of the first; a commit that changes README.md alone
    (rare: a model-index edit without a results edit) sends the audit to the combined walk."""

    def __init__(self, top: Path, revs: list[str], early: Any = None) -> None:
        self.top, self.revs = top, revs
        if early is not None:  # started before the imports, on HEAD (which revs resolve)
            self.results, self.readme = early.results, early.readme
        else:
            self.results = git.ChangeStream(top, revs, (RESULTS_DIR,), oldest_first=False)
            self.readme = git.ChangeStream(top, revs, (README,), oldest_first=False)
        self.combined: git.ChangeStream | None = None

    def commits(self, cache: ParseCache, blobs: git.BlobReader) -> list[git.CommitChanges]:
        readme: list[git.CommitChanges] = []
        failed: list[BaseException] = []

        def read() -> None:
            try:
                readme.extend(c for c in self.readme if c.changes)
            except BaseException as exc:  # re-raised in the caller's thread
                failed.append(exc)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            commits = _read_ahead(self.results, cache, blobs)
        finally:
            reader.join()
        if failed:
            raise failed[0]
        position = {commit.sha: i for i, commit in enumerate(commits)}
        if any(commit.sha not in position for commit in readme):
            self.combined = git.ChangeStream(self.top, self.revs, WALK_PATHS, oldest_first=False)
            return _read_ahead(self.combined, cache, blobs)
        for commit in readme:  # README.md sorts after .eval_results/, as in the combined walk
            i = position[commit.sha]
            commits[i] = dataclasses.replace(commits[i], changes=commits[i].changes + commit.changes)
        return commits

    def close(self) -> None:
        for stream in (self.results, self.readme, self.combined):
            if stream is not None:
                stream.close()


def _read_ahead(newest_first: Iterable[git.CommitChanges], cache: ParseCache, blobs: git.BlobReader,
                size: int = 256) -> list[git.CommitChanges]:
    """All commits of the walk, oldest first, with their new blobs already parsed.

    git prints newest first while it walks; reading and parsing each batch of blobs meanwhile
    keeps both cores busy (``--reverse`` would make git finish its walk before printing a line).
    What is held is the commit list and one parsed version per changed file: the size of the
    result edits, not of the history."""
    commits: list[git.CommitChanges] = []
    batch: list[git.CommitChanges] = []

    def flush() -> None:
        wanted = list(dict.fromkeys((c.path, c.new_oid) for commit in batch for c in commit.changes
                                    if c.new_oid and is_tracked(c.path) and not cache.is_ahead(c.path, c.new_oid)))
        read = blobs.read_batch([oid for _, oid in wanted])
        cache.parse_ahead([(path, oid, blob.data) for (path, oid), blob in zip(wanted, read)])
        commits.extend(batch)

    for commit in newest_first:
        batch.append(commit)
        if len(batch) >= size:
            flush()
            batch = []
    if batch:
        flush()
    commits.reverse()
    return commits


def _judge(event: Event, commit: git.CommitChanges, model: str, policies: _Policies,
           origins: dict[tuple, Origin], blame) -> list[Finding]:
    entry = event.new or event.old
    assert entry is not None
    old = event.old

    def origin() -> Origin | None:
        if old is None:
            return None
        found = origins.get(old.key)
        if found is None:
            found = blame(old)
            if found is not None:
                origins[old.key] = found
        return found

    ctx = EventContext(event, commit, model, policies(entry.benchmark), origin)
    findings: list[Finding] = []
    for module in EVENT_MODULES:
        findings.extend(module.check(ctx))
    return findings


def _judge_stray(problem, vanished: list[Entry], commit: git.CommitChanges, model: str,
                 policies: _Policies) -> list[Finding]:
    """A results file replaced by a legacy model-index: compare what it now says with what it held."""
    findings: list[Finding] = []
    for old in vanished:
        matches = [s for s in problem.stray if s.benchmark == old.benchmark]
        if len(matches) != 1:
            continue
        # reported under the entry it replaced, so the finding marks that leaderboard row
        stray = dataclasses.replace(matches[0], task=old.task, setup=old.setup)
        event = Event(EDITED, old, stray)
        ctx = EventContext(event, commit, model, policies(old.benchmark), lambda: None)
        for module in (edits, verify):
            findings.extend(f for f in module.check(ctx) if f.rule != edits.VALUE_CHANGED.id)
    return findings


def _remember(event: Event, commit: git.CommitChanges, origins: dict[tuple, Origin]) -> None:
    if event.new is None:
        return
    if event.old is None or event.old.value != event.new.value:
        origins[event.new.key] = Origin(commit.sha, commit.author_name, commit.author_email)
    elif event.old.key != event.new.key and event.old.key in origins:
        origins[event.new.key] = origins[event.old.key]


def _published_rows(published: Any) -> list[PublishedRow]:
    rows = []
    if isinstance(published, Mapping):
        for sha, fields in published.items():
            rows.append(PublishedRow(sha, str(fields.get("path", "leaderboard")), int(fields.get("line", 1)),
                                     dict(fields)))
        return rows
    for item in published:
        rows.append(item if isinstance(item, PublishedRow) else PublishedRow(str(item), "leaderboard", 1, {}))
    return rows


def _prefixed(f: Finding, prefix: str) -> Finding:
    if f.path.startswith(prefix) or f.rule == "published-commit-unreachable":
        return f
    return Finding(prefix + f.path, f.line, f.column, f.rule, f.severity, f.message, commit=f.commit,
                   old=f.old, new=f.new, evidence=f.evidence)


def published_check(repo: str | os.PathLike[str], rows: Iterable[PublishedRow], model: str) -> list[Finding]:
    """Leaderboard rows whose recorded commit is gone from ``repo`` (history rewritten)."""
    top = git.toplevel(repo)
    if top is None:
        raise AuditError(f"{repo} is not inside a git repository")
    head = git.rev_parse(top, "HEAD") or "HEAD"
    return list(check_rows(rows, lambda sha: git.commit_exists(top, sha),
                           lambda sha: git.is_ancestor(top, sha, head), model))
