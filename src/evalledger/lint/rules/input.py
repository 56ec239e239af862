"""Input rules: a path or its bytes cannot be read as one plain YAML document.

Each rule is defined by the layer that raises it: the YAML loader's and the file reader's
(``unreadable-file``) in ``evalledger.yamlsource``,
the benchmark policy's in ``evalledger.policy``, the path walker's here; all are registered here
so that every id a user can see is documented.
"""

from __future__ import annotations

from evalledger import yamlsource
from evalledger.finding import ERROR
from evalledger.policy import POLICY_INVALID
from evalledger.rule import Rule
from evalledger.yamlsource import (
    BINARY_FILE,
    DUPLICATE_KEY,
    FILE_TOO_LARGE,
    NOT_UTF8,
    YAML_ALIAS_LIMIT,
    YAML_DEPTH_LIMIT,
    YAML_MULTIPLE_DOCUMENTS,
    YAML_SYNTAX,
    YAML_UNSAFE_TAG,
)

#: defined beside the one file reader (``yamlsource.read_file``), which every command uses; lint's
#: modules take it from here with the other input rules
UNREADABLE_FILE = yamlsource.UNREADABLE_FILE

PATH_NOT_FOUND = Rule(
    "path-not-found",
    ERROR,
    "a path given on the command line does not exist",
    """\
Flags a path given on the command line that does not exist (exit code 2).

Why it matters: a typo in a hook's `files` or a CI script would otherwise lint nothing and pass.

Bad: `evalledger lint .eval_result/`
Fixed: `evalledger lint .eval_results/`""",
)

SYMLINK_OUTSIDE_REPO = Rule(
    "symlink-outside-repo",
    ERROR,
    "a symlink points outside the repository",
    """\
Flags a symlink, to a file or to a folder, whose target lies outside the repository being checked
(exit code 2); the target is not read. Symlinks that stay inside the repository are followed.

Why it matters: the Hub stores the link, not the target, so what the hook checked is not what is
published; and following links out of a checkout lets a crafted repo make the linter read any
file on the machine.

Bad: `.eval_results/gpqa.yaml -> /home/me/scores/gpqa.yaml`; `.eval_results -> /home/me/scores`
Fixed: commit the file itself.""",
)

RULES = [
    YAML_SYNTAX,
    DUPLICATE_KEY,
    YAML_UNSAFE_TAG,
    YAML_DEPTH_LIMIT,
    YAML_ALIAS_LIMIT,
    YAML_MULTIPLE_DOCUMENTS,
    FILE_TOO_LARGE,
    BINARY_FILE,
    NOT_UTF8,
    PATH_NOT_FOUND,
    UNREADABLE_FILE,
    SYMLINK_OUTSIDE_REPO,
    POLICY_INVALID,
]

# problems with the path itself rather than the file's content: the command exits 2 on these
UNREADABLE_RULES = frozenset({PATH_NOT_FOUND.id, UNREADABLE_FILE.id, SYMLINK_OUTSIDE_REPO.id})
