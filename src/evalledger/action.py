"""The GitHub glue of the composite Action (action.yml), kept in Python so it is unit-testable.

action.yml passes every input through ``env:`` as ``EVALLEDGER_INPUT_<NAME>`` (upper case, ``-``
-> ``_``) and never interpolates ``${{ }}`` into a script, so a value can only ever be data. This
module validates those values (a value that looks like a command-line flag is refused), runs
``evalledger aggregate`` or ``evalledger audit`` as a subprocess, and turns their JSON into:

* step outputs in ``$GITHUB_OUTPUT`` (always the heredoc form with a random delimiter, as the
  Actions toolkit does, so no value can smuggle in another output);
* Markdown in ``$GITHUB_STEP_SUMMARY`` (capped well under GitHub's 1 MiB per step);
* a bounded number of annotations (GitHub shows 10 per level per step), with untrusted text
  escaped so a model name containing ``\\n::error::`` cannot issue a workflow command; the
  subcommand's own log output runs inside ``::stop-commands::`` for the same reason.

All escaping (Markdown, workflow commands, outputs) is ``evalledger.escape``'s.

Audit mode (``pull_request`` workflows) needs no write token: it writes the Markdown report to the
job summary and to a file (plus ``pr-number.txt``) that a separate ``workflow_run`` job, which
never checks out PR code, can post as a comment. See examples/workflows/.

Entry point: ``python -I -m evalledger.action`` -> ``main() -> int`` (-I: not the workspace's evalledger/).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
import secrets
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from evalledger import __version__, revrange
from evalledger.atomic import write_atomic
from evalledger.escape import log_line, output_block, workflow_command
from evalledger.escape import markdown as md
from evalledger.leaderboard.result import AggregateResult, Generated, NewConflict, RowChange, TopRow

ENV_PREFIX = "EVALLEDGER_INPUT_"
SUMMARY_LIMIT = 512 * 1024  # bytes; GitHub rejects a step summary over 1 MiB
COMMENT_LIMIT = 60_000  # bytes; a GitHub comment body holds at most 65,536 characters
LIST_LIMIT = 25  # rows per list in the summary
TOP_ROWS = 10  # leaderboard rows shown per task
ANNOTATION_LIMIT = 50  # GitHub shows at most 50 annotations per job
COMMENT_MARKER = "<!-- evalledger-audit -->"
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
AUDIT_OUTPUTS = ("findings", "errors", "warnings", "infos", "report-path", "range", "pr-number")


class InputError(Exception):
    """An input of the Action is invalid: reported as one ::error:: line, exit 2."""


# -- inputs -----------------------------------------------------------------------------------

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
_REV = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/@^~{}+-]*$")
_BRANCH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/+-]*$")


def _text(name: str, value: str) -> str:
    if "\x00" in value or "\n" in value or "\r" in value:
        raise InputError(f"input {name!r} must be a single line")
    if value.startswith("-"):
        raise InputError(
            f"input {name!r} must not start with '-' (got {value!r}): flags cannot be passed through inputs"
        )
    return value


def _bool(name: str, value: str) -> bool:
    low = value.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise InputError(f"input {name!r} must be true or false (got {value!r})")


def _int(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise InputError(f"input {name!r} must be a whole number (got {value!r})") from None
    if not low <= number <= high:
        raise InputError(f"input {name!r} must be between {low} and {high} (got {number})")
    return number


def _share(name: str, value: str) -> str:
    text = value.strip()
    if not re.fullmatch(r"(0|1)(\.0*)?|0?\.[0-9]+", text):
        raise InputError(f"input {name!r} must be a number from 0 to 1 (got {value!r})")
    return text


def _choice(name: str, value: str, choices: Sequence[str]) -> str:
    value = value.strip()
    if value not in choices:
        raise InputError(f"input {name!r} must be one of {', '.join(choices)} (got {value!r})")
    return value


def _rev(name: str, value: str) -> str:
    value = _text(name, value.strip())
    if value and (not _REV.match(value) or ".." in value):
        raise InputError(f"input {name!r} is not a commit or ref name (got {value!r})")
    return value


@dataclass(frozen=True)
class Inputs:
    mode: str = "aggregate"
    working_directory: str = "."
    # aggregate
    models: str = ""
    models_dir: str = ""
    benchmark_id: str = ""
    cache_dir: str = ""
    include_pull_requests: bool = False
    output_format: str = ""
    output_dir: str = ""
    charts: bool = False
    site_dir: str = ""
    commit: bool = True
    push: bool = True
    push_attempts: int = 3
    commit_user_name: str = "github-actions[bot]"
    commit_user_email: str = "41898282+github-actions[bot]@users.noreply.github.com"
    branch: str = ""
    dry_run: bool = False
    audit_history: bool = False
    strict: bool = False
    max_removed_share: str = ""
    allow_removal: bool = False
    # audit
    base: str = ""
    head: str = ""
    range: str = ""
    fail_on: str = "error"
    report_path: str = ""
    benchmark: str = ""
    deepen: bool = False
    # aggregate: a Hugging Face token for gated/private model repos (from a secret); given to
    # evalledger as HF_TOKEN in its environment, never as an argument, never shown
    hf_token: str = dataclasses.field(default="", repr=False)
    # both
    summary: bool = True
    annotations: int = 10


def _branch(name: str, value: str) -> str:
    branch = _text(name, value.strip())
    if not _BRANCH.match(branch) or ".." in branch or branch.endswith((".lock", "/")):
        raise InputError(f"input 'branch' is not a valid branch name (got {branch!r})")
    return branch


def _range(name: str, value: str) -> str:
    rng = _text(name, value.strip())
    try:
        ends = revrange.parse(rng, empty_side=None)
    except revrange.RangeError:
        raise InputError(f"input 'range' must look like BASE..HEAD (got {rng!r})") from None
    for side in (ends.base, ends.head):
        _rev(name, side)
    return rng


def _token(name: str, value: str) -> str:
    token = value.strip()
    if any(ord(c) < 33 or ord(c) > 126 for c in token):  # the value is a secret: never quoted
        raise InputError(
            "input 'hf-token' must be one word of printable ASCII (a Hugging Face access token); the value is not shown"
        )
    return token


def _stripped_text(name: str, value: str) -> str:
    return _text(name, value.strip())


# each input and how its text is read, in the order they are checked (the first bad one is reported)
_INPUTS: tuple[tuple[str, Callable[[str, str], Any]], ...] = (
    ("mode", functools.partial(_choice, choices=("aggregate", "audit"))),
    *(
        (name, _stripped_text)
        for name in (
            "working-directory",
            "models",
            "models-dir",
            "benchmark-id",
            "cache-dir",
            "output-dir",
            "site-dir",
            "commit-user-name",
            "commit-user-email",
            "report-path",
            "benchmark",
        )
    ),
    ("output-format", functools.partial(_choice, choices=("csv", "parquet"))),
    *(
        (name, _bool)
        for name in (
            "include-pull-requests",
            "commit",
            "push",
            "dry-run",
            "summary",
            "deepen",
            "audit-history",
            "strict",
            "allow-removal",
            "charts",
        )
    ),
    ("max-removed-share", _share),
    ("push-attempts", functools.partial(_int, low=1, high=10)),
    ("annotations", functools.partial(_int, low=0, high=ANNOTATION_LIMIT)),
    ("branch", _branch),
    ("base", _rev),
    ("head", _rev),
    ("range", _range),
    ("fail-on", functools.partial(_choice, choices=("error", "warning", "never"))),
    ("hf-token", _token),
)


def read_inputs(environ: Mapping[str, str]) -> Inputs:
    """Inputs from ``EVALLEDGER_INPUT_*``; unset or empty means the default."""
    values: dict[str, Any] = {}
    for name, read in _INPUTS:
        value = environ.get(ENV_PREFIX + name.upper().replace("-", "_"), "")
        if value.strip() != "":
            values[name.replace("-", "_")] = read(name, value)
    inputs = dataclasses.replace(Inputs(), **values)
    if inputs.range and (inputs.base or inputs.head):
        raise InputError("give either 'range' or 'base'/'head', not both")
    if inputs.mode == "aggregate" and not (inputs.models or inputs.models_dir):
        raise InputError("aggregate mode needs 'models' (a registry file) or 'models-dir'")
    return inputs


# -- workflow commands, outputs, summary ------------------------------------------------------


def set_outputs(path: str | os.PathLike[str], values: Mapping[str, Any]) -> None:
    """Append outputs in the heredoc form; a random delimiter cannot occur in any value."""
    blocks = [output_block(name, _output_text(value)) for name, value in values.items()]
    with open(path, "a", encoding="utf-8") as out:
        out.write("".join(blocks))


def _output_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def annotation(level: str, message: str, *, title: str = "", file: str = "", line: int | None = None) -> str:
    """One workflow command; every piece of untrusted text escaped."""
    return workflow_command(level, message, file=file, line=int(line) if file and line else None, title=title)


def cap_text(text: str, limit_bytes: int, note: str) -> str:
    """Cut ``text`` at a line boundary so it fits ``limit_bytes`` (UTF-8), ending with ``note``."""
    data = text.encode("utf-8")
    if len(data) <= limit_bytes:
        return text
    room = limit_bytes - len(note.encode("utf-8")) - 2
    cut = data[: max(room, 0)].decode("utf-8", "ignore")
    cut = cut[: cut.rfind("\n") + 1] if "\n" in cut else cut
    return cut + "\n" + note + "\n"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return lines


def _more(total: int, shown: int) -> list[str]:
    return ["", f"…and {total - shown} more (see the log)."] if total > shown else []


# -- aggregate --------------------------------------------------------------------------------

# Inputs field -> aggregate option, in argv order: a true switch is passed as ``--opt``, a
# non-empty value as ``--opt=value``
AGGREGATE_OPTIONS = (
    ("models", "--models"),
    ("models_dir", "--models-dir"),
    ("benchmark_id", "--benchmark-id"),
    ("cache_dir", "--cache-dir"),
    ("include_pull_requests", "--include-pull-requests"),
    ("output_format", "--output-format"),
    ("output_dir", "--output-dir"),
    ("charts", "--charts"),
    ("site_dir", "--site"),
    ("audit_history", "--audit"),
    ("strict", "--strict"),
    ("max_removed_share", "--max-removed-share"),
    ("allow_removal", "--allow-removal"),
)


def aggregate_argv(inputs: Inputs) -> list[str]:
    """``evalledger aggregate`` arguments; every value in ``--opt=value`` form (never a flag)."""
    argv = ["aggregate", "--format=json"]
    for field, option in AGGREGATE_OPTIONS:
        value = getattr(inputs, field)
        if value is True:
            argv.append(option)
        elif value and not isinstance(value, bool):
            argv.append(f"{option}={value}")
    if inputs.commit and not inputs.dry_run:
        argv += ["--commit", f"--bot-name={inputs.commit_user_name}", f"--bot-email={inputs.commit_user_email}"]
        if inputs.branch:
            argv.append(f"--branch={inputs.branch}")
        if inputs.push:
            argv += ["--push", f"--push-attempts={inputs.push_attempts}"]
    return argv


def _typed(result: AggregateResult | Mapping[str, Any]) -> AggregateResult:
    """The result as ``aggregate --format json`` printed it, read into its one definition."""
    return result if isinstance(result, AggregateResult) else AggregateResult.from_json(result)


def aggregate_outputs(result: AggregateResult | Mapping[str, Any]) -> dict[str, Any]:
    result = _typed(result)
    board = result.board
    return {
        "changed": board.changed,
        "committed": result.committed,
        "pushed": result.pushed,
        "commit-sha": result.commit or "",
        "rows": board.rows,
        "conflicts": board.conflicts,
        "leaderboard-path": board.leaderboard_path,
    }


def _task(item: RowChange | NewConflict) -> str:
    return f"{item.task} ({item.setup})" if item.setup else item.task


def _section(title: str, header: Sequence[str], rows: list[Sequence[Any]]) -> list[str]:
    if not rows:
        return []
    shown = rows[:LIST_LIMIT]
    return [f"**{title}** ({len(rows)})", "", *_table(header, shown), *_more(len(rows), len(shown)), ""]


def aggregate_summary(result: AggregateResult | Mapping[str, Any]) -> str:
    """Job summary: status, what changed since the last run, conflicts, problems, top rows per task."""
    result = _typed(result)
    out = ["## evalledger leaderboard", "", _status(result), ""]
    if result.error:
        out += [f"> **Error:** {md(result.error)}", ""]
    out += _changed(result.board)
    out += _problems(result.board)
    out += _top(result.board)
    return "\n".join(out) + "\n"


def _status(result: AggregateResult) -> str:
    """``**updated** · 3 rows · 1 conflicts · 2/3 model repos read · commit `…` pushed``."""
    board = result.board
    parts = [f"**{'updated' if board.changed else 'unchanged'}**", f"{board.rows} rows", f"{board.conflicts} conflicts"]
    if result.generated is not None:
        parts.append(f"{board.fetched}/{board.sources} model repos read")
    if result.committed and result.commit:
        parts.append(f"commit `{md(result.commit[:12])}`" + (" pushed" if result.pushed else " (not pushed)"))
    elif board.changed:
        parts.append("not committed")
    return " · ".join(parts)


def _changed(board: Generated) -> list[str]:
    """What changed since the last run: one table per kind of change."""
    changes = board.changes
    sections = [
        *_section(
            "New entries",
            ("Model", "Task", "Value", "Rank"),
            [(c.model, _task(c), c.value, c.rank) for c in changes.new],
        ),
        *_section(
            "Moved ranks",
            ("Model", "Task", "Rank", "Value"),
            [(c.model, _task(c), f"{c.old_rank} → {c.rank}", c.value) for c in changes.moved],
        ),
        *_section(
            "Changed values",
            ("Model", "Task", "Old → New", "Rank"),
            [(c.model, _task(c), f"{c.old_value} → {c.value}", c.rank) for c in changes.value_changed],
        ),
        *_section(
            "Removed entries",
            ("Model", "Task", "Last value", "Last rank"),
            [(c.model, _task(c), c.value, c.rank) for c in changes.removed],
        ),
        *_section(
            "New conflicts (sources disagree; the selected value is on the board, every candidate in "
            "the candidates table)",
            ("Model", "Task", "Values"),
            [(c.model, _task(c), ", ".join(str(v) for v in c.values)) for c in changes.new_conflicts],
        ),
    ]
    out = ["First run: every row is new.", ""] if changes.first_run else []
    if sections:
        return out + ["### What changed since the last run", "", *sections]
    if not board.changed:
        return out + ["Nothing changed since the last run: no file was touched and no commit was made.", ""]
    return out


def _problems(board: Generated) -> list[str]:
    """Unreachable model repos and rejected results."""
    problems = [
        *_section(
            "Unreachable model repos (last known rows kept, marked stale)",
            ("Model", "Repo", "Rows kept", "Message"),
            [(u.model, u.url, u.kept, u.message) for u in board.unreachable],
        ),
        *_section(
            "Rejected results (failed lint, not on the board)",
            ("Model", "File", "Rule", "Message"),
            [(r.model, f"{r.file}:{r.line}", r.rule, r.message) for r in board.rejected],
        ),
    ]
    return ["### Problems", "", *problems] if problems else []


def _top(board: Generated) -> list[str]:
    """The first rows of each (benchmark, task, setup) board, flags marked when audited."""
    boards: dict[tuple[str, str, str], list[TopRow]] = {}
    for row in board.top:
        boards.setdefault((row.benchmark, row.task, row.setup), []).append(row)
    if not boards:
        return []
    out = ["### Top rows per task", ""]
    audited = board.flags is not None
    if audited:
        out += [
            (
                f"⚑ marks a row whose model repo's history has audit findings for the entry (rule ids "
                f"shown); every finding, with its commit and message, is in "
                f"{md(board.flags_path or 'the flags table')}."
            ),
            "",
        ]
    header = ("#", "Model", "Value", "Verified", "Community", "Conflict") + (("Flags",) if audited else ())
    shown = list(boards.items())[:LIST_LIMIT]
    for (benchmark, task, setup), rows in shown:
        out += [f"#### {' · '.join(md(x) for x in (benchmark, task, setup) if x)}", ""]
        out += _table(header, [_top_cells(r, audited) for r in rows[:TOP_ROWS]]) + [""]
    out += _more(len(boards), len(shown))
    if board.leaderboard_path and board.rows > sum(min(len(rows), TOP_ROWS) for _, rows in shown):
        out += [f"Every row is in {md(board.leaderboard_path)}.", ""]
    return out


def _top_cells(row: TopRow, audited: bool) -> tuple[Any, ...]:
    marks = ("✓" if row.verified else "", "✓" if row.community else "", "⚠" if row.conflict else "")
    flags = ("⚑ " + ", ".join(row.flags) if row.flags else "",) if audited else ()
    return (row.rank, row.model, row.value, *marks, *flags)


def aggregate_annotations(result: AggregateResult | Mapping[str, Any], limit: int) -> list[str]:
    """Worst first: the error, unreachable repos, rejected results, new conflicts; at most ``limit``."""
    result = _typed(result)
    board = result.board
    candidates: list[str] = []
    if result.error:
        candidates.append(annotation("error", result.error, title="evalledger aggregate"))
    for u in board.unreachable:
        candidates.append(annotation("warning", f"{u.url}: {u.message}", title="evalledger: model repo unreachable"))
    for r in board.rejected:
        candidates.append(
            annotation(
                "warning", f"{r.model} {r.file}:{r.line}: {r.message}", title=f"evalledger: result rejected ({r.rule})"
            )
        )
    for c in board.changes.new_conflicts:
        values = ", ".join(str(v) for v in c.values)
        candidates.append(
            annotation(
                "warning",
                f"{c.model} · {_task(c)}: sources disagree ({values})",
                title="evalledger: conflicting results",
            )
        )
    lines = candidates[:limit]
    if len(candidates) > limit:
        lines.append(annotation("notice", f"{len(candidates) - limit} more problems are listed in the job summary"))
    return lines


# -- audit ------------------------------------------------------------------------------------


def audit_range(inputs: Inputs, environ: Mapping[str, str]) -> str | None:
    """The range to audit: the input, else base/head, else what the event says, else everything."""
    if inputs.range:
        return inputs.range
    base, head = inputs.base, inputs.head
    event = _event(environ)
    pr = event.get("pull_request") if isinstance(event.get("pull_request"), Mapping) else None
    if pr and not base:
        base = str((pr.get("base") or {}).get("sha") or "")
    if pr and not head:
        head = str((pr.get("head") or {}).get("sha") or "")
    if not pr and not base and environ.get("GITHUB_EVENT_NAME") == "push":
        before = str(event.get("before") or "")
        if before and set(before) != {"0"}:  # a new branch has no "before": audit it all
            base = before
    if not base:
        return None
    return revrange.join(_rev("base", base), _rev("head", head) or "HEAD")


def _event(environ: Mapping[str, str]) -> dict[str, Any]:
    path = environ.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def pr_number(environ: Mapping[str, str]) -> str:
    pr = _event(environ).get("pull_request")
    number = pr.get("number") if isinstance(pr, Mapping) else None
    return str(number) if isinstance(number, int) and not isinstance(number, bool) else ""


def audit_counts(doc: Mapping[str, Any]) -> dict[str, int]:
    findings = [f for f in doc.get("findings") or [] if isinstance(f, Mapping)]
    counts = {"findings": len(findings), "errors": 0, "warnings": 0, "infos": 0}
    for f in findings:
        key = {"error": "errors", "warning": "warnings", "info": "infos"}.get(str(f.get("severity")))
        if key:
            counts[key] += 1
    return counts


def audit_annotations(doc: Mapping[str, Any], limit: int) -> list[str]:
    order = {"error": 0, "warning": 1, "info": 2}
    findings = sorted(
        (f for f in doc.get("findings") or [] if isinstance(f, Mapping)),
        key=lambda f: order.get(str(f.get("severity")), 3),
    )
    lines = []
    for f in findings[:limit]:
        level = {"error": "error", "warning": "warning"}.get(str(f.get("severity")), "notice")
        line = f.get("line") if isinstance(f.get("line"), int) else None
        lines.append(
            annotation(
                level,
                str(f.get("message", "")),
                title=f"evalledger {f.get('rule', '')}",
                file=str(f.get("path") or ""),
                line=line,
            )
        )
    if len(findings) > limit:
        lines.append(
            annotation("notice", f"{len(findings) - limit} more findings are in the job summary and the report")
        )
    return lines


def audit_failed(counts: Mapping[str, int], fail_on: str) -> bool:
    if fail_on == "error":
        return counts["errors"] > 0
    if fail_on == "warning":
        return counts["errors"] + counts["warnings"] > 0
    return False


# -- running ----------------------------------------------------------------------------------


def run_evalledger(argv: Sequence[str], cwd: str, env: Mapping[str, str], log: TextIO) -> tuple[int, str]:
    """Run ``python -I -m evalledger ARGV``; stdout is returned, stderr goes to the log as it comes
    (progress of a long run shows live) with workflow commands switched off (it quotes other
    people's files and repo names)."""
    token = secrets.token_hex(16)
    log.write(f"::stop-commands::{token}\n")
    log.flush()
    try:
        # -I: cwd is the user's repository; its own evalledger/ (or yaml/) must not be imported
        with subprocess.Popen(
            [sys.executable, "-I", "-m", "evalledger", *argv],
            cwd=cwd,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as proc:
            stdout, stderr = proc.stdout, proc.stderr
            assert stdout is not None and stderr is not None  # both PIPE
            out: list[str] = []
            reader = threading.Thread(target=lambda: out.append(stdout.read()), daemon=True)
            reader.start()
            for line in stderr:
                log.write(log_line(line.rstrip("\n")) + "\n")
                log.flush()
            reader.join()
    finally:
        log.write(f"::{token}::\n")
        log.flush()
    return proc.returncode, "".join(out)


def _json_doc(text: str, what: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except ValueError:
        raise InputError(f"{what} did not print JSON; see its messages above") from None
    if not isinstance(doc, dict):
        raise InputError(f"{what} printed JSON that is not an object")
    return doc


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(text)


def child_env(inputs: Inputs, environ: Mapping[str, str]) -> dict[str, str]:
    """evalledger's environment: the step's, with the ``hf-token`` input moved to ``HF_TOKEN``
    (the variable aggregate reads; a token is never an argument, which ``ps`` would show)."""
    env = {k: v for k, v in environ.items() if k != ENV_PREFIX + "HF_TOKEN"}
    if inputs.hf_token:
        env["HF_TOKEN"] = inputs.hf_token
    return env


def run_aggregate(inputs: Inputs, workdir: str, environ: Mapping[str, str], log: TextIO) -> int:
    code, stdout = run_evalledger(aggregate_argv(inputs), workdir, child_env(inputs, environ), log)
    doc: dict[str, Any] = {}
    if stdout.strip():
        try:
            doc = _json_doc(stdout, "evalledger aggregate")
        except InputError:
            if code == 0:
                raise
    result = AggregateResult.from_json(doc)
    outputs = aggregate_outputs(result)
    if environ.get("GITHUB_OUTPUT"):
        set_outputs(environ["GITHUB_OUTPUT"], outputs)
    if doc and inputs.summary:
        _append(
            environ.get("GITHUB_STEP_SUMMARY"),
            cap_text(aggregate_summary(result), SUMMARY_LIMIT, "_Summary truncated; see the log._"),
        )
    for line in aggregate_annotations(result, inputs.annotations):
        log.write(line + "\n")
    log.write(
        f"leaderboard {'updated' if outputs['changed'] else 'unchanged'}: rows={outputs['rows']} "
        f"conflicts={outputs['conflicts']} committed={str(outputs['committed']).lower()} "
        f"pushed={str(outputs['pushed']).lower()} commit={outputs['commit-sha'] or '-'}\n"
    )
    if code != 0:
        if not result.error:
            log.write(
                annotation(
                    "error", f"evalledger aggregate failed (exit {code}); see the messages above", title="evalledger"
                )
                + "\n"
            )
        return code
    return EXIT_OK


def run_audit(inputs: Inputs, workdir: str, environ: Mapping[str, str], log: TextIO) -> int:
    rng = audit_range(inputs, environ)
    report = Path(inputs.report_path or Path(environ.get("RUNNER_TEMP") or workdir) / "evalledger-audit" / "report.md")
    if not report.is_absolute():
        report = Path(environ.get("GITHUB_WORKSPACE") or workdir) / report
    report.parent.mkdir(parents=True, exist_ok=True)
    common = [
        ".",
        *([f"--range={rng}"] if rng else []),
        "--fail-on=never",
        *([f"--benchmark={inputs.benchmark}"] if inputs.benchmark else []),
        *(["--deepen"] if inputs.deepen else []),
    ]
    # one audit run writes both the Markdown report and the JSON the outputs are counted from
    full = report.with_name(report.name + ".full")
    findings_json = report.with_name(report.name + ".json")
    code, _ = run_evalledger(
        ["audit", *common, "--format=markdown", f"--output={full}", f"--json-output={findings_json}"],
        workdir,
        child_env(inputs, environ),
        log,
    )
    if code != 0 or not findings_json.is_file():
        log.write(
            annotation("error", f"evalledger audit failed (exit {code}); see the messages above", title="evalledger")
            + "\n"
        )
        full.unlink(missing_ok=True)
        return code if code not in (EXIT_OK, EXIT_FINDINGS) else EXIT_USAGE
    doc = _json_doc(findings_json.read_text(encoding="utf-8"), "evalledger audit")
    findings_json.unlink()
    markdown = full.read_text(encoding="utf-8") if full.is_file() else ""
    full.unlink(missing_ok=True)
    counts = audit_counts(doc)
    if not markdown:
        markdown = f"### evalledger audit: {counts['findings']} findings\n"
    scope = f"`{rng}`" if rng else "the whole history"  # checked by _rev: no backtick, no space
    body = f"{COMMENT_MARKER}\n{markdown.rstrip()}\n\n<sub>evalledger audit of {scope}</sub>\n"
    write_atomic(
        report,
        cap_text(body, COMMENT_LIMIT, "_Report truncated; the full list is in the job summary and the workflow log._"),
    )
    number = pr_number(environ)
    if number:
        write_atomic(report.parent / "pr-number.txt", number + "\n")
    outputs = {**counts, "report-path": str(report), "range": rng or "", "pr-number": number}
    if environ.get("GITHUB_OUTPUT"):
        set_outputs(environ["GITHUB_OUTPUT"], outputs)
    if inputs.summary:
        _append(
            environ.get("GITHUB_STEP_SUMMARY"),
            cap_text(markdown.rstrip() + "\n", SUMMARY_LIMIT, "_Summary truncated; see the log._"),
        )
    for line in audit_annotations(doc, inputs.annotations):
        log.write(line + "\n")
    log.write(
        f"audit of {rng or 'the whole history'}: {counts['errors']} errors, {counts['warnings']} "
        f"warnings, {counts['infos']} info; report at {report}\n"
    )
    if audit_failed(counts, inputs.fail_on):
        log.write(
            annotation(
                "error",
                f"evalledger audit found {counts['errors']} errors and "
                f"{counts['warnings']} warnings (fail-on: {inputs.fail_on})",
                title="evalledger",
            )
            + "\n"
        )
        return EXIT_FINDINGS
    return EXIT_OK


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None, log: TextIO | None = None) -> int:
    env = dict(os.environ if environ is None else environ)
    out = sys.stdout if log is None else log
    if argv:
        out.write("usage: python -m evalledger.action (inputs come from EVALLEDGER_INPUT_* variables)\n")
        return EXIT_USAGE
    try:
        inputs = read_inputs(env)
        workdir = Path(env.get("GITHUB_WORKSPACE") or ".") / inputs.working_directory
        if not workdir.is_dir():
            raise InputError(f"working-directory {inputs.working_directory!r} is not a directory")
        if inputs.mode == "audit":
            return run_audit(inputs, str(workdir), env, out)
        return run_aggregate(inputs, str(workdir), env, out)
    except InputError as exc:
        out.write(annotation("error", str(exc), title="evalledger") + "\n")
        return EXIT_USAGE
    except Exception as exc:  # a bug in evalledger, not in the user's inputs: say so once
        out.write(
            annotation(
                "error",
                f"evalledger {__version__}: internal error in the Action: "
                f"{type(exc).__name__}: {exc}. This is a bug; please report it.",
                title="evalledger",
            )
            + "\n"
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
