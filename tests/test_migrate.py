"""`evalledger migrate`: legacy model-index -> .eval_results, checked against huggingface_hub.

The conformance test runs every real card of the corpus through `migrate --write` and holds the
result to four promises: what is written lints clean and parses with huggingface_hub; every
written (dataset id, value) is one huggingface_hub reads from the same card (nothing invented);
every single-metric result with a namespaced id and a finite number is written or named in the
output (nothing silently dropped); a second run changes no byte.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
import yaml

from evalledger.cli import main
from evalledger.lint.api import lint_paths
from evalledger.lint.rules.dataset import is_repo_id

CORPUS = Path(__file__).resolve().parent / "corpus" / "model_index"
FRAGMENT = "Lvxue__finetuned-mt5-small-10epoch__model-index.yaml"
CARDS = sorted(p for p in CORPUS.glob("*.yaml") if p.name != FRAGMENT)


def _repo(tmp_path: Path, front_matter: str, name: str = "repo") -> Path:
    repo = tmp_path / name
    repo.mkdir()
    (repo / "README.md").write_text(f"---\n{front_matter}---\n\n# card\n", encoding="utf-8")
    return repo


def _card_yaml(path: Path) -> str:
    return "".join(
        line for line in path.read_text(encoding="utf-8").splitlines(keepends=True) if not line.startswith("# ")
    )


def _migrate(capsys, *args: str) -> tuple[int, dict]:
    code = main(["migrate", "--format", "json", *args])
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.strip() else {})


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@pytest.mark.parametrize("card", CARDS, ids=lambda p: p.name.split("__model-index")[0])
def test_conformance_of_migrate_on_every_real_card(tmp_path, capsys, card):
    from huggingface_hub import parse_eval_result_entries
    from huggingface_hub.repocard_data import model_index_to_eval_results

    text = _card_yaml(card)
    repo = _repo(tmp_path, text)
    readme_before = (repo / "README.md").read_bytes()
    code, out = _migrate(capsys, "--write", str(repo))
    assert code in (0, 1)
    assert (repo / "README.md").read_bytes() == readme_before  # the card is never touched

    data = yaml.safe_load(text)
    try:
        _name, results = model_index_to_eval_results(data["model-index"])
        hub = {(r.dataset_type, r.metric_value) for r in results}
    except Exception:  # huggingface_hub refuses the card: nothing may be written from it
        hub = set()
    written = []
    folder = repo / ".eval_results"
    for path in sorted(folder.glob("*.yaml")) if folder.exists() else []:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = parse_eval_result_entries(entries)  # huggingface_hub reads every written file
        written += [(e.dataset_id, e.value) for e in parsed]
    # lint clean, errors and warnings alike
    if written:
        assert lint_paths([str(folder)]).findings == []
    # nothing invented
    for pair in written:
        assert pair in hub, f"{pair} is not what huggingface_hub reads from the card"
    assert len(written) == sum(len(f["entries"]) for f in out["files"])
    # nothing silently dropped: each single-metric result with a namespaced id and a finite number
    problem_lines = {p["line"] for p in out["problems"]}
    readme_lines = readme_before.decode().splitlines()
    for model in data.get("model-index") or []:
        for result in model.get("results") or []:
            metrics = result.get("metrics") or []
            dataset = result.get("dataset") or {}
            if len(metrics) != 1 or not is_repo_id(str(dataset.get("type", "")).strip()):
                continue
            if not _finite(metrics[0].get("value")):
                continue
            pair = (str(dataset["type"]).strip(), metrics[0]["value"])
            if pair in written:
                continue
            value_lines = {
                i + 1 for i, line in enumerate(readme_lines) if line.strip() == f"value: {metrics[0]['value']}"
            }
            assert value_lines & problem_lines, f"{pair} neither written nor reported"
    # a second run changes no byte
    before = _snapshot(repo)
    code_again, again = _migrate(capsys, "--write", str(repo))
    assert _snapshot(repo) == before
    assert again["files"] == []
    assert code_again == (1 if any(p["rule"] in ("not-migrated", "migrate-conflict") for p in again["problems"]) else 0)


def test_the_corpus_holds_a_card_that_migrates():
    assert any("Orion-zhen" in p.name for p in CARDS)


def test_without_write_it_prints_a_diff_and_writes_nothing(tmp_path, capsys):
    repo = _repo(tmp_path, _card_yaml(CORPUS / "Orion-zhen__Qwen2.5-7B-Instruct-Uncensored__model-index.yaml"))
    code = main(["migrate", str(repo)])
    out = capsys.readouterr().out
    assert code == 1
    assert not (repo / ".eval_results").exists()
    assert f"+++ b/{repo}/.eval_results/gpqa.yaml" in out and "+    id: Idavidrein/gpqa" in out
    assert "+  value: 7.05" in out and "date" not in out.split("+++", 1)[1].split("README.md")[0]
    assert "warning not-migrated `model-index[0].results[1]` not migrated: `dataset.type` 'BBH'" in out


def test_check_exits_1_while_pending_and_0_when_all_written(tmp_path, capsys):
    card = (
        "model-index:\n- name: m\n  results:\n  - task: {type: text-generation}\n"
        "    dataset: {type: Idavidrein/gpqa, name: GPQA, config: gpqa_diamond}\n"
        "    metrics:\n    - {type: acc, value: 41.2, verifyToken: eyJ.a.b}\n"
        "    source: {url: 'https://example.org/run', name: logs}\n"
    )
    repo = _repo(tmp_path, card)
    assert main(["migrate", "--check", str(repo)]) == 1
    assert "would write" in capsys.readouterr().out and not (repo / ".eval_results").exists()
    assert main(["migrate", "--write", str(repo)]) == 0
    written = yaml.safe_load((repo / ".eval_results" / "gpqa.yaml").read_text())
    assert written == [
        {
            "dataset": {"id": "Idavidrein/gpqa", "task_id": "gpqa_diamond"},
            "value": 41.2,
            "verifyToken": "eyJ.a.b",
            "source": {"url": "https://example.org/run", "name": "logs"},
        }
    ]
    capsys.readouterr()
    assert main(["migrate", "--check", str(repo)]) == 0


def test_benchmark_tasks_and_the_policy_metric_choose(tmp_path, capsys):
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "eval.yaml").write_text(
        "name: ARC\ndescription: d\ntasks:\n- id: arc_challenge\n  config: ARC-Challenge\n"
        "- id: arc_easy\n  config: ARC-Easy\n"
    )
    card = (
        "model-index:\n- name: m\n  results:\n  - task: {type: text-generation}\n"
        "    dataset: {type: allenai/ai2_arc, name: ARC, config: ARC-Challenge, split: test,"
        " revision: 210d026faf9955653af8916fad021475a3f00453}\n"
        "    metrics:\n    - {type: acc, value: 61.2}\n    - {type: acc_norm, value: 64.6}\n"
    )
    repo = _repo(tmp_path, card)
    code, out = _migrate(capsys, "--benchmark", f"allenai/ai2_arc={bench / 'eval.yaml'}", str(repo))
    assert code == 1 and out["files"] == []
    [problem] = [p for p in out["problems"] if p["rule"] == "not-migrated"]
    assert "offers 2 metrics (acc, acc_norm)" in problem["message"] and "metric:" in problem["message"]
    (bench / ".evalledger.yaml").write_text("tasks:\n  arc_challenge: {metric: acc_norm}\n")
    code, out = _migrate(capsys, "--benchmark", f"allenai/ai2_arc={bench / 'eval.yaml'}", str(repo))
    assert [f["entries"] for f in out["files"]] == [
        [
            {
                "dataset": {
                    "id": "allenai/ai2_arc",
                    "task_id": "arc_challenge",
                    "revision": "210d026faf9955653af8916fad021475a3f00453",
                },
                "value": 64.6,
            }
        ]
    ]
    assert not any(p["rule"] == "task-id-guessed" for p in out["problems"])


def test_no_task_matching_the_config_is_reported_not_guessed(tmp_path, capsys):
    bench = tmp_path / "Idavidrein__gpqa__eval.yaml"
    bench.write_text("name: GPQA\ndescription: d\ntasks:\n- id: diamond\n  config: gpqa_diamond\n")
    repo = _repo(
        tmp_path,
        "model-index:\n- name: m\n  results:\n  - task: {type: t}\n"
        "    dataset: {type: Idavidrein/gpqa, name: G, config: gpqa_main}\n"
        "    metrics:\n    - {type: acc, value: 41.2}\n",
    )
    code, out = _migrate(capsys, "--benchmark", str(bench), str(repo))
    assert code == 1 and out["files"] == []
    assert "no task of" in out["problems"][0]["message"] and "(tasks: diamond)" in out["problems"][0]["message"]


def test_existing_entries_are_never_overwritten_and_the_file_is_extended(tmp_path, capsys):
    card = (
        "model-index:\n- name: m\n  results:\n"
        "  - task: {type: t}\n    dataset: {type: cais/hle, name: HLE, config: hle}\n"
        "    metrics:\n    - {type: acc, value: 20.9}\n"
        "  - task: {type: t}\n    dataset: {type: cais/hle, name: HLE, config: other}\n"
        "    metrics:\n    - {type: acc, value: 5.0}\n"
        "  - task: {type: t}\n    dataset: {type: cais/hle, name: HLE, config: third}\n"
        "    metrics:\n    - {type: acc, value: 7}\n"
    )
    repo = _repo(tmp_path, card)
    (repo / ".eval_results").mkdir()
    existing = (
        "# kept as written\n- dataset: {id: cais/hle, task_id: hle}\n  value: 20.9\n  date: '2026-01-02'\n"
        "- dataset: {id: cais/hle, task_id: other}\n  value: 4.0  # a newer run\n"
    )
    (repo / ".eval_results" / "hle.yaml").write_text(existing)
    code, out = _migrate(capsys, "--write", str(repo))
    assert code == 1  # the differing entry stays a conflict until resolved
    after = (repo / ".eval_results" / "hle.yaml").read_text()
    assert after.startswith(existing)
    assert after[len(existing) :] == "- dataset:\n    id: cais/hle\n    task_id: third\n  value: 7\n"
    [conflict] = [p for p in out["problems"] if p["rule"] == "migrate-conflict"]
    assert "with value 4.0 is already in" in conflict["message"] and "5.0 is not written over it" in conflict["message"]
    before = _snapshot(repo)
    _migrate(capsys, "--write", str(repo))
    assert _snapshot(repo) == before


def test_results_measured_on_the_base_model_are_not_migrated(tmp_path, capsys):
    repo = _repo(
        tmp_path,
        "base_model: org/base\nmodel-index:\n- name: m\n  results:\n  - task: {type: t}\n"
        "    dataset: {type: Idavidrein/gpqa, name: G}\n"
        "    metrics:\n    - {type: acc, value: 41.2}\n"
        "    source: {url: 'https://huggingface.co/spaces/x/lb?query=org/base'}\n",
    )
    code, out = _migrate(capsys, "--write", str(repo))
    assert code == 1 and out["files"] == [] and not (repo / ".eval_results").exists()
    assert any(p["rule"] == "not-migrated" and "measured on that model" in p["message"] for p in out["problems"])
    assert any(p["rule"] == "base-model-result" for p in out["problems"])


def test_an_empty_value_is_reported_at_its_line_and_never_migrated(tmp_path, capsys):
    card = _card_yaml(CORPUS / "openai__whisper-small.en__model-index.yaml")
    # the real card, then the same card with a namespaced dataset id (so the value alone stops it)
    for name, text in (("real", card), ("namespaced", card.replace("type: librispeech_asr", "type: a/librispeech"))):
        repo = _repo(tmp_path, text, name)
        code, out = _migrate(capsys, "--write", str(repo))
        assert code == 1 and out["files"] == [] and not (repo / ".eval_results").exists()
        lines = (repo / "README.md").read_text().splitlines()
        empty = {i + 1 for i, line in enumerate(lines) if line.strip() == "value:"}
        assert len(empty) == 2
        assert {p["line"] for p in out["problems"] if p["rule"] == "value-not-number"} == empty
        reasons = [p["message"] for p in out["problems"] if p["rule"] == "not-migrated"]
        assert len(reasons) == 2
        if name == "namespaced":
            assert all("its value is not a finite number" in m for m in reasons), reasons
            assert {p["line"] for p in out["problems"] if p["rule"] == "not-migrated"} == empty


def test_a_legacy_dataset_id_gets_its_namespaced_hint(tmp_path, capsys):
    repo = _repo(tmp_path, _card_yaml(CORPUS / "Menouar__phi-2-basic-maths__model-index.yaml"))
    code, out = _migrate(capsys, str(repo))
    assert code == 1
    messages = [p["message"] for p in out["problems"] if p["rule"] == "not-migrated"]
    assert any("'ai2_arc' is not a namespaced" in m and "'allenai/ai2_arc'" in m for m in messages)
    assert any("'Rowan/hellaswag'" in m for m in messages)
    assert out["problems"][0]["line"] > 1  # README lines


def test_bad_input_exits_2_without_writing(tmp_path, capsys):
    assert main(["migrate", str(tmp_path / "missing")]) == 2
    repo = _repo(
        tmp_path,
        "model-index:\n- name: m\n  results:\n  - task: {type: t}\n"
        "    dataset: {type: a/b, name: B}\n    metrics:\n    - {type: acc, value: 1.0}\n",
    )
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, repo / ".eval_results")
    assert main(["migrate", "--write", str(repo)]) == 2
    assert list(outside.iterdir()) == []
    assert "not written" in capsys.readouterr().err
    (repo / ".eval_results").unlink()
    (repo / ".eval_results").mkdir()
    (repo / ".eval_results" / "b.yaml").write_text("dataset: not a list\n")
    assert main(["migrate", "--write", str(repo)]) == 2
    assert (repo / ".eval_results" / "b.yaml").read_text() == "dataset: not a list\n"
    (repo / "README.md").write_bytes(b"---\nmodel-index: [\n---\n")
    assert main(["migrate", str(repo)]) == 2
    assert main(["migrate", "--write", "--check", str(repo)]) == 2  # usage


def test_migrate_is_not_imported_by_the_lint_hook():
    import subprocess
    import sys

    code = (
        "import sys; from evalledger.cli import main; main(['lint', '--kind', 'model-index', "
        f"{str(CORPUS / 'Orion-zhen__Qwen2.5-7B-Instruct-Uncensored__model-index.yaml')!r}]);"
        " print(sorted(m for m in sys.modules if m.startswith('evalledger.migrate') or m == 'difflib'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("[]")


def test_paths_and_diffs_are_shown_without_terminal_control_characters(tmp_path, capsys):
    """A folder name is data too (a model repo's checkout, a submission folder): an OSC title or
    ANSI sequence in it must not reach the terminal through the diff or the summary lines."""
    repo = _repo(
        tmp_path,
        _card_yaml(CORPUS / "Orion-zhen__Qwen2.5-7B-Instruct-Uncensored__model-index.yaml"),
        name="repo\x1b]0;pwned\x07\x1b[8m",
    )
    code = main(["migrate", str(repo)])
    out = capsys.readouterr().out
    assert code == 1 and "+  value: 7.05" in out
    assert "\x1b" not in out and "\x07" not in out
    assert "repo\\x1b]0;pwned\\x07" in out
    assert main(["migrate", "--check", str(repo)]) == 1
    out = capsys.readouterr().out
    assert "would write" in out and "\x1b" not in out


def test_a_card_that_is_a_fifo_or_too_large_is_refused_by_name_never_waited_on(tmp_path):
    """migrate reads the card with lint's one reader: a FIFO is named as one (it was reported as a
    missing file, and a FIFO swapped in after the check would have blocked the open), and a card
    over the limit is refused from its size, before a byte is read."""
    import subprocess
    import sys

    from evalledger.migrate.command import MAX_CARD_BYTES

    repo = tmp_path / "m"
    repo.mkdir()
    os.mkfifo(repo / "README.md")

    def migrate() -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "evalledger", "migrate", str(repo)]
        return subprocess.run(command, capture_output=True, text=True, timeout=60)

    done = migrate()
    assert done.returncode == 2, done.stderr
    assert f"{repo / 'README.md'}: cannot read: a FIFO (named pipe), not a regular file; not read" in done.stderr
    (repo / "README.md").unlink()
    with open(repo / "README.md", "wb") as card:
        card.truncate(MAX_CARD_BYTES + 1)  # sparse: its size is all the reader may look at
    done = migrate()
    assert done.returncode == 2, done.stderr
    assert f"{MAX_CARD_BYTES + 1:,} bytes, over the {MAX_CARD_BYTES:,} byte limit for a model card" in done.stderr
    assert "Traceback" not in done.stderr


def test_front_matter_over_the_yaml_limit_names_the_limit_and_no_option_migrate_lacks(tmp_path, capsys):
    """The card's front matter is bounded by the YAML limit (2 MiB); the refusal said "set
    --max-file-size to raise it", lint's option, which migrate does not have."""
    from evalledger.yamlsource import DEFAULT_LIMITS

    repo = tmp_path / "m"
    repo.mkdir()
    padding = "# padding\n" * (DEFAULT_LIMITS.max_bytes // 10 + 1)
    (repo / "README.md").write_text(f"---\n{padding}model-index: []\n---\n# m\n")
    assert main(["migrate", str(repo)]) == 2
    err = capsys.readouterr().err
    assert f"over the {DEFAULT_LIMITS.max_bytes:,} byte limit" in err, err
    assert "--max-file-size" not in err, err
