"""One definition of each thing across lint, aggregate, audit and migrate (issue 9).

Each test here fails when a second copy of one piece of logic comes back: a second walk of a card's
`model-index`, a second list of a leaderboard row's columns, a severity restated beside its rule.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

from evalledger.formats.model_index import load_card, read_metrics, read_results
from evalledger.migrate.command import propose
from evalledger.migrate.rules import NOT_MIGRATED

SRC = Path(__file__).resolve().parent.parent / "src" / "evalledger"
CORPUS = Path(__file__).resolve().parent / "corpus" / "model_index"
FRAGMENT = "Lvxue__finetuned-mt5-small-10epoch__model-index.yaml"
CARDS = sorted(p for p in CORPUS.glob("*.yaml") if p.name != FRAGMENT)
# the reader, and lint's checker: it visits what the reader skips (a model that is not a mapping,
# `results` missing or not a list) to report it, so it must find each level itself
MODEL_INDEX_WALKERS = {"formats/model_index.py", "lint/model_index.py"}


def _key_lookups(tree: ast.AST, key: str) -> list[int]:
    """Lines that look a key up: ``x.get(key)``, ``f(x, key)``, ``x[key]``."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            args = node.args
        elif isinstance(node, ast.Subscript):
            args = [node.slice]
        else:
            continue
        if any(isinstance(arg, ast.Constant) and arg.value == key for arg in args):
            lines.append(node.lineno)
    return lines


def test_only_the_reader_walks_a_model_index_into_its_results():
    """migrate, the audit and aggregate read a card's results through formats.model_index.read_results;
    a module that looks up a model's `results` itself walks the model-index a second time."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        where = path.relative_to(SRC).as_posix()
        if where in MODEL_INDEX_WALKERS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        offenders += [f"{where}:{line}" for line in _key_lookups(tree, "results")]
    assert offenders == []
    # the guard sees the walks it allows (it would see a new one written the same way)
    for where in MODEL_INDEX_WALKERS:
        assert _key_lookups(ast.parse((SRC / where).read_text(encoding="utf-8")), "results"), where


def _card(path: Path) -> str:
    text = "".join(line for line in path.read_text(encoding="utf-8").splitlines(keepends=True) if line[:2] != "# ")
    return f"---\n{text}---\n\n# card\n"


@pytest.mark.parametrize("card", CARDS, ids=lambda p: p.name.split("__model-index")[0])
def test_migrate_and_the_metric_reader_agree_on_every_real_card(card):
    """What migrate proposes is a metric read_metrics reads (same dataset, value and README line),
    and every result read_results yields is either proposed or reported under its own place."""
    doc = load_card(_card(card), "README.md")
    assert doc is not None
    root = doc.root
    metrics = [(str(m.dataset_type).strip(), m.value, m.value_line) for m in read_metrics(root)]
    problems: list = []
    proposals = propose(root, "README.md", [], problems)
    for proposal in proposals:
        assert (proposal.entry["dataset"]["id"], proposal.entry["value"], proposal.line) in metrics
    proposed_lines = {p.line for p in proposals}
    reported = " ".join(p.message for p in problems if p.rule in (NOT_MIGRATED.id, "migrate-conflict"))
    for result in read_results(root):
        value_lines = {m.get("value").line for m in result.metrics if m.get("value") is not None}
        assert value_lines & proposed_lines or f"`{result.where}`" in reported or "results map to one" in reported, (
            result.where
        )


def test_the_corpus_cards_give_proposals_and_reports():
    """The agreement test above is not vacuous: the corpus has cards migrate carries over and
    results it reports."""
    proposed = reported = 0
    for card in CARDS:
        doc = load_card(_card(card), "README.md")
        assert doc is not None
        problems: list = []
        proposed += len(propose(doc.root, "README.md", [], problems))
        reported += sum(p.rule == NOT_MIGRATED.id for p in problems)
    assert proposed >= 5 and reported >= 5


REVISIONS = [
    "210d026faf9955653af8916fad021475a3f00453",  # valid
    "210D026FAF9955653AF8916FAD021475A3F00453",  # upper case
    "210d026",  # short
    "210d026faf9955653af8916fad021475a3f004531",  # 41
    "210d026faf9955653af8916fad021475a3f0045g",  # not hex
    "main",
    "210d026faf9955653af8916fad021475a3f00453\n",  # a trailing newline
    " 210d026faf9955653af8916fad021475a3f00453",  # a leading space
]


@pytest.mark.parametrize("revision", REVISIONS)
def test_migrate_carries_over_exactly_the_revisions_lint_accepts(tmp_path, revision):
    """One definition of the `dataset.revision` format: migrate writes a revision exactly when lint
    would not flag it (revision-format), for every spelling of the string."""
    import json

    from evalledger.lint.api import lint_results_bytes
    from evalledger.lint.rules.dataset import REVISION_FORMAT

    card = (
        "---\nmodel-index:\n- name: m\n  results:\n  - task: {type: t}\n"
        f"    dataset: {{type: a/b, name: B, revision: {json.dumps(revision)}}}\n"
        "    metrics:\n    - {type: acc, value: 1.0}\n---\n"
    )
    doc = load_card(card, "README.md")
    assert doc is not None
    proposals = propose(doc.root, "README.md", [], [])
    result = f"- dataset:\n    id: a/b\n    task_id: t\n    revision: {json.dumps(revision)}\n  value: 1.0\n".encode()
    _, findings = lint_results_bytes(result, "r.yaml")
    lint_accepts = not [f for f in findings if f.rule == REVISION_FORMAT.id]
    assert bool(proposals) == lint_accepts, (revision, lint_accepts)


def test_migrate_uses_lints_checks_instead_of_copies():
    """migrate asks lint's definitions (is_repo_id, is_revision, is_outside) and keeps none of its own."""
    tree = ast.parse((SRC / "migrate" / "command.py").read_text(encoding="utf-8"))
    called = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert {"is_repo_id", "is_revision", "is_outside"} <= called
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert "realpath" not in attributes  # path containment is lint.files.is_outside


