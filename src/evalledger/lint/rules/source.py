"""Rules on an entry's ``source`` (the evidence behind a score)."""

from __future__ import annotations

from evalledger.finding import ERROR
from evalledger.lint.context import Context
from evalledger.lint.places import SOURCE, Check
from evalledger.rule import Rule
from evalledger.yamlsource import Node

SOURCE_WITHOUT_URL = Rule(
    "source-without-url",
    ERROR,
    "`source` is given without `source.url`",
    """\
Flags a `source` mapping without a non-empty `url` (in results entries and in `model-index`
results).

Why it matters: a source name without a link ("Model Card", "Our paper") looks like evidence on
the leaderboard but cannot be checked. huggingface_hub rejects it (`ValueError`), so the entry is
dropped.

Bad:
```yaml
  source:
    name: Model Card
```
Fixed:
```yaml
  source:
    url: https://huggingface.co/my-org/my-model
    name: Model Card
```""",
)

RULES = [SOURCE_WITHOUT_URL]


def url_given(source: Node) -> bool:
    """Whether a `source` mapping has a non-empty `url` (of any type: wrong-type says more)."""
    url = source.get("url")
    return not (url is None or (url.kind == "scalar" and (url.value is None or url.value == "")))


def check_source_url(ctx: Context, source: Node, where: str) -> None:
    if not url_given(source):
        url = source.get("url")
        target = url if url is not None else source
        ctx.report(
            SOURCE_WITHOUT_URL,
            target,
            f"`{where}` needs a `url` linking to the evidence"
            " (paper, model card, logs); huggingface_hub rejects a source without one",
        )


CHECKS = (Check(SOURCE, (SOURCE_WITHOUT_URL,), check_source_url),)
