"""`lint --fix` / `--diff`: safe, mechanical fixes as positioned text edits.

A fix keeps comments and layout, never changes what a value means, and fixing twice changes
nothing; anything ambiguous stays a finding. The property test mutates the real corpus with the
fixable patterns and checks exactly that.
"""

from __future__ import annotations

import math
import random
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalledger.cli import main
from evalledger.lint.api import lint_paths

CORPUS = Path(__file__).resolve().parent / "corpus"
BENCHMARKS = Path(__file__).resolve().parent / "example-files" / "benchmarks"


def _write(tmp_path: Path, rel: str, text: str) -> Path:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_fix_keeps_comments_and_layout_and_a_second_fix_changes_nothing(tmp_path, capsys):
    text = (
        "# our results\n- dataset:\n    id: ai2_arc   # the legacy id\n    task_id: arc_challenge\n"
        '  value: "85%"\n  date: 2026-01-15   # when we ran it\n  verify_token: abc\n'
        "- dataset: {id: a/b, task_id: t}\n  value: 0,912\n  notes: '1e-3'\n"
    )
    path = _write(tmp_path, "repo/.eval_results/x.yaml", text)
    assert main(["lint", "--fix", str(path)]) == 0
    assert path.read_text() == (
        "# our results\n- dataset:\n    id: allenai/ai2_arc   # the legacy id\n    task_id: arc_challenge\n"
        "  value: 85\n  date: '2026-01-15'   # when we ran it\n  verifyToken: abc\n"
        "- dataset: {id: a/b, task_id: t}\n  value: 0.912\n  notes: '1e-3'\n"
    )
    assert "fixed 5 problems in 1 file" in capsys.readouterr().err
    before = path.read_bytes()
    assert main(["lint", "--fix", str(path)]) == 0
    assert path.read_bytes() == before
    assert main(["lint", "--diff", str(path)]) == 0 and capsys.readouterr().out == ""


def test_diff_shows_and_writes_nothing(tmp_path, capsys):
    path = _write(tmp_path, "repo/.eval_results/x.yaml", "- dataset: {id: a/b, task_id: t}\n  value: '71.2'\n")
    assert main(["lint", "--diff", str(path)]) == 1
    out = capsys.readouterr().out
    assert "-  value: '71.2'\n+  value: 71.2\n" in out and out.startswith(f"--- a/{path}")
    assert path.read_text().endswith("value: '71.2'\n")


@pytest.mark.parametrize("value", ['"1,234"', "{wer_result_on_test}", '"20.0 ± 1.2"', "", '"n/a"'])
def test_ambiguous_values_stay_findings(tmp_path, value):
    path = _write(tmp_path, "repo/.eval_results/x.yaml", f"- dataset: {{id: a/b, task_id: t}}\n  value: {value}\n")
    before = path.read_bytes()
    assert main(["lint", "--fix", str(path)]) == 1
    assert path.read_bytes() == before


def test_percent_is_not_fixed_on_a_fraction_task(tmp_path):
    path = _write(
        tmp_path, "repo/.eval_results/x.yaml", "- dataset: {id: my-org/bench, task_id: pass_rate}\n  value: '85%'\n"
    )
    policy = (BENCHMARKS / "my-org__bench__.evalledger.yaml").read_text()
    assert "fraction" in policy
    before = path.read_bytes()
    main(["lint", "--fix", "--benchmark", str(BENCHMARKS), str(path)])
    assert path.read_bytes() == before


def test_model_index_fixes_in_a_readme_keep_the_card(tmp_path):
    card = (CORPUS / "model_index" / "ibm-granite__granite-8b-code-instruct-4k__model-index.yaml").read_text()
    body = "".join(line for line in card.splitlines(keepends=True) if not line.startswith("# "))
    readme = _write(tmp_path, "repo/README.md", f"---\n{body}---\n\n# Granite\n")
    assert main(["lint", "--fix", str(readme)]) == 0
    fixed = readme.read_text()
    assert "veriefied" not in fixed and fixed.count("      verified: false\n") == 18
    assert fixed.endswith("---\n\n# Granite\n") and "type: bigcode/humanevalpack  \n" in fixed


