"""Input rules: a path or its bytes cannot be read as one plain YAML document.

The YAML loader (``evalledger.yamlsource``) and the path walker raise these; they are registered
here so that every id a user can see is documented.
"""
from __future__ import annotations

from evalledger.finding import ERROR
from evalledger.rule import Rule

YAML_SYNTAX = Rule("yaml-syntax", ERROR, "the file is not valid YAML", """\
Flags a YAML syntax error (bad indentation, an unclosed quote or bracket, a tab used for indent),
at the position where the parser gave up.

Why it matters: the Hub cannot read the file, so the score silently disappears from the
leaderboard — or, worse, a half-edited file keeps showing an old value.

Bad:
```yaml
- dataset:
    id: Idavidrein/gpqa
   task_id: diamond
```
Fixed:
```yaml
- dataset:
    id: Idavidrein/gpqa
    task_id: diamond
```""")

DUPLICATE_KEY = Rule("duplicate-key", ERROR, "a key appears twice in one mapping", """\
Flags the second occurrence of a key in the same mapping.

Why it matters: YAML loaders keep only the last value and drop the first without a word, so a
reviewer who reads the first `value:` line sees a different score from the one the Hub shows.
This is the cheapest way to hide a score edit in plain sight.

Bad:
```yaml
- dataset: {id: Idavidrein/gpqa, task_id: diamond}
  value: 41.2
  value: 71.0
```
Fixed:
```yaml
- dataset: {id: Idavidrein/gpqa, task_id: diamond}
  value: 71.0
```""")

YAML_UNSAFE_TAG = Rule("yaml-unsafe-tag", ERROR, "a YAML tag that safe loaders refuse (e.g. !!python/object)", """\
Flags explicit tags other than the standard YAML ones (`!!python/object`, `!!python/name`, custom
`!tags`).

Why it matters: result files are plain data. Safe loaders (the Hub's included) refuse such tags,
so the file is dropped; unsafe loaders would run code while reading someone else's results.

Bad:
```yaml
- value: !!python/object/apply:os.system ["echo 99"]
```
Fixed:
```yaml
- value: 71.0
```""")

YAML_DEPTH_LIMIT = Rule("yaml-depth-limit", ERROR, "nesting deeper than the loader's bound", """\
Flags a document nested deeper than the bound (64 levels; real files need fewer than 10).

Why it matters: deep nesting is how a hostile file exhausts a parser's stack; refusing it early
keeps the hook fast and crash-free on any input.

Bad:
```yaml
[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
```
Fixed: a flat list of result entries.""")

YAML_ALIAS_LIMIT = Rule("yaml-alias-limit", ERROR, "aliases expand to too many nodes (an alias bomb)", """\
Flags YAML aliases (`*name`) that expand to more than 10,000 nodes in total, and an alias inside
the collection it names (`&a {x: *a}`: a structure that contains itself).

Why it matters: a few lines of nested aliases ("billion laughs") expand to gigabytes; a reader
that follows them hangs or runs out of memory, and one that walks a recursive structure never
ends. No real result file needs aliases at all.

Bad:
```yaml
a: &a [x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
```
Fixed: write the entries out; do not use anchors and aliases.""")

YAML_MULTIPLE_DOCUMENTS = Rule("yaml-multiple-documents", ERROR, "more than one YAML document in a file", """\
Flags a second `---` document in a file that must hold exactly one.

Why it matters: most readers take only the first document, so entries after the `---` are
silently ignored — a reviewer sees scores the Hub never shows, or the other way round.

Bad:
```yaml
- dataset: {id: Idavidrein/gpqa, task_id: diamond}
  value: 71.0
---
- dataset: {id: TIGER-Lab/MMLU-Pro, task_id: mmlu_pro}
  value: 74.2
```
Fixed: one list holding both entries (or one file per benchmark).""")

