"""``evalledger aggregate``: rebuild a benchmark's leaderboard from its model repos.

Run in a benchmark repo (its ``eval.yaml`` defines the tasks; ``.evalledger.yaml`` the direction,
unit and bounds per task). Collection is a map over model repos (fetch + ``collect``), selection
the reduce; the result is written only where bytes differ, and with ``--commit``/``--push``
committed under a bot identity and pushed, regenerating on a rejected push.

Exit codes: 0 done (unreachable repos and rejected results are reported, not fatal), 1 with
``--strict`` when some repo was unreachable or some result rejected, 2 bad usage or input
(registry line, eval.yaml, detached HEAD, no permission, pushes exhausted), results read of which
none carries the benchmark id (a typo), or a run that would remove more rows than the removal
guard allows (every row by default; ``--max-removed-share``, ``--allow-removal``). Both stop
before anything is written.

An unreachable repo keeps its rows from the previous tables, marked ``stale`` (``carry.py``);
``--drop-unreachable`` leaves them out instead (the behaviour before stale rows).

The run's result is an ``AggregateResult`` (``result.py``: the one definition of the JSON document
``--format json`` prints and the Action reads), printed by the reporters of ``evalledger.report``.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalledger import git
from evalledger.cli import UsageError
from evalledger.escape import shorten, terminal
from evalledger.finding import ERROR, Finding
from evalledger.formats.results import MAX_RESULT_FILES
from evalledger.hints import did_you_mean
from evalledger.leaderboard import auth, carry, fetch, publish, write
from evalledger.leaderboard import sources as sources_mod
from evalledger.leaderboard.collect import Collected, collect, lint_function
from evalledger.leaderboard.progress import Progress
from evalledger.leaderboard.result import (
    ABSENT,
    AggregateResult,
    Generated,
    LintRejected,
    RegistryWarning,
    Rejected,
    RowChange,
    StaleRow,
    Unreachable,
)
from evalledger.leaderboard.select import CandidateTable, select
from evalledger.policy import BenchmarkPolicy
from evalledger.yamlsource import Limits, YamlLoadError, read_file

SPEC_NAMES = ("eval.yaml", "eval.yml")
#: the existing dataset card (``--card``) that aggregate rewrites: read whole, so bounded
MAX_DATASET_CARD_BYTES = 16 * 1024 * 1024
_HF_DATASET = re.compile(r"huggingface\.co/datasets/([^/]+/[^/]+?)(?:\.git)?/?$")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default=".", metavar="DIR", help="the benchmark repo (default: current directory)")
    parser.add_argument(
        "--models",
        action="append",
        default=[],
        metavar="FILE",
        help="registry of model repos: `URL-or-path [ref] [model-id]` per line, or a YAML "
        "list of {url, ref, model} (repeatable)",
    )
    parser.add_argument(
        "--models-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="folder of submissions, each `<name>/.eval_results/` (repeatable)",
    )
    parser.add_argument(
        "--benchmark-id",
        metavar="ORG/NAME",
        help="the dataset.id results must carry (default: from the Hub remote URL)",
    )
    parser.add_argument(
        "--include-pull-requests",
        action="store_true",
        help="also read open PR refs (refs/pull/*/head, refs/pr/*) as community rows",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        default=min(16, 4 * (os.cpu_count() or 1)),
        help="model repos fetched in parallel (default: 4 per CPU, at most 16; here %(default)s)",
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where fetched repos are kept between runs (default: $XDG_CACHE_HOME/evalledger/repos)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="seconds one git fetch or push may take before it is stopped (default: %(default)g)",
    )
    parser.add_argument(
        "--max-result-files",
        type=_positive,
        default=MAX_RESULT_FILES,
        metavar="N",
        help="a model repo ref (or submission folder) with more result files than this is not "
        "read at all; it is reported as a rejected result, too-many-result-files (default: %(default)s)",
    )
    parser.add_argument(
        "--max-pull-requests",
        type=_positive,
        default=fetch.MAX_PULL_REQUESTS,
        metavar="N",
        help="with --include-pull-requests: pull-request refs read per model repo; of more, the N "
        "highest-numbered are read and the repo is reported as a rejected result, "
        "too-many-pull-requests (default: %(default)s)",
    )
    parser.add_argument(
        "--token-env",
        metavar="NAME",
        help="environment variable holding a Hugging Face access token for gated or "
        "private model repos; sent only to the Hub (https://huggingface.co or "
        "$HF_ENDPOINT), through git's environment (default: HF_TOKEN when set)",
    )
    parser.add_argument(
        "--output-dir",
        default="leaderboard",
        metavar="DIR",
        help="folder of the tables, relative to the benchmark repo (default: %(default)s)",
    )
    parser.add_argument(
        "--output-format",
        choices=("csv", "parquet"),
        default="csv",
        help="table format: csv (diffable, default) or parquet (needs pyarrow)",
    )
    parser.add_argument(
        "--card",
        default="README.md",
        metavar="PATH",
        help="dataset card whose `configs:` lists the tables (default README.md)",
    )
    parser.add_argument("--no-card", action="store_true", help="do not touch a dataset card")
    parser.add_argument(
        "--charts",
        action="store_true",
        help="also draw each task's top-N and state-of-the-art charts as SVG files in "
        "<output-dir>/charts/ and embed them in the card (needs matplotlib: "
        "pip install 'evalledger[charts]')",
    )
    parser.add_argument(
        "--site",
        metavar="DIR",
        help="also write the static leaderboard site (as `evalledger site`) to DIR, from "
        "the tables of this run; not committed",
    )
    parser.add_argument("--commit", action="store_true", help="commit changed files (bot identity)")
    parser.add_argument("--push", action="store_true", help="commit and push; regenerate on a rejected push")
    parser.add_argument("--remote", default="origin", metavar="NAME", help="remote to push to (default: %(default)s)")
    parser.add_argument("--branch", metavar="BRANCH", help="branch to commit to (default: the checked-out branch)")
    parser.add_argument(
        "--push-attempts",
        type=int,
        default=3,
        metavar="N",
        help="pushes to try; a rejected push is fetched, regenerated and tried again (default: %(default)s)",
    )
    parser.add_argument(
        "--push-backoff",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="seconds before the 1st retry, doubling for each next one, ±50%% jitter (default: %(default)g)",
    )
    parser.add_argument(
        "--bot-name",
        default=publish.BOT_NAME,
        metavar="NAME",
        help="author and committer name of the leaderboard commit (default: %(default)s)",
    )
    parser.add_argument(
        "--bot-email",
        default=publish.BOT_EMAIL,
        metavar="EMAIL",
        help="author and committer email of the leaderboard commit (default: %(default)s)",
    )
    parser.add_argument(
        "--audit",
        action="store_true",
        help="audit each model repo's result history and mark rows with findings (fetches history)",
    )
    parser.add_argument(
        "--drop-unreachable",
        action="store_true",
        help="leave out the rows of model repos that cannot be fetched (default: keep "
        "their rows from the previous tables, marked stale)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a repo was unreachable or a result was rejected"
    )
    parser.add_argument(
        "--max-removed-share",
        type=_share,
        metavar="SHARE",
        help="stop (exit 2, nothing written or committed) when this run would remove "
        "more than SHARE (0 to 1) of the committed leaderboard's rows (default: "
        "stop only when it would remove every row)",
    )
    parser.add_argument(
        "--allow-removal",
        action="store_true",
        help="let this run remove any number of leaderboard rows, even all of them (turns the removal guard off)",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="do not report progress on stderr (default: on a terminal a line updated in "
        "place, otherwise a plain line every few dozen repos or 10 seconds)",
    )
    parser.add_argument(
        "--format",
        choices=("auto", "text", "json", "github"),
        default="auto",
        help="text; json: the result document (what the Action reads); github: workflow "
        "annotations; auto: github under GitHub Actions, else text (default: auto)",
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:  # NaN fails too
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1 (a share of the rows), got {text!r}")
    return value


@dataclass
class Inputs:
    root: Path  # benchmark directory
    spec: Any
    task_ids: frozenset[str] | None
    policy: BenchmarkPolicy
    benchmark_id: str
    sources: list[sources_mod.ModelSource]
    warnings: list[Finding] = field(default_factory=list)  # registry warnings, folders passed over

    def directions(self) -> dict[str, str]:
        """Each task's direction (higher or lower is better), from the policy."""
        return {task: self.policy.for_task(task).direction for task in (self.task_ids or ())}

    def registry_warnings(self) -> tuple[RegistryWarning, ...]:
        return tuple(RegistryWarning(f.path, f.line, f.rule, f.message) for f in self.warnings)


