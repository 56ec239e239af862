"""The Action's Python glue: inputs from env, GITHUB_OUTPUT, job summary, annotations."""

from __future__ import annotations

import io
import json
import re

import pytest

from evalledger import action
from evalledger.action import InputError, Inputs, read_inputs
from evalledger.leaderboard.result import (
    AggregateResult,
    Changes,
    Generated,
    LintRejected,
    NewConflict,
    RowChange,
    TopRow,
    Unreachable,
)
from gitutil import GitRepo


def env(**inputs: str) -> dict[str, str]:
    return {action.ENV_PREFIX + k.upper(): v for k, v in inputs.items()}


def parse_github_output(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT as the runner reads it: ``name=value`` or ``name<<DELIM`` … ``DELIM``."""
    lines = text.split("\n")
    out: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            body = []
            while lines[i] != delim:
                body.append(lines[i])
                i += 1
            i += 1
            out[name] = "\n".join(body)
        else:
            name, value = line.split("=", 1)
            out[name] = value
    return out


# -- inputs -----------------------------------------------------------------------------------


def test_defaults_need_a_model_source():
    with pytest.raises(InputError, match="needs 'models'"):
        read_inputs({})
    inputs = read_inputs(env(models="models.txt"))
    assert inputs == Inputs(models="models.txt")
    assert (inputs.commit, inputs.push, inputs.push_attempts, inputs.fail_on) == (True, True, 3, "error")


def test_empty_values_mean_default():
    # action.yml passes every input, so an unset input arrives as an empty string
    inputs = read_inputs(env(models="m.txt", commit="", push_attempts=" ", mode="", fail_on=""))
    assert (inputs.commit, inputs.push_attempts, inputs.mode) == (True, 3, "aggregate")


@pytest.mark.parametrize(
    "name,value",
    [
        ("models", "--exec=evil"),
        ("models_dir", "-x"),
        ("output_dir", "--output-dir=/etc"),
        ("branch", "--force"),
        ("base", "--all"),
        ("head", "-n1"),
        ("benchmark_id", "--upload-pack=x"),
        ("cache_dir", "--cache-dir=/"),
        ("benchmark", "-b"),
        ("site_dir", "--output=/etc"),
        ("working_directory", "-C/tmp"),
        ("report_path", "--output=/etc/passwd"),
    ],
)
def test_flag_looking_values_are_refused(name, value):
    with pytest.raises(InputError, match="must not start with '-'"):
        read_inputs({**env(models="m.txt", mode="audit"), **env(**{name: value})})


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("mode", "publish", "must be one of aggregate, audit"),
        ("commit", "maybe", "must be true or false"),
        ("push_attempts", "0", "between 1 and 10"),
        ("push_attempts", "three", "whole number"),
        ("annotations", "500", "between 0 and 50"),
        ("fail_on", "info", "must be one of error, warning, never"),
        ("output_format", "xlsx", "must be one of csv, parquet"),
        ("branch", "main..x", "not a valid branch name"),
        ("branch", "a b", "not a valid branch name"),
        ("base", "HEAD~1..HEAD", "not a commit or ref name"),
        ("base", "$(id)", "not a commit or ref name"),
        ("range", "HEAD", "must look like BASE..HEAD"),
        ("range", "a..$(id)", "not a commit or ref name"),
        ("models", "a\nb", "single line"),
        ("charts", "svg", "must be true or false"),
        ("site_dir", "_site\n--push", "single line"),
    ],
)
def test_invalid_values_name_the_input(name, value, message):
    with pytest.raises(InputError, match=re.escape(message)):
        read_inputs({**env(models="m.txt"), **env(**{name: value})})


def test_booleans_and_numbers():
    inputs = read_inputs(
        env(
            models="m.txt",
            commit="False",
            push="no",
            dry_run="TRUE",
            include_pull_requests="yes",
            push_attempts="5",
            annotations="0",
        )
    )
    assert (inputs.commit, inputs.push, inputs.dry_run, inputs.include_pull_requests) == (False, False, True, True)
    assert (inputs.push_attempts, inputs.annotations) == (5, 0)


def test_range_and_base_are_exclusive():
    with pytest.raises(InputError, match="either 'range' or 'base'"):
        read_inputs(env(mode="audit", range="main..HEAD", base="main"))
    assert read_inputs(env(mode="audit", range="origin/main...HEAD")).range == "origin/main...HEAD"


# -- aggregate arguments ----------------------------------------------------------------------


def test_aggregate_argv_never_lets_a_value_become_a_flag():
    inputs = read_inputs(
        env(
            models="models list.txt",
            models_dir="subs",
            include_pull_requests="true",
            benchmark_id="org/bench",
            cache_dir="/tmp/c",
            output_format="parquet",
            output_dir="data",
            audit_history="true",
            strict="true",
            push_attempts="4",
            branch="leaderboard",
            commit_user_name="Leaderboard Bot",
            commit_user_email="bot@example.com",
        )
    )
    argv = action.aggregate_argv(inputs)
    assert argv == [
        "aggregate",
        "--format=json",
        "--models=models list.txt",
        "--models-dir=subs",
        "--benchmark-id=org/bench",
        "--cache-dir=/tmp/c",
        "--include-pull-requests",
        "--output-format=parquet",
        "--output-dir=data",
        "--audit",
        "--strict",
        "--commit",
        "--bot-name=Leaderboard Bot",
        "--bot-email=bot@example.com",
        "--branch=leaderboard",
        "--push",
        "--push-attempts=4",
    ]
    assert all(
        a.startswith("--")
        and (a.count("=") >= 1 or a in {"--include-pull-requests", "--audit", "--strict", "--commit", "--push"})
        for a in argv[1:]
    )
    bot = ["--bot-name=github-actions[bot]", "--bot-email=41898282+github-actions[bot]@users.noreply.github.com"]
    assert action.aggregate_argv(read_inputs(env(models="m", dry_run="true"))) == [
        "aggregate",
        "--format=json",
        "--models=m",
    ]
    assert action.aggregate_argv(read_inputs(env(models="m", push="false"))) == [
        "aggregate",
        "--format=json",
        "--models=m",
        "--commit",
        *bot,
    ]


def test_charts_and_site_dir_reach_aggregate_as_its_options():
    inputs = read_inputs(env(models="m", charts="true", site_dir="public site", dry_run="true"))
    assert (inputs.charts, inputs.site_dir) == (True, "public site")
    assert action.aggregate_argv(inputs) == [
        "aggregate",
        "--format=json",
        "--models=m",
        "--charts",
        "--site=public site",
    ]
    # both off by default: the Action needs no matplotlib and writes no site
    assert action.aggregate_argv(read_inputs(env(models="m", charts="", site_dir="", dry_run="true"))) == [
        "aggregate",
        "--format=json",
        "--models=m",
    ]


# -- GITHUB_OUTPUT ----------------------------------------------------------------------------


def test_outputs_use_heredoc_with_unguessable_delimiter(tmp_path):
    path = tmp_path / "output"
    path.write_text("earlier=1\n")
    tricky = "line one\nEOF\nghadelimiter_0\nname=injected"
    action.set_outputs(path, {"changed": True, "committed": False, "rows": 3, "commit-sha": None, "report": tricky})
    text = path.read_text()
    parsed = parse_github_output(text)
    assert parsed == {
        "earlier": "1",
        "changed": "true",
        "committed": "false",
        "rows": "3",
        "commit-sha": "",
        "report": tricky,
    }
    delimiters = re.findall(r"^[a-z-]+<<(\S+)$", text, flags=re.M)
    assert len(set(delimiters)) == 5 and all(re.fullmatch(r"ghadelimiter_[0-9a-f]{32}", d) for d in delimiters)


def test_output_names_are_checked(tmp_path):
    with pytest.raises(ValueError):
        action.set_outputs(tmp_path / "o", {"bad\nname": 1})


# -- annotations ------------------------------------------------------------------------------

EVIL = "acme/evil\n::error::pwned%0A\r::add-mask::x,title=y:z"


def workflow_commands(text: str) -> list[str]:
    """Lines the runner would treat as commands."""
    return [line for line in text.splitlines() if line.lstrip().startswith("::")]


def test_annotation_escapes_untrusted_text():
    line = action.annotation("warning", f"model {EVIL} disagrees", title=f"t:{EVIL}", file="a,b:c.yaml", line=7)
    assert "\n" not in line and "\r" not in line
    assert line.startswith("::warning file=a%2Cb%3Ac.yaml,line=7,title=t%3Aacme/evil%0A%3A%3Aerror%3A%3Apwned%250A")
    assert line.endswith("::model acme/evil%0A::error::pwned%250A%0D::add-mask::x,title=y:z disagrees")


def conflict(i: int, model: str = "org/m") -> dict:
    return {"benchmark": "b/x", "task": "diamond", "setup": "", "model": f"{model}{i}", "values": [70.0 + i, 71.0]}


def test_aggregate_annotations_are_capped_worst_first_and_escaped():
    result = {
        "error": "push to origin/main failed 3 times",
        "changes": {"new_conflicts": [conflict(i) for i in range(30)]},
        "unreachable": [{"model": EVIL, "url": "file:///gone.git", "message": "fatal: not found"}],
    }
    lines = action.aggregate_annotations(result, limit=10)
    assert [line.split(" ", 1)[0] for line in lines] == ["::error"] + ["::warning"] * 9 + ["::notice::22"]
    assert lines[1] == "::warning title=evalledger%3A model repo unreachable::file:///gone.git: fatal: not found"
    evil = action.aggregate_annotations(
        {
            "changes": {"new_conflicts": [conflict(1, EVIL)]},
            "rejected": [
                {"model": EVIL, "file": ".eval_results/a.yaml", "line": 2, "rule": "unknown-task", "message": EVIL}
            ],
        },
        limit=10,
    )
    assert len(evil) == 2 and len(workflow_commands("\n".join(evil))) == 2
    assert action.aggregate_annotations(result, limit=0) == [
        action.annotation("notice", "32 more problems are listed in the job summary")
    ]


def test_audit_annotations_worst_first_capped():
    findings = [
        {
            "rule": "value-raised",
            "severity": "warning",
            "path": ".eval_results/a.yaml",
            "line": i,
            "message": f"raised {i}",
        }
        for i in range(1, 16)
    ] + [
        {"rule": "verify-token-stale", "severity": "error", "path": ".eval_results/b.yaml", "line": 3, "message": EVIL}
    ]
    lines = action.audit_annotations({"findings": findings}, limit=5)
    assert lines[0].startswith("::error file=.eval_results/b.yaml,line=3,title=evalledger verify-token-stale::")
    assert [line.split(" ", 1)[0] for line in lines] == ["::error"] + ["::warning"] * 4 + ["::notice::11"]
    assert len(workflow_commands("\n".join(lines))) == 6
    assert action.audit_counts({"findings": findings}) == {"findings": 16, "errors": 1, "warnings": 15, "infos": 0}


# -- job summary ------------------------------------------------------------------------------


def row(task, rank, model, value, **flags):
    return TopRow(
        benchmark="Idavidrein/gpqa",
        task=task,
        setup="",
        rank=rank,
        model=model,
        value=value,
        **{"verified": False, "community": False, "conflict": False, "stale": False, **flags},
    )


# the document `evalledger aggregate --format json` prints, built from its one definition
# (evalledger.leaderboard.result), so it cannot drift from what the CLI writes
RESULT = AggregateResult(
    Generated(
        changed=True,
        benchmark="Idavidrein/gpqa",
        rows=3,
        candidates=4,
        conflicts=1,
        sources=3,
        fetched=2,
        unreachable=(
            Unreachable(
                model="gone/x", url="file:///gone.git", ref=None, where="models.txt:3", message="repository not found"
            ),
        ),
        stale=(),
        lint_rejected=LintRejected(),
        rejected=(),
        files=("README.md", "leaderboard/candidates.csv", "leaderboard/leaderboard.csv"),
        written=("README.md", "leaderboard/candidates.csv", "leaderboard/leaderboard.csv"),
        changes=Changes(
            first_run=False,
            new=(
                RowChange(benchmark="Idavidrein/gpqa", task="diamond", setup="", model="bolt/beta", rank=2, value=65.5),
            ),
            moved=(
                RowChange(
                    benchmark="Idavidrein/gpqa",
                    task="main",
                    setup="tools",
                    model="acme/alpha",
                    rank=1,
                    value=60.5,
                    old_rank=2,
                ),
            ),
            new_conflicts=(
                NewConflict(
                    benchmark="Idavidrein/gpqa", task="diamond", setup="", model="acme/alpha", values=(69.0, 71.0)
                ),
            ),
        ),
        top=(
            row("diamond", 1, "acme/alpha", 71.0, verified=True, conflict=True),
            row("diamond", 2, "bolt/beta|<img src=x>", 65.5, community=True),
            row("main", 1, "acme/alpha", 60.5),
        ),
        flags=None,
        warnings=(),
    ),
    committed=True,
    pushed=True,
    commit="0123456789abcdef0123456789abcdef01234567",
    push_attempts=1,
).to_json()


def test_summary_shows_changes_conflicts_and_top_rows():
    text = action.aggregate_summary(RESULT)
    assert "**updated** · 3 rows · 1 conflicts · 2/3 model repos read · commit `0123456789ab` pushed" in text
    assert (
        "**New entries** (1)\n\n| Model | Task | Value | Rank |\n|---|---|---|---|\n| bolt/beta | diamond | 65.5 | 2 |"
    ) in text
    assert "| acme/alpha | main (tools) | 2 → 1 | 60.5 |" in text
    assert "Changed values" not in text and "Removed entries" not in text
    assert "| acme/alpha | diamond | 69.0, 71.0 |" in text
    assert "**Unreachable model repos (last known rows kept, marked stale)** (1)" in text
    assert "| gone/x | file:///gone.git | 0 | repository not found |" in text
    assert "#### Idavidrein/gpqa · diamond" in text and "#### Idavidrein/gpqa · main" in text
    assert "| 1 | acme/alpha | 71.0 | ✓ |  | ⚠ |" in text
    # untrusted model names cannot break the table or inject HTML
    assert "| 2 | bolt/beta\\|&lt;img src=x&gt; | 65.5 |  | ✓ |  |" in text
    assert action.aggregate_outputs(RESULT) == {
        "changed": True,
        "committed": True,
        "pushed": True,
        "commit-sha": RESULT["commit"],
        "rows": 3,
        "conflicts": 1,
        "leaderboard-path": "leaderboard/leaderboard.csv",
    }


def test_summary_when_nothing_changed():
    text = action.aggregate_summary(
        {
            "changed": False,
            "committed": False,
            "rows": 3,
            "conflicts": 0,
            "changes": {"first_run": False, "new": [], "moved": []},
        }
    )
    assert "**unchanged** · 3 rows · 0 conflicts" in text
    assert "Nothing changed since the last run" in text


def test_summary_lists_are_bounded_and_total_is_capped():
    many = {**RESULT, "changes": {"new": [{"model": f"m{i}", "task": "t", "value": i, "rank": i} for i in range(1000)]}}
    text = action.aggregate_summary(many)
    assert text.count("\n| m") == action.LIST_LIMIT and "…and 975 more" in text
    capped = action.cap_text("x" * 100 + "\n" + "é" * 600_000, action.SUMMARY_LIMIT, "_truncated_")
    assert len(capped.encode()) <= action.SUMMARY_LIMIT and capped.endswith("_truncated_\n")


# -- audit range from the event ---------------------------------------------------------------


def test_audit_range_from_pull_request_event(tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "base": {"sha": "a" * 40}, "head": {"sha": "b" * 40}}}))
    environ = {"GITHUB_EVENT_PATH": str(event), "GITHUB_EVENT_NAME": "pull_request"}
    assert action.audit_range(Inputs(mode="audit"), environ) == f"{'a' * 40}..{'b' * 40}"
    assert action.audit_range(Inputs(mode="audit", base="main"), environ) == f"main..{'b' * 40}"
    assert action.pr_number(environ) == "7"
    assert action.audit_range(Inputs(mode="audit", range="x..y"), environ) == "x..y"


def test_audit_range_from_push_event(tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"before": "c" * 40, "after": "d" * 40}))
    environ = {"GITHUB_EVENT_PATH": str(event), "GITHUB_EVENT_NAME": "push"}
    assert action.audit_range(Inputs(mode="audit"), environ) == f"{'c' * 40}..HEAD"
    event.write_text(json.dumps({"before": "0" * 40}))  # a new branch: the whole history
    assert action.audit_range(Inputs(mode="audit"), environ) is None
    assert action.pr_number(environ) == ""


def test_malicious_event_sha_is_refused(tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"base": {"sha": "--output=/tmp/x"}, "head": {"sha": "b"}}}))
    with pytest.raises(InputError):
        action.audit_range(Inputs(mode="audit"), {"GITHUB_EVENT_PATH": str(event)})


def test_fail_on():
    counts = {"findings": 2, "errors": 0, "warnings": 2, "infos": 0}
    assert [action.audit_failed(counts, f) for f in ("error", "warning", "never")] == [False, True, False]


# -- main -------------------------------------------------------------------------------------


def test_main_reports_bad_input_as_one_error_line(tmp_path):
    log = io.StringIO()
    code = action.main(
        [], {**env(mode="aggregate", models="--upload-pack=evil"), "GITHUB_WORKSPACE": str(tmp_path)}, log
    )
    assert code == 2
    assert log.getvalue() == (
        "::error title=evalledger::input 'models' must not start with '-' "
        "(got '--upload-pack=evil'): flags cannot be passed through inputs\n"
    )


def test_main_refuses_a_missing_working_directory(tmp_path):
    log = io.StringIO()
    code = action.main([], {**env(models="m.txt", working_directory="nope"), "GITHUB_WORKSPACE": str(tmp_path)}, log)
    assert code == 2 and "working-directory 'nope' is not a directory" in log.getvalue()


def test_subcommand_log_runs_with_workflow_commands_stopped(tmp_path):
    log = io.StringIO()
    code, stdout = action.run_evalledger(["no-such-command"], str(tmp_path), {"PATH": "/usr/bin:/bin"}, log)
    lines = log.getvalue().splitlines()
    assert code == 2 and stdout == ""
    token = re.fullmatch(r"::stop-commands::([0-9a-f]{32})", lines[0]).group(1)
    assert lines[-1] == f"::{token}::"
    assert any("unknown command 'no-such-command'" in line for line in lines[1:-1])


def test_an_unexpected_error_is_one_annotation_not_a_traceback(tmp_path):
    GitRepo.init(tmp_path / "repo")
    # GITHUB_OUTPUT names a directory: writing the outputs fails inside the Action
    environ = {
        **env(mode="audit", fail_on="never", working_directory="repo"),
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path),
        "RUNNER_TEMP": str(tmp_path / "t"),
    }
    log = io.StringIO()
    assert action.main([], environ, log) == 3
    errors = [line for line in log.getvalue().splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and "internal error in the Action: IsADirectoryError" in errors[0]
