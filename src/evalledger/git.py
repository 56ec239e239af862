"""The one place that talks to git.

Everything else receives plain data (paths, blobs, commits). We shell out to the git binary: it is
what users have, it reads commit-graph Bloom filters, and one long-lived ``cat-file --batch``
process serves thousands of blobs (GitPython spawns a process for most calls and is several times
slower on history walks; see AUDIT.md §3.1).
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# never let a user's git config or hooks change what we read or write
_BASE_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}


class GitError(Exception):
    """A git command failed; message carries git's own stderr."""

    def __init__(self, args: Sequence[str], returncode: int, stderr: str) -> None:
        self.args_ = list(args)
        self.returncode = returncode
        self.stderr = stderr.strip()
        super().__init__(f"git {' '.join(args)}: {self.stderr or f'exit {returncode}'}")


_GIT: tuple[str | None, str] = (None, "git")


class LimitExceeded(Exception):
    """What a repository would make us fetch or read is over a bound (the message names it and
    the limit)."""


#: folders a tree listing (``tree_files``, ``ls_tree``) enters below where it starts: each level
#: is one more round trip to git and lengthens every path below it; real layouts use one or two
MAX_TREE_DEPTH = 32
#: characters of one listed path: Linux's PATH_MAX (4,096 bytes), beyond which a path cannot even
#: be checked out; with the bound on how many paths a listing holds, it bounds the listing's memory
MAX_PATH_LENGTH = 4096
#: memory (RLIMIT_DATA, Linux) of a git process that lists the changes of commits: git holds every
#: changed path of a commit before printing the first (a crafted tree of a few KB lists billions,
#: about 350 bytes each), and a real walk of a long history needs tens of MiB. Elsewhere unbounded
MAX_WALK_MEMORY = 512 * 1024 * 1024
#: bytes git prints for one changed path in ``log --raw -z`` besides the path (modes, two object
#: ids of up to 64 hex digits, the status, separators), rounded up
_CHANGE_OVERHEAD = 160


def git_binary() -> str:
    """git as a PATH search finds it, resolved once per PATH value: exec'ing the full path skips
    the failed execs of the search (a fraction of a millisecond per git process; a PR-sized
    audit starts a handful). Falls back to "git" (the search) for relative PATH entries."""
    global _GIT  # noqa: PLW0603 -- one resolved binary per process, replaced when PATH changes
    search = os.environ.get("PATH", os.defpath)
    if _GIT[0] != search:
        found = "git"
        for folder in search.split(os.pathsep):
            if not os.path.isabs(folder):
                break
            candidate = os.path.join(folder, "git")
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                found = candidate
                break
        _GIT = (search, found)
    return _GIT[1]


_VERSION: dict[str, tuple[int, ...]] = {}


def git_version() -> tuple[int, ...]:
    """(major, minor, patch) of ``git_binary()``, asked once per binary; (0,) when unreadable."""
    binary = git_binary()
    if binary not in _VERSION:
        try:
            text = run_text(["version"]).split()[2]
            _VERSION[binary] = tuple(int(part) for part in text.split(".")[:3] if part.isdigit())
        except (GitError, OSError, IndexError, ValueError):
            _VERSION[binary] = (0,)
    return _VERSION[binary]


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment git runs with: the process environment (read afresh, so a variable set
    or removed since is seen), our fixed settings, then ``extra``. Copying the environment costs
    microseconds; starting git costs a millisecond."""
    env = os.environ.copy()
    env.update(_BASE_ENV)
    if extra:
        env.update(extra)
    return env


def config_env(pairs: Sequence[tuple[str, str]], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Git configuration as environment variables (``GIT_CONFIG_COUNT``, ``GIT_CONFIG_KEY_<n>``,
    ``GIT_CONFIG_VALUE_<n>``, git >= 2.31), appended after any the environment already sets:
    unlike ``-c`` it is not on the command line (which ``ps`` shows to every user), and unlike a
    repository's config it is written nowhere. For secrets (an auth header)."""
    env = os.environ if environ is None else environ
    try:
        start = max(int(env.get("GIT_CONFIG_COUNT", "0")), 0)
    except ValueError:
        start = 0
    out = {"GIT_CONFIG_COUNT": str(start + len(pairs))}
    for i, (key, value) in enumerate(pairs, start=start):
        out[f"GIT_CONFIG_KEY_{i}"] = key
        out[f"GIT_CONFIG_VALUE_{i}"] = value
    return out


# --- starting git: the one place a git process is created -------------------------------------

_LIVE: weakref.WeakSet[subprocess.Popen[bytes]] = weakref.WeakSet()  # started and not yet reaped
_LIVE_LOCK = threading.Lock()
_HELD = threading.local()  # fds the git processes this thread starts inherit (see ``holding``)
#: how long a git process may take to clean up (remove its lock files) after SIGTERM before the
#: group is killed
END_GRACE = 3.0


