"""Everyday aggregate use: a typo'd benchmark id, a run that would empty the board, a declared unit
enforced the same way as lint, progress on long runs."""

from __future__ import annotations

import json
import re

import yaml

from evalledger.cli import main
from evalledger.leaderboard.collect import _fallback_lint, collect
from evalledger.leaderboard.fetch import RefFiles, Snapshot
from evalledger.leaderboard.sources import ModelSource
from evalledger.policy import parse_policy
from evalledger.rules import all_rules
from test_aggregate_support import POLICY, World, aggregate, entry, rows_by_model

# -- a declared unit is enforced (value-unit-mismatch: one id, one severity, one behaviour) ----------


def test_a_fraction_on_a_percent_task_is_ineligible_not_ranked(tmp_path, capsys):
    world = World(tmp_path)  # POLICY: alpha is scored in percent, beta in points
    world.model("a", {".eval_results/r.yaml": entry("alpha", 60.25)})
    world.model("b", {".eval_results/r.yaml": entry("alpha", 0.58)})
    world.registry([f"{world.url('a')} - org/a", f"{world.url('b')} - org/b"])
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0, doc
    board = rows_by_model(world.bench.path / "leaderboard/leaderboard.csv")
    assert list(board) == ["org/a"] and board["org/a"]["rank"] == "1"
    candidates = rows_by_model(world.bench.path / "leaderboard/candidates.csv")
    assert candidates["org/b"]["eligible"] == "false" and candidates["org/b"]["value"] == "0.58"
    assert candidates["org/b"]["selection_reason"] == "ineligible:value-unit-mismatch"
    [rejected] = doc["rejected"]
    assert rejected["rule"] == "value-unit-mismatch" and rejected["model"] == "org/b"
    assert "0.58 looks like a fraction" in rejected["message"] and "write 58" in rejected["message"]
    assert doc["lint_rejected"] == {"files": 0, "entries": 1}


def test_lint_and_aggregate_agree_on_the_unit_rule(tmp_path, capsys):
    """The catalogue's severity is the one lint reports, and an error is what keeps aggregate's row
    off the board; the selection guard holds even when lint is reduced to parsing."""
    assert all_rules()["value-unit-mismatch"].severity == "error"
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "eval.yaml").write_text(
        "name: Bench\nevaluation_framework: inspect-ai\ntasks:\n  - {id: alpha, config: default, split: test}\n"
    )
    (bench / ".evalledger.yaml").write_text("tasks:\n  alpha: {unit: fraction}\n")
    results = tmp_path / "model/.eval_results"
    results.mkdir(parents=True)
    (results / "r.yaml").write_text(entry("alpha", 71.0, bench="acme/bench"))
    code = main(
        ["lint", "--format", "json", "--benchmark", f"acme/bench={bench / 'eval.yaml'}", str(tmp_path / "model")]
    )
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert code == 1
    assert [(p["rule"], p["severity"]) for p in problems] == [("value-unit-mismatch", "error")]
    policy, problems = parse_policy(yaml.safe_load(POLICY))
    assert not problems
    text = entry("alpha", 0.58) + entry("alpha", 0.0, notes="zero") + entry("beta", 0.5)
    snapshot = Snapshot(
        ModelSource(url="u", location="u", model="org/m"),
        (RefFiles("HEAD", "c" * 40, 1, False, ((".eval_results/r.yaml", text.encode()),)),),
    )
    got = collect(
        snapshot, benchmark_id="acme/bench", task_ids=frozenset({"alpha", "beta"}), policy=policy, lint=_fallback_lint
    )
    # 0.0 is a valid percent (and fraction); beta is declared in points, where 0.5 is fine
    assert [r.extra.get("ineligible") for r in got.records] == ["value-unit-mismatch", None, None]


# -- a typo'd benchmark id or an emptied registry never commits the removal of the board ------------


