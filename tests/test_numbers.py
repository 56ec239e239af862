"""Hostile numbers and the one reader per format (issue 7 items 1 and 9, issue 9's reader overlap).

A number's text is bounded before it is converted, in the one place YAML text becomes a number
(``yamlsource.construct_scalar``), so lint, aggregate and audit read every scalar alike; whatever
goes wrong reading one file or repo ends there, as a finding, and the run goes on.
"""

from __future__ import annotations

import json
import math

import pytest
import yaml

from evalledger.audit import sources
from evalledger.cli import main
from evalledger.finding import ERROR
from evalledger.formats.model_index import front_matter, load_card, read_metrics, split_front_matter
from evalledger.leaderboard import collect as collect_mod
from evalledger.leaderboard.fetch import RefFiles, Snapshot
from evalledger.leaderboard.sources import ModelSource
from evalledger.lint.api import lint_results_bytes
from evalledger.policy import BenchmarkPolicy
from evalledger.yamlsource import MAX_NUMBER_CHARS, LongNumber, construct_scalar, finite_number, load, plain_scalar
from gitutil import GitRepo
from test_aggregate_support import World, aggregate, entry, read_csv

HEX = "0x" + "f" * 4000  # constructs as an int, then cannot be printed (> 4,300 digits)
SEXAGESIMAL = "1" + ":59" * 3000  # YAML 1.1 base 60: one bignum multiplication per group
BIG = "1" + "0" * 400  # 401 digits: beyond any float, well within Python's limits
HOSTILE = {"hex": HEX, "sexagesimal": SEXAGESIMAL, "401 digits": BIG}

RESULT = "- dataset:\n    id: {bench}\n    task_id: {task}\n  value: {value}\n"


def _file(field: str, number: str, bench: str = "acme/bench") -> str:
    if field == "value":
        return RESULT.format(bench=bench, task="alpha", value=number)
    return RESULT.format(bench=bench, task=number, value="50.0")


# --- the one conversion ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, tag", [(HEX, "int"), (SEXAGESIMAL, "int"), ("1" * 2000 + ".5", "float")])
def test_a_number_over_the_budget_is_never_converted(text, tag):
    # (its time, linear in the length, is measured by benchmarks/hostile_input.py on 2 MB values)
    resolved_tag, value = plain_scalar(text)
    assert resolved_tag == tag and isinstance(value, LongNumber)
    assert math.isnan(value) and value.length == len(text)
    assert str(value) == repr(value) and len(str(value)) < 40  # never the text itself
    assert finite_number(value) is None
    # an explicit tag goes through the same conversion
    assert isinstance(construct_scalar(tag, text, '"'), LongNumber)


@pytest.mark.parametrize(
    "text",
    [
        "0x1F",
        "0o17",
        "017",
        "0b101",
        "1_000",
        "1:30",
        "-1:30:00",
        "190:20:30.15",
        "6.8523015e+5",
        ".inf",
        "-.inf",
        ".nan",
        "12",
        "9" * MAX_NUMBER_CHARS,
        "0x" + "f" * (MAX_NUMBER_CHARS - 2),
    ],
)
def test_numbers_within_the_budget_are_exactly_what_safeloader_reads(text):
    expected = yaml.safe_load(f"v: {text}")["v"]
    value = load(f"v: {text}\n").root.get("v").value
    assert type(value) is type(expected)
    assert value == expected or (math.isnan(value) and math.isnan(expected))


def test_finite_number_never_raises_on_integers_beyond_float_range():
    assert finite_number(int(BIG)) is None and finite_number(-int(BIG)) is None
    assert finite_number(10**308) == 10**308 and finite_number(True) is None
    assert finite_number(float("inf")) is None and finite_number(0.5) == 0.5 and finite_number("1") is None


# --- lint -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize(
    "field, rule, where", [("value", "value-not-finite", "4:10"), ("task_id", "wrong-type", "3:14")]
)
def test_lint_reports_a_hostile_number_with_its_position(tmp_path, capsys, name, field, rule, where):
    path = tmp_path / ".eval_results" / "r.yaml"
    path.parent.mkdir()
    path.write_text(_file(field, HOSTILE[name]))
    code = main(["lint", str(path)])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert f"r.yaml:{where}: error {rule} " in out
    assert "Traceback" not in err and "internal error" not in err
    assert len(out) < 1000  # the text of the number is never repeated


