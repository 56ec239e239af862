"""Shared fixtures: every test runs with a fixed git identity and no user/system git config."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = REPO_ROOT / "tests" / "corpus"  # real public files, each with its `# source:` line


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    (home / ".gitconfig").write_text(
        '[init]\n\tdefaultBranch = main\n[protocol "file"]\n\tallow = always\n'
        "[uploadpack]\n\tallowFilter = true\n\tallowAnySHA1InWant = true\n"
    )
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test Author")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "author@example.com")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"the test corpus is missing at {CORPUS}")
    return CORPUS


# -- the coverage floor (fail_under in pyproject.toml) is a property of the whole suite ----------------
# A run of part of it (paths, -k, -m, --lf, --deselect) measures less code by design: it still measures
# (`python -m coverage report` reads the .coverage it leaves) but applies no floor and prints no table,
# unless --cov-fail-under or --cov-report is on its command line; `--no-cov` skips measuring at all.
_deselected: list[int] = []


def pytest_deselected(items) -> None:
    _deselected.append(len(items))


def _whole_suite(config: pytest.Config) -> bool:
    if _deselected:
        return False
    if config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        return True
    return {Path(a).resolve() for a in config.args} == {REPO_ROOT / p for p in config.getini("testpaths")}


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    cov = config.pluginmanager.getplugin("_cov")  # pytest-cov's plugin, running unless --no-cov
    if cov is None or getattr(cov, "cov_controller", None) is None or _whole_suite(config):
        return
    config.stash[_PART] = True
    if config.getoption("cov_fail_under") is None:
        cov.options.cov_fail_under = 0
    if not config.getoption("cov_report"):
        cov.options.cov_report = {}


_PART = pytest.StashKey[bool]()


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if config.stash.get(_PART, False):
        terminalreporter.write_line(
            "coverage: part of the suite ran, so no floor applies (the whole suite's command does); "
            "`python -m coverage report` shows what this run measured"
        )
