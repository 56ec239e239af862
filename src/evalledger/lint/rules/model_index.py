"""Rules specific to legacy `model-index` metadata in README.md front matter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalledger.finding import ERROR, WARNING
from evalledger.lint.places import BASE_MODEL_URL, MODEL_INDEX_DATASET_TYPE, MODEL_INDEX_METRIC, Check
from evalledger.rule import Rule

if TYPE_CHECKING:
    from evalledger.lint.context import Context
    from evalledger.yamlsource import Node

MODEL_INDEX_NOT_LIST = Rule(
    "model-index-not-list",
    ERROR,
    "`model-index` is not a non-empty list of models",
    """\
Flags a `model-index` that is not a non-empty list of `{name, results}` items — typically a
single mapping pasted without the leading `-`.

Why it matters: the Hub refuses such metadata on push, and huggingface_hub drops every result in
it ("Invalid model-index. Not loading eval results"), so the model card widget and anything
reading the card show no scores while the README looks fine.

Bad:
```yaml
model-index:
  name: my-model
  results: [...]
```
Fixed:
```yaml
model-index:
- name: my-model
  results: [...]
```""",
)

RULES = [MODEL_INDEX_NOT_LIST]

VERIFIED_WITHOUT_TOKEN = Rule(
    "verified-without-token",
    WARNING,
    "a metric says `verified: true` but has no `verifyToken`",
    """\
Flags a `model-index` metric that sets `verified: true` itself, without the `verifyToken` that
Hugging Face's evaluator adds to a result it ran.

