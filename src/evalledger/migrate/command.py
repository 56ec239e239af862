"""``evalledger migrate [PATH ...] [--benchmark [ID=]PATH]... [--write] [--check] [--format text|json]``

Reads the legacy `model-index` of a model repo's README.md and proposes `.eval_results/` entries,
one per (dataset, task, setup), carrying over exactly what the card says and nothing else:

- `dataset.id` from `dataset.type` when it is a namespaced Hub id (a known legacy id such as
  `ai2_arc` is reported with its namespaced form as a hint, not rewritten);
- `task_id` from the benchmark's `eval.yaml` task whose config/split match (with `--benchmark`),
  else `dataset.config` or `default`, reported as guessed;
- `value` only when it is a finite number; one metric per entry: with several, the per-task
  `metric:` of the benchmark's `.evalledger.yaml` chooses, else the result is reported, never
  guessed;
- `source`, `verifyToken` and `dataset.revision` as written; no date (the card does not say when
  the evaluation ran).

Without `--write` it prints the files it would create or extend (a unified diff) and its
findings; `--write` creates or extends `.eval_results/<dataset name>.yaml` (atomically, never
overwriting an entry: an equal one is skipped, a different one reported); README.md is never
touched. Exit 0: nothing left to migrate (or all written); 1: something pending or not
convertible; 2: usage or unreadable input.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from evalledger.escape import terminal
from evalledger.finding import Finding
from evalledger.migrate import rules

if TYPE_CHECKING:  # imported where used: `migrate --help` needs none of it
    from evalledger.formats.model_index import CardResult
    from evalledger.formats.results import ResultEntry
    from evalledger.formats.spec import Spec
    from evalledger.rule import Rule
    from evalledger.yamlsource import Node

README = "README.md"
MAX_CARD_BYTES = 16 * 1024 * 1024  # the front matter itself is bounded by the YAML limits


class MigrateError(Exception):
    """Input that cannot be read or a place that must not be written (exit 2)."""


@dataclass
class Proposal:
    """One entry to write, and the README line of the metric it comes from."""

    entry: dict[str, Any]
    key: tuple[str, str, str]
    line: int
    column: int = 1
    guessed: Finding | None = None  # task-id-guessed, reported only when the entry is proposed


@dataclass
class FilePlan:
    path: str
    before: str | None  # None: the file does not exist yet
    after: str
    entries: list[dict[str, Any]]


@dataclass
class CardPlan:
    readme: str
    files: list[FilePlan] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)

    @property
    def not_convertible(self) -> bool:
        return any(p.rule in (rules.NOT_MIGRATED.id, rules.MIGRATE_CONFLICT.id) for p in self.problems)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="a model repo directory or its README.md (default: the current directory)",
    )
    parser.add_argument(
        "--benchmark",
        action="append",
        default=[],
        metavar="[ID=]PATH",
        help="a benchmark's eval.yaml (and .evalledger.yaml beside it): task ids from its"
        " tasks' config/split, the metric from its policy (repeatable, as for lint)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--write",
        action="store_true",
        help="create or extend .eval_results/<dataset name>.yaml (README.md is untouched)",
    )
    mode.add_argument(
        "--check", action="store_true", help="write nothing, print no diff; exit 1 while something is left to migrate"
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: a diff and path:line:col findings; json: {files, problems} (default: text)",
    )


def run(args: argparse.Namespace) -> int:
    from evalledger.cli import UsageError
    from evalledger.lint.benchmark import BenchmarkError, resolve

    specs: list[Spec] = []
    if args.benchmark:
        try:
            specs, problems = resolve(args.benchmark)
        except BenchmarkError as exc:
            raise UsageError(str(exc)) from None
        if problems:
            raise UsageError("; ".join(f"{p.path}:{p.line}:{p.column}: {p.message}" for p in problems))
    plans = []
    try:
        for path in args.paths or ["."]:
            plans.append(plan_card(path, specs))
    except MigrateError as exc:
        sys.stderr.write(f"evalledger migrate: error: {terminal(exc)}\n")
        return 2
    if args.write:
        for plan in plans:
            write_plan(plan)
    _report(plans, args)
    pending = any(plan.not_convertible for plan in plans)
    if not args.write:
        pending = pending or any(plan.files for plan in plans)
    return 1 if pending else 0


def _report(plans: list[CardPlan], args: argparse.Namespace) -> None:
    problems = sorted(p for plan in plans for p in plan.problems)
    files = [f for plan in plans for f in plan.files]
    if args.format == "json":
        import json

        out = {
            "files": [{"path": f.path, "entries": f.entries} for f in files],
            "problems": [
                {
                    "path": p.path,
                    "line": p.line,
                    "column": p.column,
                    "severity": p.severity,
                    "rule": p.rule,
                    "message": p.message,
                }
                for p in problems
            ],
        }
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False, default=str) + "\n")
        return
    from evalledger.report.text import format_finding

    for plan_file in files:
        if args.write:
            sys.stdout.write(f"wrote {terminal(plan_file.path)} ({_count(plan_file.entries)})\n")
        elif args.check:
            sys.stdout.write(f"would write {terminal(plan_file.path)} ({_count(plan_file.entries)})\n")
        else:
            sys.stdout.write(_diff(plan_file))
    for problem in problems:
        sys.stdout.write(format_finding(problem) + "\n")
    if not files and not any(p.rule in (rules.NOT_MIGRATED.id, rules.MIGRATE_CONFLICT.id) for p in problems):
        sys.stderr.write("evalledger migrate: nothing left to migrate\n")


def _count(entries: list[dict[str, Any]]) -> str:
    return f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}"


def _diff(plan_file: FilePlan) -> str:
    import difflib

    before = (plan_file.before or "").splitlines(keepends=True)
    old = f"a/{plan_file.path}" if plan_file.before is not None else "/dev/null"
    lines = difflib.unified_diff(before, plan_file.after.splitlines(keepends=True), old, f"b/{plan_file.path}")
    # the card's text is data: each diff line is shown without its control characters
    return "".join(terminal(line.rstrip("\n")) + "\n" for line in lines)


# --- planning ------------------------------------------------------------------------------


def _locate(path: str) -> tuple[str, str]:
    """(repo directory, README.md path) of a PATH argument."""
    if os.path.isdir(path):
        return path, os.path.join(path, README)
    if os.path.basename(path) == README or os.path.isfile(path):
        return os.path.dirname(path) or ".", path
    raise MigrateError(f"{path}: no such file or directory")


def _inside(path: str, repo: str) -> bool:
    from evalledger.lint.files import is_outside

    return not is_outside(path, repo)


def plan_card(path: str, specs: list[Spec]) -> CardPlan:
    """What migrating one card would write, and what it reports (nothing is written here)."""
    from evalledger.formats.model_index import load_card
    from evalledger.lint.context import Context
    from evalledger.lint.model_index import check_card
    from evalledger.yamlsource import Limits, YamlLoadError, read_file

    repo, readme = _locate(path)
    if os.path.islink(readme) and not _inside(readme, repo):
        raise MigrateError(f"{readme}: symlink points outside the repository; not read")
    try:  # lint's one reader: a FIFO, socket or device is refused on the open descriptor, never waited on
        data = read_file(readme, Limits(max_bytes=MAX_CARD_BYTES), what="a model card")
    except FileNotFoundError:
        raise MigrateError(f"{readme}: no such file (a model repo's card is its README.md)") from None
    except OSError as exc:
        raise MigrateError(f"{readme}: cannot read: {exc.strerror or exc}; not read") from None
    except YamlLoadError as exc:  # over the size limit, before a byte is read
        raise MigrateError(f"{readme}: {exc.message}; not read") from None
    plan = CardPlan(readme)
    try:
        doc = load_card(data, readme, hint="")  # migrate has no --max-file-size to point at
    except YamlLoadError as exc:
        raise MigrateError(f"{readme}:{exc.line}:{exc.column}: {exc.message}") from None
    if doc is None:
        return plan
    ctx = Context(readme)  # the card's lint findings, from the same parse
    check_card(doc.root, ctx)
    plan.problems.extend(doc.problems + ctx.findings)
    proposals = propose(doc.root, readme, specs, plan.problems)
    by_file: dict[str, list[Proposal]] = {}
    for proposal in proposals:
        name = proposal.key[0].split("/", 1)[1]
        by_file.setdefault(os.path.join(repo, ".eval_results", f"{name}.yaml"), []).append(proposal)
    for target, group in sorted(by_file.items()):
        file_plan = _extend(target, repo, group, readme, plan.problems)
        if file_plan is not None:
            plan.files.append(file_plan)
    return plan


def _finding(readme: str, line: int, column: int, rule: Rule, message: str) -> Finding:
    return Finding(readme, line, column, rule.id, rule.severity, message)


def _conflict(readme: str, proposal: Proposal, message: str) -> Finding:
    """migrate-conflict at the card's value that cannot be written."""
    return _finding(readme, proposal.line, proposal.column, rules.MIGRATE_CONFLICT, message)


