"""Each lint rule is a unit dispatched from the registry (yamllint's rules/ and linter dispatch).

Rule modules declare their check units (``CHECKS``: place, the rules each emits, the function);
the walkers traverse a document and call ``registry.dispatch`` at each place, never a check by
name; a check whose rules the selection leaves out entirely is not run (ruff's model). Observed on
real lint runs over real files: a check's calls are counted with ``sys.setprofile``, nothing is
replaced.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import types
from collections import Counter
from pathlib import Path

import pytest

from evalledger.cli import main
from evalledger.lint import places, registry
from evalledger.lint.api import lint_paths
from evalledger.lint.rules import date, keys, model_index, value

SRC = Path(__file__).resolve().parent.parent / "src"

# The lint rules no check unit emits, each with the layer that raises it (every other rule is in
# some check's `emits`): the file is unreadable or not one YAML document, the policy or config
# cannot be read, a suppression comment, or the walker's own traversal (a structure it cannot go
# into). Exact: a rule that a check starts to emit, or a new rule without a check, fails below.
LOWER_LAYERS = {
    "yaml-syntax": "evalledger.yamlsource",
    "duplicate-key": "evalledger.yamlsource",
    "yaml-unsafe-tag": "evalledger.yamlsource",
    "yaml-depth-limit": "evalledger.yamlsource",
    "yaml-alias-limit": "evalledger.yamlsource",
    "yaml-multiple-documents": "evalledger.yamlsource",
    "file-too-large": "evalledger.yamlsource",
    "binary-file": "evalledger.yamlsource",
    "not-utf8": "evalledger.yamlsource",
    "path-not-found": "evalledger.lint.files",
    "unreadable-file": "evalledger.lint.files",
    "symlink-outside-repo": "evalledger.lint.files",
    "policy-invalid": "evalledger.policy",
    "config-invalid": "evalledger.selection",
    "unused-suppression": "evalledger.selection",
    "rule-id-unknown": "evalledger.selection",
    "results-not-list": "evalledger.lint.results",
    "results-empty": "evalledger.lint.results",
    "entry-not-mapping": "evalledger.lint.results",
    "missing-field": "evalledger.lint.results",
    "model-index-not-list": "evalledger.lint.model_index",
}
WALKERS = ("evalledger.lint.results", "evalledger.lint.spec", "evalledger.lint.model_index", "evalledger.lint.api")


def _source(module: str) -> str:
    return (SRC / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8")


def _constant(rule_id: str) -> str:
    """The name a rule module gives the Rule of ``rule_id``."""
    for module in registry.MODULES:
        for name, value_ in vars(module).items():
            if name.isupper() and getattr(value_, "id", None) == rule_id:
                return name
    raise AssertionError(f"no rule module names {rule_id}")


def test_every_rule_is_emitted_by_a_check_or_raised_by_a_named_lower_layer():
    emitted = {rule.id for check in registry.CHECKS for rule in check.emits}
    assert set(registry.RULES) - emitted == set(LOWER_LAYERS), "update LOWER_LAYERS or register a check"
    for rule_id, module in LOWER_LAYERS.items():
        name = _constant(rule_id)
        uses = [
            m
            for m in re.finditer(rf"\b{name}\b", _source(module))
            if not _source(module)[m.end() :].startswith(" = Rule(")
        ]
        assert uses, f"{module} is named as raising {rule_id} but never uses {name}"


def test_every_check_looks_at_a_known_place_and_emits_catalogued_rules():
    assert registry.CHECKS
    for check in registry.CHECKS:
        assert check.place in places.PLACES
        assert all(registry.RULES[rule.id] is rule for rule in check.emits)
        assert check in registry.checks_for(check.place)
    assert {check.place for check in registry.CHECKS} == set(places.PLACES), "a place no check looks at"


def test_the_registry_refuses_a_check_of_an_unknown_place_or_an_uncatalogued_rule():
    probe = types.ModuleType("probe")
    probe.RULES = [value.VALUE_BOOLEAN]
    probe.CHECKS = (places.Check("nowhere", (value.VALUE_BOOLEAN,), value.check_value),)
    with pytest.raises(RuntimeError, match="unknown place"):
        registry._checks((probe,), {"value-boolean": value.VALUE_BOOLEAN})
    probe.CHECKS = (places.Check(places.VALUE, (date.DATE_FUTURE,), value.check_value),)
    with pytest.raises(RuntimeError, match="not in the catalogue"):
        registry._checks((probe,), {"value-boolean": value.VALUE_BOOLEAN})


def _check_functions() -> set[str]:
    """Qualified names of every registered check function, and every `check_*` of a rule module."""
    found = {f"{c.run.__module__}.{c.run.__name__}" for c in registry.CHECKS}
    for module in registry.MODULES:
        found |= {f"{module.__name__}.{name}" for name in vars(module) if name.startswith("check")}
    return found


def _direct_check_uses(module: str) -> list[str]:
    """Where a walker names a rule module's check function (called or passed), by line."""
    tree = ast.parse(_source(module))
    aliases: dict[str, str] = {}  # local name -> dotted target
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name] = alias.name
    checks = _check_functions()
    found = []
    for node in ast.walk(tree):
        target = None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            target = f"{aliases[node.value.id]}.{node.attr}"
        elif isinstance(node, ast.Name) and node.id in aliases:
            target = aliases[node.id]
        if target in checks:
            found.append(f"{module}:{node.lineno}: {target}")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("evalledger.lint.rules."):
            found += [
                f"{module}:{node.lineno}: imports {node.module}.{a.name}"
                for a in node.names
                if a.name.startswith("check")
            ]
    return found


