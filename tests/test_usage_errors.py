"""Usage errors and unreadable input the coverage report showed untested: each exits 2 with one
line that names what is wrong, never a traceback, and writes nothing. The top-level command line and
the hook scripts run as the real installed programs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from evalledger import __version__
from evalledger.cli import main
from test_aggregate_support import World, aggregate

BIN = Path(sys.executable).parent


def _run(*argv: str, cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True, timeout=120, **kwargs)


def _tree(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of the work tree under root (outside .git): content and mtime, to show that
    nothing was touched."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def _one_error_line(err: str, prog: str) -> str:
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{prog}: error: "), err
    return lines[0]


# -- the top-level command line -----------------------------------------------------------------


def test_top_level_usage_version_and_unknown_command():
    evalledger = str(BIN / "evalledger")
    bare = _run(evalledger)
    assert bare.returncode == 2  # no command: the help, and a usage exit
    assert "usage: evalledger" in bare.stdout and "commands:" in bare.stdout
    for name in ("lint", "aggregate", "audit", "migrate", "site", "rules", "schema"):
        assert f"\n  {name} " in bare.stdout, name
    version = _run(evalledger, "--version")
    assert (version.returncode, version.stdout) == (0, f"evalledger {__version__}\n")
    unknown = _run(evalledger, "lnit", "x.yaml")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.startswith("evalledger: unknown command 'lnit' (choose from lint, aggregate,")
    option = _run(evalledger, "--frobnicate")
    assert option.returncode == 2 and "usage: evalledger" in option.stderr and "Traceback" not in option.stderr
    module = _run(sys.executable, "-m", "evalledger", "--version")  # __main__.py: the same entry point
    assert (module.returncode, module.stdout) == (0, f"evalledger {__version__}\n")


def test_a_closed_pipe_is_exit_1_without_a_traceback():
    """`evalledger rules | head -0`: the reader went away; no traceback, no 'Exception ignored'."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [str(BIN / "evalledger"), "rules"], stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120
        )
    finally:
        os.close(write_end)
    assert (proc.returncode, proc.stderr) == (1, "")


