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


def _fix_and_check_the_fixes_hold(path: Path, fixed_rules: set[str]) -> bytes:
    """--fix the file; assert none of its fixable findings is left and a second --fix changes
    nothing; return the fixed bytes."""
    findings = lint_paths([str(path)]).findings
    fixable = [(f.rule, f.line) for f in findings if f.fix is not None]
    assert {rule for rule, _ in fixable} <= fixed_rules
    main(["lint", "--fix", str(path)])
    once = path.read_bytes()
    after = lint_paths([str(path)]).findings
    # none of the fixed problems is left
    assert not [f for f in after if f.fix is not None], [(f.rule, f.line, f.message) for f in after]
    assert not [(f.rule, f.line) for f in after if (f.rule, f.line) in fixable]
    # a second --fix changes nothing
    main(["lint", "--fix", str(path)])
    assert path.read_bytes() == once
    return once


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(RESULT_FILES), st.integers(0, 2**32 - 1))
def test_fix_property_over_corpus_mutants(tmp_path_factory, source, seed):
    tmp = tmp_path_factory.mktemp("fix")
    original = source.read_text()
    mutant, numbers = _mutate(original, random.Random(seed))
    path = _write(tmp, "repo/.eval_results/r.yaml", mutant)
    once = _fix_and_check_the_fixes_hold(path, FIXED_RULES)
    # every value is the same number, and comments and the other lines are untouched
    fixed = once.decode()
    assert list(_values(fixed)) == pytest.approx(numbers) if numbers else True
    assert all(math.isfinite(v) for v in _values(fixed))
    assert [line for line in fixed.splitlines() if line.lstrip().startswith("#")] == [
        line for line in original.splitlines() if line.lstrip().startswith("#")
    ]


# --- model cards: the namespace of a moved dataset id, and the property over card mutants ----

CARD_BODY = (
    "\n# A card\n\nIn the body nothing is a finding: `type: ai2_arc`, `value: '85%'`, `value: 0,912`.\n\n"
    "```yaml\ndataset:\n  type: hellaswag\nvalue: '71.2'\n```\n---\nmore text after a rule line\n"
)


def _readme(tmp_path: Path, front_matter: str, body: str = CARD_BODY) -> Path:
    if not front_matter.endswith("\n"):
        front_matter += "\n"  # the closing `---` on a line of its own
    return _write(tmp_path, "repo/README.md", f"---\n{front_matter}---\n{body}")


def _split(text: str) -> tuple[str, str]:
    """(front matter, body) of a README.md, cut by the one front-matter splitter."""
    from evalledger.formats.model_index import split_front_matter

    found = split_front_matter(text)
    assert found is not None
    return found[0], text[found[2] :]


def _body(text: str) -> str:
    return _split(text)[1]


def split_front(text: str) -> str:
    return _split(text)[0]


