"""Rules on an entry's ``source`` (the evidence behind a score)."""

from __future__ import annotations

from evalledger.finding import ERROR
from evalledger.lint.context import Context
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


def check_source_url(source: Node, ctx: Context, where: str = "source") -> bool:
    """True when the url is present and non-empty (its type is checked by the caller)."""
    url = source.get("url")
    if url is None or (url.kind == "scalar" and (url.value is None or url.value == "")):
        target = url if url is not None else source
        ctx.report(
            SOURCE_WITHOUT_URL,
            target,
            f"`{where}` needs a `url` linking to the evidence"
            " (paper, model card, logs); huggingface_hub rejects a source without one",
        )
        return False
    return True