def test_file_names_from_repo_text_are_made_in_one_place():
    """The card's chart files and the site's pages name files after tasks and benchmark ids with
    escape.file_stem / unique_stem; no other module sanitises text into a file name itself."""
    from evalledger.escape import file_stem, unique_stem
    from evalledger.leaderboard import charts, site

    offenders = [
        path.relative_to(SRC).as_posix()
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "escape.py" and "[^A-Za-z0-9_.-]" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
    taken: set[str] = set()
    assert [charts.slug("../GPQA", "", taken), charts.slug("../gpqa", "", taken)] == ["GPQA", "gpqa-2"]
    assert site._slug("org/b\x1bench", {"index"}) == unique_stem(file_stem("org--b-ench", 80, "benchmark"), set())
    assert charts.slug("", ".", set()) == "task--setup"


def _number_cell_conversions(tree: ast.AST, columns: set[str]) -> list[int]:
    """Lines where ``float``/``int`` is applied to a number column of a table row looked up in
    place (``float(row["value"] or "nan")``, ``int(before.get("rank"))``)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("float", "int"):
            for arg in node.args:
                inner = list(ast.walk(arg))
                keys = {n.value for n in inner if isinstance(n, ast.Constant) and isinstance(n.value, str)}
                if keys & columns and any(isinstance(n, (ast.Subscript, ast.Call)) for n in inner):
                    lines.append(node.lineno)
    return lines


def test_a_tables_number_cells_are_read_by_the_one_reader():
    """A number cell read back from our tables (value, rank, line, candidates) goes through
    escape.number_cell / whole_cell: ``float``/``int`` take ``inf``, ``nan``, ``1_0`` and any
    Unicode digit, so a second reader would read a hand-edited cell as a number."""
    from evalledger.leaderboard.write import FLOAT_COLUMNS, INT_COLUMNS

    columns = set(FLOAT_COLUMNS | INT_COLUMNS)
    offenders, readers = [], 0
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if not any(reader in text for reader in ("read_table", "csv_text", "DictReader")):
            continue  # not a module that reads a table (the audit engine's API takes Python values)
        readers += 1
        tree = ast.parse(text, str(path))
        offenders += [f"{path.relative_to(SRC).as_posix()}:{line}" for line in _number_cell_conversions(tree, columns)]
    assert offenders == [] and readers >= 5
    # the guard sees the conversions it forbids, written as main had them
    for text in ('float(row["value"] or "nan")', 'int(row["line"])', 'int(before.get("rank"))'):
        assert _number_cell_conversions(ast.parse(text), columns) == [1], text


SEVERITY_NAMES = {"ERROR", "WARNING", "INFO"}
SEVERITY_TEXTS = {"error", "warning", "info"}


def _a_severity(node: ast.expr | None) -> bool:
    return (isinstance(node, ast.Name) and node.id in SEVERITY_NAMES) or (
        isinstance(node, ast.Constant) and node.value in SEVERITY_TEXTS
    )


def _an_id(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "id"


def _restated_severities(tree: ast.AST) -> list[int]:
    """Lines where a rule's id is passed with a severity written out beside it (``X.id, ERROR`` or
    ``X.id, "warning"``) instead of the rule's own ``X.severity``."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if any(_an_id(first) and _a_severity(second) for first, second in itertools.pairwise(node.args)):
                lines.append(node.lineno)
        elif isinstance(node, ast.Dict):  # {"rule": X.id, "severity": "warning"}
            items = {k.value: v for k, v in zip(node.keys, node.values, strict=True) if isinstance(k, ast.Constant)}
            if _an_id(items.get("rule")) and _a_severity(items.get("severity")):
                lines.append(node.lineno)
    return lines