def _board_state(world: World) -> dict[str, tuple[bytes, int]]:
    """Every file of the benchmark work tree outside .git: content and mtime (nothing touched)."""
    return {
        str(p.relative_to(world.bench.path)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(world.bench.path.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def _five_models(world: World) -> None:
    for i, value in enumerate((61.0, 62.5, 70.0, 55.25, 48.0)):
        world.model(f"m{i}", {".eval_results/r.yaml": entry("alpha", value)})
    world.registry([f"{world.url(f'm{i}')} - org/m{i}" for i in range(5)], commit=True)


def test_typo_in_benchmark_id_says_which_ids_were_seen_and_writes_nothing(tmp_path, capsys):
    world = World(tmp_path)
    _five_models(world)
    code, doc = aggregate(world, "--commit", capsys=capsys)
    assert code == 0 and doc["rows"] == 5 and doc["committed"]
    head, before = world.bench.head(), _board_state(world)
    code, doc = aggregate(world, "--benchmark-id", "acme/benchh", "--commit", capsys=capsys)
    assert code == 2 and doc == {}
    message = world.stderr
    assert "no result carries dataset.id 'acme/benchh' (did you mean 'acme/bench'?)" in message
    assert "'acme/bench' (5)" in message and "Nothing was written" in message
    assert "Traceback" not in message
    assert world.bench.head() == head and _board_state(world) == before
    assert world.bench.git("status", "--porcelain") == ""


def test_ids_read_from_model_repos_are_shown_escaped_and_bounded(tmp_path, capsys):
    world = World(tmp_path)
    hostile = "evil/\\e]0;owned\\a" + "x" * 200
    world.model("m", {".eval_results/r.yaml": entry("alpha", 50.0, bench=f'"{hostile}"')})
    world.registry([f"{world.url('m')} - org/m"])
    code, _ = aggregate(world, capsys=capsys)
    assert code == 2 and "no result carries dataset.id 'acme/bench'" in world.stderr
    assert "\x1b" not in world.stderr and "\x07" not in world.stderr
    assert "'evil/\\x1b]0;owned\\x07xxx" in world.stderr and "x" * 100 not in world.stderr


def test_a_run_that_would_empty_the_board_stops_unless_allowed(tmp_path, capsys):
    world = World(tmp_path)
    _five_models(world)
    assert aggregate(world, "--commit", capsys=capsys)[0] == 0
    head, before = world.bench.head(), _board_state(world)
    world.registry(["# emptied by mistake"])  # uncommitted: the next run sees no model repos
    code, doc = aggregate(world, "--commit", capsys=capsys)
    assert code == 2 and doc == {}
    assert "would remove 5 of the 5 rows of leaderboard/leaderboard.csv" in world.stderr
    assert "--allow-removal" in world.stderr and "Traceback" not in world.stderr
    assert world.bench.head() == head
    after = _board_state(world)
    assert {k: v for k, v in after.items() if k != "models.txt"} == {
        k: v for k, v in before.items() if k != "models.txt"
    }
    # removing fewer than every row is not stopped by default
    world.registry([f"{world.url(f'm{i}')} - org/m{i}" for i in range(1, 5)])
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0 and doc["rows"] == 4 and len(doc["changes"]["removed"]) == 1
    world.registry([])
    code, doc = aggregate(world, "--allow-removal", capsys=capsys)
    assert code == 0 and doc["rows"] == 0 and len(doc["changes"]["removed"]) == 4


def test_max_removed_share_sets_how_much_one_run_may_remove(tmp_path, capsys):
    world = World(tmp_path)
    _five_models(world)
    assert aggregate(world, capsys=capsys)[0] == 0
    world.registry([f"{world.url(f'm{i}')} - org/m{i}" for i in range(2, 5)])  # drops 2 of 5 rows
    code, _ = aggregate(world, "--max-removed-share", "0.3", capsys=capsys)
    assert code == 2
    assert "would remove 2 of the 5 rows" in world.stderr
    assert "more than --max-removed-share 0.3 of them" in world.stderr
    code, doc = aggregate(world, "--max-removed-share", "0.4", capsys=capsys)
    assert code == 0 and doc["rows"] == 3  # 2 of 5 is not more than 0.4
    for bad in ("1.5", "-0.1", "nan", "x"):
        assert aggregate(world, "--max-removed-share", bad, capsys=capsys)[0] == 2
        assert "--max-removed-share: must be a number from 0 to 1" in world.stderr


def test_the_action_passes_the_removal_guard_through(tmp_path):
    from evalledger import action
    from test_action_aggregate import make_fixture, runner
    from test_action_unit import env

    inputs = action.read_inputs(env(models="m", max_removed_share="0.25", allow_removal="true", commit="false"))
    assert action.aggregate_argv(inputs) == [
        "aggregate",
        "--format=json",
        "--models=m",
        "--max-removed-share=0.25",
        "--allow-removal",
    ]
    for bad in ("1.5", "-1", "x", "0.5.1"):
        try:
            action.read_inputs(env(models="m", max_removed_share=bad))
        except action.InputError as exc:
            assert "must be a number from 0 to 1" in str(exc) or "must not start with '-'" in str(exc)
        else:
            raise AssertionError(f"max-removed-share {bad!r} accepted")
    fx = make_fixture.make_aggregate(tmp_path / "fx")
    code, outputs, _summary, log = runner(tmp_path, fx)
    assert code == 0 and outputs["pushed"] == "true", log
    origin_head = git_head(fx["origin"])
    registry = tmp_path / "fx/bench" / fx["models"]
    lines = registry.read_text().splitlines()
    assert "acme/alpha-7b" in lines[1] and "bolt/beta-13b" in lines[2]
    registry.write_text(lines[0] + "\n" + lines[2] + "\n")  # alpha-7b's two rows go
    code, outputs, _summary, log = runner(tmp_path, fx, max_removed_share="0.5")
    assert code == 2 and outputs["committed"] == "false"
    assert "would remove 2 of the 3 rows" in log and "evalledger aggregate failed (exit 2)" in log
    assert git_head(fx["origin"]) == origin_head
    code, outputs, _summary, log = runner(tmp_path, fx, allow_removal="true")
    assert code == 0 and outputs["pushed"] == "true" and outputs["rows"] == "1", log


def git_head(path: str) -> str:
    from gitutil import git

    return git(path, "rev-parse", "main").strip()


# -- progress on stderr: in place on a terminal, plain lines in logs, never in stdout ----------------

PROGRESS_LINE = re.compile(r"fetching model repos: (\d+)% \((\d+)/(\d+)\)(, (\d+) unreachable)? \[\d+s\]")


def _run_on_a_pty(argv: list[str], cwd) -> tuple[int, str, str]:
    """Run the CLI with stderr on a real terminal (a pty) and stdout on a pipe."""
    import os
    import pty
    import subprocess
    import sys
    import threading

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalledger", *argv],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=slave,
        stdin=subprocess.DEVNULL,
    )
    os.close(slave)
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the child closed its end
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    with proc.stdout:
        out = proc.stdout.read()
    code = proc.wait(timeout=120)
    reader.join(timeout=30)
    os.close(master)
    return code, out.decode(), b"".join(chunks).decode()


def test_progress_is_redrawn_in_place_on_a_terminal_and_stdout_stays_json(tmp_path):
    world = World(tmp_path)
    for i in range(3):
        world.model(f"m{i}", {".eval_results/r.yaml": entry("alpha", 50.0 + i)})
    world.registry([f"{world.url(f'm{i}')} - org/m{i}" for i in range(3)] + [f"{tmp_path / 'gone'} - org/gone"])
    argv = [
        "aggregate",
        "--models",
        "models.txt",
        "--benchmark-id",
        "acme/bench",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--format",
        "json",
        "--jobs",
        "2",
    ]
    code, out, err = _run_on_a_pty(argv, world.bench.path)
    assert code == 0, err
    assert json.loads(out)["fetched"] == 3  # stdout is the JSON document and nothing else
    assert err.startswith("\rfetching model repos: 0% (0/4)\x1b[K")
    frames = [f.replace("\x1b[K", "") for f in err.rstrip("\r\n").split("\r") if f]
    assert frames[-1] == "fetching model repos: 100% (4/4), 1 unreachable"
    assert err.endswith("\n") and err.count("\n") == 1  # one line, rewritten in place, ended once
    code, out, err = _run_on_a_pty([*argv, "--no-progress"], world.bench.path)
    assert code == 0 and json.loads(out)["rows"] == 3 and "fetching" not in err


def test_progress_in_a_log_is_a_plain_line_every_few_dozen_repos(tmp_path, capsys):
    world = World(tmp_path)
    for i in range(30):
        world.bench.write(f"submissions/org/m{i:02}/.eval_results/r.yaml", entry("alpha", 40.0 + i))
    world.bench.commit("thirty submissions")
    code = main(
        [
            "aggregate",
            "--repo",
            str(world.bench.path),
            "--models-dir",
            str(world.bench.path / "submissions"),
            "--benchmark-id",
            "acme/bench",
            "--format",
            "json",
            "--cache-dir",
            str(tmp_path / "cache"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0 and json.loads(captured.out)["rows"] == 30  # stdout: pure JSON
    lines = captured.err.splitlines()
    assert "\r" not in captured.err and "\x1b" not in captured.err
    counts = [PROGRESS_LINE.fullmatch(line) for line in lines]
    assert all(counts), lines
    done = [int(m.group(2)) for m in counts]
    assert 25 in done and done[-1] == 30 and len(lines) < 30 // 5  # not a line per repo
    # a short run in a log stays silent
    code = main(
        [
            "aggregate",
            "--repo",
            str(world.bench.path),
            "--models-dir",
            str(world.bench.path / "submissions/org/m00"),
            "--benchmark-id",
            "acme/bench",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--allow-removal",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0 and captured.err == ""


def test_thousands_of_repos_make_about_twenty_log_lines():
    import io

    from evalledger.leaderboard.progress import Progress

    now = [0.0]
    stream = io.StringIO()
    shown = Progress(5000, stream, label="fetching model repos", failed_label="unreachable", clock=lambda: now[0])
    for i in range(5000):
        now[0] += 0.001  # 5 s in all: no line comes from the clock
        shown.advance(failed=i % 100 == 0)
    shown.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 20 and lines[-1] == "fetching model repos: 100% (5000/5000), 50 unreachable [5s]"
    slow = io.StringIO()
    shown = Progress(40, slow, label="fetching model repos", clock=lambda: now[0])
    for _ in range(3):
        now[0] += 11.0  # a slow repo: a line every 10 s shows the run is alive
        shown.advance()
    shown.close()
    assert [line.split(" [")[0] for line in slow.getvalue().splitlines()] == [
        f"fetching model repos: {n * 100 // 40}% ({n}/40)" for n in (1, 2, 3)
    ]


def test_the_action_log_shows_progress_while_the_run_is_still_going(tmp_path):
    """The Action passes stderr through as it comes: the 25/30 line reaches the log while the run
    cannot have written its tables yet (a buffered pass-through would show every line only at the
    end). Five of the 30 repos are served over smart HTTP and held until that line is seen, so the
    order is certain, not a race the run could win on a fast machine."""
    import os
    import threading

    from evalledger import action
    from githttp import GitHttpServer

    world = World(tmp_path)
    for i in range(25):
        world.bench.write(f"submissions/org/m{i:02}/.eval_results/r.yaml", entry("alpha", 40.0 + i))
    world.bench.commit("twenty-five submissions")
    release = threading.Event()
    with GitHttpServer(tmp_path / "hub") as hub:
        lines = []
        for i in range(5):
            world.model(f"h{i}", {".eval_results/r.yaml": entry("alpha", 70.0 + i)})
            hub.add_repo(f"org/h{i}", tmp_path / "models" / f"h{i}.git")
            hub.held[f"org/h{i}"] = release
            lines.append(f"{hub.url(f'org/h{i}')} - org/h{i}")
        world.bench.write("models.txt", "".join(line + "\n" for line in lines))
        world.bench.commit("five held repos")
        board = world.bench.path / "leaderboard/leaderboard.csv"
        seen: list[tuple[str, bool]] = []

        class Log:
            def write(self, text: str) -> None:
                seen.append((text, board.exists()))
                if "(25/30)" in text:
                    release.set()

            def flush(self) -> None:
                pass

        try:
            code, out = action.run_evalledger(
                [
                    "aggregate",
                    "--models-dir=submissions",
                    "--models=models.txt",
                    "--benchmark-id=acme/bench",
                    "--format=json",
                    f"--cache-dir={tmp_path / 'cache'}",
                ],
                str(world.bench.path),
                {**os.environ, "HF_ENDPOINT": hub.base, "XDG_CACHE_HOME": str(tmp_path / "xdg")},
                Log(),
            )
        finally:
            release.set()
    assert code == 0 and json.loads(out)["rows"] == 30 and board.exists(), out
    progress = [(text, written) for text, written in seen if "fetching model repos" in text]
    assert progress and "(25/30)" in progress[0][0] and progress[0][1] is False, seen


def test_each_rejected_entry_quotes_its_own_finding(tmp_path, capsys):
    world = World(tmp_path)
    world.model("b", {".eval_results/r.yaml": entry("alpha", 0.58) + entry("alpha", 0.61, notes="cot")})
    world.registry([f"{world.url('b')} - org/b"])
    code, doc = aggregate(world, capsys=capsys)
    assert code == 0, world.stderr
    got = [(r["line"], r["rule"], r["message"].split(" looks")[0]) for r in doc["rejected"]]
    assert got == [(1, "value-unit-mismatch", "value 0.58"), (9, "value-unit-mismatch", "value 0.61")]