def test_fix_adds_the_namespace_to_a_moved_dataset_type_in_a_card_and_nothing_else(tmp_path, capsys):
    front = (
        "datasets:\n- ai2_arc   # the card's own list is not model-index\n"
        "model-index:\n- name: m\n  results:\n  # ARC (25-shot)\n  - task: {type: text-generation}\n"
        "    dataset:\n      name: ARC\n      type: ai2_arc   # legacy id\n      config: ARC-Challenge\n"
        "    metrics:\n    - {type: acc_norm, value: 62.0}\n"
        "  - task: {type: text-generation}\n    dataset: {name: HellaSwag, type: 'hellaswag', split: validation}\n"
        "    metrics:\n    - {type: acc_norm, value: 84.3}\n"
        "  - task: {type: summarization}\n    dataset: {name: CNN, type: cnn_dailymail}\n"  # no known move
        "    metrics:\n    - {type: rouge, value: 41.2}\n"
        "  - task: {type: text-generation}\n    dataset: {name: ARC, type: allenai/ai2_arc}\n"
        "    metrics:\n    - {type: acc, value: 60.0}\n"
    )
    readme = _readme(tmp_path, front)
    before = readme.read_text()
    findings = lint_paths([str(readme)]).findings
    assert [(f.rule, f.line, f.severity) for f in findings] == [
        ("legacy-dataset-id", 11, "warning"),
        ("legacy-dataset-id", 16, "warning"),
    ]
    assert "'allenai/ai2_arc'" in findings[0].message and findings[0].fix is not None
    assert main(["lint", "--diff", str(readme)]) == 1
    out = capsys.readouterr().out
    assert "-      type: ai2_arc   # legacy id\n+      type: allenai/ai2_arc   # legacy id\n" in out
    assert "+    dataset: {name: HellaSwag, type: 'Rowan/hellaswag', split: validation}\n" in out
    assert readme.read_text() == before  # --diff writes nothing
    assert main(["lint", "--fix", str(readme)]) == 0
    fixed = readme.read_text()
    assert fixed == before.replace("type: ai2_arc   # legacy id", "type: allenai/ai2_arc   # legacy id").replace(
        "type: 'hellaswag'", "type: 'Rowan/hellaswag'"
    )
    assert _body(fixed) == CARD_BODY and "- ai2_arc   # the card's own list" in fixed
    assert "fixed 2 problems in 1 file" in capsys.readouterr().err
    assert lint_paths([str(readme)]).findings == []
    assert main(["lint", "--fix", str(readme)]) == 0 and readme.read_text() == fixed


def test_after_the_fix_migrate_moves_the_results_it_could_not_before(tmp_path, capsys):
    import json

    card = (CORPUS / "model_index" / "Menouar__phi-2-basic-maths__model-index.yaml").read_text()
    readme = _readme(tmp_path, "".join(line for line in card.splitlines(keepends=True) if not line.startswith("# ")))
    main(["migrate", "--format", "json", str(readme)])
    assert json.loads(capsys.readouterr().out)["files"] == []  # ai2_arc, hellaswag: not namespaced
    assert main(["lint", "--select", "legacy-dataset-id", "--fix", str(readme)]) == 0
    capsys.readouterr()
    main(["migrate", "--format", "json", str(readme)])
    files = json.loads(capsys.readouterr().out)["files"]
    assert sorted(Path(f["path"]).name for f in files) == ["ai2_arc.yaml", "hellaswag.yaml"]
    ids = {entry["dataset"]["id"] for f in files for entry in f["entries"]}
    assert ids == {"allenai/ai2_arc", "Rowan/hellaswag"}


def test_a_suppressed_or_unselected_legacy_dataset_id_is_not_fixed(tmp_path):
    front = (
        "model-index:\n- name: m\n  results:\n  - task: {type: t}\n"
        "    dataset: {name: G, type: gsm8k}  # evalledger: ignore[legacy-dataset-id]\n"
        "    metrics:\n    - {type: acc, value: 0.5}\n"
    )
    readme = _readme(tmp_path, front)
    before = readme.read_bytes()
    assert main(["lint", "--fix", str(readme)]) == 0 and readme.read_bytes() == before
    readme.write_text(readme.read_text().replace("  # evalledger: ignore[legacy-dataset-id]", ""))
    before = readme.read_bytes()
    assert main(["lint", "--ignore", "legacy-dataset-id", "--fix", str(readme)]) == 0
    assert readme.read_bytes() == before


CARD_FIXED_RULES = FIXED_RULES | {"legacy-dataset-id"}
CARDS = sorted(  # every real card of the corpus but the diff hunk that is no YAML document
    p for p in (CORPUS / "model_index").glob("*.yaml") if not p.name.startswith("Lvxue__")
)


def _card_values(front_matter: str) -> list:
    data = yaml.safe_load(front_matter)
    found = []
    for model in data.get("model-index") or []:
        for result in (model or {}).get("results") or []:
            for metric in (result or {}).get("metrics") or []:
                found.append(metric.get("value") if isinstance(metric, dict) else metric)
    return found


