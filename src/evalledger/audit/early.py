"""The whole-history walk, started before the audit's heavy imports (YAML, rules, reports).

Python takes tens of milliseconds to import the audit; git can walk meanwhile. Imports only
evalledger.git, so starting it costs little. Used when the whole history of one repo is
audited from its work tree root; anything unusual (a range, a shallow clone, GIT_DIR) leaves
the engine to start its own walk.
"""

from __future__ import annotations

import os
from pathlib import Path

from evalledger import git

#: the walked paths, as in evalledger.audit.sources.WALK_PATHS (a test keeps them equal)
PATHS = (".eval_results", "README.md")


class EarlyWalk:
    """Two walks of HEAD's history, one per path (see engine._Walk for why two)."""

    def __init__(self, start: Path) -> None:
        self.root = start.resolve()
        self.results = git.ChangeStream(start, ["HEAD"], (PATHS[0],), oldest_first=False)
        self.readme = git.ChangeStream(start, ["HEAD"], (PATHS[1],), oldest_first=False)

    def close(self) -> None:
        self.results.close()
        self.readme.close()


def start(repo: str, rev_range: str | None, write_commit_graph: bool) -> EarlyWalk | None:
    if rev_range is not None or write_commit_graph:
        return None
    dot = Path(repo) / ".git"
    if (
        not (dot / "HEAD").is_file()
        or (dot / "shallow").exists()
        or any(name in os.environ for name in ("GIT_DIR", "GIT_WORK_TREE"))
    ):
        return None
    return EarlyWalk(Path(repo))