def _text(node: Node | None) -> str | None:
    if node is None or node.kind != "scalar" or node.value is None or isinstance(node.value, bool):
        return None
    value = node.value
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text if text.strip() else None


def propose(root: Node | None, readme: str, specs: list[Spec], problems: list[Finding]) -> list[Proposal]:
    """The entries a card's model-index gives, one per (dataset, task, setup); the rest reported."""
    from evalledger.formats.model_index import base_models, read_results

    bases = base_models(root)
    proposals: list[Proposal] = []
    for result in read_results(root):
        found = _propose_one(result, bases, specs, readme)
        if isinstance(found, Proposal):
            proposals.append(found)
        else:
            node, why = found
            where = node if node is not None else result.node
            message = f"`{result.where}` not migrated: {why}"
            problems.append(_finding(readme, where.line, where.column, rules.NOT_MIGRATED, message))
    return _one_per_key(proposals, readme, problems)


def _propose_one(
    result: CardResult, bases: tuple[str, ...], specs: list[Spec], readme: str
) -> Proposal | tuple[Node | None, str]:
    """One model-index result as the entry it gives, or (the node to report at, why) it gives none."""
    from evalledger.formats.legacy_datasets import namespaced
    from evalledger.lint.rules.benchmark import spec_for
    from evalledger.lint.rules.dataset import is_repo_id, is_revision
    from evalledger.lint.rules.model_index import measured_on
    from evalledger.records import setup_key
    from evalledger.yamlsource import finite_number

    dataset, metrics = result.part("dataset"), result.part("metrics")
    if dataset is None or dataset.kind != "map" or metrics is None or metrics.kind != "seq":
        return result.node, "it has no `dataset` mapping or no `metrics` list (see lint)"
    dataset_type = _text(result.field("dataset", "type"))
    if dataset_type is None:
        return dataset, "`dataset.type` is missing"
    dataset_type = dataset_type.strip()
    if not is_repo_id(dataset_type):
        known = namespaced(dataset_type)
        hint = (
            f"; the Hub moved it to {known!r}: write `type: {known}` in {README}"
            if known
            else "; write the benchmark's Hub dataset id (namespace/name) there"
        )
        return result.field("dataset", "type"), (
            f"`dataset.type` {dataset_type!r} is not a namespaced Hub dataset id{hint}"
        )
    config, split = _text(result.field("dataset", "config")), _text(result.field("dataset", "split"))
    revision = _text(result.field("dataset", "revision"))
    if revision is not None and not is_revision(revision):
        return result.field("dataset", "revision"), (
            f"`dataset.revision` {revision!r} is not a full 40-hex commit SHA, which `.eval_results` requires"
        )
    url = _text(result.field("source", "url"))
    if url and bases and measured_on(url, bases):
        return result.field("source", "url"), (
            f"its source is {measured_on(url, bases)}, the card's base_model: the"
            " score was measured on that model, not on this one"
        )
    spec = spec_for(dataset_type, specs) if specs else None
    task = _task_for(spec, config, split)
    if isinstance(task, Exception):
        return dataset, str(task)
    guessed = task is None  # no spec: the task id is a guess
    task_id = (config or "default") if task is None else task
    chosen = _choose_metric(result, spec, task_id)
    if isinstance(chosen, str):
        return metrics, chosen
    value_node = chosen.get("value")
    if value_node is None or finite_number(value_node.value) is None:
        return value_node or chosen, "its value is not a finite number (see value-not-number)"
    entry: dict[str, Any] = {"dataset": {"id": dataset_type, "task_id": task_id}}
    if revision is not None:
        entry["dataset"]["revision"] = revision
    entry["value"] = value_node.value
    token = _text(chosen.get("verifyToken"))
    if token is not None:
        entry["verifyToken"] = token
    if url:
        entry["source"] = {"url": url}
        name = _text(result.field("source", "name"))
        if name is not None:
            entry["source"]["name"] = name
    note = None
    if guessed:
        note = _finding(
            readme,
            dataset.line,
            dataset.column,
            rules.TASK_ID_GUESSED,
            f"`{result.where}`: task_id {task_id!r} taken from"
            f" {'`dataset.config`' if config else 'nothing (default)'}: no --benchmark"
            f" for {dataset_type}; check it against the benchmark's eval.yaml",
        )
    return Proposal(entry, (dataset_type, task_id, setup_key(None, revision)), value_node.line, value_node.column, note)


