"""Rules specific to legacy `model-index` metadata in README.md front matter."""
from __future__ import annotations

from evalledger.finding import ERROR
from evalledger.rules import Rule

MODEL_INDEX_NOT_LIST = Rule("model-index-not-list", ERROR, "`model-index` is not a non-empty list of models", """\
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
```""")

RULES = [MODEL_INDEX_NOT_LIST]
