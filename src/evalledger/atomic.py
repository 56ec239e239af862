"""Writing a file so that a reader (or a crash) never sees half of it: temp file + rename."""
from __future__ import annotations

import os
import stat
import tempfile


def write_bytes(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, keeping an existing file's permission bits.

    The temporary file lives beside the target (a rename is atomic only within one file system)
    and is removed when anything fails, so the target is either the old file or the new one.
    """
    directory = os.path.dirname(os.path.abspath(path))
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, temp = tempfile.mkstemp(prefix=".evalledger-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
