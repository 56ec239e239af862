"""Fuzzing with hypothesis over mutated corpus files.

Structure level: drop, rename, retype, swap, wrap and unwrap keys and values of real files (and
inject NaN, infinities, huge integers, strings, booleans, nulls, dates, non-string keys...); every
mutant must get the same verdict from the models, the JSON Schemas and lint's schema-level rules,
and nothing lint accepts may be rejected by huggingface_hub or inspect_ai (see test_conformance).

Byte level: flip, cut, splice and inject hostile bytes (NUL, bad UTF-8, BOMs, tags, aliases,
deep brackets) into real files; `evalledger lint` must answer with exit 0, 1 or 2 and a located
finding, never a traceback or an internal error.

Examples are derandomized so CI is reproducible; EVALLEDGER_FUZZ_EXAMPLES=5000 searches longer.
"""

from __future__ import annotations

import copy
import datetime
import math
import os
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalledger.cli import main
from test_conformance import CORPUS, FRAGMENT, KIND_BY_FOLDER, assert_agreement, judge

EXAMPLES = int(os.environ.get("EVALLEDGER_FUZZ_EXAMPLES", "250"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _corpus() -> dict[str, list[tuple[str, Any, bytes]]]:
    docs: dict[str, list[tuple[str, Any, bytes]]] = {"results": [], "spec": [], "model-index": []}
    for path in sorted(CORPUS.glob("*/*.yaml")):
        kind = KIND_BY_FOLDER[path.parent.name]
        text = path.read_bytes()
        data = None if path.name == FRAGMENT else yaml.safe_load(text)
        docs[kind].append((path.name, data, text))
    return docs


CORPUS_DOCS = _corpus()
# fields no corpus file shows, so mutations can reach every part of the models
EXTRA_DOCS = {
    "results": [
        [
            {
                "dataset": {
                    "id": "Idavidrein/gpqa",
                    "task_id": "diamond",
                    "revision": "5503434ddd753f426f4b38109466949a1217c2bb",
                },
                "value": 0.412,
                "verifyToken": "eyJhbGciOiJFZERTQSJ9.e30.sig",
                "date": "2025-01-15T10:30:00Z",
                "source": {"url": "https://hf.co/papers/2404.14219", "name": "Paper", "user": "u", "org": "o"},
                "notes": "tools",
            }
        ]
    ],
    "spec": [
        {
            "name": "HLE",
            "description": "hard",
            "evaluation_framework": "inspect-ai",
            "tasks": [
                {
                    "id": "hle",
                    "config": "default",
                    "split": "test",
                    "shuffle_choices": False,
                    "epochs": 2,
                    "epoch_reducer": "at_least_1",
                    "field_spec": {
                        "input": "question",
                        "target": "answer",
                        "input_image": "image",
                        "metadata": ["category"],
                        "choices": "options",
                        "id": "id",
                    },
                    "solvers": [{"name": "system_message", "args": {"template": "Be brief"}}, {"name": "generate"}],
                    "scorers": [{"name": "model_graded_fact", "args": {"model": "openai/o3-mini"}}],
                }
            ],
        }
    ],
    "model-index": [
        {
            "model-index": [
                {
                    "name": "m",
                    "results": [
                        {
                            "task": {"type": "text-generation", "name": "Text Generation"},
                            "dataset": {
                                "type": "openai/gsm8k",
                                "name": "GSM8K",
                                "config": "main",
                                "split": "test",
                                "revision": "5503434ddd753f426f4b38109466949a1217c2bb",
                                "args": {"num_few_shot": 5},
                            },
                            "metrics": [
                                {
                                    "type": "accuracy",
                                    "value": 0.9,
                                    "name": "Accuracy",
                                    "verified": False,
                                    "verifyToken": "eyJ...",
                                }
                            ],
                            "source": {
                                "url": "https://hf.co/spaces/open-llm-leaderboard",
                                "name": "Open LLM Leaderboard",
                            },
                        }
                    ],
                }
            ]
        }
    ],
}
SEEDS = {
    kind: [data for _, data, _ in docs if data is not None] + EXTRA_DOCS[kind] for kind, docs in CORPUS_DOCS.items()
}

PALETTE: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    4,
    71,
    2.5,
    0.412,
    75.80,
    1e300,
    math.nan,
    math.inf,
    -math.inf,
    10**400,
    -(10**400),
    2**64,
    "",
    " ",
    "x",
    "71",
    "20.9%",
    "1e-3",
    "yes",
    "YES",
    "off",
    "nan",
    ".inf",
    "2026-01-28",
    "2026-02-30",
    "2024-02-29",
    "2025-01-15T10:30:00Z",
    "2026-01-28\n",
    "28/01/2026",
    datetime.date(2026, 1, 28),
    datetime.datetime(2025, 1, 15, 10, 30, tzinfo=datetime.timezone.utc),
    "Idavidrein/gpqa",
    "Idavidrein/gpqa\n",
    "gpqa",
    "a--b/c",
    "https://huggingface.co/datasets/cais/hle",
    "5503434ddd753f426f4b38109466949a1217c2bb",
    "5503434",
    "main",
    "inspect-ai",
    "olmocr-bench",
    "generate",
    "choice",
    "math",
    "mean",
    "pass_at_1",
    "pass_at_",
    "majority",
    "literal:D",
    " 4 ",
    "4.0",
    "1_0",
    "1__0",
    "0",
    [],
    {},
    ["a"],
    [1],
    [None],
    {"url": "https://x"},
    {"name": "x"},
    {"a": 1},
    {1: 2},
    {"name": "generate"},
    [{"name": "match"}],
    {"id": "a/b", "task_id": "t"},
]
KEYS: list[Any] = [
    "dataset",
    "id",
    "task_id",
    "value",
    "date",
    "source",
    "url",
    "name",
    "user",
    "org",
    "notes",
    "verifyToken",
    "verify_token",
    "revision",
    "config",
    "split",
    "data",
    "error",
    "tasks",
    "field_spec",
    "solvers",
    "scorers",
    "epochs",
    "epoch_reducer",
    "shuffle_choices",
    "description",
    "evaluation_framework",
    "model-index",
    "results",
    "task",
    "metrics",
    "type",
    "args",
    "metadata",
    "choices",
    "input",
    "target",
    "input_image",
    "checkpoint",
    "Value",
    "DATASET",
    1,
    True,
    None,
]


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in the document: () is the root."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, prefix + (index,))
    return found


def _get(doc: Any, path: tuple) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _set(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def _mutate(doc: Any, draw) -> Any:
    paths = _paths(doc)
    path = paths[draw(st.integers(0, len(paths) - 1))]
    node = _get(doc, path)
    operation = draw(
        st.sampled_from(["replace", "replace", "drop", "rename", "swap", "add", "wrap", "unwrap", "duplicate", "empty"])
    )
    value = lambda: copy.deepcopy(draw(st.sampled_from(PALETTE)))  # noqa: E731 - fresh each time
    if operation == "replace":
        return _set(doc, path, value())
    if operation == "drop" and path:
        parent = _get(doc, path[:-1])
        del parent[path[-1]]
        return doc
    if operation == "rename" and path and isinstance(_get(doc, path[:-1]), dict):
        parent = _get(doc, path[:-1])
        new_key = draw(st.sampled_from(KEYS))
        if new_key not in parent:
            parent[new_key] = parent.pop(path[-1])
        return doc
    if operation == "swap":
        other = paths[draw(st.integers(0, len(paths) - 1))]
        if path and other and path[: len(other)] != other and other[: len(path)] != path:
            first, second = copy.deepcopy(node), copy.deepcopy(_get(doc, other))
            _set(doc, path, second)
            _set(doc, other, first)
        return doc
    if operation == "add" and isinstance(node, dict):
        node.setdefault(draw(st.sampled_from(KEYS)), value())
        return doc
    if operation == "add" and isinstance(node, list):
        node.insert(draw(st.integers(0, len(node))), value())
        return doc
    if operation == "wrap":
        wrapper = draw(st.sampled_from(["list", "model-index", "data", "tasks", "value"]))
        return _set(doc, path, [node] if wrapper == "list" else {wrapper: node})
    if operation == "unwrap" and isinstance(node, (dict, list)) and node:
        inner = next(iter(node.values())) if isinstance(node, dict) else node[0]
        return _set(doc, path, inner)
    if operation == "duplicate" and isinstance(node, list) and node:
        node.append(copy.deepcopy(node[draw(st.integers(0, len(node) - 1))]))
        return doc
    if operation == "empty" and isinstance(node, (dict, list)):
        return _set(doc, path, type(node)())
    return doc


@st.composite
def mutants(draw, kind: str) -> Any:
    doc = copy.deepcopy(draw(st.sampled_from(SEEDS[kind])))
    for _ in range(draw(st.integers(1, 3))):
        doc = _mutate(doc, draw)
    return doc


def _dump(doc: Any) -> bytes:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode("utf-8")


@pytest.mark.parametrize("kind", ["results", "spec", "model-index"])
def test_mutants_get_one_verdict_from_models_schema_lint_and_reference(kind):
    judged = []

    @FUZZ
    @given(mutants(kind))
    def check(doc):
        text = _dump(doc)
        verdicts = judge(kind, text)
        if verdicts is None:
            return
        assert_agreement(kind, text, verdicts)
        judged.append(bool(verdicts["model"]))

    check()
    # the search must have produced both valid and invalid files, or it proved little
    assert len(judged) > EXAMPLES * 0.8 and any(judged) and not all(judged), (len(judged), sum(judged))


# --- byte level: no crash ---------------------------------------------------------------------

HOSTILE = [
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\r\n",
    b"\t",
    b"\x1b[31m",
    b"!!python/object/apply:os.system ['echo hi']",
    b"!!python/name:os.system",
    b"!!binary aGk=",
    b"!!set {a, b}",
    b"!!omap [a: 1]",
    b"!custom x",
    b"&a [*a, *a, *a]",
    b"*a",
    b"*missing",
    b"<<: *a",
    b"? [a, b]\n: c\n",
    b"? {a: 1}\n: c\n",
    b"[" * 200,
    b"{" * 200,
    b"- " * 200,
    b"%YAML 1.1\n---\n",
    b"---\n",
    b"...\n",
    b"\n---\n- x\n",
    b"'",
    b'"',
    b"#",
    b"|",
    b">",
    b": ",
    b"- ",
    b"1e400",
    b".nan",
    b"0x1F",
    b"0o777",
    b"1_000",
    b"190:20:30",
    b"2026-13-45",
    b"~",
    b"yes",
    b"=",
    b"@",
    b"`",
    "\u2028".encode(),
    "\U0001f600".encode(),
    "\u0130".encode(),
    b"\\u0000",
]
FORMATS = ["text", "json", "github", "sarif"]
TARGETS = {"results": ".eval_results/gpqa.yaml", "spec": "eval.yaml", "model-index": "README.md"}


@st.composite
def byte_mutants(draw) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(sorted(CORPUS_DOCS)))
    _, _, text = draw(st.sampled_from(CORPUS_DOCS[kind]))
    data = bytearray(text)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        operation = draw(st.sampled_from(["insert", "insert", "flip", "delete", "splice", "truncate"]))
        if operation == "insert":
            data[at:at] = draw(st.sampled_from(HOSTILE) | st.binary(min_size=1, max_size=8))
        elif operation == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif operation == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif operation == "splice" and data:
            start = draw(st.integers(0, len(data) - 1))
            data[at:at] = data[start : start + draw(st.integers(1, 60))]
        elif operation == "truncate":
            del data[at:]
    body = bytes(data)
    if kind == "model-index":
        body = b"---\n" + body + b"\n---\n# card\n"
    return kind, body


def test_lint_never_crashes_on_mutated_bytes(tmp_path_factory, capsys):
    root = tmp_path_factory.mktemp("fuzzbytes")

    @FUZZ
    @given(byte_mutants(), st.sampled_from(FORMATS))
    def check(mutant, fmt):
        kind, body = mutant
        target = root / TARGETS[kind]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        code = main(["lint", "--kind", kind, "--format", fmt, str(target)])
        out, err = capsys.readouterr()
        assert code in (0, 1, 2), f"exit {code} on {body!r}:\n{out}{err}"
        assert "internal error" not in err and "Traceback" not in out + err, f"{body!r}:\n{err}"
        if code != 0 and fmt == "text":
            assert f"{target}:" in out + err, f"no location for {body!r}:\n{out}{err}"

    check()


def test_lint_never_crashes_on_mutated_structure(tmp_path_factory, capsys):
    # the agreement test above already runs the lint library on mutants; this adds the CLI and
    # every reporter, so fewer examples do
    root = tmp_path_factory.mktemp("fuzzstructure")

    @settings(FUZZ, max_examples=max(EXAMPLES // 3, 20))
    @given(
        st.sampled_from(sorted(SEEDS)).flatmap(lambda kind: st.tuples(st.just(kind), mutants(kind))),
        st.sampled_from(FORMATS),
    )
    def check(mutant, fmt):
        kind, doc = mutant
        target = root / TARGETS[kind]
        target.parent.mkdir(parents=True, exist_ok=True)
        body = _dump(doc)
        target.write_bytes(b"---\n" + body + b"---\n" if kind == "model-index" else body)
        code = main(["lint", "--kind", kind, "--format", fmt, str(target)])
        out, err = capsys.readouterr()
        assert code in (0, 1, 2) and "internal error" not in err, f"exit {code} on {body!r}:\n{err}"

    check()


def test_the_real_cli_process_reports_hostile_files_without_a_traceback(tmp_path):
    import subprocess
    import sys

    cases = {
        "nul.yaml": b"- dataset: {id: a/b, task_id: t}\n  value: 1\x00\n",
        "latin1.yaml": b"- notes: caf\xe9\n",
        "bomb.yaml": b"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + b"".join(
            b"%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n"
            % ((ord("b") + i,) + (ord("b") + i,) + (ord("a") + i,) * 10)
            for i in range(9)
        ),
        "deep.yaml": b"[" * 10_000 + b"]" * 10_000,
        "tag.yaml": b"- !!python/object/apply:os.system [ls]\n",
    }
    folder = tmp_path / ".eval_results"
    folder.mkdir()
    for name, body in cases.items():
        (folder / name).write_bytes(body)
    proc = subprocess.run(
        [sys.executable, "-m", "evalledger", "lint", "--kind", "results", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode in (1, 2), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    for name in cases:
        assert f"{name}:" in proc.stdout, (name, proc.stdout)