def _fail(findings: list[Finding]) -> None:
    errors = [f for f in findings if f.severity == ERROR]
    if errors:
        shown = "\n".join(f"{f.path}:{f.line}:{f.column}: {f.severity} {f.rule} {f.message}" for f in sorted(errors))
        raise UsageError(f"cannot aggregate:\n{shown}")


def read_inputs(args: argparse.Namespace, root: Path) -> Inputs:
    """Everything the run reads from the benchmark repo (re-read after a rejected push)."""
    spec_path = next((root / n for n in SPEC_NAMES if (root / n).is_file()), None)
    if spec_path is None:
        raise UsageError(f"{root} has no eval.yaml: run aggregate in a benchmark repo (or pass --repo)")
    from evalledger.lint.benchmark import load_benchmark

    spec, findings = load_benchmark(str(spec_path))  # the policy beside it, checked against its tasks
    _fail(findings)
    policy = spec.policy if spec is not None and spec.policy is not None else BenchmarkPolicy()
    benchmark_id = args.benchmark_id or getattr(spec, "dataset_id", None) or _benchmark_from_remote(root)
    if not benchmark_id:
        raise UsageError(
            "cannot tell which dataset.id this benchmark's results carry: pass "
            "--benchmark-id ORG/NAME (the benchmark's Hub dataset id)"
        )
    if spec is not None and hasattr(spec, "with_target"):
        spec = spec.with_target(benchmark_id, policy)
    task_ids = frozenset(spec.task_ids) if spec is not None else None
    found: list[sources_mod.ModelSource] = []
    problems: list[Finding] = []  # an error in a registry stops the run
    skipped: list[Finding] = []  # submission folders passed over: reported, the run goes on
    for registry in args.models:
        listed, registry_findings = sources_mod.load_registry(registry)
        found += listed
        problems += registry_findings
    for directory in args.models_dir:
        path = Path(directory)
        if not path.is_absolute():
            path = Path.cwd() / path
        if not path.is_dir():
            raise UsageError(f"--models-dir {directory}: not a directory")
        try:
            shown = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            shown = directory
        submissions, passed_over = sources_mod.scan_models_dir(path, shown)
        found += submissions
        skipped += passed_over
    _fail(problems)
    if not args.models and not args.models_dir:
        raise UsageError("nothing to aggregate: give --models FILE and/or --models-dir DIR")
    return Inputs(
        root,
        spec,
        task_ids,
        policy,
        benchmark_id,
        sources_mod.unique(found),
        [f for f in problems if f.severity != ERROR] + skipped,
    )


