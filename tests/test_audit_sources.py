"""The audit's fast YAML path gives exactly what yamlsource.load gives, or defers to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalledger.audit.sources import fast_root, parse_blob
from evalledger.yamlsource import YamlLoadError, load


def shape(node):
    if node is None:
        return None
    if node.kind == "scalar":
        return (node.kind, node.value, type(node.value).__name__, node.line, node.column, node.tag, node.quoted)
    if node.kind == "seq":
        return (node.kind, node.line, node.column, node.tag, [shape(c) for c in node.value])
    return (
        node.kind,
        node.line,
        node.column,
        node.tag,
        [(k, node.keys[k].line, node.keys[k].column, shape(v)) for k, v in node.value.items()],
    )


def assert_same(data: bytes) -> None:
    fast = fast_root(data)
    if fast is False:
        return
    try:
        slow = load(data, "x.yaml").root
    except YamlLoadError as exc:  # pragma: no cover - a divergence is the failure we look for
        pytest.fail(f"fast path accepted what the full loader rejects: {exc}")
    assert shape(fast) == shape(slow)


def same_entries(a, b) -> bool:
    """Entries equal, their plain data included (compared apart: it may be built lazily)."""
    return a == b and [e.content for e in a.entries] == [e.content for e in b.entries]


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*.y*ml"))


def test_fast_path_matches_full_loader_on_corpus(corpus):
    files = corpus_files(corpus)
    assert len(files) >= 15
    taken = 0
    for path in files:
        data = path.read_bytes()
        assert_same(data)
        taken += fast_root(data) is not False
    assert taken >= 10, "the fast path should serve ordinary result files"


@pytest.mark.parametrize(
    "text",
    [
        "- {dataset: {id: a/b, task_id: t}, value: 1.5}\n",
        "- dataset:\n    id: a/b\n    task_id: 7\n  value: 0.41\n  value: 0.47\n",  # duplicate: last wins
        "- value: yes\n  date: 2026-01-15\n  notes: '01'\n  n: ~\n  x: 1e3\n  y: 0x1F\n",
        "key: |\n  block\n  text\nother: >\n  folded\n",
        "",
        "# only a comment\n",
    ],
)
def test_fast_path_matches_full_loader_on_edge_cases(text):
    assert_same(text.encode())


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",
        "<<: {a: 1}\n",
        "a: !!python/object:os.system x\n",
        "a: 1\n---\nb: 2\n",
        "[" * 300 + "]" * 300,
        "a: [1\n",
        "\ufeffa: 1\n",
    ],
)
def test_fast_path_defers_unusual_or_broken_input(text):
    assert fast_root(text.encode()) is False


def test_parse_blob_reports_unreadable_files():
    parsed = parse_blob(".eval_results/x.yaml", b"- dataset: [unclosed\n")
    assert parsed.entries == () and "yaml-syntax" in parsed.problem
    nested = ("- " * 80 + "x\n").encode()
    assert "yaml-depth-limit" in parse_blob(".eval_results/x.yaml", nested).problem


scalars = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text("abc :-#'\"0123456789.", max_size=8),
    st.booleans(),
    st.none(),
)
trees = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text("abcxyz_", min_size=1, max_size=5), children, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(trees, st.booleans())
def test_fast_path_matches_full_loader_on_generated_yaml(tree, flow):
    import yaml

    assert_same(yaml.safe_dump(tree, default_flow_style=flow, allow_unicode=True).encode())


def test_item_by_item_parsing_matches_whole_file_parsing(corpus):
    from evalledger.audit.sources import BlobParser

    parser = BlobParser()
    for path in sorted((corpus / "eval_results").glob("*.yaml")):
        data = path.read_bytes()
        assert same_entries(parser.parse(".eval_results/x.yaml", data), parse_blob(".eval_results/x.yaml", data))
    # a second version with one entry changed and one inserted reuses the rest, positions shifted
    first = (corpus / "eval_results" / "FireRedTeam__FireRed-OCR__olmocrbench.yaml").read_bytes()
    text = first.decode()
    second = text.replace("value: 77.7", "value: 78.1", 1)
    second = second.replace("- dataset:", "- dataset: {id: x/y, task_id: t}\n  value: 1\n- dataset:", 1)
    assert same_entries(
        parser.parse(".eval_results/x.yaml", second.encode()), parse_blob(".eval_results/x.yaml", second.encode())
    )


@pytest.mark.parametrize(
    "text",
    [
        "# c\n- {dataset: {id: a/b, task_id: t}, value: 1}\n---\n- x\n",
        "  indented: 1\n- {dataset: {id: a/b, task_id: t}, value: 1}\n",
        "- dataset: {id: a/b, task_id: t}\n  value: 1\nkey: 2\n",
        '- dataset: {id: a/b, task_id: t}\n  notes: "two\n- lines"\n  value: 1\n',
        "- dataset: {id: a/b, task_id: t}\r\n  value: 1\r\n",
        "-\n  dataset: {id: a/b, task_id: t}\n  value: 1\n",
    ],
)
def test_item_by_item_parsing_agrees_on_odd_files(text):
    from evalledger.audit.sources import BlobParser

    data = text.encode()
    assert same_entries(BlobParser().parse(".eval_results/x.yaml", data), parse_blob(".eval_results/x.yaml", data))


entries_st = st.lists(
    st.fixed_dictionaries(
        {
            "dataset": st.fixed_dictionaries(
                {
                    "id": st.sampled_from(["a/b", "c/d"]),
                    "task_id": st.one_of(st.sampled_from(["t", "u"]), st.integers(0, 3)),
                },
                optional={"revision": st.text("abc12", max_size=6)},
            ),
            "value": st.one_of(
                st.floats(allow_nan=True, allow_infinity=True),
                st.integers(0, 100),
                st.text("0.5 ", max_size=4),
                st.none(),
                st.booleans(),
            ),
            "notes": st.text("ab -:#'\"\n", max_size=10),
        },
        optional={
            "date": st.one_of(st.dates(), st.text("2026-01", max_size=10)),
            "verifyToken": st.text("ey.J", max_size=6),
            "source": st.one_of(
                st.fixed_dictionaries(
                    {"url": st.text("htps:/", max_size=8)}, optional={"user": st.text("u", max_size=2)}
                ),
                st.lists(st.integers(), max_size=2),
            ),
        },
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(entries_st, st.booleans())
def test_item_by_item_parsing_matches_on_generated_files(entries, flow):
    import yaml

    from evalledger.audit.sources import BlobParser

    data = yaml.safe_dump(entries, default_flow_style=flow, sort_keys=False).encode()
    parser = BlobParser()
    assert same_entries(parser.parse(".eval_results/x.yaml", data), parse_blob(".eval_results/x.yaml", data))
    assert same_entries(parser.parse(".eval_results/x.yaml", data), parse_blob(".eval_results/x.yaml", data))


@settings(max_examples=200, deadline=None)
@given(entries_st, st.data())
def test_edited_versions_parse_the_same_item_by_item(entries, draw):
    """A file, then the same file with some scalars rewritten in place (the patch path)."""
    import yaml

    from evalledger.audit.sources import BlobParser

    first = yaml.safe_dump(entries, default_flow_style=False, sort_keys=False)
    lines = first.split("\n")
    replacements = st.sampled_from(
        [
            "0.5",
            "75.8",
            "1e3",
            "yes",
            "null",
            "2026-01-15",
            "'q'",
            "a: b",
            "x # c",
            "-1",
            "- x",
            "~",
            "0o17",
            "https://e.org/a?b=1",
            "[1]",
            "",
        ]
    )
    for _ in range(draw.draw(st.integers(1, 3))):
        number = draw.draw(st.integers(0, len(lines) - 1))
        if ": " in lines[number]:
            head = lines[number].split(": ", 1)[0]
            lines[number] = f"{head}: {draw.draw(replacements)}"
    second = "\n".join(lines).encode()
    parser = BlobParser()
    parser.parse(".eval_results/x.yaml", first.encode())
    try:
        expected = parse_blob(".eval_results/x.yaml", second)
    except Exception as exc:  # pragma: no cover - parse_blob never raises
        pytest.fail(str(exc))
    assert same_entries(parser.parse(".eval_results/x.yaml", second), expected)


def test_patch_path_is_taken_for_a_value_edit(corpus):
    from evalledger.audit import sources

    parser = sources.BlobParser()
    data = (corpus / "eval_results" / "FireRedTeam__FireRed-OCR__olmocrbench.yaml").read_bytes()
    parser.parse(".eval_results/x.yaml", data)
    edited = data.replace(b"value: 77.7", b"value: 78.1", 1)
    calls = []
    original = sources._compose
    sources._compose = lambda *a, **k: calls.append(a) or original(*a, **k)
    try:
        result = parser.parse(".eval_results/x.yaml", edited)
    finally:
        sources._compose = original
    assert calls == [] and [e.value for e in result.entries][:2] == [70.2, 78.1]
    assert same_entries(result, sources.parse_blob(".eval_results/x.yaml", edited))


def flow_file(entries) -> str:
    """One flow mapping per sequence item (``- {dataset: {...}, value: ...}``), as hand-written
    and Hub-generated results files often are."""
    import yaml

    return "".join("- " + yaml.safe_dump(e, default_flow_style=True, sort_keys=False, width=10**6) for e in entries)


_FLOW_VALUE = r"(?<=: )[^,{}\[\]\n]*?(?=,|\}|$)"


@settings(max_examples=250, deadline=None)
@given(entries_st, st.data())
def test_edited_flow_items_parse_the_same_as_the_full_loader(entries, draw):
    """Flow-style items with scalar texts rewritten in place (the flow patch path) give exactly
    what parsing the new file from scratch gives, or the parser falls back to it."""
    import re

    from evalledger.audit.sources import BlobParser

    first = flow_file(entries)
    spans = [m.span() for m in re.finditer(_FLOW_VALUE, first, re.M)]
    replacements = st.sampled_from(
        [
            "0.5",
            "75.8",
            "1e3",
            "yes",
            "null",
            "2026-01-15",
            "'q'",
            "a: b",
            "x # c",
            "-1",
            "- x",
            "~",
            "0o17",
            "'https://e.org/a?b=1'",
            "[1]",
            "",
            "a,b",
            "'it''s'",
            '"x\\ty"',
            '"q"',
            "{a: 1}",
            " 7 ",
            "a  b",
            "é",
            "a:b",
            "-.5",
            "'a\\b'",
            "x\ty",
            "'two\nlines'",
            "!!str 5",
            "&a 1",
            ".inf",
            "0x1F",
        ]
    )
    text = first
    for start, end in sorted(draw.draw(st.sets(st.sampled_from(spans), max_size=3)) if spans else [], reverse=True):
        text = text[:start] + draw.draw(replacements) + text[end:]
    second = text.encode()
    parser = BlobParser()
    parser.parse(".eval_results/x.yaml", first.encode())
    assert same_entries(parser.parse(".eval_results/x.yaml", second), parse_blob(".eval_results/x.yaml", second))


def test_flow_patch_path_is_taken_for_a_value_and_source_edit():
    from evalledger.audit import sources

    first = (
        "- {dataset: {id: cais/hle, task_id: hle}, value: 20.9, date: '2025-01-01', source: "
        "{url: 'https://e.org/1', name: Eval run}, notes: no tools}\n"
        "- {dataset: {id: openai/gsm8k, task_id: gsm8k}, value: 0.41}\n"
    )
    second = first.replace("20.9", "22.5").replace("e.org/1", "e.org/2").replace("0.41", "0.43")
    parser = sources.BlobParser()
    parser.parse(".eval_results/x.yaml", first.encode())
    calls = []
    original = sources._compose
    sources._compose = lambda *a, **k: calls.append(a) or original(*a, **k)
    try:
        result = parser.parse(".eval_results/x.yaml", second.encode())
    finally:
        sources._compose = original
    assert calls == []
    assert [(e.value, e.source_url) for e in result.entries] == [(22.5, "https://e.org/2"), (0.43, None)]
    assert same_entries(result, sources.parse_blob(".eval_results/x.yaml", second.encode()))


@settings(max_examples=150, deadline=None)
@given(
    entries_st,
    st.lists(
        st.tuples(st.sampled_from(["drop", "move", "insert", "swap"]), st.integers(0, 9), st.booleans()),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
def test_items_moved_between_lines_and_files_parse_the_same(entries, script, flow):
    """Items reused at another line or in another file (an item above was added or removed, an
    entry moved to another file) give what parsing each version from scratch gives."""
    import yaml

    from evalledger.audit.sources import BlobParser

    def text(items):
        if flow:
            return flow_file(items).encode()
        return yaml.safe_dump(items, default_flow_style=False, sort_keys=False).encode() if items else b""

    files = {".eval_results/a.yaml": list(entries), ".eval_results/b.yaml": list(reversed(entries))}
    parser = BlobParser()
    for path, items in files.items():
        parser.parse(path, text(items))
    for op, n, to_b in script:
        src, dst = (
            (".eval_results/a.yaml", ".eval_results/b.yaml")
            if to_b
            else (".eval_results/b.yaml", ".eval_results/a.yaml")
        )
        items = files[src]
        if not items:
            continue
        item = items[n % len(items)]
        if op == "drop":
            items.remove(item)
        elif op == "move":
            items.remove(item)
            files[dst].insert(n % (len(files[dst]) + 1), item)
        elif op == "insert":
            items.insert(0, {"dataset": {"id": "new/one", "task_id": "t"}, "value": n})
        else:
            items.reverse()
        for path in (src, dst):
            data = text(files[path])
            assert same_entries(parser.parse(path, data), parse_blob(path, data))


SCALARS = [
    "1", "-0", "0x1f", "0o17", "017", "1_000", "1:30", "1.5", "1e3", "1.0e+3", ".5", ".inf", "-.Inf", ".nan",
    "yes", "No", "on", "OFF", "true", "null", "~", "", "2023-10-01", "2023-10-01 12:30:00", "2023-13-45",
    "70.2%", "abc", "=", "'1'", '"yes"', "'2023-10-01'", '"~"',
]  # fmt: skip


@pytest.mark.parametrize("text", SCALARS)
def test_fast_composer_resolves_scalars_through_the_loaders_one_resolver(text):
    """The audit's C composer gets every implicit tag from yamlsource.plain_scalar (no memo of its
    own): the tags are PyYAML's, the values yamlsource.load's, and a plain scalar composed once is
    in the loader's memo."""
    import yaml

    from evalledger import yamlsource
    from evalledger.audit import sources

    document = f"key: {text}\nlist:\n- {text}\n".encode()
    yamlsource._plain_cache.clear()
    fast = fast_root(document)
    assert fast is not False and fast is not None
    if text[:1] not in ("'", '"'):  # plain: resolved (and constructed) once, in the loader's memo
        assert text in yamlsource._plain_cache
    assert shape(fast) == shape(load(document).root)
    safe = yaml.compose(document.decode(), Loader=yaml.SafeLoader)
    composed = sources._compose(document)
    assert composed is not False and composed is not None
    assert [(k.tag, v.tag) for k, v in composed.value][:1] == [(k.tag, v.tag) for k, v in safe.value][:1]
    assert composed.value[1][1].value[0].tag == safe.value[1][1].value[0].tag
    assert not any("memo" in name for name in vars(sources._Loader))
