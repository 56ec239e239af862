"""The positioned loader: same values as yaml.safe_load, plus positions, duplicates and bounds."""

from __future__ import annotations

import datetime

import pytest
import yaml

from evalledger import yamlsource
from evalledger.yamlsource import Limits, YamlLoadError, load


def test_corpus_files_load_to_the_same_data_as_safe_load(corpus):
    files = sorted(p for p in corpus.rglob("*.yaml") if "Lvxue" not in p.name)  # Lvxue is a diff fragment
    assert len(files) >= 20
    for path in files:
        data = path.read_bytes()
        doc = load(data, str(path))
        assert doc.root.to_python() == yaml.safe_load(data), path
        assert doc.problems == []


def test_positions_are_one_based_line_and_column():
    doc = load(b"- dataset:\n    id: a/b\n  value: 1.5\n")
    entry = doc.root.value[0]
    assert (entry.line, entry.column) == (1, 3)
    assert (entry.get("value").line, entry.get("value").column) == (3, 10)
    assert (entry.key_node("value").line, entry.key_node("value").column) == (3, 3)


def test_yaml_11_scalars_resolve_as_safe_loader_does():
    doc = load(b"a: 1e-3\nb: 1.0e-3\nc: 2025-01-15\nd: yes\ne: '2025-01-15'\nf: .nan\n")
    values = doc.root.to_python()
    assert values["a"] == "1e-3" and values["b"] == 0.001
    assert values["c"] == datetime.date(2025, 1, 15) and doc.root.get("c").tag == "timestamp"
    assert values["d"] is True and values["e"] == "2025-01-15" and doc.root.get("e").quoted
    assert values["f"] != values["f"]


def test_duplicate_key_is_reported_at_the_second_key_and_last_wins():
    doc = load(b"value: 1\nvalue: 2\n", "x.yaml")
    assert doc.root.to_python() == {"value": 2}
    [problem] = doc.problems
    assert (problem.rule, problem.line, problem.column) == ("duplicate-key", 2, 1)
    assert "first at line 1" in problem.message


def test_unsafe_tag_is_reported_and_never_constructed():
    doc = load(b"- !!python/object/apply:os.system ['echo pwned']\n")
    assert [p.rule for p in doc.problems] == ["yaml-unsafe-tag"]
    assert doc.root.to_python() == [["echo pwned"]]


@pytest.mark.parametrize(
    "data, rule",
    [
        (b"[" * 10_000 + b"]" * 10_000, "yaml-depth-limit"),
        (b"- " * 10_000 + b"x\n", "yaml-depth-limit"),
        (
            (
                b"a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
            ),
            "yaml-alias-limit",
        ),
        (b"\x00\x01binary", "binary-file"),
        (b"a: caf\xe9\n", "not-utf8"),
        (b"a: [1\n", "yaml-syntax"),
    ],
)
def test_hostile_input_fails_fast_with_a_location(data, rule):
    with pytest.raises(YamlLoadError) as info:
        load(data)
    assert info.value.rule == rule
    assert info.value.line >= 1 and info.value.column >= 1


def test_size_is_bounded_before_parsing():
    with pytest.raises(YamlLoadError) as info:
        load(b"a: 1\n" * 100, limits=Limits(max_bytes=100))
    assert info.value.rule == "file-too-large"


def test_non_utf8_position_points_at_the_bad_byte():
    with pytest.raises(YamlLoadError) as info:
        load(b"a: 1\nb: caf\xe9\n")
    assert (info.value.line, info.value.column) == (2, 7)


def test_iter_nodes_visits_every_node():
    doc = load(b"a: [1, {b: 2}]\n")
    assert sum(1 for _ in yamlsource.iter_nodes(doc.root)) == 5  # map, seq, 1, map, 2