def _no_result_carries(benchmark_id: str, read: dict[str, int], explicit: bool) -> str:
    """A typo'd benchmark id reads as "every model dropped its scores": say so instead."""
    ids = sorted(read, key=lambda i: (-read[i], i))
    shown = ", ".join(f"{_quoted(i)} ({read[i]})" for i in ids[:5])
    if len(ids) > 5:
        shown += f" and {len(ids) - 5} more"
    where = "check --benchmark-id" if explicit else "pass --benchmark-id ORG/NAME"
    return (
        f"no result carries dataset.id {_quoted(benchmark_id)}"
        f"{did_you_mean(benchmark_id, ids[:1000])}; the {sum(read.values())} results read carry "
        f"{shown}. Nothing was written: {where} (the Hub dataset id results carry in "
        "`dataset.id`)"
    )


def _quoted(text: str, limit: int = 80) -> str:
    """Text from a model repo, quoted, bounded, control characters shown as escapes."""
    return f"'{terminal(shorten(text, limit))}'"


def _check_removal(total: int, removed: tuple[RowChange, ...], share: float | None, table: str) -> None:
    """Stop a run that would remove more rows than the guard allows, before anything is written."""
    if not total or not removed:
        return
    if share is None and len(removed) < total:
        return
    if share is not None and len(removed) <= share * total:
        return
    sample = ", ".join(f"{row.model} ({row.task})" for row in removed[:3])
    more = f" and {len(removed) - 3} more" if len(removed) > 3 else ""
    limit = (
        f"more than --max-removed-share {share:g} of them"
        if share is not None
        else "every row (a typo in --benchmark-id or the registry looks like this)"
    )
    raise UsageError(
        f"this run would remove {len(removed)} of the {total} rows of {table}: {sample}{more}. That is "
        f"{limit}, so nothing was written or committed; if the removal is intended, run again with "
        "--allow-removal"
    )


