"""Every real file in the shared corpus gets the verdict CONFORMANCE.md §F implies, with exact
output lines (path:line:col: severity rule message)."""

from __future__ import annotations

import shutil

import pytest

from evalledger.cli import main

VALID_RESULTS = [
    "FireRedTeam__FireRed-OCR__olmocrbench.yaml",
    "MiniMaxAI__MiniMax-M2.1__swe_bench_verified_with_tools.yaml",
    "MiniMaxAI__MiniMax-M2.5__gpqa.yaml",
    "MiniMaxAI__MiniMax-M2.5__swe_bench_pro.yaml",
    "MiniMaxAI__MiniMax-M2.5__swe_bench_verified.yaml",
    "MiniMaxAI__MiniMax-M2.5__swe_bench_verified@a2e5c2d-parent.yaml",
    "MiniMaxAI__MiniMax-M2__hle.yaml",
    "MiniMaxAI__MiniMax-M2__mmlu-pro.yaml",
    "SnurfyAI__Sn-CodeExplainer-0.5B__gsm8k.yaml",
    "Zyphra__ZAYA1-8B__gpqa.yaml",
    "Zyphra__ZAYA1-8B__mmlu-pro.yaml",
    "arcee-ai__Trinity-Large-Preview__gpqa.yaml",
]


@pytest.fixture
def here(corpus, tmp_path, monkeypatch):
    """A copy of the corpus as the working directory, so paths in output are short and stable."""
    shutil.copytree(corpus, tmp_path / "corpus")
    monkeypatch.chdir(tmp_path / "corpus")
    return tmp_path / "corpus"


@pytest.mark.parametrize("name", VALID_RESULTS)
def test_valid_results_file_passes_with_no_output(here, capsys, name):
    assert main(["lint", "--kind", "results", f"eval_results/{name}"]) == 0
    assert capsys.readouterr().out == ""


def test_results_file_without_task_id_fails(here, capsys):
    path = "eval_results/MiniMaxAI__MiniMax-M2.1__mmlu_pro.yaml"
    assert main(["lint", "--kind", "results", path]) == 1
    assert capsys.readouterr().out == (
        f"{path}:5:5: error missing-field `dataset.task_id` is missing: the id of the benchmark task"
        " (from its eval.yaml) this score belongs to\n"
    )


def test_model_index_pasted_into_eval_results_fails_and_points_to_readme(here, capsys):
    path = "eval_results/SnurfyAI__Sn-CodeExplainer-0.5B__gsm8k@bb8c3f1-INVALID.yaml"
    assert main(["lint", "--kind", "results", path]) == 1
    assert capsys.readouterr().out == (
        f"{path}:5:1: error results-not-list the top level is a `model-index:` mapping, the legacy"
        " README.md format; .eval_results files hold a list of entries (`- dataset: {id, task_id}`"
        " with `value`): convert each metric to an entry, or move `model-index:` into the YAML front"
        " matter of README.md\n"
    )


def test_gpqa_diamond_fails_only_when_the_gpqa_spec_is_given(here, capsys):
    path = "eval_results/arcee-ai__Trinity-Large-Preview__gpqa.yaml"
    assert main(["lint", "--kind", "results", path]) == 0
    assert capsys.readouterr().out == ""
    spec = "eval_spec/Idavidrein__gpqa__eval.yaml"
    assert main(["lint", "--kind", "results", "--benchmark", spec, path]) == 1
    assert capsys.readouterr().out == (
        f"{path}:5:14: error task-id-unknown task_id 'gpqa_diamond' is not a task of Idavidrein/gpqa"
        " (defined: diamond, main, extended) (did you mean 'diamond'?)\n"
    )


def test_whole_corpus_against_all_specs(here, capsys):
    """Folder of results + folder of specs: the two invalid files, the GPQA task id, and the
    fraction GSM8K value is alone on its task (no scale disagreement to report)."""
    assert main(["lint", "--kind", "results", "--benchmark", "eval_spec", "eval_results"]) == 1
    rules = [line.split(" ")[2] for line in capsys.readouterr().out.splitlines()]
    assert rules == ["missing-field", "results-not-list", "task-id-unknown"]