FILE_TOO_LARGE = Rule("file-too-large", ERROR, "the file exceeds the size limit (--max-file-size)", """\
Flags a file larger than the limit (2 MiB by default; `--max-file-size` raises it), before reading
it: result files, benchmark specs and model cards (`README.md`) alike.

Why it matters: a result file is a few hundred bytes, a model card a few dozen kilobytes. A huge
one is a mistake (a log or a dataset committed into `.eval_results/`) or an attack on the tools
that read it.

Bad: a 50 MB `.eval_results/traces.yaml`; a 600 MB `README.md`.
Fixed: keep traces elsewhere and link them with `source.url`.""")

BINARY_FILE = Rule("binary-file", ERROR, "the file is binary (contains NUL bytes)", """\
Flags a file containing NUL bytes.

Why it matters: it is not a YAML text file (an image, an archive, a UTF-16 file); the Hub cannot
read it, and the score it was meant to carry does not appear.

Bad: a UTF-16 encoded `gpqa.yaml` saved by an editor.
Fixed: save the file as UTF-8.""")

NOT_UTF8 = Rule("not-utf8", ERROR, "the file is not valid UTF-8", """\
Flags the first byte that is not valid UTF-8.

Why it matters: YAML files on the Hub are read as UTF-8 (inspect_ai refuses others outright); a
Latin-1 `notes` or `source.name` makes the whole file unreadable.

Bad: `notes: "r\\xe9sum\\xe9"` saved as Latin-1.
Fixed: save the file as UTF-8.""")

PATH_NOT_FOUND = Rule("path-not-found", ERROR, "a path given on the command line does not exist", """\
Flags a path given on the command line that does not exist (exit code 2).

Why it matters: a typo in a hook's `files` or a CI script would otherwise lint nothing and pass.

Bad: `evalledger lint .eval_result/`
Fixed: `evalledger lint .eval_results/`""")

UNREADABLE_FILE = Rule("unreadable-file", ERROR,
                       "a file or folder cannot be read (permissions, I/O error, not a regular file)", """\
Flags a file that exists but cannot be read, a folder that cannot be listed, and a special file
(a FIFO, socket or device) where a file was expected (exit code 2). Special files are never
opened: reading a FIFO would wait forever.

Why it matters: a check that silently skips what it cannot read reports "clean" for files it never
saw.

Bad: `chmod 000 .eval_results/gpqa.yaml`; `mkfifo .eval_results/gpqa.yaml`
Fixed: make the file readable; commit a regular file.""")

SYMLINK_OUTSIDE_REPO = Rule("symlink-outside-repo", ERROR, "a symlink points outside the repository", """\
Flags a symlink, to a file or to a folder, whose target lies outside the repository being checked
(exit code 2); the target is not read. Symlinks that stay inside the repository are followed.

Why it matters: the Hub stores the link, not the target, so what the hook checked is not what is
published; and following links out of a checkout lets a crafted repo make the linter read any
file on the machine.

Bad: `.eval_results/gpqa.yaml -> /home/me/scores/gpqa.yaml`; `.eval_results -> /home/me/scores`
Fixed: commit the file itself.""")

POLICY_INVALID = Rule("policy-invalid", ERROR, "a benchmark policy file (.evalledger.yaml) is malformed", """\
Flags a malformed `.evalledger.yaml` beside a benchmark's `eval.yaml`: an unknown unit or
direction, a non-numeric bound, a section that is not a mapping.

Why it matters: the policy declares each task's unit and bounds; a broken policy silently falls
back to guessing, so a percent score on a fraction leaderboard is no longer caught.

Bad:
```yaml
tasks:
  diamond: {unit: percentage}
```
Fixed:
```yaml
tasks:
  diamond: {unit: percent}
```""")

RULES = [YAML_SYNTAX, DUPLICATE_KEY, YAML_UNSAFE_TAG, YAML_DEPTH_LIMIT, YAML_ALIAS_LIMIT,
         YAML_MULTIPLE_DOCUMENTS, FILE_TOO_LARGE, BINARY_FILE, NOT_UTF8, PATH_NOT_FOUND,
         UNREADABLE_FILE, SYMLINK_OUTSIDE_REPO, POLICY_INVALID]

# problems with the path itself rather than the file's content: the command exits 2 on these
UNREADABLE_RULES = frozenset({PATH_NOT_FOUND.id, UNREADABLE_FILE.id, SYMLINK_OUTSIDE_REPO.id})