def _choose_metric(result: CardResult, spec: Spec | None, task_id: str) -> Node | str:
    """The metric an entry is made of (an entry holds one), or why none can be chosen."""
    offered: list[Node] = [m for m in result.metrics if _text(m.get("type"))]
    if not offered:
        return "it has no metric with a `type`"
    if len(offered) == 1:
        return offered[0]
    policy = spec.policy if spec is not None else None
    wanted = policy.for_task(task_id).metric if policy is not None else None
    types = [_text(m.get("type")) or "" for m in offered]
    if wanted is None:
        return (
            f"it offers {len(offered)} metrics ({', '.join(types)}) and an entry holds one; set `metric:`"
            f" for task {task_id!r} in the benchmark's .evalledger.yaml (with --benchmark)"
        )
    matching = [m for m in offered if _text(m.get("type")) == wanted]
    if len(matching) != 1:
        return (
            f"the policy's metric {wanted!r} is offered {len(matching)} times (types: {', '.join(types)});"
            " an entry holds exactly one"
        )
    return matching[0]


def _task_for(spec: Spec | None, config: str | None, split: str | None) -> str | Exception | None:
    """The eval.yaml task whose config/split the result names (None without a spec)."""
    if spec is None:
        return None
    matches = [
        task
        for task in spec.task_ids
        if (spec.task_data.get(task, (None, None))[0] or "default") == (config or "default")
        and (split is None or (spec.task_data.get(task, (None, None))[1] or "test") == split)
    ]
    if len(matches) == 1:
        return matches[0]
    wanted = f"config {config or 'default'!r}" + (f", split {split!r}" if split else "")
    if not matches:
        return ValueError(f"no task of {spec.path} has {wanted} (tasks: {', '.join(spec.task_ids)})")
    return ValueError(f"several tasks of {spec.path} have {wanted}: {', '.join(matches)}")