def _benchmark_from_remote(root: Path) -> str | None:
    try:
        url = git.remote_url(root, "origin")
    except (git.GitError, OSError):
        return None
    match = _HF_DATASET.search(url or "")
    return match.group(1) if match else None


@dataclass
class Gathered:
    """The candidates of every model repo of one run, and what could not be read."""

    table: CandidateTable = field(default_factory=CandidateTable)
    rejected: list[Rejected] = field(default_factory=list)
    unreachable: list[Unreachable] = field(default_factory=list)
    ineligible: int = 0
    read: dict[str, int] = field(default_factory=dict)  # dataset.id -> entries, over the repos read
    matched: int = 0  # entries of this benchmark

    def add(self, got: Collected) -> None:
        self.table.extend(got.records)
        self.rejected += (Rejected(**item) for item in got.rejected)
        self.ineligible += got.ineligible
        self.matched += len(got.records)
        for dataset_id, count in got.dataset_ids.items():
            self.read[dataset_id] = self.read.get(dataset_id, 0) + count

    def sorted_unreachable(self) -> tuple[Unreachable, ...]:
        return tuple(sorted(self.unreachable, key=lambda u: (u.model, u.url, u.ref or "")))

    def sorted_rejected(self) -> tuple[Rejected, ...]:
        return tuple(sorted(self.rejected, key=Rejected.sort_key))

    def lint_rejected(self) -> LintRejected:
        """Files rejected whole (no ``task``), and entries kept as ineligible candidates."""
        return LintRejected(files=sum(1 for r in self.rejected if r.task is ABSENT), entries=self.ineligible)


@dataclass
class OnDisk:
    """The tables of the last run, in the folder and format this run writes."""

    root: Path
    out_dir: str
    ext: str
    leaderboard: list[dict[str, str]] | None
    candidates: list[dict[str, str]] | None

    @classmethod
    def read(cls, root: Path, out_dir: str, fmt: str) -> OnDisk:
        ext = "parquet" if fmt == "parquet" else "csv"
        return cls(
            root,
            out_dir,
            ext,
            write.read_table(root / out_dir / f"leaderboard.{ext}"),
            write.read_table(root / out_dir / f"candidates.{ext}"),
        )

    @property
    def leaderboard_name(self) -> str:
        return f"{self.out_dir}/leaderboard.{self.ext}" if self.out_dir else f"leaderboard.{self.ext}"

    def carried(self) -> carry.Previous:
        """The candidates unreachable repos keep (the other format's table when this one has none)."""
        rows = (
            self.candidates if self.candidates is not None else carry.load_previous(self.root, self.out_dir, self.ext)
        )
        return carry.Previous(rows)