@pytest.mark.parametrize("name", ["Idavidrein__gpqa__eval.yaml", "allenai__olmOCR-bench__eval.yaml"])
def test_valid_specs_pass_with_no_output(here, capsys, name):
    assert main(["lint", "--kind", "spec", f"eval_spec/{name}"]) == 0
    assert capsys.readouterr().out == ""


def test_mmlu_pro_spec_passes_with_a_framework_warning(here, capsys):
    path = "eval_spec/TIGER-Lab__MMLU-Pro__eval.yaml"
    assert main(["lint", "--kind", "spec", path]) == 0
    assert capsys.readouterr().out == (
        f"{path}:5:1: warning framework-missing eval.yaml has no `evaluation_framework` (e.g."
        " inspect-ai); the Hub docs require one\n"
    )
    assert main(["lint", "--kind", "spec", "--strict", path]) == 1


def test_legacy_simpleqa_spec_fails_inspect_rules(here, capsys):
    path = "eval_spec/OpenEvals__SimpleQA__eval@discussion2.yaml"
    assert main(["lint", "--kind", "spec", "--no-warnings", path]) == 1
    assert capsys.readouterr().out.splitlines() == [
        (
            f"{path}:15:5: error inspect-extra-key `tasks[0].name` is not an Inspect AI task field;"
            " inspect_ai rejects the task (extra inputs are not permitted) (did you mean 'id'? `name` is"
            " from the legacy schema)"
        ),
        (
            f"{path}:16:5: error inspect-extra-key `tasks[0].subset` is not an Inspect AI task field;"
            " inspect_ai rejects the task (extra inputs are not permitted) (did you mean 'config'?"
            " `subset` is from the legacy schema)"
        ),
        (
            f"{path}:17:5: error inspect-extra-key `tasks[0].splits` is not an Inspect AI task field;"
            " inspect_ai rejects the task (extra inputs are not permitted) (did you mean 'split'?"
            " `splits` is from the legacy schema)"
        ),
    ]


def test_valid_model_index_passes(here, capsys):
    assert (
        main(["lint", "--kind", "model-index", "model_index/huggingface_hub-tests__sample_simple_model_index.yaml"])
        == 0
    )
    assert capsys.readouterr().out == ""


def test_a_valid_leaderboard_card_passes_with_a_warning_per_moved_dataset_id(here, capsys):
    path = "model_index/Menouar__phi-2-basic-maths__model-index.yaml"
    assert main(["lint", "--kind", "model-index", path]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1:3] for line in lines] == [["warning", "legacy-dataset-id"]] * 2
    assert (
        lines[0].startswith(f"{path}:14:13: ") and "'ai2_arc' is the Hub's former id of 'allenai/ai2_arc'" in lines[0]
    )
    assert lines[1].startswith(f"{path}:33:13: ") and "'Rowan/hellaswag'" in lines[1]


def test_invalid_model_index_sample_fails_on_the_result_without_dataset(here, capsys):
    path = "model_index/huggingface_hub-tests__sample_invalid_model_index.yaml"
    assert main(["lint", "--kind", "model-index", path]) == 1
    assert capsys.readouterr().out == (
        f"{path}:15:5: error missing-field `model-index[0].results[0]` has no `dataset`\n"
    )


def test_lvxue_fragment_is_not_parseable_yaml(here, capsys):
    """The corpus copy is a diff hunk cut mid-document: our verdict is a syntax error, located."""
    path = "model_index/Lvxue__finetuned-mt5-small-10epoch__model-index.yaml"
    assert main(["lint", "--kind", "model-index", path]) == 1
    assert capsys.readouterr().out == (f"{path}:6:5: error yaml-syntax did not find expected <document start>\n")


def test_invalid_model_index_as_readme_front_matter_keeps_line_numbers(here, capsys, tmp_path):
    """The same metadata inside README.md: lines are counted in the README (front matter offset)."""
    body = (here / "model_index/huggingface_hub-tests__sample_invalid_model_index.yaml").read_text()
    card = tmp_path / "model"
    card.mkdir()
    # line 1 of the corpus file is a comment; the front matter opens on line 1 instead
    (card / "README.md").write_text("---\n" + body.split("\n", 1)[1] + "---\n\n# my-cool-model\n")
    assert main(["lint", str(card)]) == 1
    assert capsys.readouterr().out == (
        f"{card}/README.md:15:5: error missing-field `model-index[0].results[0]` has no `dataset`\n"
    )