def _one_per_key(proposals: list[Proposal], readme: str, problems: list[Finding]) -> list[Proposal]:
    groups: dict[tuple[str, str, str], list[Proposal]] = {}
    for proposal in proposals:
        groups.setdefault(proposal.key, []).append(proposal)
    kept = []
    for key, group in groups.items():
        if all(p.entry == group[0].entry for p in group):
            kept.append(group[0])
            if group[0].guessed is not None:
                problems.append(group[0].guessed)
            continue
        values = ", ".join(str(p.entry["value"]) for p in group)
        for proposal in group:
            problems.append(
                _conflict(
                    readme,
                    proposal,
                    f"{len(group)} results map to one entry ({key[0]}, task {key[1]!r})"
                    f" with different values ({values}); none is migrated: give each"
                    " its own `dataset.config` (a task of the benchmark) or migrate by hand",
                )
            )
    return kept


# --- the files ---------------------------------------------------------------------------


def render(entries: list[dict[str, Any]]) -> str:
    """Entries as the block YAML list a results file holds."""
    import yaml

    return yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, default_flow_style=False, width=float("inf"))


def _extend(target: str, repo: str, group: list[Proposal], readme: str, problems: list[Finding]) -> FilePlan | None:
    from evalledger.formats.results import read_entries
    from evalledger.yamlsource import YamlLoadError, load, read_file

    folder = os.path.dirname(target)
    if os.path.islink(folder) or os.path.islink(target) or (os.path.exists(target) and not os.path.isfile(target)):
        raise MigrateError(f"{target}: a link or not a regular file; not written")
    if os.path.exists(folder) and not _inside(folder, repo):
        raise MigrateError(f"{folder}: outside the repository; not written")
    before = None
    existing: dict[tuple[str | None, str | None, str], ResultEntry | Proposal] = {}
    if os.path.exists(target):
        try:
            raw = read_file(target)  # bounded, never blocks: lint's reader of result files
            doc = load(raw, target)
            before = raw.decode("utf-8")
        except (OSError, YamlLoadError, UnicodeDecodeError) as exc:
            raise MigrateError(f"{target}: cannot extend it: {getattr(exc, 'message', None) or exc}") from None
        root = doc.root
        if root is not None and (root.kind != "seq" or _flow(before, root)):
            raise MigrateError(f"{target}: not a block list of entries (`- dataset: ...`); not extended")
        for entry in read_entries(root):
            existing.setdefault(entry.key, entry)
    new = []
    for proposal in group:
        old = existing.get(proposal.key)
        if old is None:
            new.append(proposal.entry)
            existing[proposal.key] = proposal
            continue
        old_value = old.entry["value"] if isinstance(old, Proposal) else old.value
        if old_value is not None and old_value == proposal.entry["value"]:
            continue  # already migrated: an equal entry is skipped
        shown = f"{os.path.relpath(target)}:{old.line}" if not isinstance(old, Proposal) else "this card"
        problems.append(
            _conflict(
                readme,
                proposal,
                f"an entry for ({proposal.key[0]}, task {proposal.key[1]!r}) with value"
                f" {old_value} is already in {shown}; the card's"
                f" {proposal.entry['value']} is not written over it",
            )
        )
    if not new:
        return None
    prefix = before or ""
    if prefix and not prefix.endswith("\n"):
        prefix += "\n"
    return FilePlan(target, before, prefix + render(new), new)


def _flow(text: str, root: Node) -> bool:
    lines = text.splitlines()
    line = lines[root.line - 1] if 0 < root.line <= len(lines) else ""
    return line[root.column - 1 : root.column] == "["


def write_plan(plan: CardPlan) -> None:
    from evalledger.atomic import write_atomic

    for file_plan in plan.files:
        os.makedirs(os.path.dirname(file_plan.path), exist_ok=True)
        write_atomic(file_plan.path, file_plan.after.encode("utf-8"))
