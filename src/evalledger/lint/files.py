"""Which files to lint, as what kind, and whether they may be read at all.

Directories are searched for `.eval_results/**/*.y*ml` (results), `eval.y*ml` (benchmark specs)
and `README.md` (model-index front matter). A symlink is followed only when its target stays
inside the repository (the nearest parent holding `.git`, else the directory given).
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from functools import lru_cache

from evalledger.finding import ERROR, Finding
from evalledger.formats.model_index import front_matter  # noqa: F401 (re-exported)
from evalledger.formats.results import RESULTS_DIR
from evalledger.formats.spec import SPEC_FILE_NAMES
from evalledger.lint.rules.input import PATH_NOT_FOUND, SYMLINK_OUTSIDE_REPO

RESULTS, SPEC, MODEL_INDEX = "results", "spec", "model-index"
KINDS = (RESULTS, SPEC, MODEL_INDEX)
YAML_SUFFIXES = (".yaml", ".yml")
_SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".mypy_cache"}
# corpus-style names: <org>__<name>__<file>[@<rev>].yaml (a file of repo org/name, at rev)
_FLAT_NAME = re.compile(r"^(?P<org>[^_][^/]*?)__(?P<name>[^/]+?)__(?P<rest>[^/]+)$")


@dataclass(frozen=True)
class Target:
    path: str  # as shown in findings
    kind: str | None  # None: decide from the content


def kind_of(path: str) -> str | None:
    """The kind a path implies, or None when only its content can tell."""
    norm = path.replace(os.sep, "/")
    name = norm.rsplit("/", 1)[-1]
    lower = name.lower()
    if f"/{RESULTS_DIR}/" in f"/{norm}" and lower.endswith(YAML_SUFFIXES):
        return RESULTS
    if lower in SPEC_FILE_NAMES:
        return SPEC
    if lower.endswith(".md"):
        return MODEL_INDEX
    return None


def repo_key(path: str) -> str:
    """Which model repo (and snapshot) a results file belongs to, for duplicate detection:
    the directory above `.eval_results/`; for corpus-style names `<org>__<name>__<file>[@<rev>]`
    the repo org/name at that rev; else the file's directory."""
    directory, _, name = path.replace(os.sep, "/").rpartition("/")
    match = _FLAT_NAME.match(name)
    if match and f"/{RESULTS_DIR}" not in f"/{directory}":
        rev = match.group("rest").rsplit(".", 1)[0].partition("@")[2]
        return f"{_abs_dir(directory)}/{match.group('org')}/{match.group('name')}@{rev}"
    return _repo_dir(directory)


@lru_cache(maxsize=4096)
def _abs_dir(directory: str) -> str:
    return os.path.abspath(directory or ".").replace(os.sep, "/")


@lru_cache(maxsize=4096)
def _repo_dir(directory: str) -> str:
    norm = _abs_dir(directory) + "/"
    marker = f"/{RESULTS_DIR}/"
    return norm[:norm.index(marker)] if marker in norm else norm.rstrip("/")


_ROOTS: dict[str, str | None] = {}


def _repo_root(start: str) -> str | None:
    """Nearest directory at or above ``start`` holding `.git` (cached: asked once per directory)."""
    current = os.path.abspath(start)
    seen = []
    while current not in _ROOTS:
        seen.append(current)
        if os.path.exists(os.path.join(current, ".git")):
            _ROOTS[current] = current
            break
        parent = os.path.dirname(current)
        if parent == current:
            _ROOTS[current] = None
            break
        current = parent
    found = _ROOTS[current]
    for directory in seen:
        _ROOTS[directory] = found
    return found


def _outside(path: str, root: str) -> bool:
    target = os.path.realpath(path)
    real_root = os.path.realpath(root)
    return not (target == real_root or target.startswith(real_root.rstrip(os.sep) + os.sep))


def discover(paths: list[str], kind: str | None) -> tuple[list[Target], list[Finding]]:
    """Files to lint (sorted, each once) and path-level problems."""
    targets: dict[str, Target] = {}
    problems: list[Finding] = []
    for arg in paths:
        try:
            mode = os.lstat(arg).st_mode
        except OSError:
            problems.append(Finding(arg, 1, 1, PATH_NOT_FOUND.id, ERROR, "no such file or directory"))
            continue
        if stat.S_ISREG(mode):  # the common case (pre-commit passes file names): one stat
            targets.setdefault(arg, Target(arg, kind or kind_of(arg)))
            continue
        if stat.S_ISDIR(mode):
            root = _repo_root(arg) or os.path.abspath(arg)
            for found in _walk(arg):
                found_kind = kind_of(found)
                if kind is not None:
                    # an explicit kind takes every YAML (and, for model-index, Markdown) file
                    name = os.path.basename(found).lower()
                    wanted = YAML_SUFFIXES + ((".md",) if kind == MODEL_INDEX else ())
                    if found_kind == kind or (name.endswith(wanted) and not name.startswith(".")
                                              and found_kind is None):
                        found_kind = kind
                    else:
                        continue
                elif found_kind is None:
                    continue
                if os.path.islink(found) and _outside(found, root):
                    problems.append(_symlink_problem(found))
                    continue
                targets.setdefault(found, Target(found, found_kind))
            continue
        root = _repo_root(os.path.dirname(os.path.abspath(arg))) or os.path.dirname(os.path.abspath(arg))
        if os.path.islink(arg) and _outside(arg, root):
            problems.append(_symlink_problem(arg))
            continue
        if os.path.isdir(arg):  # a symlink to a directory inside the repo
            sub, more = discover([os.path.join(arg, name) for name in sorted(os.listdir(arg))], kind)
            for target in sub:
                if target.kind is not None:
                    targets.setdefault(target.path, target)
            problems.extend(p for p in more if p.rule != PATH_NOT_FOUND.id)
            continue
        targets.setdefault(arg, Target(arg, kind or kind_of(arg)))
    return sorted(targets.values(), key=lambda t: t.path), problems


def _symlink_problem(path: str) -> Finding:
    return Finding(path, 1, 1, SYMLINK_OUTSIDE_REPO.id, ERROR,
                   f"symlink points outside the repository ({os.readlink(path)}); not read:"
                   " commit the file itself")


def _walk(top: str):
    for directory, dirs, files in os.walk(top):
        in_results = f"/{RESULTS_DIR}" in "/" + directory.replace(os.sep, "/")
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and
                         (not d.startswith(".") or d == RESULTS_DIR or in_results))
        for name in sorted(files):
            path = os.path.join(directory, name)
            yield path[2:] if path.startswith("./") else path  # `lint .` shows plain relative paths