def test_a_rules_severity_is_never_restated_beside_it():
    """A finding for a rule takes the rule's severity (``RULE.severity``): written out beside the
    rule, it can drift from the catalogue, as aggregate's `symlink-outside-repo` warning did."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        offenders += [f"{path.relative_to(SRC).as_posix()}:{line}" for line in _restated_severities(tree)]
    assert offenders == []
    # the check sees both spellings
    both = "Finding(p, 1, 1, R.id, ERROR, m)\nx = {'rule': R.id, 'severity': 'warning'}"
    assert _restated_severities(ast.parse(both)) == [1, 2]


def test_the_keys_lint_knows_are_the_schemas_fields_at_every_level():
    """The key lists lint checks unknown keys against (formats.results/spec/model_index, plain
    tuples so the hook needs no pydantic) and the typed models the JSON Schemas come from
    (formats.models) name the same keys, in the same order, at every level of every format."""
    from evalledger.formats import model_index, models, results, spec

    pairs = [
        (results.ENTRY_KEYS, models.ResultEntry),
        (results.DATASET_KEYS, models.ResultDataset),
        (results.SOURCE_KEYS, models.ResultSource),
        (spec.SPEC_KEYS, models.BenchmarkSpec),
        (spec.TASK_KEYS, models.BenchmarkTask),
        (spec.INSPECT_TASK_KEYS, models.InspectTask),
        (model_index.MODEL_KEYS, models.ModelIndexModel),
        (model_index.RESULT_KEYS, models.ModelIndexResult),
        (model_index.TASK_KEYS, models.ModelIndexTask),
        (model_index.DATASET_KEYS, models.ModelIndexDataset),
        (model_index.METRIC_KEYS, models.ModelIndexMetric),
        (model_index.SOURCE_KEYS, models.ModelIndexSource),
    ]
    for keys, model in pairs:
        fields = tuple(info.alias or name for name, info in model.model_fields.items())
        assert keys == fields, model.__name__