class Run:
    """One aggregation; ``generate`` may run again after a rejected push."""

    def __init__(
        self, args: argparse.Namespace, root: Path, git_root: Path | None, hub: auth.HubAuth | None = None
    ) -> None:
        self.args = args
        self.root = root
        self.git_root = git_root
        self.snapshots: dict[tuple[str, str, str, str], fetch.Snapshot] = {}
        self.options = fetch.FetchOptions(
            cache_dir=Path(args.cache_dir) if args.cache_dir else fetch.default_cache_dir(),
            include_pull_requests=args.include_pull_requests,
            timeout=args.timeout,
            bench_root=git_root,
            auth=hub,
            max_result_files=args.max_result_files,
            max_pull_requests=args.max_pull_requests,
        )
        self.lint = lint_function()

    def generate(self) -> Generated:
        args = self.args
        inputs = read_inputs(args, self.root)
        self._check_shallow(inputs)
        collected = self._fetch(inputs)
        disk = OnDisk.read(self.root, self._repo_relative(args.output_dir), args.output_format)
        gathered = self._gather(inputs, collected, disk.carried)
        if not gathered.matched and gathered.read:
            raise UsageError(_no_result_carries(inputs.benchmark_id, gathered.read, args.benchmark_id is not None))
        selection = select(gathered.table, inputs.policy)
        flags, flagged = self._audit(inputs, disk) if args.audit else (None, None)
        tables = write.build_tables(selection, flags, flagged, inputs.directions())
        stale = tuple(StaleRow.pick(row) for row in tables.leaderboard if row.stale)
        changes = write.changes(disk.leaderboard, disk.candidates, tables)
        if not args.allow_removal:
            _check_removal(len(disk.leaderboard or ()), changes.removed, args.max_removed_share, disk.leaderboard_name)
        summary = {
            "sources": len(inputs.sources),
            "conflicts": selection.conflicts,
            "stale": len(stale),
            "drop_unreachable": args.drop_unreachable,
        }
        output, written = self._write(tables, disk.out_dir, summary)
        return Generated(
            changed=bool(written),
            benchmark=inputs.benchmark_id,
            rows=len(tables.leaderboard),
            candidates=len(tables.candidates),
            conflicts=selection.conflicts,
            sources=len(inputs.sources),
            fetched=len(inputs.sources) - len(gathered.unreachable),
            unreachable=gathered.sorted_unreachable(),
            stale=stale,
            lint_rejected=gathered.lint_rejected(),
            rejected=gathered.sorted_rejected(),
            files=tuple(sorted(output.files)),
            written=tuple(written),
            changes=changes,
            top=tuple(write.top_rows(tables)),
            flags=None if flags is None else len(flags),
            warnings=inputs.registry_warnings(),
        )

    def _fetch(self, inputs: Inputs) -> dict[tuple[str, str, str, str], Collected | None]:
        """Fetch every model repo into ``snapshots`` and collect it as it is read, file by file
        (about one result file per job in memory); what each contributes, None for a repo that
        could not be fetched or read (a repo whose collection fails is reported as unreachable).
        Fetched again on every attempt: after a rejected push the model repos may have moved too,
        and regenerating from stale snapshots could overwrite a fresher leaderboard."""

        def reduce(snapshot: fetch.Snapshot) -> Collected:
            return collect(
                snapshot,
                benchmark_id=inputs.benchmark_id,
                task_ids=inputs.task_ids,
                policy=inputs.policy,
                spec=inputs.spec,
                lint=self.lint,
                max_result_files=self.options.max_result_files,
                max_pull_requests=self.options.max_pull_requests,
            )

        collected = {}
        shown = self._progress(len(inputs.sources), "fetching model repos", "unreachable")
        try:
            for snapshot, got in fetch.fetch_map(
                inputs.sources,
                self.options,
                max(1, self.args.jobs),
                reduce,
                lambda s: shown.advance(s.error is not None),
            ):
                self.snapshots[snapshot.source.identity] = snapshot
                collected[snapshot.source.identity] = got if snapshot.error is None else None
        finally:
            shown.close()
        return collected

    def _gather(
        self,
        inputs: Inputs,
        collected: dict[tuple[str, str, str, str], Collected | None],
        previous: Callable[[], carry.Previous],
    ) -> Gathered:
        """The candidates of every model repo, in registry order: what was collected from it, or,
        when it could not be fetched or read, its rows of the previous tables (``previous``, read
        only then)."""
        out = Gathered()
        carried = None
        for source in inputs.sources:
            got = collected[source.identity]
            if got is not None:
                out.add(got)
                continue
            kept: list[dict[str, Any]] = []
            if not self.args.drop_unreachable:
                carried = carried or previous()
                kept = carried.rows_for(source, self.args.include_pull_requests)
                for row in kept:
                    out.table.add(**row)
            out.unreachable.append(
                Unreachable(
                    source.model,
                    source.url,
                    source.ref,
                    source.where,
                    self.snapshots[source.identity].error or "",
                    kept=len(kept),
                )
            )
        return out

    def _write(self, tables: write.Tables, out_dir: str, summary: dict[str, Any]) -> tuple[write.Output, list[str]]:
        """The tables and the card, written where their bytes differ; (what this run produces,
        the paths written or removed)."""
        args = self.args
        card_path = None if args.no_card else self._repo_relative(args.card)
        card_text = None
        if card_path:
            try:  # the one reader: a FIFO, socket or device there is refused, never waited on
                card_text = read_file(
                    self.root / card_path, Limits(max_bytes=MAX_DATASET_CARD_BYTES), what="a dataset card"
                ).decode("utf-8")
            except FileNotFoundError:
                card_text = None
            except YamlLoadError as exc:
                raise UsageError(f"cannot read the dataset card {card_path}: {exc.message}") from None
            except OSError as exc:
                raise UsageError(f"cannot read the dataset card {card_path}: {exc.strerror or exc}") from None
            except UnicodeDecodeError as exc:
                raise UsageError(f"cannot read the dataset card {card_path}: {exc}") from None
        drawn = None
        charts_dir = f"{out_dir}/charts" if out_dir else "charts"
        if args.charts:
            from evalledger.leaderboard import charts

            drawn = charts.render(*charts.table_rows(tables), tables.directions, charts_dir)
        try:
            output = write.render(
                tables,
                output_dir=out_dir,
                fmt=args.output_format,
                card_path=card_path,
                card_text=card_text,
                summary=summary,
                charts=drawn,
            )
        except RuntimeError as exc:
            raise UsageError(str(exc)) from exc
        if (self.root / charts_dir).is_dir():
            from evalledger.leaderboard.charts import stale_files

            output.obsolete += stale_files(self.root, charts_dir, output.files)
        written = write.write_files(self.root, output)
        if args.site:
            from evalledger.leaderboard import site

            site.publish(self.root, out_dir, Path(args.site))
        return output, written

    def _progress(self, total: int, label: str, failed_label: str) -> Progress:
        return Progress(total, sys.stderr, label=label, failed_label=failed_label, enabled=not self.args.no_progress)

    def _check_shallow(self, inputs: Inputs) -> None:
        """Submission folders take their commit from the benchmark repo's history; in a shallow
        clone the oldest commit seems to add every file, so a folder untouched since would get the
        wrong commit (and the board would change on every run)."""
        folders = [s for s in inputs.sources if s.kind == "dir"]
        if not folders or self.git_root is None or not git.is_shallow(self.git_root):
            return
        cut = git.shallow_commits(self.git_root)
        for source in folders:
            found = git.last_commit(self.git_root, source.location)
            if found and found[0] in cut:
                raise UsageError(
                    f"shallow checkout: the commit that last changed {source.url} is beyond this "
                    "clone's history; fetch the full history (`fetch-depth: 0` in actions/checkout, "
                    "or `git fetch --unshallow`)"
                )

    def _repo_relative(self, path: str) -> str:
        candidate = Path(path)
        if candidate.is_absolute():
            try:
                return candidate.resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError as exc:
                raise UsageError(f"{path} is outside the benchmark repo") from exc
        normal = os.path.normpath(path).replace(os.sep, "/")
        if normal.startswith("../") or normal == "..":
            raise UsageError(f"{path} is outside the benchmark repo")
        return "" if normal == "." else normal

    def _audit(
        self, inputs: Inputs, disk: OnDisk
    ) -> tuple[list[dict[str, Any]], dict[tuple[str, str, str, str], list[str]]]:
        """``--audit``: the flags table and each row's marks; an unreachable repo keeps its flags
        and marks of the previous run, as it keeps its rows."""
        from evalledger.leaderboard.flags import audit_sources

        shown = self._progress(len(inputs.sources), "auditing model repo histories", "not audited")
        try:
            flags, flagged = audit_sources(
                [self.snapshots[s.identity] for s in inputs.sources],
                self.options,
                inputs.policy,
                inputs.benchmark_id,
                progress=shown.advance,
            )
        finally:
            shown.close()
        stale_sources = [s for s in inputs.sources if self.snapshots[s.identity].error is not None]
        if stale_sources and not self.args.drop_unreachable:
            carry.carry_flags(
                carry.previous_flags(self.root, disk.out_dir, disk.ext),
                stale_sources,
                inputs.benchmark_id,
                flags,
                flagged,
            )
        return flags, flagged