def start(
    args: Sequence[str],
    cwd: str | os.PathLike[str] | None = None,
    *,
    stdin: Any = subprocess.DEVNULL,
    stdout: Any = subprocess.PIPE,
    stderr: Any = subprocess.PIPE,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``git args`` (the binary ``git_binary`` finds, the environment ``git_env`` builds).
    Every git process evalledger runs starts here.

    Each leads a process group of its own: ending it on a timeout (``end_group``) also ends what
    it started -- git-remote-http, ssh, index-pack, a local upload-pack -- instead of orphaning
    them. It never has a controlling terminal, so a prompt (an ssh passphrase) fails at once,
    where a background group reading the terminal would stop until the timeout: when this
    process has a terminal, git leads a session of its own (which has none); when it has none
    (CI, a hook without a terminal, a benchmark), nothing in its session can open one, and git
    only leads a group in it (see ``_apart``)."""
    if _ENDING:
        raise GitError(args, -signal.SIGTERM, "interrupted: not starting git")
    proc = subprocess.Popen(
        [git_binary(), *args],
        cwd=cwd,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        env=git_env(env),
        pass_fds=tuple(getattr(_HELD, "fds", ())),
        **_apart(),
    )
    with _LIVE_LOCK:
        _LIVE.add(proc)
        ending = _ending()  # read again: end_all may have run meanwhile
    if ending:  # end_all ran while this one was starting
        _signal_group(proc.pid, signal.SIGTERM)
    return proc


def _apart() -> dict[str, Any]:
    """How ``start`` sets a git process apart: its own session while this process has a
    controlling terminal (or Python < 3.11 cannot start a group without ``preexec_fn``), else its
    own process group in this session. Both end with ``end_group``; neither can prompt. Not
    always a session because each new session is a scheduler group of its own (Linux autogroup,
    on by default), and a new group waits behind every other session's load before it first
    runs: on a loaded 2-core machine a short git process took 2.9 ms on average in a session of
    its own and 1.7 ms in a group (p90 6.9 and 3.7 ms; `benchmarks/audit_history.py` counts
    several such waits in a PR-sized audit)."""
    if sys.version_info >= (3, 11) and not _has_terminal():
        return {"process_group": 0}
    return {"start_new_session": True}


def _has_terminal() -> bool:
    """Whether this process has a controlling terminal (asked afresh: a few microseconds)."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError:  # ENXIO: no controlling terminal (EACCES, EIO: none git could use either)
        return False
    os.close(fd)
    return True


def limit_memory(proc: subprocess.Popen[bytes], max_bytes: int) -> None:
    """Bound the memory ``proc`` may allocate (RLIMIT_DATA: its heap and private writable maps,
    not the packs git maps read-only); past it, git fails with "out of memory". Set as soon as
    git runs, before it reads anything of the repository. Linux only (``prlimit``)."""
    try:
        import resource
    except ImportError:  # not POSIX
        return
    prlimit = getattr(resource, "prlimit", None)
    if prlimit is not None:
        try:
            prlimit(proc.pid, resource.RLIMIT_DATA, (max_bytes, max_bytes))
        except (OSError, ValueError):  # already exited, or a limit the system will not lower to
            pass


def _reaped(proc: subprocess.Popen[bytes]) -> None:
    with _LIVE_LOCK:
        _LIVE.discard(proc)


@contextmanager
def holding(fd: int) -> Iterator[None]:
    """Git processes this thread starts meanwhile inherit ``fd`` (an open, flock-ed file): the
    lock is then held until the last of them exits, even if this process dies first, so a lock
    that can be taken proves that no git process of an earlier run is still at work."""
    previous = getattr(_HELD, "fds", ())
    _HELD.fds = (*previous, fd)
    try:
        yield
    finally:
        _HELD.fds = previous


def end_group(proc: subprocess.Popen[bytes], grace: float = END_GRACE) -> None:
    """End ``proc`` and everything in its process group: SIGTERM first (git removes its lock
    files on it), SIGKILL for whatever is left after ``grace`` seconds; then reap ``proc``.

    The leader is not reaped before the final SIGKILL, so its process group id cannot have been
    reused by then."""
    if proc.returncode is None:
        _signal_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        waitid = getattr(os, "waitid", None)  # macOS before Python 3.13 has none
        while time.monotonic() < deadline:
            try:  # exited? (WNOWAIT: do not reap it yet)
                if waitid is None:
                    proc.wait(max(0.0, deadline - time.monotonic()))
                    break
                if waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                    break
            except (ChildProcessError, subprocess.TimeoutExpired):
                break
            time.sleep(0.02)
        _signal_group(proc.pid, signal.SIGKILL)  # what is left of the group, the leader included
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            try:
                stream.close()
            except OSError:
                pass
    proc.wait()
    _reaped(proc)


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def end_all() -> None:
    """SIGTERM every git process group still running, and refuse to start more (``GitError``)
    until ``ending_on_signals`` exits: the processes are in groups of their own, so a Ctrl-C or
    a SIGTERM sent to ours does not reach them."""
    global _ENDING  # noqa: PLW0603 -- one flag per process, under _LIVE_LOCK
    with _LIVE_LOCK:
        _ENDING = True
        running = [proc for proc in _LIVE if proc.returncode is None]
    for proc in running:
        _signal_group(proc.pid, signal.SIGTERM)


_ENDING = False


def _ending() -> bool:
    """Whether ``end_all`` ran, read afresh (another thread or a signal handler sets it)."""
    return _ENDING


@contextmanager
def ending_on_signals() -> Iterator[None]:
    """While active (in the main thread), SIGINT and SIGTERM first end every running git process
    (``end_all``: threads waiting on git return at once, and no new git process starts), then
    raise KeyboardInterrupt, or SystemExit(143), in the main thread."""
    global _ENDING  # noqa: PLW0603 -- one flag per process, under _LIVE_LOCK
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        end_all()
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + signum)

    previous = {signum: signal.signal(signum, handler) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
        with _LIVE_LOCK:
            _ENDING = False


def communicate(
    proc: subprocess.Popen[bytes], input: bytes | None = None, timeout: float | None = None
) -> tuple[bytes, bytes]:
    """``proc.communicate``; on a timeout or an interruption the process group is ended first."""
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except BaseException:  # TimeoutExpired, KeyboardInterrupt, SystemExit from a signal handler
        end_group(proc)
        raise
    _reaped(proc)
    return out or b"", err or b""


def run_status(
    args: Sequence[str],
    cwd: str | os.PathLike[str] | None = None,
    *,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> tuple[int, bytes, bytes]:
    """Run ``git args``; (exit status, stdout, stderr). Raises subprocess.TimeoutExpired after
    ending the process group."""
    proc = start(args, cwd, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL, env=env)
    out, err = communicate(proc, input, timeout)
    return proc.returncode, out, err


def run(
    args: Sequence[str],
    cwd: str | os.PathLike[str] | None = None,
    *,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float | None = None,
) -> bytes:
    """Run ``git args`` and return stdout; raise GitError on failure when ``check``."""
    code, out, err = run_status(args, cwd, input=input, env=env, timeout=timeout)
    if check and code != 0:
        raise GitError(args, code, err.decode("utf-8", "replace"))
    return out


def run_text(
    args: Sequence[str],
    cwd: str | os.PathLike[str] | None = None,
    *,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float | None = None,
) -> str:
    return run(args, cwd, input=input, env=env, check=check, timeout=timeout).decode("utf-8", "replace")


def toplevel(path: str | os.PathLike[str]) -> Path | None:
    """The work tree root containing ``path``, or None outside a repository."""
    start = Path(path)
    if not start.is_dir():
        start = start.parent
    try:
        out = run_text(["rev-parse", "--show-toplevel"], cwd=start)
    except (GitError, FileNotFoundError, NotADirectoryError):
        return None
    return Path(out.strip())


def rev_parse(repo: str | os.PathLike[str], rev: str) -> str | None:
    try:
        return run_text(["rev-parse", "--verify", "--quiet", rev + "^{commit}"], repo).strip() or None
    except GitError:
        return None


def is_shallow(repo: str | os.PathLike[str]) -> bool:
    return run_text(["rev-parse", "--is-shallow-repository"], repo).strip() == "true"


def current_branch(repo: str | os.PathLike[str]) -> str | None:
    """Branch name, or None on a detached HEAD."""
    out = run(["symbolic-ref", "--quiet", "--short", "HEAD"], repo, check=False)
    return out.decode().strip() or None


@dataclass(frozen=True)
class Blob:
    oid: str
    data: bytes | None  # None when the object is missing


class BlobReader:
    """One ``git cat-file`` process serving many object reads.

    With ``sizes=True`` it also answers ``size`` (an object's size without reading it): through
    ``cat-file --batch-command`` (git >= 2.36), else through a second ``--batch-check`` process
    started on the first question."""

    def __init__(self, repo: str | os.PathLike[str], *, sizes: bool = False) -> None:
        self._repo = repo
        self._check: subprocess.Popen[bytes] | None = None
        commands = sizes and git_version() >= (2, 36)
        self._prefix = b"contents " if commands else b""
        self._info = b"info " if commands else None
        self._proc = start(
            ["cat-file", "--batch-command" if commands else "--batch"],
            repo,
            stdin=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def _ask(self, spec: str) -> str:
        assert self._proc.stdin and self._proc.stdout
        self._proc.stdin.write(self._prefix + spec.encode() + b"\n")
        self._proc.stdin.flush()
        return self._proc.stdout.readline().decode().rstrip("\n")

    def read(self, spec: str) -> Blob:
        """``spec`` is an object id or ``<rev>:<path>``."""
        header = self._ask(spec)
        if header.endswith((" missing", " ambiguous")) or not header:
            return Blob(spec, None)
        oid, _type, size = header.split(" ")
        assert self._proc.stdout
        data = self._proc.stdout.read(int(size))
        self._proc.stdout.read(1)  # trailing newline
        return Blob(oid, data)

    def read_typed(self, spec: str) -> tuple[str, str, bytes] | None:
        """(object type, object id, content) of any object; None when missing."""
        parts = self._ask(spec).split(" ")
        if len(parts) != 3 or not parts[2].isdigit():
            return None
        assert self._proc.stdout
        data = self._proc.stdout.read(int(parts[2]))
        self._proc.stdout.read(1)
        return parts[1], parts[0], data

    def size(self, spec: str) -> int | None:
        """The size in bytes of an object, read from its header (the content is not read, not
        even by git); None when it is missing. Needs ``sizes=True``."""
        if self._info is not None:
            header = self._ask_info(self._proc, self._info + spec.encode())
        else:
            if self._check is None:
                self._check = start(
                    ["cat-file", "--batch-check"], self._repo, stdin=subprocess.PIPE, stderr=subprocess.DEVNULL
                )
            header = self._ask_info(self._check, spec.encode())
        parts = header.split(" ")
        if len(parts) != 3 or not parts[2].isdigit():
            return None
        return int(parts[2])

    @staticmethod
    def _ask_info(proc: subprocess.Popen[bytes], line: bytes) -> str:
        assert proc.stdin and proc.stdout
        proc.stdin.write(line + b"\n")
        proc.stdin.flush()
        return proc.stdout.readline().decode().rstrip("\n")

    def read_many(self, specs: Iterable[str]) -> Iterator[Blob]:
        for spec in specs:
            yield self.read(spec)

    def read_batch(self, specs: Sequence[str], max_bytes: int | None = None) -> list[Blob]:
        """Many reads in one round trip: a thread writes the requests while we read the answers
        (one request at a time waits on git for every blob; writing them all first could fill
        both pipes and deadlock). An object over ``max_bytes`` is skipped unread into memory
        (its Blob has data None)."""
        return [
            Blob(spec if found is None else found[1], None if found is None else found[2])
            for spec, found in zip(specs, self._answers(specs, max_bytes), strict=True)
        ]

    def read_typed_batch(
        self, specs: Sequence[str], max_bytes: int | None = None
    ) -> list[tuple[str, str, bytes] | None]:
        """``read_typed`` of many objects in one round trip (see ``read_batch``); an object over
        ``max_bytes`` is skipped unread, as if missing."""
        return [
            None if found is None or found[2] is None else (found[0], found[1], found[2])
            for found in self._answers(specs, max_bytes)
        ]

    def _answers(self, specs: Sequence[str], max_bytes: int | None) -> list[tuple[str, str, bytes | None] | None]:
        """(type, object id, content or None when over ``max_bytes``) per spec, None when missing;
        the requests written at once, the answers read in order."""
        assert self._proc.stdin and self._proc.stdout
        if not specs:
            return []
        payload = b"".join(self._prefix + spec.encode() + b"\n" for spec in specs)
        stdin = self._proc.stdin

        def feed() -> None:
            stdin.write(payload)
            stdin.flush()

        # a small request fits in the pipe whatever git is doing: no thread needed
        writer = threading.Thread(target=feed, daemon=True) if len(payload) > 16384 else None
        if writer is None:
            feed()
        else:
            writer.start()
        out: list[tuple[str, str, bytes | None] | None] = []
        stdout = self._proc.stdout
        for _spec in specs:
            parts = stdout.readline().decode().rstrip("\n").split(" ")
            if len(parts) != 3 or not parts[2].isdigit():  # "<spec> missing", "<spec> ambiguous"
                out.append(None)
                continue
            oid, kind, size = parts[0], parts[1], int(parts[2])
            if max_bytes is not None and size > max_bytes:
                left = size + 1
                while left > 0:  # drained in bounded chunks, never held whole
                    left -= len(stdout.read(min(left, 1 << 20)) or b"\0" * left)
                out.append((kind, oid, None))
                continue
            data = stdout.read(size)
            stdout.read(1)
            out.append((kind, oid, data))
        if writer is not None:
            writer.join()
        return out

    def end_input(self) -> None:
        """No more reads: git's cat-file gets end of input and exits meanwhile, so ``close`` finds
        it gone instead of waiting for it (a wait for a process to be scheduled, milliseconds on
        a loaded machine). A read after this fails (the pipe is closed)."""
        for proc in (self._proc, self._check):
            if proc is not None and proc.stdin:
                proc.stdin.close()

    def close(self) -> None:
        for proc in (self._proc, self._check):
            if proc is None:
                continue
            if proc.stdin:
                proc.stdin.close()
            proc.wait()
            if proc.stdout:
                proc.stdout.close()
            _reaped(proc)

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- history walking (audit) -------------------------------------------------------------------

ZERO_OID = "0" * 40


@dataclass(frozen=True)
class Change:
    """One path changed by a commit, as ``git log --raw`` reports it (renames off)."""

    status: str  # A, M, D, T
    path: str
    old_oid: str | None  # None when added
    new_oid: str | None  # None when deleted


@dataclass(frozen=True)
class CommitChanges:
    sha: str
    parents: tuple[str, ...]
    time: int  # committer time, unix seconds
    author_name: str
    author_email: str
    changes: tuple[Change, ...]


_LOG_FORMAT = "%x01%H %P%x00%ct%x00%an%x00%ae%x00"


class ChangeStream:
    """Commits touching ``paths`` in topological order, from one ``git log --raw`` process that
    starts walking as soon as the stream is created (the caller prepares meanwhile).

    ``oldest_first`` makes git finish its walk before printing anything; newest first streams
    while git walks (with a commit-graph), so the caller can work in parallel with git.
    Merge commits carry no changes here (git shows no raw diff for merges without ``-m``): they
    are listed (with ``--full-history``, when they differ from a parent on ``paths``) with their
    parents, and the audit reads their trees to judge them. Uses the commit-graph's
    changed-path Bloom filters when the repository has them.
    """

    def __init__(
        self,
        repo: str | os.PathLike[str],
        revs: Sequence[str],
        paths: Sequence[str],
        *,
        oldest_first: bool = True,
        max_changes: int | None = None,
    ) -> None:
        #: more changed paths than this in one commit raise ``LimitExceeded`` while git prints
        #: them (a tree of a few KB can expand to billions of paths): settable until iterated
        self.max_changes = max_changes
        self.args = [
            "git",
            "log",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            "-z",
            "--full-history",
            "--topo-order",
            *(["--reverse"] if oldest_first else []),
            f"--format={_LOG_FORMAT}",
            *revs,
            "--",
            *paths,
        ]
        self._proc = start(self.args[1:], repo)
        limit_memory(self._proc, MAX_WALK_MEMORY)

    def __iter__(self) -> Iterator[CommitChanges]:
        proc = self._proc
        assert proc.stdout is not None
        pending = b""
        changes = scanned = 0  # changes counted in ``pending`` (the commit being read), up to ``scanned``
        try:
            while True:
                chunk = proc.stdout.read(1 << 16)
                if not chunk:
                    break
                pending += chunk
                records = pending.split(b"\x01")
                pending = records.pop()
                for record in records:
                    if record:
                        yield _parse_record(record)
                if self.max_changes is not None:
                    if len(records):
                        changes = scanned = 0
                    changes += pending.count(b"\0:", max(scanned - 1, 0))
                    scanned = len(pending)
                    self._check_record(pending, changes)
            if pending:
                yield _parse_record(pending)
        finally:
            self.close()
        if proc.returncode != 0:
            if "out of memory" in self._stderr.lower():
                raise LimitExceeded(
                    f"git ran out of the {MAX_WALK_MEMORY >> 20:,} MiB a history walk may use while listing the "
                    f"changes of a commit{self._under()}: a commit changes more paths than that holds"
                )
            raise GitError(self.args[1:], proc.returncode, self._stderr)

    def _check_record(self, pending: bytes, changes: int) -> None:
        """Raise ``LimitExceeded`` when the commit being read (``pending``, ``changes`` counted in
        it) has more changed paths than ``max_changes``, or more bytes of them than that many paths
        as long as a checkout allows; git is ended first, so not one more path is read."""
        assert self.max_changes is not None
        if changes <= self.max_changes and len(pending) <= self.max_changes * (_CHANGE_OVERHEAD + MAX_PATH_LENGTH):
            return
        end_group(self._proc)
        self._stderr = ""
        sha = pending[: pending.find(b" ")].decode("ascii", "replace")[:64]
        raise LimitExceeded(
            f"commit {sha} changes {changes:,} or more paths{self._under()} (counted while git listed them), "
            f"over the limit of {self.max_changes:,}"
        )

    def _under(self) -> str:
        paths = self.args[self.args.index("--") + 1 :]
        return f" under {', '.join(paths)}" if paths else ""

    def close(self) -> None:
        proc = self._proc
        if proc.returncode is not None:
            return
        if proc.stdout:
            proc.stdout.close()
        self._stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        proc.wait()
        _reaped(proc)


def iter_changes(
    repo: str | os.PathLike[str], revs: Sequence[str], paths: Sequence[str], *, oldest_first: bool = True
) -> Iterator[CommitChanges]:
    """See ChangeStream."""
    return iter(ChangeStream(repo, revs, paths, oldest_first=oldest_first))


def repo_state(path: str | os.PathLike[str]) -> tuple[Path, bool] | None:
    """(work tree root, is shallow) in one git call; None outside a repository."""
    start = Path(path)
    if not start.is_dir():
        start = start.parent
    try:
        out = run_text(["rev-parse", "--show-toplevel", "--is-shallow-repository"], cwd=start).split("\n")
    except (GitError, FileNotFoundError, NotADirectoryError):
        return None
    return Path(out[0].strip()), out[1].strip() == "true"


def _parse_record(record: bytes) -> CommitChanges:
    fields = record.split(b"\0")
    ids = fields[0].decode().split()
    changes = []
    rest = fields[4:]
    i = 0
    while i + 1 < len(rest):
        meta = rest[i].strip()
        if not meta.startswith(b":"):
            i += 1
            continue
        parts = meta[1:].decode().split()
        old_oid, new_oid, status = parts[2], parts[3], parts[4][:1]
        path = rest[i + 1].decode("utf-8", "surrogateescape")
        changes.append(
            Change(status, path, None if old_oid == ZERO_OID else old_oid, None if new_oid == ZERO_OID else new_oid)
        )
        i += 2
    return CommitChanges(
        ids[0],
        tuple(ids[1:]),
        int(fields[1]),
        fields[2].decode("utf-8", "replace"),
        fields[3].decode("utf-8", "replace"),
        tuple(changes),
    )


def ls_tree(
    repo: str | os.PathLike[str], rev: str, paths: Sequence[str], max_files: int, max_depth: int = MAX_TREE_DEPTH
) -> dict[str, str]:
    """path -> blob id of the files under ``paths`` at ``rev``, bounded as ``tree_files`` is, as
    git prints them: git walks every path it lists, so folders (listed too, ``-t``) count as well,
    and git is ended as soon as what it printed passes a bound."""
    args = ["ls-tree", "-r", "-t", "-z", "--full-tree", rev, "--", *paths]
    where = f"{', '.join(paths)} at {rev}"
    proc = start(args, repo)
    assert proc.stdout is not None and proc.stderr is not None
    files: dict[str, str] = {}
    counted = {"files": 0, "folders": 0}
    pending = b""
    try:
        while chunk := proc.stdout.read(1 << 16):
            *items, pending = (pending + chunk).split(b"\0")
            for item in items:
                meta, raw = item.split(b"\t", 1)
                _mode, kind, oid = meta.decode().split()
                path = raw.decode("utf-8", "surrogateescape")
                top = next((p for p in paths if path.startswith(p + "/")), None)
                if kind == "blob":
                    files[path] = oid
                if top is None:  # one of ``paths`` itself
                    continue
                if path.count("/") - top.count("/") - 1 > max_depth:
                    raise LimitExceeded(f"{where} holds folders nested more than {max_depth:,} deep, the limit")
                if len(path) > MAX_PATH_LENGTH:
                    raise LimitExceeded(
                        f"{where} holds a path of {len(path):,} characters, over the limit of {MAX_PATH_LENGTH:,}"
                    )
                what = "folders" if kind == "tree" else "files" if kind == "blob" else ""
                if what:
                    counted[what] += 1
                    if counted[what] > max_files:
                        if what == "files":
                            raise TooManyFiles(where, counted[what], max_files, False)
                        raise LimitExceeded(f"{where} holds more than {max_files:,} folders, the limit")
            if len(pending) > MAX_PATH_LENGTH + _CHANGE_OVERHEAD:
                raise LimitExceeded(f"{where} holds a path of more than {MAX_PATH_LENGTH:,} characters, the limit")
        err = proc.stderr.read().decode("utf-8", "replace")
        proc.wait()
    finally:
        end_group(proc)
    if proc.returncode:
        raise GitError(args, proc.returncode, err)
    return files


def index_blobs(
    repo: str | os.PathLike[str],
    paths: Sequence[str],
    max_bytes: int,
    wanted: Callable[[str], bool] = lambda path: True,
    max_files: int | None = None,
) -> list[tuple[str, bytes | None]]:
    """(path, content) of the regular files under ``paths`` as staged in the index (what the next
    commit holds; ``GIT_INDEX_FILE`` is honoured) for which ``wanted(path)``, paths relative to
    ``repo``; content None for a file over ``max_bytes`` (not read). Symlinks, submodules and
    unmerged entries are left out. More than ``max_files`` of them raise ``LimitExceeded`` before
    any is read."""
    listed = []
    for item in run(["ls-files", "-s", "-z", "--", *paths], repo).split(b"\0"):
        if not item:
            continue
        meta, raw = item.split(b"\t", 1)
        mode, oid, stage = meta.decode().split()
        path = raw.decode("utf-8", "surrogateescape")
        if mode in ("100644", "100755") and stage == "0" and wanted(path):
            listed.append((path, oid))
    if not listed:
        return []
    if max_files is not None and len(listed) > max_files:
        raise LimitExceeded(f"{len(listed):,} files, over the limit of {max_files:,}")
    with BlobReader(repo) as reader:
        blobs = reader.read_batch([oid for _, oid in listed], max_bytes)
    return [(path, blob.data) for (path, _), blob in zip(listed, blobs, strict=True)]


def merge_base(repo: str | os.PathLike[str], a: str, b: str) -> str | None:
    out = run(["merge-base", a, b], repo, check=False)
    return out.decode().strip() or None


def is_ancestor(repo: str | os.PathLike[str], ancestor: str, descendant: str = "HEAD") -> bool:
    return run_status(["merge-base", "--is-ancestor", ancestor, descendant], repo)[0] == 0


def commit_exists(repo: str | os.PathLike[str], sha: str) -> bool:
    return run_status(["cat-file", "-e", f"{sha}^{{commit}}"], repo)[0] == 0


def shallow_commits(repo: str | os.PathLike[str]) -> set[str]:
    """Commits whose parents a shallow clone cut off (empty for a complete clone)."""
    path = Path(run_text(["rev-parse", "--path-format=absolute", "--git-path", "shallow"], repo).strip())
    if not path.is_file():
        return set()
    return {line.strip() for line in path.read_text().splitlines() if line.strip()}


def rev_list(repo: str | os.PathLike[str], revs: Sequence[str]) -> list[str]:
    return run_text(["rev-list", *revs], repo).split()


def fetch_unshallow(repo: str | os.PathLike[str], remote: str = "origin") -> None:
    """Complete a shallow clone (network); raises GitError when the remote cannot be reached."""
    run(["fetch", "--quiet", "--unshallow", "--no-tags", remote], repo)


def remote_url(repo: str | os.PathLike[str], remote: str = "origin") -> str | None:
    out = run(["config", "--get", f"remote.{remote}.url"], repo, check=False)
    return out.decode().strip() or None


def blame_line(repo: str | os.PathLike[str], rev: str, path: str, line: int) -> tuple[str, str, str] | None:
    """(commit, author name, author email) of the commit that last wrote ``path:line`` at ``rev``."""
    status, out = blame_lines(repo, rev, path, [line]).result()
    return parse_blame(out).get(line) if status == 0 else None


class Pending:
    """A git command started now and read later, so several can run at once (each git process
    costs a few milliseconds to start; a PR-sized audit is mostly that)."""

    def __init__(self, args: Sequence[str], repo: str | os.PathLike[str]) -> None:
        self._proc = start(args, repo, stderr=subprocess.DEVNULL)

    def result(self) -> tuple[int, bytes]:
        """(exit status, stdout)."""
        out, _ = communicate(self._proc)
        return self._proc.returncode, out

    def close(self) -> None:
        """End it unread (its group, as on a timeout); nothing when it was read."""
        if self._proc.returncode is None:
            end_group(self._proc)


def start_together(starts: Sequence[Callable[[], Any]]) -> list[Any]:
    """Call the ``starts`` (each starts a git process: ``Pending``, ``BlobReader``,
    ``ChangeStream``) at once, the first in this thread and the others in threads of their own.
    Starting a process means waiting a millisecond or two for its exec (the GIL is released
    meanwhile); started one after another, a PR-sized audit waits for each in turn. If a start
    fails, the processes that did start are closed and the first error is raised."""
    if len(starts) < 2:
        return [start() for start in starts]
    results: list[Any] = [None] * len(starts)
    errors: list[BaseException] = []

    def call(i: int) -> None:
        try:
            results[i] = starts[i]()
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(i,), daemon=True) for i in range(1, len(starts))]
    for thread in threads:
        thread.start()
    call(0)
    for thread in threads:
        thread.join()
    if errors:
        for started in results:
            close = getattr(started, "close", None) or getattr(started, "result", None)
            if close is not None:
                close()
        raise errors[0]
    return results


def tree_files(
    blobs: BlobReader, rev: str, paths: Sequence[str], max_files: int, max_depth: int = MAX_TREE_DEPTH
) -> dict[str, str] | None:
    """``ls_tree(repo, rev, paths, max_files)`` read through an open ``cat-file --batch`` (no new
    process): path -> blob id of the files under ``paths`` at ``rev``, in ls-tree's order. None for
    repositories whose object ids are not SHA-1 (the caller uses ls_tree). Bounded as
    ``list_folders`` is: folders nested deeper than ``max_depth`` are refused.

    One round trip for ``paths`` and one per level of folders below them (not one per object:
    a PR-sized audit lists a few trees, and each wait on git is most of what a read costs)."""
    # the root tree lists entries in git's order: a tree sorts as if its name ended in "/"
    tops = sorted(paths, key=lambda p: p + "/")
    found = blobs.read_typed_batch([f"{rev}:{top}" for top in tops])
    folders = []
    for top, item in zip(tops, found, strict=True):
        if item is not None and item[0] == "tree":
            if len(item[1]) != 40:
                return None
            folders.append((top, item[1], item[2]))
    where = f"{', '.join(top for top, _, _ in folders)} at {rev}"
    listed = list_folders(blobs, folders, max_files, max_depth, where) if folders else {}
    files: dict[str, str] = {}
    for top, item in zip(tops, found, strict=True):
        if item is None:
            continue
        if item[0] == "blob":
            files[top] = item[1]
        elif item[0] == "tree":
            files.update(listed[top])
    return files


class TooManyFiles(LimitExceeded):
    """A tree listing holds more files than allowed: ``count`` of them counted (all of them when
    ``complete``, else those found before the listing stopped), ``limit`` allowed."""

    def __init__(self, where: str, count: int, limit: int, complete: bool) -> None:
        self.count, self.limit, self.complete = count, limit, complete
        counted = "" if complete else " or more (counted before listing them)"
        super().__init__(f"{where} holds {count:,} files{counted}, over the limit of {limit:,}")


def _any_file(mode: str, name: str) -> bool:
    return mode not in ("40000", "160000")


def list_folders(
    blobs: BlobReader,
    folders: Sequence[tuple[str, str, bytes]],
    max_files: int,
    max_depth: int,
    where: str,
    *,
    keep: Callable[[str, str], bool] = _any_file,
    refuse_deeper: bool = True,
) -> dict[str, dict[str, str]]:
    """path -> {path: blob id} of the files (entries ``keep(mode, name)`` takes; submodules never)
    below each of ``folders`` ((path, tree id, raw tree)), depth first in git's order. Trees are read
    one level per round trip, each once however many paths reach it.

    Bounded before any path is built: a tree read once may be reached by many paths (a folder of
    1,000 entries all naming one folder of 1,000 entries, and so on, is a few KB that lists 10**9
    paths), so each level counts the paths that reach each of its trees, and the files they hold.
    More than ``max_files`` files raise ``TooManyFiles`` once the level that passes it is counted
    (no deeper level is read), a file path longer than ``MAX_PATH_LENGTH`` raises
    ``LimitExceeded``, and so do folders more than ``max_depth`` below ``folders`` (or, without
    ``refuse_deeper``, they are left out). The listing then enters only folders that hold a file,
    so it costs what it lists (``where`` names the listing in messages)."""
    trees = {oid: parse_tree(raw) for _, oid, raw in folders}
    level: dict[str, tuple[int, int]] = {}  # tree id -> (paths reaching it, the longest of them)
    for top, oid, _ in folders:
        reach, longest = level.get(oid, (0, 0))
        level[oid] = (reach + 1, max(longest, len(top)))
    levels: list[set[str]] = []
    files = 0
    while level:
        levels.append(set(level))
        below: dict[str, tuple[int, int]] = {}
        for oid, (reach, longest) in level.items():
            for mode, name, child in trees[oid]:
                length = longest + 1 + len(name)
                if mode == "40000":
                    was_reach, was_longest = below.get(child, (0, 0))
                    below[child] = (was_reach + reach, max(was_longest, length))
                elif mode != "160000" and keep(mode, name):
                    files += reach
                    if length > MAX_PATH_LENGTH:
                        raise LimitExceeded(
                            f"{where} holds a path of {length:,} characters, over the limit of {MAX_PATH_LENGTH:,}"
                        )
        if files > max_files:
            raise TooManyFiles(where, files, max_files, not below)
        if below and len(levels) > max_depth:
            if refuse_deeper:
                raise LimitExceeded(f"{where} holds folders nested more than {max_depth:,} deep, the limit")
            break
        wanted = [oid for oid in below if oid not in trees]
        for oid, sub in zip(wanted, blobs.read_typed_batch(wanted) if wanted else [], strict=True):
            trees[oid] = parse_tree(sub[2]) if sub is not None and sub[0] == "tree" else []
        level = below
    # the trees at each depth that hold a file there or below, deepest first
    useful: list[set[str]] = [set() for _ in levels]
    for depth in range(len(levels) - 1, -1, -1):
        deeper = useful[depth + 1] if depth + 1 < len(levels) else set()
        useful[depth] = {
            oid
            for oid in levels[depth]
            if any(
                child in deeper if mode == "40000" else mode != "160000" and keep(mode, name)
                for mode, name, child in trees[oid]
            )
        }
    return {top: _tree_blobs(trees, useful, top, oid, keep) for top, oid, _ in folders}


def _tree_blobs(
    trees: Mapping[str, list[tuple[str, str, str]]],
    useful: Sequence[set[str]],
    prefix: str,
    oid: str,
    keep: Callable[[str, str], bool],
) -> dict[str, str]:
    """path -> blob id under the tree ``oid``, depth first in git's order, entering only the
    folders ``useful`` has at their depth (each entry list is filtered once per tree and depth)."""
    slim: dict[tuple[str, int], list[tuple[str, str, str]]] = {}

    def entries(tree: str, depth: int) -> Iterator[tuple[str, str, str]]:
        key = (tree, depth)
        if key not in slim:
            deeper = useful[depth + 1] if depth + 1 < len(useful) else set()
            slim[key] = [
                (mode, name, child)
                for mode, name, child in trees.get(tree, ())
                if (child in deeper if mode == "40000" else mode != "160000" and keep(mode, name))
            ]
        return iter(slim[key])

    files: dict[str, str] = {}
    stack = [(prefix, 0, entries(oid, 0))]
    while stack:
        folder, depth, listing = stack[-1]
        for mode, name, child in listing:
            full = f"{folder}/{name}"
            if mode == "40000":
                stack.append((full, depth + 1, entries(child, depth + 1)))
                break
            files[full] = child
        else:
            stack.pop()
    return files


#: commits of a range read through cat-file by ``straight_changes`` before it leaves the range to
#: ``git log`` (``_LINE_CHUNK`` a round trip: a PR-sized line costs less than starting git log; a
#: long one, more)
MAX_STRAIGHT_COMMITS = 64


def straight_changes(
    blobs: BlobReader,
    base: str,
    head: str,
    paths: Sequence[str],
    max_files: int,
    read: Mapping[str, bytes] | None = None,
) -> dict[str, tuple[CommitHeader, dict[str, str]]] | None:
    """The commits from ``head`` down to ``base`` when they form a line (each the only parent of
    the one before), read through an open ``cat-file --batch``: commit id -> (its header, path ->
    blob id of its files under ``paths``), ``head`` first, ``base`` last. A PR's range usually is
    such a line; read so, it costs a few round trips to a running git instead of a ``git log``
    process, whose start alone takes about as long.

    None for anything else -- a merge or a root commit before ``base``, a line longer than
    ``MAX_STRAIGHT_COMMITS``, a ``paths`` entry below the top folder, object ids other than SHA-1,
    a commit in another encoding than UTF-8, a listing over ``max_files`` files or otherwise over
    a bound (see ``list_folders``): the caller walks those with ``ChangeStream``, which words
    the errors. ``straight_line_changes`` turns the result into ``ChangeStream``'s records.
    ``read``: commit id -> raw commit of those already read (the ends, when resolved)."""
    if any("/" in path for path in paths) or len(base) != 40 or len(head) != 40:
        return None
    line = _commit_line(blobs, base, head, read or {})
    if line is None:
        return None
    trees = list(dict.fromkeys(header.tree for _, header in line))
    wanted = set(paths)
    tops: dict[str, list[tuple[str, str, str]]] = {}  # root tree -> (mode, name, oid) of ``paths``
    for tree, root in zip(trees, blobs.read_typed_batch(trees, MAX_LINE_OBJECT_BYTES), strict=True):
        if root is None or root[0] != "tree":
            return None
        tops[tree] = [entry for entry in parse_tree(root[2]) if entry[1] in wanted]
    folders = list(
        dict.fromkeys((name, oid) for entries in tops.values() for mode, name, oid in entries if mode == "40000")
    )
    listed: dict[tuple[str, str], dict[str, str]] = {}
    try:
        for (name, oid), item in zip(
            folders, blobs.read_typed_batch([oid for _, oid in folders], MAX_LINE_OBJECT_BYTES), strict=True
        ):
            if item is None or item[0] != "tree":
                return None
            where = f"{name} at {oid}"
            listed[(name, oid)] = list_folders(blobs, [(name, oid, item[2])], max_files, MAX_TREE_DEPTH, where)[name]
    except LimitExceeded:
        return None
    out: dict[str, tuple[CommitHeader, dict[str, str]]] = {}
    for sha, header in line:
        files: dict[str, str] = {}
        for mode, name, oid in tops[header.tree]:
            if mode == "40000":
                files.update(listed[(name, oid)])
            elif mode != "160000":
                files[name] = oid
        out[sha] = (header, files)
    return out


def _commit_line(
    blobs: BlobReader, base: str, head: str, read: Mapping[str, bytes]
) -> list[tuple[str, CommitHeader]] | None:
    """(commit id, header) from ``head`` down to ``base`` through the only parent of each; None
    when the line forks, ends or grows too long first. Commits not in ``read`` are asked
    ``_LINE_CHUNK`` at a time (``<id>~0``, ``<id>~1``...): one round trip for a PR's usual few."""
    line: list[tuple[str, CommitHeader]] = []
    sha = head
    while True:
        known = read.get(sha)
        answers: list[tuple[str, str, bytes] | None] = (
            [("commit", sha, known)]
            if known is not None
            else blobs.read_typed_batch([f"{sha}~{i}" for i in range(_LINE_CHUNK)], MAX_LINE_OBJECT_BYTES)
        )
        for answer in answers:
            if answer is None or answer[0] != "commit" or answer[1] != sha:
                return None
            header = parse_commit_header(answer[2])
            if header.encoding.lower() not in ("", "utf-8", "utf8") or len(header.tree) != 40:
                return None
            line.append((sha, header))
            if sha == base:
                return line
            if len(header.parents) != 1 or len(line) > MAX_STRAIGHT_COMMITS:
                return None
            sha = header.parents[0]


#: commits asked in one round trip while following a line (a few more than most PRs have)
_LINE_CHUNK = 12
#: bytes of a commit or tree object ``straight_changes`` reads into memory (a signed commit is a
#: few KB, a folder of 1,000 result files about 50 KB); a larger one is left to ``ChangeStream``,
#: which never holds a whole object
MAX_LINE_OBJECT_BYTES = 1 << 20


def straight_line_changes(line: Mapping[str, tuple[CommitHeader, dict[str, str]]]) -> list[CommitChanges]:
    """The commits of a ``straight_changes`` line but its last (the base), newest first, each
    with its changes against its parent, in the order ``git log --raw`` lists them (git's tree
    order). A mode change that keeps the blob is not a change here (the audit reads blobs)."""
    commits = []
    for (sha, (header, files)), (_, (_, before)) in itertools.pairwise(line.items()):
        changed = sorted((path for path in {**before, **files} if before.get(path) != files.get(path)), key=_tree_order)
        changes = tuple(
            Change(
                "A" if path not in before else "D" if path not in files else "M",
                path,
                before.get(path),
                files.get(path),
            )
            for path in changed
        )
        commits.append(
            CommitChanges(sha, header.parents, header.time, header.author_name, header.author_email, changes)
        )
    return commits


def _tree_order(path: str) -> tuple[bytes, ...]:
    """git's order of paths in a tree walk: by component, a folder's name as if it ended in "/"."""
    parts = path.split("/")
    return tuple(
        (part + "/" if i < len(parts) - 1 else part).encode("utf-8", "surrogateescape") for i, part in enumerate(parts)
    )


def blame_lines(repo: str | os.PathLike[str], rev: str, path: str, lines: Sequence[int]) -> Pending:
    """Start one ``git blame`` for several lines of one file; read it with ``parse_blame``."""
    ranges = [arg for line in sorted(set(lines)) for arg in ("-L", f"{line},{line}")]
    return Pending(["blame", "--porcelain", *ranges, rev, "--", path], repo)


def parse_blame(out: bytes) -> dict[int, tuple[str, str, str]]:
    """``blame --porcelain`` output -> final line -> (commit, author name, author email).
    Porcelain prints a commit's author only at its first line, so it is remembered by commit."""
    authors: dict[str, list[str]] = {}
    lines: dict[int, str] = {}
    current = None
    for item in out.decode("utf-8", "replace").split("\n"):
        if not item or item.startswith("\t"):
            continue
        head = item.split(" ")
        if len(head) >= 3 and len(head[0]) in (40, 64) and head[1].isdigit() and head[2].isdigit():
            current = authors.setdefault(head[0], ["", ""])
            lines[int(head[2])] = head[0]
        elif current is not None and item.startswith("author "):
            current[0] = item[7:]
        elif current is not None and item.startswith("author-mail "):
            current[1] = item[12:].strip("<>")
    return {line: (commit, authors[commit][0], authors[commit][1]) for line, commit in lines.items()}


def write_commit_graph(repo: str | os.PathLike[str]) -> None:
    """Write a commit-graph with changed-path Bloom filters (git >= 2.27) so path-limited walks
    skip the tree diff of commits that did not touch the paths."""
    run(["commit-graph", "write", "--reachable", "--changed-paths"], repo)


# --- partial fetch and commit-back (aggregate) ---------------------------------------------------

#: transports a model registry may use: never ext:: (runs commands) or other remote helpers
_ALLOWED = {"GIT_ALLOW_PROTOCOL": "file:git:http:https:ssh"}

#: upload-pack for local and file:// sources: a model repo on disk rarely enables filters, and
#: without them git silently falls back to sending every blob.
_LOCAL_UPLOAD_PACK = "git -c uploadpack.allowFilter=true -c uploadpack.allowAnySHA1InWant=true upload-pack"


def is_local_url(url: str) -> bool:
    return url.startswith("file://") or ("://" not in url and not _looks_scp(url))


def _looks_scp(url: str) -> bool:
    # user@host:path or host:path (scp-like ssh); a Windows drive "C:\" is a path
    head, sep, _ = url.partition(":")
    return bool(sep) and "/" not in head and len(head) > 1


def init_partial_cache(path: str | os.PathLike[str], url: str) -> None:
    """A bare repository whose ``origin`` is a promisor remote with ``blob:none``: later fetches
    bring commits and trees only, and blobs are fetched by id, in one batch, when asked for.

    Written as files rather than with ``git init``: a leaderboard creates one per model repo, and
    that saves one process start per repo on a first run. Each file is written whole
    (``write_atomic``) and ``config`` last, so an entry with a ``config`` is a complete one."""
    from evalledger.atomic import write_atomic

    root = Path(path)
    for sub in ("objects/info", "objects/pack", "refs/heads", "refs/tags"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    write_atomic(root / "HEAD", "ref: refs/heads/main\n", durable=False)  # a cache: rebuilt if lost
    write_atomic(
        root / "config",
        "[core]\n\trepositoryformatversion = 1\n\tbare = true\n\tfilemode = true\n"
        "[extensions]\n\tpartialClone = origin\n"
        "[gc]\n\tauto = 0\n[maintenance]\n\tauto = false\n"
        f'[remote "origin"]\n\turl = {_config_quote(url)}\n\tpromisor = true\n'
        "\tpartialclonefilter = blob:none\n",
        durable=False,
    )


def _config_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fetch_shallow(
    repo: str | os.PathLike[str],
    url: str,
    refspecs: Sequence[str],
    *,
    prune: bool = False,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
) -> None:
    """Depth-1, blob-less fetch of ``refspecs`` from ``origin`` (its url is ``url``). ``env``:
    extra environment for git (credentials as ``config_env``, never arguments)."""
    args = [
        "fetch",
        "--quiet",
        "--no-tags",
        "--depth=1",
        "--filter=blob:none",
        "--no-write-fetch-head",
        "--recurse-submodules=no",
        "--force",
    ]
    if prune:
        args.append("--prune")
    if is_local_url(url):
        args.append(f"--upload-pack={_LOCAL_UPLOAD_PACK}")
    run([*args, "origin", *refspecs], repo, timeout=timeout, env={**_ALLOWED, **(env or {})})


#: a blob over the result size limit that reaches us anyway (a server without size filters) is
#: streamed to disk by index-pack / unpack-objects instead of being held whole in memory
_STREAM_BIG = ("-c", "core.bigFileThreshold=4m")


def fetch_objects(
    repo: str | os.PathLike[str],
    url: str,
    oids: Sequence[str],
    *,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
) -> None:
    """Fetch objects by id in ONE request (what git's lazy fetch does for one object at a time).
    Objects already present are not transferred again."""
    _fetch_by_id(repo, url, oids, ["--filter=blob:none"], timeout, env)


def fetch_trees_limited(
    repo: str | os.PathLike[str],
    url: str,
    trees: Sequence[str],
    max_blob_bytes: int,
    *,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
) -> None:
    """Fetch the trees ``trees`` and, under them, every blob of at most ``max_blob_bytes`` in ONE
    request (``--filter=blob:limit``): larger blobs never leave the server. git applies a size
    filter only to objects reached from what is asked for, never to objects asked for by id,
    hence the trees. Needs git >= 2.36 (``--refetch``: we have the trees already, and git would
    otherwise not ask for them); the caller falls back to ``fetch_objects`` for older git and for
    servers that refuse the filter."""
    _fetch_by_id(repo, url, trees, ["--refetch", f"--filter=blob:limit={max_blob_bytes + 1}"], timeout, env)


def _fetch_by_id(
    repo: str | os.PathLike[str],
    url: str,
    oids: Sequence[str],
    how: Sequence[str],
    timeout: float | None,
    env: Mapping[str, str] | None,
) -> None:
    """One ``git fetch --stdin`` of ``oids`` from ``origin`` with the filter options ``how``: no
    negotiation, tags, FETCH_HEAD or submodules (the one argument list of both fetches by id)."""
    if not oids:
        return
    args = [
        "-c",
        "fetch.negotiationAlgorithm=noop",
        *_STREAM_BIG,
        "fetch",
        "--quiet",
        "--no-tags",
        "--no-write-fetch-head",
        "--recurse-submodules=no",
        *how,
        "--stdin",
    ]
    if is_local_url(url):
        args.append(f"--upload-pack={_LOCAL_UPLOAD_PACK}")
    run(
        [*args, "origin"],
        repo,
        input="".join(f"{oid}\n" for oid in oids).encode(),
        timeout=timeout,
        env={**_ALLOWED, **(env or {})},
    )


def missing_objects(repo: str | os.PathLike[str], roots: Sequence[str]) -> set[str]:
    """Objects reachable from ``roots`` that are not in the repository, found without fetching
    them (``rev-list --missing=print`` never asks a promisor remote; ``cat-file`` would)."""
    if not roots:
        return set()
    out = run_text(["rev-list", "--objects", "--missing=print", "--no-object-names", *roots], repo)
    return {line[1:] for line in out.split() if line.startswith("?")}


def delete_ref(repo: str | os.PathLike[str], ref: str) -> None:
    """Delete ``ref`` if it exists."""
    run(["update-ref", "-d", ref], repo)


def list_refs(repo: str | os.PathLike[str], patterns: Sequence[str]) -> list[tuple[str, str]]:
    """(refname, commit) of the refs matching ``patterns`` (for-each-ref patterns)."""
    out = run_text(["for-each-ref", "--format=%(refname) %(objectname)", *patterns], repo)
    return [(ref, commit) for ref, _, commit in (line.partition(" ") for line in out.splitlines() if line)]


def parse_tree(data: bytes) -> list[tuple[str, str, str]]:
    """Entries (mode, name, oid) of a raw tree object as ``cat-file --batch`` returns it."""
    entries = []
    pos = 0
    while pos < len(data):
        space = data.index(b" ", pos)
        nul = data.index(b"\0", space)
        mode = data[pos:space].decode()
        name = data[space + 1 : nul].decode("utf-8", "surrogateescape")
        oid = data[nul + 1 : nul + 21].hex()
        entries.append((mode, name, oid))
        pos = nul + 21
    return entries


@dataclass(frozen=True)
class CommitHeader:
    """A raw commit object's header: what ``git log`` prints as %T, %P, %ct, %an and %ae."""

    tree: str
    parents: tuple[str, ...]
    time: int  # committer time, unix seconds (0 when unreadable)
    author_name: str
    author_email: str
    encoding: str  # the ``encoding`` header, "" when there is none (UTF-8)


def parse_commit_header(data: bytes) -> CommitHeader:
    """The header of a raw commit object as ``cat-file --batch`` returns it. Names are decoded
    as ``ChangeStream`` decodes git log's (UTF-8, undecodable bytes replaced)."""
    tree, parents, when, name, email, encoding = "", [], 0, "", "", ""
    for line in data.split(b"\n"):
        if not line:
            break
        key, _, rest = line.partition(b" ")
        if key == b"tree":
            tree = rest.decode("ascii", "replace")
        elif key == b"parent":
            parents.append(rest.decode("ascii", "replace"))
        elif key == b"author":
            name, email, _ = _ident(rest)
        elif key == b"committer":
            when = _ident(rest)[2]
        elif key == b"encoding":
            encoding = rest.decode("ascii", "replace")
    return CommitHeader(tree, tuple(parents), when, name, email, encoding)


def _ident(text: bytes) -> tuple[str, str, int]:
    """(name, email, time) of an ident ``Name <email> 1700000000 +0000``, split as git splits
    it for %an, %ae and %at: the name is what precedes the first ``<``, trailing blanks removed."""
    lt = text.find(b"<")
    gt = text.find(b">", lt + 1)
    if lt < 0 or gt < 0:
        return "", "", 0
    stamp = text[gt + 1 :].split()
    when = int(stamp[0]) if stamp and stamp[0].isdigit() and len(stamp[0]) <= 20 else 0
    return text[:lt].rstrip().decode("utf-8", "replace"), text[lt + 1 : gt].decode("utf-8", "replace"), when


def parse_commit(data: bytes) -> tuple[str, int]:
    """(tree oid, committer time) of a raw commit object."""
    header = parse_commit_header(data)
    return header.tree, header.time


def status_paths(repo: str | os.PathLike[str], paths: Sequence[str]) -> str:
    """``git status --porcelain`` limited to ``paths``: empty when they match HEAD."""
    return run_text(["status", "--porcelain", "--untracked-files=all", "--", *paths], repo)


def commit_paths(repo: str | os.PathLike[str], paths: Sequence[str], message: str, *, name: str, email: str) -> str:
    """Commit exactly ``paths`` (nothing else the user staged) as ``name <email>``; returns the sha."""
    identity = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }
    run(["add", "--all", "--", *paths], repo)
    run(
        ["-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "-m", message, "--", *paths],
        repo,
        env=identity,
    )
    return run_text(["rev-parse", "HEAD"], repo).strip()


def push_branch(
    repo: str | os.PathLike[str], remote: str, branch: str, *, timeout: float | None = None
) -> tuple[bool, str]:
    """Push HEAD to ``branch`` without force; (accepted, git's stderr)."""
    code, out, err = run_status(["push", "--porcelain", remote, f"HEAD:refs/heads/{branch}"], repo, timeout=timeout)
    return code == 0, (err + out).decode("utf-8", "replace")


def fetch_branch(repo: str | os.PathLike[str], remote: str, branch: str, *, timeout: float | None = None) -> str:
    """Fetch ``remote``'s ``branch`` and return its commit. In a shallow clone the new commits come
    down to the commits we have, so ours stays an ancestor (``--depth=1`` would cut that link)."""
    args = ["fetch", "--quiet", "--no-tags"]
    run([*args, remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}"], repo, timeout=timeout)
    return run_text(["rev-parse", f"refs/remotes/{remote}/{branch}"], repo).strip()


def reset_keep(repo: str | os.PathLike[str], rev: str) -> None:
    """Move HEAD to ``rev`` keeping uncommitted work (refuses rather than discard it)."""
    run(["reset", "--quiet", "--keep", rev], repo)


def last_commit(repo: str | os.PathLike[str], path: str) -> tuple[str, int] | None:
    """(sha, committer time) of the last commit touching ``path``, None when never committed."""
    out = run_text(["log", "-1", "--format=%H %ct", "--", path], repo, check=False).strip()
    if not out:
        return None
    sha, when = out.split()
    return sha, int(when)


#: no automatic gc or maintenance after a fetch: it may run detached, still writing into the
#: clone when the caller measures or removes it
_NO_BACKGROUND = ("-c", "gc.auto=0", "-c", "maintenance.auto=false")


@dataclass(frozen=True)
class HistoryLimits:
    """Bounds of ``clone_history``: commits, versions of the files of ``paths``, bytes of one."""

    max_commits: int
    max_files: int
    max_file_bytes: int

    @property
    def max_commit_changes(self) -> int:
        """Paths (files and folders) one commit may change: ``max_files`` versions it may remove
        and as many it may add."""
        return 2 * self.max_files


def clone_history(
    path: str | os.PathLike[str],
    url: str,
    commit: str,
    paths: Sequence[str],
    *,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    limits: HistoryLimits | None = None,
) -> None:
    """A blob-less clone with full history at ``commit`` (no work tree files), plus the blobs of
    ``paths`` across that history fetched in one request: what a history audit of a remote model
    repo reads, without its weights.

    With ``limits`` (else unbounded), each bound is checked before what it bounds is fetched or
    read, and a breach raises ``LimitExceeded``: at most ``max_commits`` commits travel
    (``--depth``; a history cut there is longer than allowed); more than ``max_files`` versions of
    the files raise before any blob is fetched; the blobs under ``paths[0]`` (a folder:
    ``.eval_results``) come through its trees with a size filter (git >= 2.36), so one over
    ``max_file_bytes`` never leaves the server, and every blob's size is read from its header
    before anyone reads it (the others, asked for by id, cannot be filtered)."""
    upload = [f"--upload-pack={_LOCAL_UPLOAD_PACK}"] if is_local_url(url) else []
    network = {**_ALLOWED, **(env or {})}
    depth = [f"--depth={limits.max_commits}"] if limits else []
    if not (Path(path) / ".git").is_dir():
        run(
            [*_NO_BACKGROUND, "clone", "--quiet", "--no-checkout", "--no-local", "--filter=blob:none", *depth, *upload]
            + [*(f"--config={pair}" for pair in _NO_BACKGROUND[1::2]), url, str(path)],
            timeout=timeout,
            env=network,
        )
    run(
        [*_NO_BACKGROUND, "fetch", "--quiet", "--no-tags", "--filter=blob:none", *depth, *upload, "origin", commit],
        path,
        timeout=timeout,
        env=network,
    )
    if limits:
        _whole_history_within(path, commit, limits.max_commits)
    run(["reset", "--quiet", "--soft", commit], path)
    trees, blobs = _history_objects(path, commit, paths, limits)
    if limits is None:
        fetch_objects(path, url, sorted(blobs), timeout=timeout, env=env)
    else:
        _fetch_history_blobs(path, url, paths[0], trees, blobs, limits, timeout, env)


def _history_objects(
    path: str | os.PathLike[str], commit: str, paths: Sequence[str], limits: HistoryLimits | None = None
) -> tuple[set[str], dict[str, str]]:
    """(the versions of the ``paths[0]`` tree, {blob: a path it had}) across the history of ``commit``.

    Read as git prints it, under ``MAX_WALK_MEMORY``; with ``limits``, a commit changing more than
    ``max_commit_changes`` paths (files and folders) raises ``LimitExceeded`` as soon as they are
    counted (a crafted tree of a few KB lists billions of paths, each printed for the commit that
    adds it; distinct versions are as many as the clone holds, and counted by the caller)."""
    args = ["log", "--format=%x01%H", "--raw", "-t", "-z", "--no-abbrev", "--no-renames", commit, "--", *paths]
    proc = start(args, path)
    limit_memory(proc, MAX_WALK_MEMORY)
    assert proc.stdout is not None and proc.stderr is not None
    trees: set[str] = set()
    blobs: dict[str, str] = {}
    sha, meta, changes, pending = "", b"", 0, b""
    try:
        while chunk := proc.stdout.read(1 << 16):
            *fields, pending = (pending + chunk).split(b"\0")
            for field in fields:
                if meta:  # the path of the change ``meta`` describes
                    _old, mode, _was, oid = meta[1:].decode().split()[:4]
                    name = field.decode("utf-8", "surrogateescape")
                    meta = b""
                    if oid == ZERO_OID:
                        continue
                    if mode == "040000" and name == paths[0]:
                        trees.add(oid)
                    elif mode.startswith("10"):
                        blobs.setdefault(oid, name)
                    continue
                head = field.lstrip(b"\n")
                if head.startswith(b"\x01"):
                    sha, changes = head[1:].decode("ascii", "replace"), 0
                elif head.startswith(b":"):
                    meta, changes = head, changes + 1
                    if limits and changes > limits.max_commit_changes:
                        raise LimitExceeded(
                            f"commit {sha} changes {changes:,} or more paths under {', '.join(paths)} (counted "
                            f"while git listed them), over the limit of {limits.max_commit_changes:,}"
                        )
            if len(pending) > MAX_PATH_LENGTH + _CHANGE_OVERHEAD:
                raise LimitExceeded(f"its history holds a path of more than {MAX_PATH_LENGTH:,} characters, the limit")
        err = proc.stderr.read().decode("utf-8", "replace")
        proc.wait()
    finally:
        end_group(proc)
    if proc.returncode:
        if "out of memory" in err.lower():
            raise LimitExceeded(
                f"git ran out of the {MAX_WALK_MEMORY >> 20:,} MiB a history walk may use while listing the changes "
                f"of a commit under {', '.join(paths)}: a commit changes more paths than that holds"
            )
        raise GitError(args, proc.returncode, err)
    return trees, blobs


def _fetch_history_blobs(
    path: str | os.PathLike[str],
    url: str,
    folder: str,
    trees: set[str],
    blobs: dict[str, str],
    limits: HistoryLimits,
    timeout: float | None,
    env: Mapping[str, str] | None,
) -> None:
    """``clone_history``'s bounded blob fetch (see there)."""
    if len(blobs) > limits.max_files:
        raise LimitExceeded(
            f"its history holds {len(blobs):,} versions of result files and model cards, over the limit of "
            f"{limits.max_files:,}"
        )
    by_id = sorted(blobs)
    if trees and git_version() >= (2, 36):
        try:
            fetch_trees_limited(path, url, sorted(trees), limits.max_file_bytes, timeout=timeout, env=env)
        except GitError:
            pass  # a server that refuses size filters: all by id below
        else:
            left_out = missing_objects(path, sorted(trees))
            for oid in sorted(left_out & set(blobs)):
                raise LimitExceeded(
                    f"{blobs[oid]} in its history is over the {limits.max_file_bytes:,} byte limit (blob {oid})"
                )
            under = f"{folder}/"
            by_id = [oid for oid in by_id if not blobs[oid].startswith(under)]
    fetch_objects(path, url, by_id, timeout=timeout, env=env)
    with BlobReader(path, sizes=True) as reader:  # every blob is here now: a header read, no fetch
        for oid in sorted(blobs):
            size = reader.size(oid)
            if size is None or size > limits.max_file_bytes:
                shown = "missing" if size is None else f"{size:,} bytes"
                raise LimitExceeded(
                    f"{blobs[oid]} in its history is {shown}, over the {limits.max_file_bytes:,} byte limit "
                    f"(blob {oid})"
                )


def _whole_history_within(path: str | os.PathLike[str], commit: str, max_commits: int) -> None:
    """After a ``--depth=max_commits`` fetch: raise ``LimitExceeded`` when the history was cut (a
    shallow commit with parents) or holds more commits (merges widen a depth); else the clone is
    complete, and the shallow marks git leaves on root commits are dropped (an audit refuses a
    shallow clone)."""
    cut = shallow_commits(path)
    if cut:
        with BlobReader(path) as reader:
            for sha in sorted(cut):
                header = (reader.read(sha).data or b"").split(b"\n\n", 1)[0]
                if any(line.startswith(b"parent ") for line in header.split(b"\n")):
                    raise LimitExceeded(f"its history has more than {max_commits:,} commits, the limit")
    count = int(run_text(["rev-list", "--count", commit], path).strip() or 0)
    if count > max_commits:
        raise LimitExceeded(f"its history has {count:,} commits, over the limit of {max_commits:,}")
    if cut:
        Path(run_text(["rev-parse", "--path-format=absolute", "--git-path", "shallow"], path).strip()).unlink()