# --- audit ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("field", ["value", "task_id"])
def test_audit_reads_a_history_with_a_hostile_number(tmp_path, capsys, name, field):
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/r.yaml", _file("value", "41.0"))
    repo.commit("score")
    repo.write(".eval_results/r.yaml", _file(field, HOSTILE[name]))
    repo.commit("hostile")
    repo.write(".eval_results/r.yaml", _file("value", "43.0"))
    repo.commit("back")
    code = main(["audit", str(repo.path), "--format", "json", "--fail-on", "never"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    doc = json.loads(captured.out)
    assert "internal error" not in captured.err and doc["commits"] == 3
    if field == "task_id":
        # the hostile task_id is no key: the entry left the timeline and came back
        assert "entry-deleted" in {f["rule"] for f in doc["findings"]}
    assert len(captured.out) < 20_000


@pytest.mark.parametrize("fmt", ["markdown", "json", "sarif", "text"])
def test_every_audit_report_shows_a_deleted_hostile_entry_by_its_description(tmp_path, capsys, fmt):
    repo = GitRepo.init(tmp_path / "m")
    repo.write(".eval_results/r.yaml", _file("value", HEX))
    repo.commit("hostile")
    repo.remove(".eval_results/r.yaml")
    repo.commit("gone")
    code = main(["audit", str(repo.path), "--format", fmt, "--fail-on", "never"])
    out, err = capsys.readouterr()
    assert code == 0 and not err
    assert "ffffffff" not in out and len(out) < 20_000
    if fmt == "markdown":  # the before/after diff of the deleted entry
        assert "value: <an integer of 4,002 characters>" in out


BLOCK = "- dataset:\n    id: a/b\n    task_id: t\n  value: {}\n  source:\n    url: https://e.org/r\n"
FLOW = "- {{dataset: {{id: a/b, task_id: t}}, value: {}, source: {{url: 'https://e.org/r'}}}}\n"


@pytest.mark.parametrize("number", [HEX, SEXAGESIMAL, BIG, "0x" + "f" * 70_000])
@pytest.mark.parametrize("style", [BLOCK, FLOW])
def test_every_audit_reader_path_reads_a_hostile_number_alike(monkeypatch, number, style):
    """Whole-file loader, fast path, item by item and patched in place: one conversion."""
    first, second = style.format("41.0").encode(), style.format(number).encode()
    parser = sources.BlobParser()
    parser.parse(".eval_results/x.yaml", first)
    composed = []
    original = sources._compose
    monkeypatch.setattr(sources, "_compose", lambda *a, **k: composed.append(a) or original(*a, **k))
    patched = parser.parse(".eval_results/x.yaml", second)
    parsed_items = len(composed)
    whole = sources.parse_blob(".eval_results/x.yaml", second)
    assert patched.problem is None and whole.problem is None
    assert patched == whole and [e.value for e in whole.entries] == [None]
    shown = repr([e.content for e in whole.entries])
    assert shown == repr([e.content for e in patched.entries]) and len(shown) < 1000
    if len(number) < 64 * 1024:
        assert parsed_items <= 1  # patched in place (no parse), or parsed as one item
    full = load(second, "x.yaml").root
    assert repr(full.to_python()) == repr(
        sources.fast_root(second).to_python() if len(second) <= 64 * 1024 else full.to_python()
    )


def test_audit_over_one_blob_that_cannot_be_read_is_a_finding_not_a_crash(monkeypatch):
    def broken(*args):
        raise RuntimeError("reader bug")

    # a bug in the reader, injected on both paths (item by item, and the whole-file reader)
    monkeypatch.setattr(sources, "read_entries", broken)
    monkeypatch.setattr(sources, "entry_fields", broken)
    data = b"- dataset:\n    id: a/b\n    task_id: t\n  value: 1.0\n"
    parsed = sources.BlobParser().parse(".eval_results/x.yaml", data)
    assert parsed.entries == () and parsed.problem == "cannot be read: RuntimeError: reader bug"
    assert sources.parse_blob(".eval_results/x.yaml", data).problem == parsed.problem


# --- aggregate ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("field", ["value", "task_id"])
def test_aggregate_rejects_one_hostile_file_in_a_pr_and_builds_the_table(tmp_path, capsys, name, field):
    world = World(tmp_path)
    world.model("good", {".eval_results/r.yaml": entry("alpha", 70.0)})
    world.model("bad", {".eval_results/r.yaml": entry("alpha", 60.0)})
    world.pull_request("bad", 3, {".eval_results/hostile.yaml": _file(field, HOSTILE[name])})
    world.registry([f"{world.url('good')} - org/good", f"{world.url('bad')} - org/bad"])
    code, doc = aggregate(world, "--include-pull-requests", capsys=capsys)
    assert code == 0, world.stderr
    board = {r["model"]: r["value"] for r in read_csv(world.bench.path / "leaderboard/leaderboard.csv")}
    assert board == {"org/good": "70.0", "org/bad": "60.0"}
    assert doc["unreachable"] == []
    bad = [r for r in doc["rejected"] if r["file"] == ".eval_results/hostile.yaml"]
    assert bad and bad[0]["ref"] == "refs/pull/3/head" and bad[0]["model"] == "org/bad"
    assert bad[0]["rule"] == ("value-not-finite" if field == "value" else "wrong-type")


def _snapshot(files: dict[str, bytes]) -> Snapshot:
    source = ModelSource(url="https://example.org/m", location="/nowhere", model="org/m")
    return Snapshot(source, (RefFiles("HEAD", "0" * 40, 0, False, tuple(sorted(files.items()))),))


def test_aggregate_one_file_that_breaks_the_reader_is_rejected_and_the_others_are_read():
    real = collect_mod.lint_function()

    def lint(data, path, **kw):
        if path.endswith("broken.yaml"):
            raise RuntimeError("reader bug")
        return real(data, path, **kw)

    got = collect_mod.collect(
        _snapshot(
            {
                ".eval_results/a.yaml": _file("value", "70.0").encode(),
                ".eval_results/broken.yaml": b"- x\n",
                ".eval_results/c.yaml": _file("value", "71.0").replace("alpha", "beta").encode(),
            }
        ),
        benchmark_id="acme/bench",
        task_ids=frozenset({"alpha", "beta"}),
        policy=BenchmarkPolicy(),
        lint=lint,
    )
    assert sorted((r.task, r.value) for r in got.records) == [("alpha", 70.0), ("beta", 71.0)]
    assert [(r["file"], r["rule"], r["message"]) for r in got.rejected] == [
        (".eval_results/broken.yaml", "unreadable-file", "cannot be read: RuntimeError: reader bug")
    ]


def test_aggregate_an_integer_beyond_float_range_is_ineligible_not_a_crash():
    got = collect_mod.collect(
        _snapshot({".eval_results/a.yaml": _file("value", BIG).encode()}),
        benchmark_id="acme/bench",
        task_ids=None,
        policy=BenchmarkPolicy(),
        lint=collect_mod._fallback_lint,
    )  # no lint rules: only the policy check
    assert [r["rule"] for r in got.rejected] == ["value-not-finite"]


# --- front matter: one splitter --------------------------------------------------------------------

CARD = """---
model-index:
- name: m
  results:
  - task: {type: text-generation}
    dataset: {type: acme/bench, name: Bench, config: default, split: test}
    metrics:
    - {type: accuracy, value: VALUE}
---
# m
"""


def test_audit_sees_an_edit_to_a_readme_that_starts_with_a_blank_line(tmp_path, capsys):
    repo = GitRepo.init(tmp_path / "m")
    repo.write("README.md", "\n" + CARD.replace("VALUE", "41.0"))
    repo.commit("card")
    repo.write("README.md", "\n" + CARD.replace("VALUE", "47.0"))
    repo.commit("raise it")
    code = main(["audit", str(repo.path), "--format", "json", "--fail-on", "never"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    raised = [f for f in doc["findings"] if f["rule"] == "value-raised"]
    assert raised and raised[0]["path"] == "README.md" and raised[0]["line"] == 9  # the README's own line
    # lint reads the same metadata, at the same line
    found = front_matter("\n" + CARD)
    assert found is not None and found[1] == 2
    assert [m.line for m in read_metrics(load_card("\n" + CARD, "README.md").root)] == [9]


def test_one_front_matter_splitter_for_lint_audit_and_the_leaderboard_card():
    from evalledger.leaderboard.write import _split_front_matter

    for text in (
        "---\na: 1\n---\nbody\n",
        "\n\n---\na: 1\n---  \nbody\n",
        "---\r\na: 1\r\n---\r\nbody\r\n",
        "---\na: 1\n---",
        "no front matter\n",
        "---\nnever closed\n",
    ):
        found = split_front_matter(text)
        front, body = _split_front_matter(text)
        if found is None:
            assert (front, body) == (None, text)
            continue
        assert front == found[0] and body == text[found[2] :]
        assert body in ("body\n", "body\r\n", "")


# --- merge keys -----------------------------------------------------------------------------------

MERGED = """\
- &base
  dataset: {id: acme/bench, task_id: alpha}
  value: 70.0
  source: {url: 'https://example.org/run'}
- <<: *base
  dataset: {id: acme/bench, task_id: beta}
  value: 3.5
"""


def test_an_explicit_key_overrides_a_merged_one_without_a_duplicate_key():
    entries, findings = lint_results_bytes(MERGED.encode(), ".eval_results/r.yaml")
    assert [f.rule for f in findings if f.severity == ERROR] == []
    assert [(e.task_id, e.value, e.source) for e in entries] == [
        ("alpha", 70.0, {"url": "https://example.org/run"}),
        ("beta", 3.5, {"url": "https://example.org/run"}),
    ]
    assert [e.data for e in entries] == yaml.safe_load(MERGED)


def test_a_real_duplicate_after_a_merge_is_still_a_duplicate_key():
    text = MERGED + "  value: 4.5\n"
    _, findings = lint_results_bytes(text.encode(), ".eval_results/r.yaml")
    assert [(f.rule, f.line) for f in findings if f.rule == "duplicate-key"] == [("duplicate-key", 8)]
    text = MERGED.replace("- <<: *base\n", "- value: 1.0\n  <<: *base\n")
    _, findings = lint_results_bytes(text.encode(), ".eval_results/r.yaml")
    assert [(f.rule, f.line) for f in findings if f.rule == "duplicate-key"] == [("duplicate-key", 8)]


def test_a_recursive_alias_is_refused_not_walked_forever(tmp_path, capsys):
    path = tmp_path / "r.yaml"
    path.write_text("- &a\n  dataset: {id: a/b, task_id: t}\n  value: 1.0\n  source: *a\n")
    code = main(["lint", "--kind", "results", str(path)])
    out, err = capsys.readouterr()
    assert code == 1 and "r.yaml:4:11: error yaml-alias-limit " in out and not err
