"""Rules about rule selection itself: suppression comments and the config (``evalledger.selection``)."""

from __future__ import annotations

from evalledger.finding import ERROR, WARNING
from evalledger.rule import Rule

UNUSED_SUPPRESSION = Rule(
    "unused-suppression",
    WARNING,
    "an `# evalledger: ignore[...]` comment that suppresses nothing",
    """\
Flags a rule id in a suppression comment that suppressed no finding in this run: on the comment's
line (a comment at the end of a line), or in the file (a comment alone on a line before the
file's first content, or the front matter's in a README.md). Also flags a malformed comment
(`# evalledger: ignore` without rule ids, `# evalledger: disable[...]`), which suppresses nothing.
A comment naming a rule the run does not select (`--select`, `--ignore`, the config) is not
flagged: it may matter to a run with other options.

Why it matters: a suppression outlives the problem it was written for; left in place it would
silently hide the next, real problem of that kind on that line. A comment alone on a line in the
middle of a file applies to that line only, so it hides nothing and the finding it was meant for
is still reported.

Bad (the value was fixed, the suppression stayed):
```yaml
- dataset: {id: Idavidrein/gpqa, task_id: diamond}
  value: 71.0  # evalledger: ignore[value-not-number]
```
Fixed:
```yaml
- dataset: {id: Idavidrein/gpqa, task_id: diamond}
  value: 71.0
```""",
)

RULE_ID_UNKNOWN = Rule(
    "rule-id-unknown",
    WARNING,
    "a suppression comment or the config names a rule id that does not exist",
    """\
Flags a rule id (or prefix) in an `# evalledger: ignore[...]` comment, or in `select`, `ignore` or
`per-file-ignores` of `[tool.evalledger]` in `pyproject.toml` or of the `lint:` section of
`.evalledger.yaml`, that names no rule of any evalledger command, with a "did you mean". A rule
id that was renamed keeps working (docs/rules.md lists the redirects). On the command line
(`--select`, `--ignore`) the same mistake is a warning on stderr.

Why it matters: a misspelt id suppresses nothing, so the finding it was meant to hide is still
reported, or, in `select`, the rule meant to run does not.

Bad:
```yaml
  date: 2026-01-15  # evalledger: ignore[date-unqouted]
```
Fixed:
```yaml
  date: 2026-01-15  # evalledger: ignore[date-unquoted]
```""",
)

CONFIG_INVALID = Rule(
    "config-invalid",
    ERROR,
    "the `[tool.evalledger]` section of pyproject.toml is malformed",
    """\
Flags a `pyproject.toml` at the linted repository's root that mentions evalledger but cannot be
read as TOML, and a `[tool.evalledger]` section with an unknown key or a value that is not a list
of rule ids. (The same problems in the `lint:` section of `.evalledger.yaml` are
`policy-invalid`.) Always reported, whatever `--select` and `--ignore` say.

Why it matters: the section decides which rules run; one that cannot be read would silently run
the default rules instead of the ones the repository chose.

Bad:
```toml
[tool.evalledger]
ignore = {rule = "unknown-key"}
per-file-ignore = {"legacy/*" = ["legacy-dataset-field"]}
```
Fixed:
```toml
[tool.evalledger]
ignore = ["unknown-key"]
per-file-ignores = {"legacy/*" = ["legacy-dataset-field"]}
```""",
)

RULES = [UNUSED_SUPPRESSION, RULE_ID_UNKNOWN, CONFIG_INVALID]