def run(args: argparse.Namespace) -> int:
    # git runs in sessions of its own (git.start): a Ctrl-C or a cancelled job's SIGTERM reaches
    # only us, so we end the git processes (and start no more) before stopping
    with git.ending_on_signals():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from evalledger.report import render, resolve_format

    fmt = resolve_format(args.format)
    root, git_root, hub, target = _prepare(args)
    result = _generate_and_publish(args, Run(args, root, git_root, hub), target)
    render(result, fmt, sys.stdout)
    if result.error:
        sys.stderr.write(f"evalledger aggregate: error: {terminal(result.error, newlines=True)}\n")
        return 2
    if args.strict and (result.board.unreachable or result.board.rejected):
        return 1
    return 0


def _prepare(args: argparse.Namespace) -> tuple[Path, Path | None, auth.HubAuth | None, publish.Target | None]:
    """Everything checked before any work: the options, the repo, the token, and what committing
    (and pushing) needs; (benchmark dir, its git root, Hub auth, commit target or None)."""
    if args.jobs < 1 or args.push_attempts < 1:
        raise UsageError("--jobs and --push-attempts must be at least 1")
    if args.site:
        from evalledger.leaderboard import site

        site.check_output(Path(args.site))  # before anything is fetched or written
    if args.charts:
        from evalledger.leaderboard import charts

        if not charts.available():
            raise UsageError(
                "--charts needs matplotlib: pip install 'evalledger[charts]' (or leave out "
                "--charts: the tables and card are written without charts)"
            )
    root = Path(args.repo)
    if not root.is_dir():
        raise UsageError(f"--repo {args.repo}: not a directory")
    try:
        hub = auth.HubAuth.from_environ(args.token_env)
    except auth.AuthError as exc:
        raise UsageError(str(exc)) from None
    git_root = git.toplevel(root)
    if not (args.commit or args.push):
        return root, git_root, hub, None
    if git_root is None:
        raise UsageError(f"{root} is not a git repository: --commit/--push need one")
    try:
        target = publish.preflight(git_root, push=args.push, remote=args.remote, branch=args.branch)
    except publish.PublishError as exc:
        raise UsageError(str(exc)) from exc
    return root, git_root, hub, target