def _dataset_types(front_matter: str) -> list:
    data = yaml.safe_load(front_matter)
    return [
        (result.get("dataset") or {}).get("type")
        for model in data.get("model-index") or []
        for result in (model or {}).get("results") or []
        if isinstance(result, dict) and isinstance(result.get("dataset"), dict)
    ]


def _unmove_dataset_types(text: str, rnd: random.Random) -> tuple[str, dict[int, str]]:
    """Write some `dataset.type`s as a moved legacy id (plain or quoted); return the text and, by
    line, the namespaced id --fix must write there."""
    from evalledger.formats.legacy_datasets import LEGACY_DATASET_IDS
    from evalledger.lint.edit import scalar_end
    from evalledger.yamlsource import load

    root = load(text, "card.yaml").root
    lines = text.splitlines(keepends=True)
    expected: dict[int, str] = {}
    index = root.get("model-index") if root is not None and root.kind == "map" else None
    for model in index.value if index is not None and index.kind == "seq" else []:
        results = model.get("results") if model.kind == "map" else None
        for result in results.value if results is not None and results.kind == "seq" else []:
            dataset = result.get("dataset") if result.kind == "map" else None
            node = dataset.get("type") if dataset is not None and dataset.kind == "map" else None
            if node is None or node.kind != "scalar" or rnd.random() < 0.4:
                continue
            legacy = rnd.choice(sorted(LEGACY_DATASET_IDS))
            written = rnd.choice([legacy, f"'{legacy}'", f'"{legacy}"'])
            body = lines[node.line - 1].rstrip("\r\n")
            end = scalar_end(body, node.column - 1)
            if end is None:
                continue
            lines[node.line - 1] = body[: node.column - 1] + written + body[end:] + lines[node.line - 1][len(body) :]
            expected[node.line] = LEGACY_DATASET_IDS[legacy]
    return "".join(lines), expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(CARDS), st.integers(0, 2**32 - 1))
def test_fix_property_over_card_mutants(tmp_path_factory, source, seed):
    """A README.md made of a real card's front matter, mutated with every fixable pattern, and a
    body full of look-alikes: after --fix none of the fixed rules is left, a second --fix changes
    nothing, every value is the same number, every moved dataset id has its namespace, comments
    stay, and the body is byte-identical."""
    rnd = random.Random(seed)
    tmp = tmp_path_factory.mktemp("cardfix")
    original = source.read_text()
    # what --fix makes of the card as it is: the reference the mutants must come back to
    reference = _readme(tmp / "ref", original)
    main(["lint", "--fix", str(reference)])
    reference_values = _card_values(split_front(reference.read_text()))
    for value, was in zip(reference_values, _card_values(original), strict=True):
        if isinstance(was, (int, float)) and not isinstance(was, bool) and math.isfinite(was):
            assert value == was  # a number stays the number it was
    mutant, moved = _unmove_dataset_types(original, rnd)
    mutant, _numbers = _mutate(mutant, rnd)
    path = _readme(tmp / "mut", mutant)
    once = _fix_and_check_the_fixes_hold(path, CARD_FIXED_RULES).decode()
    # every value is the same number; every moved dataset id now has its namespace
    front = split_front(once)
    assert _card_values(front) == reference_values
    lines = front.splitlines()
    for line, namespaced in moved.items():  # the front matter's lines are the card's
        assert namespaced in lines[line - 1], (line, lines[line - 1])
    assert len(_dataset_types(front)) == len(_dataset_types(original))
    # the body is byte-identical and every comment is where it was
    assert _body(once) == CARD_BODY
    assert [line for line in once.splitlines() if line.lstrip().startswith("#")] == [
        line for line in f"---\n{original}---\n{CARD_BODY}".splitlines() if line.lstrip().startswith("#")
    ]
