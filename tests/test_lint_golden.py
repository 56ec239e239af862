"""`evalledger lint --format json` over every file of tests/corpus and tests/example-files gives
exactly the recorded output (stdout and exit code): a refactor of how lint rules are dispatched,
or a speed change, must not change one byte of what a user sees.

The record is tests/lint-golden.json, made by running this module as a script on a checkout whose
output is known good (it copies both folders to a temporary directory, so paths are short):

    .venv/bin/python tests/test_lint_golden.py      # rewrites tests/lint-golden.json

Regenerate it when a change of output is intended (a new rule, a reworded message, a new corpus
file), and read the diff: every changed line is a change users see. A file added to the corpus is
not covered until the record is regenerated (the runs use the recorded files alone, folder runs
included); a recorded file that is gone fails the test.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "lint-golden.json"
FOLDERS = ("corpus", "example-files")
# the --kind each folder's files are linted as (the hooks' kinds)
KINDS = {
    "corpus/eval_results": "results",
    "corpus/eval_spec": "spec",
    "corpus/model_index": "model-index",
    "example-files/benchmarks": "spec",
    "example-files/check-eval-results": "results",
    "example-files/check-eval-spec": "spec",
    "example-files/check-model-index": "model-index",
}
BENCHMARKS = {"corpus": "corpus/eval_spec", "example-files": "example-files/benchmarks"}


def _files(root: Path) -> list[str]:
    found = []
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.suffix in (".yaml", ".yml", ".md"):
                found.append(path.relative_to(root).as_posix())
    return found


def _kind(path: str) -> str:
    return next(kind for prefix, kind in KINDS.items() if path.startswith(prefix + "/"))


def invocations(files: list[str]) -> list[list[str]]:
    """The argument lists recorded: each file alone (as its hook lints it, with and without the
    benchmarks, and by path alone), each folder whole (cross-file rules, --repo-context, the
    fixes --diff shows) and a few rule selections (a deselected check must change nothing else)."""
    runs: list[list[str]] = []
    for path in files:
        kind = _kind(path)
        bench = BENCHMARKS[path.split("/", 1)[0]]
        runs.append(["--kind", kind, path])
        runs.append(["--kind", kind, "--benchmark", bench, path])
        runs.append([path])
    for prefix, kind in KINDS.items():
        bench = BENCHMARKS[prefix.split("/", 1)[0]]
        runs.append(["--kind", kind, "--benchmark", bench, prefix])
        runs.append(["--kind", kind, "--benchmark", bench, "--repo-context", prefix])
        for selection in (
            ["--select", "value,date"],
            ["--ignore", "unknown-key,missing-field,wrong-type"],
            ["--select", "ALL", "--ignore", "inspect,task-id"],
            ["--select", "duplicate-entry,value-scale-mismatch,base-model-result"],
            ["--no-warnings"],
            ["--diff"],  # the fixes each finding carries
        ):
            runs.append(["--kind", kind, "--benchmark", bench, *selection, prefix])
    for folder in FOLDERS:
        runs.append([folder])
    return runs


def _run(argv: list[str]) -> dict[str, object]:
    from evalledger.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["lint", "--format", "json", *argv])
    return {"argv": argv, "code": code, "stdout": out.getvalue()}


def record(files: list[str]) -> list[dict[str, object]]:
    """Every invocation's result, run in a copy of ``files`` alone (the working directory): a
    file added to a folder later changes no recorded folder run."""
    with tempfile.TemporaryDirectory() as tmp:
        for name in files:
            (Path(tmp) / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(HERE / name, Path(tmp) / name)
        previous = os.getcwd()
        os.chdir(tmp)
        try:
            return [_run(argv) for argv in invocations(files)]
        finally:
            os.chdir(previous)


def test_lint_output_is_the_recorded_one():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    missing = [name for name in golden["files"] if not (HERE / name).is_file()]
    assert not missing, f"recorded files gone (regenerate {GOLDEN.name}, see the docstring): {missing}"
    assert len(golden["files"]) > 100 and len(golden["runs"]) > 400
    fresh = record(golden["files"])
    assert [run["argv"] for run in fresh] == [run["argv"] for run in golden["runs"]]
    for now, then in zip(fresh, golden["runs"], strict=True):
        assert now == then, f"lint {' '.join(then['argv'])}: output differs from {GOLDEN.name}"


if __name__ == "__main__":
    names = _files(HERE)
    runs = record(names)
    GOLDEN.write_text(json.dumps({"files": names, "runs": runs}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(runs)} runs over {len(names)} files to {GOLDEN}", file=sys.stderr)