def test_walkers_call_no_check_by_name_only_the_dispatch():
    found = [use for module in WALKERS for use in _direct_check_uses(module)]
    assert not found, "walkers must call registry.dispatch, never a check:\n" + "\n".join(found)
    for module in WALKERS:
        assert "dispatch(" in _source(module), f"{module} dispatches nothing"


def test_the_ast_check_sees_a_direct_call(tmp_path, monkeypatch):
    """The test above can fail: a walker calling a check by name is caught."""
    fake = tmp_path / "evalledger" / "lint" / "walker.py"
    fake.parent.mkdir(parents=True)
    fake.write_text(
        "from evalledger.lint.rules import value as v\nfrom evalledger.lint.rules.date import check_date\n"
        "def walk(ctx, node):\n    v.check_value(ctx, node, 'value')\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path)
    assert _direct_check_uses("evalledger.lint.walker") == [
        "evalledger.lint.walker:4: evalledger.lint.rules.value.check_value",
        "evalledger.lint.walker:2: imports evalledger.lint.rules.date.check_date",
    ]


# -- a deselected check is not run ---------------------------------------------------------------

ENTRY = """\
- dataset: {id: Idavidrein/gpqa, task_id: diamond}
  value: "71.2"
  date: 2026-01-15
  verify_token: abc
"""


class Calls:
    """Calls of the given functions during a block, counted by code object (sys.setprofile)."""

    def __init__(self, *functions):
        self.codes = {f.__code__: f.__name__ for f in functions}
        self.counts: Counter[str] = Counter()

    def _profile(self, frame, event, arg):
        if event == "call" and frame.f_code in self.codes:
            self.counts[self.codes[frame.f_code]] += 1

    def __enter__(self):
        sys.setprofile(self._profile)
        return self.counts

    def __exit__(self, *exc):
        sys.setprofile(None)


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "model"
    (root / ".git").mkdir(parents=True)  # the config root
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _rules(run) -> list[str]:
    return sorted(f.rule for f in run.findings)


def test_a_check_whose_rules_are_all_ignored_is_not_called(tmp_path):
    root = _repo(tmp_path, {".eval_results/gpqa.yaml": ENTRY})
    watched = (keys.check_keys, value.check_value, date.check_date)
    with Calls(*watched) as every:
        full = lint_paths([str(root)], config=False)
    assert every == {"check_keys": 1, "check_value": 1, "check_date": 1}
    assert _rules(full) == ["date-unquoted", "unknown-key", "value-not-number"]
    with Calls(*watched) as some:
        run = lint_paths([str(root)], ignore=["unknown-key", "date"], config=False)
    assert some == {"check_value": 1}
    assert _rules(run) == ["value-not-number"]
    # a check is skipped only when every rule it emits is left out: value-not-number is one of three
    with Calls(*watched) as partly:
        run = lint_paths([str(root)], select=["value-boolean", "value-not-finite"], config=False)
    assert partly == {"check_value": 1}
    assert _rules(run) == []


def test_the_repository_config_and_per_file_ignores_skip_checks(tmp_path):
    root = _repo(
        tmp_path,
        {
            ".eval_results/a.yaml": ENTRY,
            ".eval_results/b.yaml": ENTRY.replace("diamond", "main"),
            "pyproject.toml": '[tool.evalledger]\nignore = ["unknown-key"]\nper-file-ignores = {"a.yaml" = ["date"]}\n',
        },
    )
    with Calls(keys.check_keys, date.check_date) as counts:
        run = lint_paths([str(root)])
    assert counts == {"check_date": 1}  # b.yaml only; unknown-key nowhere
    assert [(Path(f.path).name, f.rule) for f in run.findings if f.rule.startswith("date")] == [
        ("b.yaml", "date-unquoted")
    ]


def test_the_base_model_card_is_not_read_when_its_rule_is_ignored(tmp_path):
    from evalledger.lint import api

    card = "---\nbase_model: my-org/base\n---\n# model\n"
    entry = (
        "- dataset: {id: cais/hle, task_id: hle}\n  value: 12.5\n  source: {url: https://huggingface.co/my-org/base}\n"
    )
    root = _repo(tmp_path, {"README.md": card, ".eval_results/hle.yaml": entry})
    target = str(root / ".eval_results")
    with Calls(api._card_base_models, model_index.check_base_model_source) as counts:
        run = lint_paths([target], config=False)
    assert counts == {"_card_base_models": 1, "check_base_model_source": 1}
    assert _rules(run) == ["base-model-result"]
    with Calls(api._card_base_models, model_index.check_base_model_source) as counts:
        run = lint_paths([target], ignore=["base-model"], config=False)
    assert counts == {} and _rules(run) == []


def test_suppression_comments_work_as_before_when_the_check_is_not_run(tmp_path, capsys):
    """A comment naming a rule the run leaves out is not reported as unused (it may matter to the
    hook's run); with the rule selected it suppresses, and an unused one is still reported."""
    text = ENTRY.replace("verify_token: abc", "verify_token: abc  # evalledger: ignore[unknown-key]")
    text = text.replace('value: "71.2"', 'value: "71.2"  # evalledger: ignore[date-unquoted]')
    root = _repo(tmp_path, {".eval_results/gpqa.yaml": text})

    def rules(*args: str) -> list[tuple[str, int]]:
        main(["lint", "--format", "json", *args, str(root)])
        return [(p["rule"], p["line"]) for p in json.loads(capsys.readouterr().out)["problems"]]

    assert rules() == [("value-not-number", 2), ("unused-suppression", 2), ("date-unquoted", 3)]
    with Calls(keys.check_keys) as counts:
        found = rules("--ignore", "unknown-key")
    assert counts == {} and found == [("value-not-number", 2), ("unused-suppression", 2), ("date-unquoted", 3)]
    with Calls(keys.check_keys, date.check_date) as counts:
        found = rules("--select", "value-not-number,unused-suppression")
    assert counts == {} and found == [("value-not-number", 2)]
