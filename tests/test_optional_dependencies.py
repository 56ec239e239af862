"""pydantic is an optional dependency (``evalledger[schema]``): only ``evalledger schema`` needs it.

Every other command runs in a process where importing pydantic fails (a meta path finder refuses
it, as in an environment where it was never installed), and ``schema`` says how to install it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from gitutil import GitRepo
from test_aggregate_support import BENCH_ID, World, entry

ROOT = Path(__file__).resolve().parent.parent
WITHOUT_PYDANTIC = """
import sys

class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("pydantic", "pydantic_core"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NotInstalled())
from evalledger.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def evalledger_without_pydantic(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_PYDANTIC, *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_the_blocker_really_blocks():
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            WITHOUT_PYDANTIC.replace(
                "from evalledger.cli import main\nraise SystemExit(main(sys.argv[1:]))", "import pydantic"
            ),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and "No module named 'pydantic'" in proc.stderr


def test_pydantic_is_an_extra_not_a_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if d.lower().startswith("pydantic")]
    extras = project["optional-dependencies"]
    assert [d for d in extras["schema"] if d.startswith("pydantic")]
    assert [d for d in extras["test"] if d.startswith("pydantic")]  # the schema tests need it
    # tomllib is in the standard library from 3.11; 3.10 reads [tool.evalledger] with tomli
    assert "tomli>=1.1; python_version < '3.11'" in project["dependencies"]


def test_lint_audit_aggregate_rules_and_migrate_run_without_pydantic(tmp_path):
    model = GitRepo.init(tmp_path / "model")
    model.write(".eval_results/r.yaml", entry("alpha", 71.0))
    model.write("pyproject.toml", '[tool.evalledger]\nignore = ["date-unquoted"]\n')
    model.commit("results")
    model.write(".eval_results/r.yaml", entry("alpha", 75.0))
    model.commit("raise")
    lint = evalledger_without_pydantic("lint", "--strict", str(model.path))
    assert (lint.returncode, lint.stdout, lint.stderr) == (0, "", "")
    audit = evalledger_without_pydantic("audit", "--format", "json", str(model.path))
    assert audit.returncode == 1 and '"rule": "value-raised"' in audit.stdout, audit.stderr
    world = World(tmp_path / "world")
    world.model("a", {".eval_results/r.yaml": entry("alpha", 60.25)})
    world.registry([f"{world.url('a')} - org/a"])
    aggregate = evalledger_without_pydantic(
        "aggregate",
        "--repo",
        str(world.bench.path),
        "--models",
        str(world.bench.path / "models.txt"),
        "--benchmark-id",
        BENCH_ID,
        "--cache-dir",
        str(tmp_path / "cache"),
        "--format",
        "json",
        "--no-progress",
    )
    assert aggregate.returncode == 0, aggregate.stderr
    assert (world.bench.path / "leaderboard" / "leaderboard.csv").read_text().count("org/a") == 1
    rules = evalledger_without_pydantic("rules")
    assert rules.returncode == 0 and "value-raised" in rules.stdout
    card = tmp_path / "card" / "README.md"
    card.parent.mkdir()
    card.write_text("---\nlicense: mit\n---\n# A card\n")
    migrate = evalledger_without_pydantic("migrate", str(card.parent))
    assert migrate.returncode in (0, 1) and "Traceback" not in migrate.stderr, migrate.stderr


def test_schema_without_pydantic_says_how_to_install_it():
    proc = evalledger_without_pydantic("schema", "--kind", "results")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "pip install 'evalledger[schema]'" in proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert str(Path("evalledger", "schemas")) in proc.stderr  # where the shipped copies are
