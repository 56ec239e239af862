"""The lint library: what ``evalledger lint`` runs, callable by aggregate and audit.

``lint_results_bytes`` checks one results file's bytes (per-file rules only: a blob from git
history or a collected model repo); ``lint_paths`` checks files and directories on disk,
including the cross-file rules (duplicate entries in a repo, scale disagreements per task).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from evalledger.finding import ERROR, Finding
from evalledger.formats.model_index import load_card
from evalledger.formats.results import RESULTS_DIR, ResultEntry, read_entries
from evalledger.formats.spec import Spec, read_spec
from evalledger.lint import files as lint_files
from evalledger.lint import places, registry
from evalledger.lint.context import Context
from evalledger.lint.registry import Table, dispatch
from evalledger.lint.results import check_results
from evalledger.lint.rules.benchmark import spec_for
from evalledger.lint.rules.input import UNREADABLE_FILE, UNREADABLE_RULES
from evalledger.lint.rules.suppression import CONFIG_INVALID, RULE_ID_UNKNOWN, UNUSED_SUPPRESSION
from evalledger.policy import POLICY_FILE, POLICY_INVALID, BenchmarkPolicy
from evalledger.yamlsource import (
    BINARY_FILE,
    DEFAULT_LIMITS,
    FILE_TOO_LARGE,
    NOT_UTF8,
    RAISE_HINT,
    YAML_ALIAS_LIMIT,
    YAML_DEPTH_LIMIT,
    YAML_SYNTAX,
    Document,
    Limits,
    Node,
    NotRegularFile,
    YamlLoadError,
    load,
    read_file,
)

if TYPE_CHECKING:  # imported when a file has a suppression comment
    from evalledger.selection import RuleSelection, Suppression

MARK = b"evalledger:"  # evalledger.selection.MARK: a file without it has no suppression comment


# a file that could not be read or parsed was not checked at all, and a config or policy that cannot
# be read is not (all) applied: these are reported whatever --select, --ignore, a suppression comment
# or the policy's own `lint:` section say (`lint: {select: 3}` would otherwise hide itself)
ALWAYS_REPORTED = UNREADABLE_RULES | {
    rule.id
    for rule in (
        FILE_TOO_LARGE,
        BINARY_FILE,
        NOT_UTF8,
        YAML_SYNTAX,
        YAML_DEPTH_LIMIT,
        YAML_ALIAS_LIMIT,
        CONFIG_INVALID,
        POLICY_INVALID,
    )
}


@dataclass
class LintRun:
    """Findings of one run (sorted), how many files were checked, and the entries read."""

    findings: list[Finding]
    files: int
    entries: dict[str, list[ResultEntry]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # said on stderr: nothing found, a near miss
    kinds: dict[str, str | None] = field(default_factory=dict)  # what each file was linted as
    # the run's selection for one file's findings and bytes (--fix picks later passes' with it)
    keep: Callable[[str, bytes, list[Finding]], list[Finding]] | None = None

    @property
    def unreadable(self) -> bool:
        """Some input could not be read at all (the CLI exits 2)."""
        return any(f.rule in UNREADABLE_RULES for f in self.findings)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)


def _today() -> datetime.date:
    return datetime.datetime.now(datetime.timezone.utc).date()


def _load(data: bytes | str, path: str, limits: Limits, line_offset: int = 0) -> tuple[Document | None, list[Finding]]:
    try:
        doc = load(data, path, limits=limits, line_offset=line_offset)
    except YamlLoadError as exc:
        finding = exc.to_finding(path)
        return None, [finding]
    return doc, list(doc.problems)


def check_results_root(
    root: Node | None,
    path: str,
    *,
    specs: Sequence[Spec] = (),
    today: datetime.date | None = None,
    checks: Table | None = None,
) -> tuple[list[ResultEntry], list[Finding]]:
    """Per-file results rules over an already parsed tree (``checks``: the selection's, or all)."""
    ctx = Context(path, checks)
    check_results(root, ctx, today or _today())
    entries = read_entries(root)
    if specs:
        for entry in entries:
            spec = spec_for(entry.dataset_id, specs)
            if spec is not None:
                dispatch(places.ENTRY_SPEC, ctx, entry, spec)
                _keep_percent_fix_for_percent(entry, spec, ctx)
    return entries, ctx.findings


def _keep_percent_fix_for_percent(entry: ResultEntry, spec: Spec, ctx: Context) -> None:
    """`"85%"` -> `85` is a fix only where the task's unit is percent or undeclared: on a
    fraction task it might mean 0.85, so it stays a finding without a fix."""
    policy = spec.policy
    if policy is None or policy.for_task(entry.task_id or "").unit in (None, "percent"):
        return
    node = entry.node.get("value")
    if node is None or node.kind != "scalar" or not str(node.value).strip().endswith("%"):
        return
    import dataclasses

    ctx.findings[:] = [
        dataclasses.replace(f, fix=None) if (f.line, f.column) == (node.line, node.column) and f.fix is not None else f
        for f in ctx.findings
    ]


def lint_results_bytes(
    data: bytes,
    path: str,
    *,
    spec: Spec | Sequence[Spec] | None = None,
    policy: BenchmarkPolicy | None = None,
    limits: Limits | None = None,
    today: datetime.date | None = None,
) -> tuple[list[ResultEntry], list[Finding]]:
    """Entries and findings of one `.eval_results` file's bytes (per-file rules only).

    ``spec`` (one Spec or several, see ``evalledger.lint.benchmark``) adds the task-id check and,
    with ``policy`` (a BenchmarkPolicy, overriding the spec's own), the unit and bounds checks.
    Input that cannot be parsed gives no entries and one finding; nothing raises.
    """
    doc, findings = _load(data, path, limits or DEFAULT_LIMITS)
    if doc is None:
        return [], findings
    specs: list[Spec] = []
    if spec is not None:
        specs = [spec] if isinstance(spec, Spec) else list(spec)
        if policy is not None:
            specs = [s.with_target(s.dataset_id, policy) for s in specs]
    entries, more = check_results_root(doc.root, path, specs=specs, today=today)
    findings.extend(more)
    findings.sort()
    return entries, findings


def lint_spec_bytes(data: bytes, path: str, *, limits: Limits | None = None) -> tuple[Spec | None, list[Finding]]:
    """A benchmark spec's task ids and every spec finding (structure, Inspect AI fields)."""
    from evalledger.lint.spec import check_spec

    doc, findings = _load(data, path, limits or DEFAULT_LIMITS)
    if doc is None:
        return None, findings
    ctx = Context(path)
    check_spec(doc.root, ctx)
    findings.extend(ctx.findings)
    findings.sort()
    return read_spec(doc.root, path), findings


def lint_model_index_bytes(
    data: bytes, path: str, *, limits: Limits | None = None, markdown: bool | None = None, checks: Table | None = None
) -> list[Finding]:
    """Findings for legacy `model-index` metadata: README.md front matter, or a bare YAML file."""
    from evalledger.lint.model_index import check_card

    limits = limits or DEFAULT_LIMITS
    is_markdown = path.lower().endswith(".md") if markdown is None else markdown
    if is_markdown:
        try:
            doc = load_card(data, path, limits=limits)
        except YamlLoadError as exc:
            return [exc.to_finding(path)]
        if doc is None:
            return []  # no metadata block: huggingface_hub treats the card as empty, so do we
        findings = list(doc.problems)
    else:
        doc, findings = _load(data, path, limits)
        if doc is None:
            return findings
    ctx = Context(path, checks)
    check_card(doc.root, ctx)
    findings.extend(ctx.findings)
    findings.sort()
    return findings


def _sniff(root: Node | None, path: str) -> str:
    """Kind of a file whose path says nothing: a list is results, `tasks` a spec."""
    if root is not None and root.kind == "map":
        if "tasks" in root.value:
            return lint_files.SPEC
        if "model-index" in root.value:
            return lint_files.MODEL_INDEX
    return lint_files.RESULTS


def _read(path: str, limits: Limits) -> bytes | Finding:
    """The file's bytes, or the finding that says why they are not read."""
    which = "a model card" if path.lower().endswith(".md") else "a YAML file"
    try:
        return read_file(path, limits, what=which, hint=RAISE_HINT)
    except NotRegularFile as exc:  # a FIFO swapped in after the walk looked
        return lint_files.special_problem(path, exc.what)
    except YamlLoadError as exc:
        return exc.to_finding(path)
    except OSError as exc:
        return Finding(
            path, 1, 1, UNREADABLE_FILE.id, UNREADABLE_FILE.severity, f"cannot read file: {exc.strerror or exc}"
        )


def lint_paths(
    paths: Iterable[str],
    *,
    kind: str | None = None,
    benchmark: Sequence[str | Spec] | str | None = None,
    limits: Limits | None = None,
    today: datetime.date | None = None,
    repo_context: bool = False,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    config: bool = True,
) -> LintRun:
    """Lint files and directories; ``kind`` forces results/spec/model-index (None: by path).

    ``benchmark``: --benchmark arguments (paths, ``ID=PATH``) or Spec objects. Raises
    ``evalledger.lint.benchmark.BenchmarkError`` when an argument names no spec.
    ``repo_context``: the cross-file rules also see the other result files of the repos the
    results files belong to (as staged, see ``files.repo_context``), and report only on the files
    linted: what a hook handed only the changed files needs.
    ``select``/``ignore``: rule ids or prefixes (``evalledger.selection``), over the config of each
    file's repository (``config=False``: none read); ``# evalledger: ignore[...]`` comments apply.
    """
    limits = limits or DEFAULT_LIMITS
    today = today or _today()
    findings: list[Finding] = []
    specs: list[Spec] = []
    if benchmark:
        from evalledger.lint.benchmark import resolve

        arguments = [benchmark] if isinstance(benchmark, str) else list(benchmark)
        named = [a for a in arguments if isinstance(a, str)]
        specs = [a for a in arguments if isinstance(a, Spec)]
        if named:
            resolved, problems = resolve(named, limits=limits)
            specs.extend(resolved)
            findings.extend(problems)
    benchmarks = {os.path.realpath(spec.path) for spec in specs}  # their policies are read
    if kind == "auto":
        kind = None
    paths = list(paths)
    near_misses: list[str] = []
    targets, problems = lint_files.discover(paths, kind, near_misses)
    findings.extend(problems)
    if kind in (None, lint_files.SPEC) and any(os.path.basename(t.path) == POLICY_FILE for t in targets):
        targets = _policy_targets(targets, findings)
    run = LintRun(findings, 0)
    run.notes = _notes(paths, kind, targets, problems, near_misses)
    results_files: list[tuple[str, str, list[ResultEntry]]] = []
    suppressions: dict[str, list[Suppression]] = {}
    selections = _Selections(paths, select, ignore, config)
    for target in targets:
        checks = selections.checks(target.path)
        if target.kind == _POLICY_ALONE:
            from evalledger.policy import read_policy

            run.files += 1
            findings.extend(read_policy(target.path)[1])
            continue
        data = _read(target.path, limits)
        run.files += 1
        if isinstance(data, Finding):
            findings.append(data)
            continue
        if MARK in data:  # the one cost of suppression comments for a file without any
            from evalledger.selection import read_suppressions

            suppressions[target.path] = read_suppressions(
                data, markdown=target.kind == lint_files.MODEL_INDEX and target.path.lower().endswith(".md")
            )
        target_kind = target.kind
        run.kinds[target.path] = target_kind
        if target_kind == lint_files.MODEL_INDEX:
            findings.extend(lint_model_index_bytes(data, target.path, limits=limits, checks=checks))
            continue
        doc, loaded = _load(data, target.path, limits)
        findings.extend(loaded)
        if doc is None:
            continue
        if target_kind is None:
            target_kind = _sniff(doc.root, target.path)
        run.kinds[target.path] = target_kind
        if target_kind == lint_files.SPEC:
            findings.extend(_spec_findings(doc.root, target.path, checks, benchmarks))
        elif target_kind == lint_files.MODEL_INDEX:
            from evalledger.lint.model_index import check_card

            ctx = Context(target.path, checks)
            check_card(doc.root, ctx)
            findings.extend(ctx.findings)
        else:
            ctx = Context(target.path, checks)
            dispatch(places.RESULTS_FILE, ctx)
            findings.extend(ctx.findings)
            entries, more = check_results_root(doc.root, target.path, specs=specs, today=today, checks=checks)
            findings.extend(more)
            run.entries[target.path] = entries
            results_files.append((target.path, lint_files.repo_key(target.path), entries))
    # a check across files runs when the selection of any results file keeps it
    across = selections.union([path for path, _, _ in results_files])
    if repo_context and results_files and registry.wanted(places.REPO_FILES, Context("", across)):
        context = _context_files([path for path, _, _ in results_files], limits, run.notes)
        linted = {path for path, _, _ in results_files}
        # context first: an entry of a linted file that repeats a context entry is the second one
        findings.extend(f for f in cross_file_findings(context + results_files, specs, across) if f.path in linted)
    else:
        findings.extend(cross_file_findings(results_files, specs, across))
    findings.extend(base_model_findings(results_files, limits, selections.checks))
    run.findings, run.keep = _selected(findings, suppressions, [t.path for t in targets], selections)
    run.findings.sort()
    return run


def _spec_findings(root: Node | None, path: str, checks: Table, benchmarks: set[str]) -> list[Finding]:
    """An eval.yaml's findings, and those of the policy beside it (``lint.benchmark.policy_beside``:
    what lint --benchmark reports, so not again for a spec in ``benchmarks``; none when the spec has
    no task list, as in ``load_benchmark``)."""
    from evalledger.lint.spec import check_spec

    ctx = Context(path, checks)
    check_spec(root, ctx)
    if os.path.realpath(path) in benchmarks:
        return ctx.findings
    spec = read_spec(root, path)
    if spec is not None:
        from evalledger.lint.benchmark import policy_beside

        ctx.findings.extend(policy_beside(spec)[1])
    return ctx.findings


_POLICY_ALONE = "policy"  # a target kind of lint_paths' own: a .evalledger.yaml with no spec beside it


def _policy_targets(targets: list[lint_files.Target], findings: list[Finding]) -> list[lint_files.Target]:
    """A ``.evalledger.yaml`` given to lint (check-eval-spec is handed it when only the policy
    changed) is checked through the ``eval.yaml`` beside it: that spec is linted, and with it its
    policy (``lint.benchmark.policy_beside``), task ids included. A policy with no spec beside it
    is checked on its own (every problem but the task-id check); it is never linted as a spec."""
    from evalledger.lint.benchmark import spec_beside

    given = {os.path.realpath(t.path) for t in targets if os.path.basename(t.path) != POLICY_FILE}
    kept: list[lint_files.Target] = []
    for target in targets:
        if os.path.basename(target.path) != POLICY_FILE:
            kept.append(target)
            continue
        spec = spec_beside(target.path)
        if spec is None:
            kept.append(lint_files.Target(target.path, _POLICY_ALONE))
        elif os.path.realpath(spec) not in given:
            given.add(os.path.realpath(spec))
            found, problems = lint_files.discover([spec], lint_files.SPEC, [])
            kept.extend(found)
            findings.extend(problems)
    return kept


def _context_files(paths: list[str], limits: Limits, notes: list[str]) -> list[tuple[str, str, list[ResultEntry]]]:
    """(path, repo, entries) of the other result files of the repos of ``paths``; a file that
    cannot be read or parsed adds nothing (its own lint run reports it), a repo over the file
    count limit adds a note instead."""
    staged, on_disk = lint_files.repo_context(paths, limits.max_bytes, notes)
    for path in on_disk:
        read = _read(path, limits)
        staged.append((path, read if isinstance(read, bytes) else None))
    context = []
    for path, data in staged:
        doc = _load(data, path, limits)[0] if data is not None else None
        if doc is not None:
            context.append((path, lint_files.repo_key(path), read_entries(doc.root)))
    return context


class _Selections:
    """The selection of each file's repository (its config, then ``select``/``ignore``), read once
    per config root; and the checks each selection keeps (``registry.table``), built once."""

    def __init__(self, paths: list[str], select: Sequence[str] | None, ignore: Sequence[str], config: bool) -> None:
        self.paths = paths
        self.select = select
        self.ignore = ignore
        self.config = config
        self.roots: dict[str, str] = {}  # directory -> config root
        self.tops: list[str] = []  # folders given on the command line (looked up only outside a repository)
        self.selections: dict[str, RuleSelection] = {}
        self.problems: list[Finding] = []  # the configs' own
        self.tables: dict[int, Table] = {}  # id(selection) -> its checks (no per-file-ignores)
        self.by_path: dict[str, Table] = {}

    def __call__(self, path: str) -> RuleSelection:
        directory = os.path.dirname(path) or "."
        root = self.roots.get(directory)
        if root is None:
            root = self.roots[directory] = _config_root(directory, self.paths, self.tops)
        found = self.selections.get(root)
        if found is None:
            from evalledger.lint.registry import RULES
            from evalledger.selection import RuleSelection, read_config

            settings, met = read_config(root, RULES) if self.config else (None, [])
            self.problems.extend(met)
            found = self.selections[root] = RuleSelection.of(
                RULES,
                self.select,
                self.ignore,
                settings,
                ALWAYS_REPORTED,
                sticky=(UNUSED_SUPPRESSION.id, RULE_ID_UNKNOWN.id),
            )
        return found

    def checks(self, path: str) -> Table:
        """The checks to run on one file: those with a rule its selection keeps (memoised: the
        walk, the checks across files and the base-model check each ask)."""
        table = self.by_path.get(path)
        if table is None:
            chosen = self(path)
            if chosen.per_file_ignores:
                table = registry.table(lambda rule: chosen.allows(rule, path))
            else:
                table = self.tables.get(id(chosen))
                if table is None:
                    table = self.tables[id(chosen)] = registry.table(chosen.allows)
            self.by_path[path] = table
        return table

    def union(self, paths: Iterable[str]) -> Table:
        """The checks any of ``paths`` keeps (for the checks across files)."""
        tables = {id(t): t for t in map(self.checks, paths)}
        if len(tables) == 1:
            return next(iter(tables.values()))
        return {
            place: tuple(c for c in checks if any(c in t[place] for t in tables.values()))
            for place, checks in registry.ALL.items()
        }


def _selected(
    findings: list[Finding], suppressions: dict[str, list[Suppression]], checked: Iterable[str], selections: _Selections
) -> tuple[list[Finding], Callable[[str, bytes, list[Finding]], list[Finding]]]:
    """The findings the run reports: the selection of each file's repository (its config, then
    ``select``/``ignore``) and the file's suppression comments; and that choice for one file."""
    from evalledger.selection import apply_suppressions, read_suppressions, suppressed

    selection_for = selections
    for path in checked:  # a clean run still reads (and checks) the config
        selection_for(path)
    problems = selections.problems
    if problems:  # a policy file --benchmark also read: its problems once
        seen = {(os.path.realpath(f.path), f.rule, f.message) for f in findings}
        problems = [f for f in problems if (os.path.realpath(f.path), f.rule, f.message) not in seen]
    every = findings + problems
    kept = [f for f in every if selection_for(f.path).allows(f.rule, f.path)]

    def keep(path: str, data: bytes, found: list[Finding]) -> list[Finding]:
        chosen = selection_for(path)
        marks = read_suppressions(data, markdown=path.lower().endswith(".md")) if MARK in data else []
        return [
            f
            for f in found
            if chosen.allows(f.rule, f.path)
            and not (marks and f.rule not in chosen.always and suppressed(f, marks, chosen.known))
        ]

    return (apply_suppressions(kept, suppressions, selection_for) if suppressions else kept), keep


def _config_root(directory: str, paths: list[str], tops: list[str]) -> str:
    """Where a file's config lives: its repository's root; outside a repository, the folder given
    on the command line that holds it, else the current directory."""
    root = lint_files.repository_root(directory)
    if root is not None:
        return root
    if not tops:
        tops += [os.path.abspath(p) for p in paths if os.path.isdir(p)] or [""]
    absolute = os.path.abspath(directory)
    for top in filter(None, tops):
        if absolute == top or absolute.startswith(top.rstrip(os.sep) + os.sep):
            return top
    return os.getcwd()


def _notes(
    paths: list[str],
    kind: str | None,
    targets: list[lint_files.Target],
    problems: list[Finding],
    near_misses: list[str],
) -> list[str]:
    """What a silent exit 0 would hide: no file found at all (a path that was reported -- missing,
    unreadable, a FIFO, a link out of the repo -- is not silence), or results in a misnamed folder."""
    notes = []
    if not targets and not problems:
        looked = (
            f"{RESULTS_DIR}/**/*.yaml, eval.yaml and README.md"
            if kind is None
            else f"{kind} files (*.yaml" + (", *.md)" if kind == lint_files.MODEL_INDEX else ")")
        )
        notes.append(f"no eval files found in {', '.join(paths)} (looked for {looked})")
    if not any(t.kind == lint_files.RESULTS for t in targets):
        for folder in near_misses:
            notes.append(
                f"{folder} holds YAML files but is not {RESULTS_DIR}/, the only folder the"
                f" Hub reads results from: rename it to {RESULTS_DIR}/"
            )
    return notes


def base_model_findings(
    results_files: Sequence[tuple[str, str, Sequence[ResultEntry]]],
    limits: Limits = DEFAULT_LIMITS,
    checks: Callable[[str], Table] | None = None,
) -> list[Finding]:
    """Entries whose source is the base model that the repo's README.md declares (read only when
    some entry has a source url and the check runs, once per repo). ``checks``: each file's."""
    cards: dict[str, tuple[str, ...]] = {}
    found: list[Finding] = []
    for path, repo, entries in results_files:
        with_url = [e for e in entries if e.source and isinstance(e.source.get("url"), str)]
        if not with_url or f"/{RESULTS_DIR}/" not in "/" + path.replace(os.sep, "/"):
            continue
        ctx = Context(path, checks(path) if checks is not None else None)
        if not registry.wanted(places.BASE_MODEL_URL, ctx):
            continue
        if repo not in cards:
            cards[repo] = _card_base_models(os.path.join(repo, "README.md"), limits)
        if not cards[repo]:
            continue
        for entry in with_url:
            source = entry.node.get("source")
            dispatch(
                places.BASE_MODEL_URL, ctx, source.get("url") if source is not None else None, cards[repo], "source.url"
            )
        found.extend(ctx.findings)
    return found


def _card_base_models(readme: str, limits: Limits) -> tuple[str, ...]:
    from evalledger.formats.model_index import base_models

    if os.path.islink(readme):
        return ()  # a link may lead out of the repository: not read
    data = _read(readme, limits)  # bounded; a FIFO or device is never opened for reading
    if isinstance(data, Finding):
        return ()  # the card's own problems are check-model-index's to report
    try:
        doc = load_card(data, readme, limits=limits)
        return base_models(doc.root) if doc is not None else ()
    except YamlLoadError:
        return ()


def cross_file_findings(
    results_files: Sequence[tuple[str, str, Sequence[ResultEntry]]],
    specs: Sequence[Spec] = (),
    checks: Table | None = None,
) -> list[Finding]:
    """Duplicate entries per repo; with specs, values whose scale disagrees per task."""
    ctx = Context("", checks)
    dispatch(places.REPO_FILES, ctx, results_files, specs)
    return ctx.findings
