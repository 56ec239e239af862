"""Reads of git objects in evalledger.git, on real repositories."""

from __future__ import annotations

from evalledger import git
from gitutil import GitRepo
from gitutil import git as run_git


def test_index_blobs_keeps_each_size_with_its_file_when_a_staged_blob_is_missing(tmp_path):
    # a missing object answers "<oid> missing" (two words): read word by word, the sizes of the
    # files after it shifted, and a small file was taken for one over the limit
    repo = GitRepo.init(tmp_path / "model")
    repo.write("a.yaml", "x" * 100)
    repo.write("c.yaml", "small\n")
    run_git(repo.path, "add", "a.yaml", "c.yaml")
    run_git(repo.path, "update-index", "--add", "--cacheinfo", f"100644,{'1' * 40},b.yaml")
    assert git.index_blobs(repo.path, ["."], 50) == [("a.yaml", None), ("b.yaml", None), ("c.yaml", b"small\n")]


# how git.start sets a git process apart, seen from a fresh Python process (pytest itself may
# have a terminal): prints "<own session> <own group> <our session>" for one git process
_APART = """
import os, subprocess, sys
from evalledger import git
proc = git.start(["cat-file", "--batch"], stdin=subprocess.PIPE)
print(os.getsid(proc.pid) == proc.pid, os.getpgid(proc.pid) == proc.pid, os.getsid(proc.pid) == os.getsid(0))
proc.stdin.close()
proc.wait()
"""


def _apart(tmp_path, terminal: bool) -> list[str]:
    import os
    import pty
    import subprocess
    import sys

    script = _APART
    if terminal:  # a session of its own whose controlling terminal is a new pty
        master, slave = pty.openpty()
        name = os.ttyname(slave)
        os.close(slave)
        script = f"import os\nos.setsid()\nos.close(os.open({name!r}, os.O_RDWR))\n" + _APART
    try:
        proc = subprocess.run(
            [sys.executable, "-c", script],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            start_new_session=not terminal,  # (under a terminal, the script starts its own session)
        )
    finally:
        if terminal:
            os.close(master)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_git_leads_a_group_of_its_own_in_our_session_without_a_terminal(tmp_path):
    """No terminal (CI): git leads a process group (ended as one) in our session, not a session
    of its own, which would be a scheduler group of its own that waits behind the machine's load
    (on Python 3.10, which cannot start a group safely, still a session of its own)."""
    import sys

    GitRepo.init(tmp_path)
    # Python 3.10 has no process_group (only preexec_fn, unsafe with threads): a session there
    expected = ["False", "True", "True"] if sys.version_info >= (3, 11) else ["True", "True", "False"]
    assert _apart(tmp_path, terminal=False) == expected


def test_git_leads_a_session_of_its_own_under_a_terminal(tmp_path):
    """With a controlling terminal, git gets a session of its own, which has none: a prompt (an
    ssh passphrase) fails at once instead of stopping a background group until the timeout."""
    GitRepo.init(tmp_path)
    assert _apart(tmp_path, terminal=True) == ["True", "True", "False"]


def test_end_group_ends_what_git_started(tmp_path):
    """A git process ended on a timeout takes what it started with it (here a shell that git runs
    for an alias, the stand-in for git-remote-http or ssh)."""
    import os
    import subprocess
    import time

    import pytest

    GitRepo.init(tmp_path)
    proc = git.start(["-c", "alias.wait=!echo $$; exec sleep 60", "wait"], tmp_path)
    assert proc.stdout is not None
    child = int(proc.stdout.readline())
    assert os.getpgid(child) == proc.pid
    with pytest.raises(subprocess.TimeoutExpired):
        git.communicate(proc, timeout=0.2)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # gone, or a zombie waiting for init to reap it
        try:
            with open(f"/proc/{child}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
        except FileNotFoundError:
            break
        time.sleep(0.01)
    else:
        raise AssertionError(f"process {child} that git started is still running")


def test_blob_reader_end_input_lets_cat_file_exit_before_close(tmp_path):
    """After ``end_input`` git's cat-file exits on its own (``close`` then finds it gone instead
    of waiting for it), and a read fails rather than hanging."""
    import time

    import pytest

    repo = GitRepo.init(tmp_path)
    repo.write("a.txt", "a\n")
    sha = repo.commit("a")
    reader = git.BlobReader(repo.path)
    assert reader.read(f"{sha}:a.txt").data == b"a\n"
    reader.end_input()
    deadline = time.monotonic() + 10
    while reader._proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert reader._proc.returncode == 0
    with pytest.raises(ValueError):
        reader.read(f"{sha}:a.txt")
    reader.close()