def _generate_and_publish(args: argparse.Namespace, aggregation: Run, target: publish.Target | None) -> AggregateResult:
    """Generate, commit and push; a rejected push moves to the remote's tip and generates again,
    up to --push-attempts times. A git or publishing error ends the run with what was done."""
    generated = None
    committed_sha = None
    pushed = False
    attempts = 0
    error = None
    try:
        while True:
            attempts += 1
            generated = aggregation.generate()
            committed_sha = _commit(args, aggregation, target, generated)
            if target is None or not (args.push and committed_sha):  # (no target: nothing committed)
                break
            ok, text = publish.push(target, timeout=args.timeout)
            if ok:
                pushed = True
                break
            if attempts >= args.push_attempts:
                error = (
                    f"push to {args.remote}/{target.branch} failed {attempts} times; last: {publish.last_lines(text)}"
                )
                break
            publish.backoff(attempts, args.push_backoff)
            publish.rebase_onto_remote(target, timeout=args.timeout)
    except publish.PublishError as exc:
        error = str(exc)
    except git.GitError as exc:
        error = f"git failed: {exc}"
    return AggregateResult(
        generated,
        committed=committed_sha is not None,
        pushed=pushed,
        commit=committed_sha,
        push_attempts=attempts if args.push else 0,
        error=error,
    )


def _commit(
    args: argparse.Namespace, aggregation: Run, target: publish.Target | None, generated: Generated
) -> str | None:
    """Commit what this generation produced, if anything differs; the commit's sha."""
    if target is None or aggregation.git_root is None:  # (a target is in a git root)
        return None
    # tables we removed (other format, flags without --audit) are committed as deletions
    paths = [
        _relative(aggregation.root / p, aggregation.git_root)
        for p in sorted(set(generated.files) | set(generated.written))
    ]
    if not publish.needs_commit(target, paths):
        return None
    return publish.commit(target, paths, publish.message(generated), name=args.bot_name, email=args.bot_email)


def _relative(path: Path, git_root: Path) -> str:
    return str(path.parent.resolve().relative_to(git_root.resolve()) / path.name)
