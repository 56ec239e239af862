"""The one way evalledger writes a file: all of it or none of it.

``write_atomic`` writes the bytes to a temporary file beside the target (a rename is atomic only
within one file system) and renames it into place, so a reader (git, the next run, a person) sees
the old file or the new one, never a prefix: a run killed by a timeout, a cancelled job or the OOM
killer leaves no half-written leaderboard table, card, fixed result file or cache ``config``
behind. An existing file keeps its permission bits.

The temporary name is fixed per target (``.<name>.evalledger-tmp``): a run killed between writing
and renaming leaves at most one such file per target, which the next write of that target
replaces and ``discard_temp`` removes. Nothing here follows a symlink planted at the temporary
name (``O_NOFOLLOW``).

``durable`` (the default) also fsyncs the data before the rename, so a power cut cannot leave an
empty file where the old one was; the fetch cache, rebuilt from scratch when git cannot use an
entry, skips it (a first run writes a few files per model repo).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

TEMP_SUFFIX = ".evalledger-tmp"


def temp_path(target: str | os.PathLike[str]) -> Path:
    path = Path(target)
    return path.with_name(f".{path.name}{TEMP_SUFFIX}")


def write_atomic(target: str | os.PathLike[str], data: bytes | str, *, durable: bool = True) -> None:
    """Replace ``target`` with ``data`` (text is written as UTF-8, newlines untouched)."""
    path = Path(target)
    temp = temp_path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        mode: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None  # a new file: 0o666 less the umask, as open() makes it
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(temp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(payload)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        discard_temp(path)
        raise


def discard_temp(target: str | os.PathLike[str]) -> None:
    """Remove the temporary file a killed write of ``target`` may have left."""
    try:
        os.unlink(temp_path(target))
    except FileNotFoundError:
        pass