def test_the_spec_and_model_index_hook_scripts(tmp_path):
    """check-eval-spec and check-model-index, the installed console scripts pre-commit runs: their
    own name in messages, findings exit 1, a missing file exit 2."""
    (tmp_path / "eval.yaml").write_text("name: x\ntasks: 3\n")
    spec = _run(str(BIN / "check-eval-spec"), "eval.yaml", cwd=tmp_path)
    assert spec.returncode == 1, spec.stderr
    assert "eval.yaml:2:8: error wrong-type `tasks` must be a list of tasks, got an integer (3)" in spec.stdout
    (tmp_path / "README.md").write_text(
        "---\nmodel-index:\n  - name: m\n    results:\n      - task: {type: text-generation}\n"
        "        dataset: {name: GPQA, type: Idavidrein/gpqa}\n        metrics:\n"
        "          - {type: acc, value: oops}\n---\n# m\n"
    )
    card = _run(str(BIN / "check-model-index"), "README.md", cwd=tmp_path)
    assert card.returncode == 1, card.stderr
    assert "README.md:8:" in card.stdout and "oops" in card.stdout
    missing = _run(str(BIN / "check-eval-spec"), "nothere.yaml", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stdout == "nothere.yaml:1:1: error path-not-found no such file or directory\n"
    bad_option = _run(str(BIN / "check-model-index"), "--format", "nope", "README.md", cwd=tmp_path)
    assert bad_option.returncode == 2 and bad_option.stderr.startswith("usage: check-model-index")


# -- lint, audit, migrate -----------------------------------------------------------------------


@pytest.mark.parametrize("size", ["0", "4kk", "-1", "1.5x"])
def test_lint_refuses_a_size_it_cannot_read(tmp_path, capsys, size):
    (tmp_path / "r.yaml").write_text("- dataset: {id: a/b, task_id: t}\n  value: 1.0\n")
    assert main(["lint", f"--max-file-size={size}", str(tmp_path / "r.yaml")]) == 2
    err = capsys.readouterr().err
    assert f"not a size: '{size}'" in err and "Traceback" not in err


def test_audit_benchmark_must_be_a_directory(tmp_path, capsys):
    from gitutil import GitRepo

    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/r.yaml", "- dataset: {id: a/b, task_id: t}\n  value: 1.0\n")
    repo.commit("results")
    (tmp_path / "eval.yaml").write_text("name: B\n")  # a file, not the benchmark's folder
    for spec in (str(tmp_path / "eval.yaml"), f"a/b={tmp_path / 'missing'}"):
        assert main(["audit", str(repo.path), "--benchmark", spec]) == 2
        line = _one_error_line(capsys.readouterr().err, "evalledger audit")
        assert f"--benchmark {spec}: " in line and line.endswith("is not a directory")


CARD = (
    "---\nmodel-index:\n- name: m\n  results:\n  - task: {type: t}\n"
    "    dataset: {type: a/b, name: B}\n    metrics:\n    - {type: acc, value: 1.0}\n---\n# m\n"
)


def test_migrate_reads_no_card_from_outside_the_repo_and_none_too_large(tmp_path, capsys):
    outside = tmp_path / "elsewhere.md"
    outside.write_text(CARD)
    repo = tmp_path / "model"
    repo.mkdir()
    (repo / "README.md").symlink_to(outside)
    assert main(["migrate", "--write", str(repo)]) == 2
    assert "README.md: symlink points outside the repository; not read" in capsys.readouterr().err
    (repo / "README.md").unlink()
    assert main(["migrate", "--write", str(repo)]) == 2
    assert "README.md: no such file (a model repo's card is its README.md)" in capsys.readouterr().err
    (repo / "README.md").write_bytes(CARD.encode() + b" " * (16 * 1024 * 1024))
    assert main(["migrate", "--write", str(repo)]) == 2
    err = capsys.readouterr().err
    assert "README.md: file is 16,777,359 bytes, over the 16,777,216 byte limit" in err and err.endswith("not read\n")
    assert sorted(p.name for p in repo.iterdir()) == ["README.md"]  # nothing written (no .eval_results/)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere.md", "model"]


def test_migrate_benchmark_that_cannot_be_read(tmp_path, capsys):
    repo = tmp_path / "model"
    repo.mkdir()
    (repo / "README.md").write_text(CARD)
    assert main(["migrate", "--write", "--benchmark", str(tmp_path / "missing" / "eval.yaml"), str(repo)]) == 2
    line = _one_error_line(capsys.readouterr().err, "evalledger migrate")
    assert "missing" in line
    (tmp_path / "eval.yaml").write_text("name: B\ntasks: [\n")
    assert main(["migrate", "--write", "--benchmark", str(tmp_path / "eval.yaml"), str(repo)]) == 2
    line = _one_error_line(capsys.readouterr().err, "evalledger migrate")
    assert "eval.yaml:" in line
    assert sorted(p.name for p in repo.iterdir()) == ["README.md"]  # nothing written


# -- aggregate ----------------------------------------------------------------------------------


def test_aggregate_usage_errors_touch_nothing(tmp_path, capsys):
    world = World(tmp_path)
    world.model("a", {".eval_results/r.yaml": "- dataset: {id: acme/bench, task_id: alpha}\n  value: 60.0\n"})
    world.registry([f"{world.url('a')} - org/a"])
    bench = world.bench.path
    before = _tree(bench)
    cases = {
        ("--jobs", "0"): "--jobs and --push-attempts must be at least 1",
        ("--push-attempts", "0"): "--jobs and --push-attempts must be at least 1",
        ("--models-dir", str(tmp_path / "nowhere")): f"--models-dir {tmp_path / 'nowhere'}: not a directory",
        ("--output-dir", "../outside"): "../outside is outside the benchmark repo",
        ("--output-dir", str(tmp_path / "outside")): f"{tmp_path / 'outside'} is outside the benchmark repo",
        ("--card", "../README.md"): "../README.md is outside the benchmark repo",
    }
    for args, message in cases.items():
        code, _doc = aggregate(world, *args, capsys=capsys)
        assert code == 2, args
        line = _one_error_line(world.stderr, "evalledger aggregate")
        assert line.endswith(message), (args, line)
        assert _tree(bench) == before, args
    assert not (tmp_path / "outside").exists()


def test_aggregate_needs_a_benchmark_repo_and_something_to_aggregate(tmp_path, capsys):
    plain = tmp_path / "plain"
    plain.mkdir()
    models = plain / "models.txt"
    models.write_text("")
    code = main(["aggregate", "--repo", str(plain), "--models", str(models), "--benchmark-id", "acme/bench"])
    assert code == 2
    line = _one_error_line(capsys.readouterr().err, "evalledger aggregate")
    assert line.endswith("has no eval.yaml: run aggregate in a benchmark repo (or pass --repo)")
    code = main(["aggregate", "--repo", str(tmp_path / "missing")])
    assert code == 2
    assert _one_error_line(capsys.readouterr().err, "evalledger aggregate").endswith("not a directory")
    world = World(tmp_path / "w")
    before = _tree(world.bench.path)
    code = main(["aggregate", "--repo", str(world.bench.path), "--benchmark-id", "acme/bench"])
    assert code == 2
    line = _one_error_line(capsys.readouterr().err, "evalledger aggregate")
    assert line.endswith("nothing to aggregate: give --models FILE and/or --models-dir DIR")
    assert _tree(world.bench.path) == before
    assert sorted(p.name for p in plain.iterdir()) == ["models.txt"]


def test_ctrl_c_ends_the_run_and_its_git_processes_with_130(tmp_path):
    """Ctrl-C (SIGINT to evalledger alone: its git processes run in sessions of their own) during a
    fetch that hangs: exit 130, the one word 'interrupted', no traceback, no git process left."""
    import signal
    import time

    from test_aggregate_cache import _processes_mentioning, _StallingHTTP
    from test_aggregate_support import BENCH_ID

    server = _StallingHTTP()
    try:
        world = World(tmp_path)
        world.registry([f"http://127.0.0.1:{server.port}/models/hanging.git - org/hanging"])
        before = _tree(world.bench.path)
        proc = subprocess.Popen(
            [str(BIN / "evalledger"), "aggregate", "--repo", str(world.bench.path), "--models"]
            + [str(world.bench.path / "models.txt"), "--benchmark-id", BENCH_ID, "--cache-dir", str(tmp_path / "c")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        marker = f"127.0.0.1:{server.port}"
        for _ in range(600):  # until the fetch is under way
            if any("remote-http" in p for p in _processes_mentioning(marker)) or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert (proc.returncode, out, err) == (130, "", "interrupted\n")
        left = _processes_mentioning(marker)
        for _ in range(50):
            if not left:
                break
            time.sleep(0.1)
            left = _processes_mentioning(marker)
        assert left == [], "git processes left running: " + "; ".join(left)
        assert _tree(world.bench.path) == before
    finally:
        server.close()


# -- the benchmark policy file ------------------------------------------------------------------

GPQA = Path(__file__).resolve().parent.parent / "examples" / "benchmark" / "Idavidrein" / "gpqa"


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("[1]\n", "policy file must be a mapping"),
        ("tasks: [diamond]\n", "tasks must be a mapping of task id to policy"),
        ("tasks:\n  diamond: 3\n", "tasks.diamond must be a mapping"),
        ("tasks:\n  diamond: {direction: sideways}\n", "tasks.diamond.direction must be one of higher, lower"),
        ("tasks:\n  diamond: {min: lots}\n", "tasks.diamond.min must be a number"),
        ("defaults: {metric: [acc]}\n", "defaults.metric must be a metric type (a string), e.g. acc_norm"),
        ("audit:\n  copied-value-min-models: 2.5\n", "audit.copied-value-min-models must be a whole number"),
        (
            "audit:\n  raise-threshold: {furlongs: 3}\n",
            "audit.raise-threshold.furlongs must be a number for a known unit",
        ),
    ],
)
def test_a_policy_file_lint_cannot_use_is_an_error_at_its_path(tmp_path, capsys, policy, message):
    """A bad .evalledger.yaml is reported as policy-invalid at its path, never read as defaults."""
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "eval.yaml").write_bytes((GPQA / "eval.yaml").read_bytes())
    (bench / ".evalledger.yaml").write_text(policy)
    model = tmp_path / "model" / ".eval_results"
    model.mkdir(parents=True)
    (model / "gpqa.yaml").write_text("- dataset: {id: Idavidrein/gpqa, task_id: diamond}\n  value: 41.2\n")
    assert main(["lint", "--benchmark", str(bench), str(tmp_path / "model")]) == 1
    out = capsys.readouterr().out
    assert re.fullmatch(
        rf"{re.escape(str(bench / '.evalledger.yaml'))}:\d+:\d+: error policy-invalid {re.escape(message)}\n", out
    ), out


def test_a_policy_file_that_is_not_yaml_stops_aggregate(tmp_path, capsys):
    world = World(tmp_path)
    world.bench.write(".evalledger.yaml", "tasks: {alpha: {unit: percent}\n")
    before = _tree(world.bench.path)
    code, _doc = aggregate(world, capsys=capsys)
    assert code == 2
    assert world.stderr.startswith("evalledger aggregate: error: cannot aggregate:\n"), world.stderr
    assert ".evalledger.yaml:2:1: error yaml-syntax " in world.stderr and "Traceback" not in world.stderr
    assert _tree(world.bench.path) == before
