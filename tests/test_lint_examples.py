"""Positive and negative example files per hook (check-jsonschema style), run through the CLI.

Every negative file declares what it must produce (``# expect: RULE LINE:COL``, or an
``expect.txt`` beside a README.md); the findings must be exactly those. Every positive file
declares the rules it is a clean example of (``# positive: RULE, ...``, ``<!-- positive: ... -->``
in Markdown: the file holds what the rule checks, written correctly) and must pass with
``--strict`` (no errors, no warnings). Every lint rule has at least one of each (rules about
paths, raw bytes and config files are covered in test_lint_input.py and test_selection.py).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from evalledger.cli import main
from evalledger.lint.registry import RULES

EXAMPLES = Path(__file__).parent / "example-files"
BENCHMARKS = EXAMPLES / "benchmarks"
HOOKS = {"check-eval-results": "results", "check-eval-spec": "spec", "check-model-index": "model-index"}
# rules whose examples are built in test_lint_input.py (paths, raw bytes, sizes, policy files)
BUILT_IN_TESTS = {
    "path-not-found",
    "unreadable-file",
    "symlink-outside-repo",
    "file-too-large",
    "binary-file",
    "not-utf8",
    "policy-invalid",
    "yaml-depth-limit",
    "results-path",
    "config-invalid",
}
_EXPECT = re.compile(r"^(?:# expect: )?([a-z0-9-]+) (\d+):(\d+)$")
_POSITIVE = re.compile(r"^(?:# |<!-- )positive: ([a-z0-9, -]+?)(?: -->)?$")


def _cases(kind_dir: str) -> list[Path]:
    root = EXAMPLES / kind_dir
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml", ".md"))


def _lint(capsys, kind: str, path: Path, *extra: str) -> tuple[int, list[dict]]:
    code = main(["lint", "--kind", kind, "--format", "json", "--benchmark", str(BENCHMARKS), *extra, str(path)])
    out = capsys.readouterr().out
    return code, json.loads(out)["problems"]


def _expected(path: Path) -> Counter:
    if path.suffix == ".md":
        lines = (path.parent / "expect.txt").read_text().splitlines()
    else:
        lines = [line for line in path.read_text().splitlines() if line.startswith("# expect:")]
    found = Counter()
    for line in lines:
        match = _EXPECT.match(line.strip())
        assert match, f"{path}: malformed expectation {line!r}"
        found[(match.group(1), int(match.group(2)), int(match.group(3)))] += 1
    return found


POSITIVE = [(hook, p) for hook in HOOKS for p in _cases(f"{hook}/positive")]
NEGATIVE = [(hook, p) for hook in HOOKS for p in _cases(f"{hook}/negative")]


@pytest.mark.parametrize("hook,path", POSITIVE, ids=[f"{h}/{p.relative_to(EXAMPLES / h)}" for h, p in POSITIVE])
def test_positive_example_passes_strictly(capsys, hook, path):
    code, problems = _lint(capsys, HOOKS[hook], path, "--strict")
    assert problems == []
    assert code == 0


@pytest.mark.parametrize("hook,path", NEGATIVE, ids=[f"{h}/{p.relative_to(EXAMPLES / h)}" for h, p in NEGATIVE])
def test_negative_example_gives_exactly_its_findings(capsys, hook, path):
    expected = _expected(path)
    assert expected, f"{path} declares no expectation"
    code, problems = _lint(capsys, HOOKS[hook], path)
    assert Counter((p["rule"], p["line"], p["column"]) for p in problems) == expected
    severities = {p["severity"] for p in problems}
    assert code == (1 if "error" in severities else 0)
    if code == 0:  # warnings only: --strict turns them into a failure
        assert _lint(capsys, HOOKS[hook], path, "--strict")[0] == 1


def _positive_for(path: Path) -> set[str]:
    """The rules a positive file declares it is a clean example of."""
    rules: set[str] = set()
    for line in path.read_text().splitlines():
        match = _POSITIVE.match(line.strip())
        if match:
            rules |= {rule.strip() for rule in match.group(1).split(",") if rule.strip()}
    return rules


def test_every_lint_rule_has_a_positive_and_a_negative_example():
    negative_rules = set()
    for _hook, path in NEGATIVE:
        negative_rules |= {rule for rule, _, _ in _expected(path)}
    positive_rules = set()
    for _hook, path in POSITIVE:
        declared = _positive_for(path)
        assert declared, f"{path} declares no rule it is a positive example of (# positive: RULE, ...)"
        assert declared <= set(RULES), f"{path}: not lint rules: {sorted(declared - set(RULES))}"
        positive_rules |= declared
    missing_negative = set(RULES) - BUILT_IN_TESTS - negative_rules
    missing_positive = set(RULES) - BUILT_IN_TESTS - positive_rules
    assert not missing_negative, f"rules without a negative example: {sorted(missing_negative)}"
    assert not missing_positive, f"rules without a positive example: {sorted(missing_positive)}"