def test_key_renames_only_when_unambiguous(tmp_path):
    path = _write(
        tmp_path,
        "repo/.eval_results/x.yaml",
        "- dataset: {id: a/b, task_id: t}\n  value: 1.0\n  verify_token: a\n  verifyToken: b\n"
        "- dataset: {id: a/b, task_id: u}\n  value: 2.0\n  task_id: u\n  note: x\n",
    )
    before = path.read_bytes()
    main(["lint", "--fix", str(path)])
    assert path.read_bytes() == before  # target present; a key in the wrong place; a short key


# --- the property: over mutants of the corpus -------------------------------------------------

FIXED_RULES = {"date-unquoted", "value-not-number", "unknown-key", "dataset-id-format"}
RESULT_FILES = sorted(
    p for p in (CORPUS / "eval_results").glob("*.yaml") if isinstance(yaml.safe_load(p.read_text()), list)
)


def _mutate(text: str, rnd: random.Random) -> tuple[str, list[float]]:
    """Write some values the ways a fix repairs (quoted, '%', decimal comma), unquote dates and
    misspell verifyToken; return the text and the numbers its values must still be."""
    numbers: list[float] = []

    def value(match: re.Match) -> str:
        raw = match.group(2)
        number = float(raw)
        numbers.append(number)
        style = rnd.choice(["plain", "quoted", "percent", "comma"])
        if style == "quoted":
            return f"{match.group(1)}'{raw}'"
        if style == "percent":
            return f'{match.group(1)}"{raw}%"'
        if (
            style == "comma"
            and "." in raw
            and raw.split(".")[0] in ("0",) + tuple(str(i) for i in range(1, 100))
            and len(raw.split(".")[1]) != 3
        ):
            return f"{match.group(1)}{raw.replace('.', ',')}"
        return match.group(0)

    text = re.sub(r"^(\s*value: )([0-9]+(?:\.[0-9]+)?)\s*$", value, text, flags=re.M)
    if rnd.random() < 0.7:
        text = re.sub(r"^(\s*date: )'([0-9]{4}-[0-9]{2}-[0-9]{2})'", r"\1\2", text, flags=re.M)
    if rnd.random() < 0.5:
        text = text.replace("verifyToken:", "verify_token:")
    return text, numbers


def _values(text: str) -> list[float]:
    data = yaml.safe_load(text)
    return [float(entry["value"]) for entry in data]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(RESULT_FILES), st.integers(0, 2**32 - 1))
def test_fix_property_over_corpus_mutants(tmp_path_factory, source, seed):
    tmp = tmp_path_factory.mktemp("fix")
    original = source.read_text()
    mutant, numbers = _mutate(original, random.Random(seed))
    path = _write(tmp, "repo/.eval_results/r.yaml", mutant)
    findings = lint_paths([str(path)]).findings
    fixable = [(f.rule, f.line) for f in findings if f.fix is not None]
    main(["lint", "--fix", str(path)])
    once = path.read_bytes()
    after = lint_paths([str(path)]).findings
    # none of the fixed problems is left
    assert not [f for f in after if f.fix is not None], [(f.rule, f.line, f.message) for f in after]
    assert not [(f.rule, f.line) for f in after if (f.rule, f.line) in fixable]
    # a second --fix changes nothing
    main(["lint", "--fix", str(path)])
    assert path.read_bytes() == once
    # every value is the same number, and comments and the other lines are untouched
    fixed = once.decode()
    assert list(_values(fixed)) == pytest.approx(numbers) if numbers else True
    assert all(math.isfinite(v) for v in _values(fixed))
    assert [line for line in fixed.splitlines() if line.lstrip().startswith("#")] == [
        line for line in original.splitlines() if line.lstrip().startswith("#")
    ]