Why it matters: `verified` is computed by the Hub from the token ("Automatically computed, do
not set"); an author's own `true` proves nothing, yet tools reading the card as written show it
as verified. A copied card keeps the `true` and drops the token.

Bad:
```yaml
    metrics:
    - type: rouge
      value: 41.2808
      verified: true
```
Fixed:
```yaml
    metrics:
    - type: rouge
      value: 41.2808
```""",
)

BASE_MODEL_RESULT = Rule(
    "base-model-result",
    WARNING,
    "a result's source is the base model's page or leaderboard entry",
    """\
Flags a result whose `source.url` points at the model the card names as its `base_model`: the
base model's Hub page, its Open LLM Leaderboard details, or a leaderboard query for it
(`?query=org/base-model`). Checked in `model-index` results and, when the repo's README.md
declares a `base_model`, in `.eval_results` entries.

Why it matters: the score was measured on the base model, not on this one. Quantized and
fine-tuned derivatives often carry their base model's results unchanged, so a 4-bit quant shows
the full-precision model's scores as its own.

Bad (`base_model: Qwen/Qwen2.5-7B-Instruct`):
```yaml
    source:
      url: https://huggingface.co/spaces/open-llm-leaderboard/open_llm_leaderboard?query=Qwen/Qwen2.5-7B-Instruct
```
Fixed: remove the result, or measure this model and link to that run.""",
)

LEGACY_DATASET_ID = Rule(
    "legacy-dataset-id",
    WARNING,
    "`dataset.type` is a dataset id the Hub has moved into a namespace",
    """\
Flags a `model-index` `dataset.type` that is one of the Hub's former top-level dataset ids whose
namespaced repo is known (`ai2_arc` is now `allenai/ai2_arc`, `hellaswag` is `Rowan/hellaswag`;
the table and its sources are in `evalledger/formats/legacy_datasets.py`). An id not in the table
is left alone: its namespace is never guessed. `lint --fix` writes the namespaced id (the same
dataset: the Hub redirects the old one).

Why it matters: `.eval_results` and the leaderboards need the namespaced id, so `migrate` cannot
move such a result until the card names the dataset the way the Hub now does; tools matching
datasets by id see two names for one benchmark.

Bad:
```yaml
    dataset:
      name: AI2 Reasoning Challenge (25-Shot)
      type: ai2_arc
```
Fixed:
```yaml
    dataset:
      name: AI2 Reasoning Challenge (25-Shot)
      type: allenai/ai2_arc
```""",
)

RULES += [VERIFIED_WITHOUT_TOKEN, BASE_MODEL_RESULT, LEGACY_DATASET_ID]

_HUB_HOSTS = ("huggingface.co", "www.huggingface.co", "hf.co")
_NOT_A_REPO = {
    "spaces",
    "datasets",
    "docs",
    "papers",
    "blog",
    "api",
    "models",
    "organizations",
    "collections",
    "settings",
    "join",
    "login",
    "pricing",
    "tasks",
    "learn",
    "posts",
}


def measured_on(url: str, bases: tuple[str, ...]) -> str | None:
    """Which of ``bases`` (repo ids) the url is about: its Hub page, its Open LLM Leaderboard
    details dataset, or a leaderboard query for it; None when it is about none of them."""
    from urllib.parse import parse_qsl, unquote, urlsplit

    wanted = {base.lower(): base for base in bases}
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if host in _HUB_HOSTS:
        segments = [unquote(s) for s in parts.path.split("/") if s]
        if segments[:1] == ["models"] or segments[:2] == ["api", "models"]:
            segments = segments[1:] if segments[0] == "models" else segments[2:]
        if len(segments) >= 2 and segments[0] not in _NOT_A_REPO:
            found = wanted.get(f"{segments[0]}/{segments[1]}".lower())
            if found:
                return found
        if len(segments) >= 3 and segments[0] == "datasets" and segments[2].startswith("details_"):
            found = wanted.get(segments[2][len("details_") :].replace("__", "/", 1).lower())
            if found:
                return found
    for text in (parts.query, parts.fragment):
        for _, value in parse_qsl(text):
            for candidate in value.replace(",", " ").split():
                found = wanted.get(candidate.strip().lower())
                if found:
                    return found
    return None


def check_base_model_source(ctx: Context, url_node: Node | None, bases: tuple[str, ...], where: str) -> None:
    """Report a source url about the base model (``url_node``: the url's scalar node)."""
    if not bases or url_node is None or url_node.kind != "scalar" or not isinstance(url_node.value, str):
        return
    base = measured_on(url_node.value, bases)
    if base is not None:
        ctx.report(
            BASE_MODEL_RESULT,
            url_node,
            f"`{where}` points at {base}, the card's base_model: the score was measured on {base}, not on this model",
        )


def check_legacy_dataset_type(ctx: Context, node: Node, where: str) -> None:
    """Report a `dataset.type` the Hub has moved (``node``: its scalar), with the rename as fix."""
    if node.kind != "scalar" or not isinstance(node.value, str) or "/" in node.value:
        return
    from evalledger.formats.legacy_datasets import namespaced

    known = namespaced(node.value)
    if known is None:
        return
    from evalledger.lint.edit import Edit, rename

    ctx.report(
        LEGACY_DATASET_ID,
        node,
        f"`{where}` {node.value!r} is the Hub's former id of {known!r}: write that"
        " (the same dataset; `.eval_results` and migrate need the namespaced id)",
        fix=Edit(node.line, node.column, rename(node.value, known), f"write {known}"),
    )


def check_verified(ctx: Context, metric: Node, where: str) -> None:
    """A self-set `verified: true` without the `verifyToken` the Hub computes it from."""
    verified = metric.get("verified")
    token = metric.get("verifyToken")
    if (
        verified is not None
        and verified.kind == "scalar"
        and verified.value is True
        and (token is None or (token.kind == "scalar" and token.value in (None, "")))
    ):
        ctx.report(
            VERIFIED_WITHOUT_TOKEN,
            verified,
            f"`{where}.verified` is true without a"
            " `verifyToken`: the Hub computes `verified` from the evaluator's token, so a"
            " self-set `true` proves nothing; remove it",
        )


CHECKS = (
    Check(MODEL_INDEX_METRIC, (VERIFIED_WITHOUT_TOKEN,), check_verified),
    Check(BASE_MODEL_URL, (BASE_MODEL_RESULT,), check_base_model_source),
    Check(MODEL_INDEX_DATASET_TYPE, (LEGACY_DATASET_ID,), check_legacy_dataset_type),
)
