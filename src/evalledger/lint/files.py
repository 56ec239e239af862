"""Which files to lint, as what kind, and whether they may be read at all.

Directories are searched for `.eval_results/**/*.y*ml` (results), `eval.y*ml` (benchmark specs)
and `README.md` (model-index front matter). A symlink, to a file or a directory, is followed only
when its target stays inside the repository (the nearest parent holding `.git`, else the directory
given); special files (FIFOs, sockets, devices) are reported, never opened.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from evalledger.finding import Finding
from evalledger.formats.results import MAX_RESULT_FILES, RESULTS_DIR
from evalledger.formats.spec import SPEC_FILE_NAMES
from evalledger.lint.rules.input import PATH_NOT_FOUND, SYMLINK_OUTSIDE_REPO, UNREADABLE_FILE
from evalledger.yamlsource import special_file as _special_file

#: defined beside the one file reader (``yamlsource.read_file``); the walk asks it of what it lists
special_file = _special_file

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
    return norm[: norm.index(marker)] if marker in norm else norm.rstrip("/")


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


def repository_root(directory: str) -> str | None:
    """The nearest folder at or above ``directory`` holding `.git`, or None outside a repository."""
    return _repo_root(directory)


def containment_root(path: str) -> str:
    """What nothing reached from ``path`` may leave: the repository holding it (the nearest parent
    with `.git`, found lexically, so a link to elsewhere does not move it), else ``path`` itself."""
    return _repo_root(path) or os.path.abspath(path)


def is_outside(path: str, root: str) -> bool:
    """``path``, links resolved, is neither ``root`` nor below it."""
    return _outside(path, root)


def special_problem(path: str, what: str) -> Finding:
    return Finding(path, 1, 1, UNREADABLE_FILE.id, UNREADABLE_FILE.severity, f"{what}, not a regular file; not read")


def _near_miss(name: str) -> bool:
    """`.eval-results`, `eval_results`, `.eval_result`, `.Eval_Results`: meant as .eval_results/."""
    return name != RESULTS_DIR and re.sub(r"[^a-z]", "", name.lower()) in _NEAR_NAMES


_NEAR_NAMES = {"evalresults", "evalresult", "evalsresults", "evaluationresults"}


def _holds_yaml(directory: str, depth: int = 0) -> bool:
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.lower().endswith(YAML_SUFFIXES):
                    return True
                if depth < 1 and entry.is_dir(follow_symlinks=False) and _holds_yaml(entry.path, depth + 1):
                    return True
    except OSError:
        pass
    return False


def _wanted(found: str, kind: str | None) -> str | None:
    """The kind a walked file is linted as, or None to leave it alone."""
    found_kind = kind_of(found)
    if kind is None:
        return found_kind
    # an explicit kind takes every YAML (and, for model-index, Markdown) file
    name = os.path.basename(found).lower()
    wanted = YAML_SUFFIXES + ((".md",) if kind == MODEL_INDEX else ())
    if found_kind == kind or (name.endswith(wanted) and not name.startswith(".") and found_kind is None):
        return kind
    return None


def discover(
    paths: list[str], kind: str | None, near_misses: list[str] | None = None
) -> tuple[list[Target], list[Finding]]:
    """Files to lint (sorted, each once) and path-level problems.

    Nothing outside the repository is read: a symlink (to a file or a directory) whose target
    leaves it is reported instead. Special files (FIFOs, sockets, devices) are reported and never
    opened. ``near_misses`` collects folders that look meant as `.eval_results/` and hold YAML."""
    targets: dict[str, Target] = {}
    problems: list[Finding] = []

    for arg in paths:
        try:
            mode = os.lstat(arg).st_mode
        except OSError:
            problems.append(Finding(arg, 1, 1, PATH_NOT_FOUND.id, PATH_NOT_FOUND.severity, "no such file or directory"))
            continue
        if stat.S_ISREG(mode):  # the common case (pre-commit passes file names): one stat
            targets.setdefault(arg, Target(arg, kind or kind_of(arg)))
            continue
        if stat.S_ISDIR(mode):
            _discover_dir(arg, _repo_root(arg) or os.path.abspath(arg), kind, targets, problems, near_misses)
            continue
        parent = os.path.dirname(os.path.abspath(arg))
        root = _repo_root(parent) or parent
        if stat.S_ISLNK(mode):
            if _outside(arg, root):
                problems.append(_symlink_problem(arg))
                continue
            try:
                mode = os.stat(arg).st_mode
            except OSError:  # a dangling link: reading it reports the error
                mode = stat.S_IFREG
            if stat.S_ISDIR(mode):  # a symlink to a directory inside the repo
                _discover_dir(arg, root, kind, targets, problems, near_misses)
                continue
        what = special_file(mode)
        if what:
            problems.append(special_problem(arg, what))
            continue
        targets.setdefault(arg, Target(arg, kind or kind_of(arg)))
    return sorted(targets.values(), key=lambda t: t.path), problems


def _discover_dir(
    top: str,
    root: str,
    kind: str | None,
    targets: dict[str, Target],
    problems: list[Finding],
    near_misses: list[str] | None,
) -> None:
    """``discover`` for one directory given (or reached through a symlink given)."""
    if near_misses is not None and _near_miss(os.path.basename(os.path.normpath(top))) and _holds_yaml(top):
        near_misses.append(top.rstrip("/" + os.sep) + "/")
    for found, mode, linked in _walk(top, root, problems, near_misses):
        found_kind = _wanted(found, kind)
        if found_kind is None:
            continue
        if linked and _outside(found, root):
            problems.append(_symlink_problem(found))
        elif mode is not None and special_file(mode):
            problems.append(special_problem(found, special_file(mode) or ""))
        else:
            targets.setdefault(found, Target(found, found_kind))


def _symlink_problem(path: str, directory: bool = False) -> Finding:
    what, fix = ("symlinked directory", "the files themselves") if directory else ("symlink", "the file itself")
    return Finding(
        path,
        1,
        1,
        SYMLINK_OUTSIDE_REPO.id,
        SYMLINK_OUTSIDE_REPO.severity,
        f"{what} points outside the repository ({os.readlink(path)}); not read: commit {fix}",
    )


def _skip_dir(name: str, in_results: bool) -> bool:
    return name in _SKIP_DIRS or (name.startswith(".") and name != RESULTS_DIR and not in_results)


def _walk(
    top: str, root: str, problems: list[Finding], near_misses: list[str] | None
) -> Iterator[tuple[str, int | None, bool]]:
    """(path, mode or None when unknown, is a symlink) of the files below ``top``, sorted by
    directory. Symlinked directories are followed only when they stay inside ``root`` (and do not
    loop back to a directory being walked); one leaving it is reported. An unreadable directory is
    reported, not skipped."""
    pending: list[tuple[str, tuple[str, ...]]] = [(top, (os.path.realpath(top),))]
    while pending:
        directory, reals = pending.pop()
        shown_dir = directory[2:] if directory.startswith("./") else directory
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            problems.append(
                Finding(
                    shown_dir,
                    1,
                    1,
                    UNREADABLE_FILE.id,
                    UNREADABLE_FILE.severity,
                    f"cannot read directory: {exc.strerror or exc}",
                )
            )
            continue
        in_results = f"/{RESULTS_DIR}" in "/" + directory.replace(os.sep, "/")
        subdirs = []
        for entry in entries:
            path = os.path.join(directory, entry.name)
            shown = path[2:] if path.startswith("./") else path  # `lint .` shows plain relative paths
            try:
                if entry.is_dir(follow_symlinks=False):
                    if near_misses is not None and _near_miss(entry.name) and _holds_yaml(path):
                        near_misses.append(shown + "/")
                    if not _skip_dir(entry.name, in_results):
                        subdirs.append((path, reals + (reals[-1] + os.sep + entry.name,)))
                    continue
                if entry.is_file(follow_symlinks=False):
                    yield shown, stat.S_IFREG, False
                    continue
                if not entry.is_symlink():
                    yield shown, entry.stat(follow_symlinks=False).st_mode, False
                    continue
                try:
                    mode: int | None = os.stat(path).st_mode
                except OSError:
                    mode = None  # dangling: reading it reports why
                if mode is None or not stat.S_ISDIR(mode):
                    yield shown, mode, True
                    continue
            except OSError as exc:  # vanished or unreadable while listing
                problems.append(
                    Finding(
                        shown, 1, 1, UNREADABLE_FILE.id, UNREADABLE_FILE.severity, f"cannot read: {exc.strerror or exc}"
                    )
                )
                continue
            linked_dir = _linked_dir(path, shown, entry.name, root, reals, in_results, problems, near_misses)
            if linked_dir is not None:
                subdirs.append(linked_dir)
        pending.extend(reversed(subdirs))


def _linked_dir(
    path: str,
    shown: str,
    name: str,
    root: str,
    reals: tuple[str, ...],
    in_results: bool,
    problems: list[Finding],
    near_misses: list[str] | None,
) -> tuple[str, tuple[str, ...]] | None:
    """A symlinked directory met by ``_walk``: (path, real paths down to it) when it is walked."""
    if near_misses is not None and _near_miss(name) and _holds_yaml(path):
        near_misses.append(shown + "/")
    if _skip_dir(name, in_results):
        return None
    if _outside(path, root):
        problems.append(_symlink_problem(shown, directory=True))
        return None
    real = os.path.realpath(path)
    if any(r == real or r.startswith(real.rstrip(os.sep) + os.sep) for r in reals):
        return None  # loops back to a directory being walked: its files are read there
    return path, reals + (real,)


def repo_context(
    paths: list[str], max_bytes: int, notes: list[str] | None = None
) -> tuple[list[tuple[str, bytes | None]], list[str]]:
    """The other result files of the repos ``paths`` (result files) belong to, for the cross-file
    rules of a hook that is handed only the changed files: ``(staged, on_disk)``.

    In a git work tree they are read as staged (the index: what the commit will hold, not an
    unstaged edit or an untracked file): ``staged`` holds (path, content; None when over
    ``max_bytes``). Outside one, ``on_disk`` lists them in the working tree (found by the same walk
    as directories, so links out of the repo and special files are never read). Paths are shown
    like ``paths`` (`.eval_results/x.yaml`, or `models/m/.eval_results/x.yaml`).

    A repo with more than ``MAX_RESULT_FILES`` other result files adds none (nothing of them is
    read; the files given are linted as usual) and says so in ``notes``: the hook of a commit
    that changes one file must not read 100,000."""
    given = {os.path.normpath(path) for path in paths}
    prefixes = []
    for path in paths:
        norm = "/" + path.replace(os.sep, "/")
        marker = f"/{RESULTS_DIR}/"
        if marker in norm:
            prefix = norm[1 : norm.index(marker) + 1]  # "" or "models/m/"
            if prefix not in prefixes:
                prefixes.append(prefix)
    staged: list[tuple[str, bytes | None]] = []
    on_disk: list[str] = []
    for prefix in prefixes:
        where = prefix or "."
        if not os.path.isdir(where):
            continue
        from evalledger import git

        def wanted(rel: str, prefix: str = prefix) -> bool:
            return rel.lower().endswith(YAML_SUFFIXES) and os.path.normpath(prefix + rel) not in given

        try:
            found = git.index_blobs(where, [RESULTS_DIR], max_bytes, wanted, max_files=MAX_RESULT_FILES)
        except git.LimitExceeded as exc:
            _context_skipped(notes, prefix, str(exc))
            continue
        except (git.GitError, OSError):  # not a git work tree (or no git): the files on disk
            folder = os.path.join(prefix, RESULTS_DIR)
            targets = discover([folder], RESULTS)[0] if os.path.isdir(folder) else []
            others = [t.path for t in targets if os.path.normpath(t.path) not in given]
            if len(others) > MAX_RESULT_FILES:
                _context_skipped(notes, prefix, f"{len(others):,} files, over the limit of {MAX_RESULT_FILES:,}")
            else:
                on_disk += others
            continue
        staged += [(prefix + rel, data) for rel, data in found]
    return staged, on_disk


def _context_skipped(notes: list[str] | None, prefix: str, why: str) -> None:
    if notes is not None:
        notes.append(
            f"the other result files of {prefix + RESULTS_DIR}/ were not read for the checks across files "
            f"(duplicate-entry, value-scale-mismatch): {why}; the files given were linted as usual"
        )
