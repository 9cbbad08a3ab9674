"""Files that survive a crash and processes that keep to themselves: atomic replacement and exclusive locks.

`write_atomic` is the one way the project replaces (or creates) a small file it must never find torn: key
files, gateway state, genesis. `exclusive_lock` is the one way a process claims a home or state file so that a
second process on it fails at once instead of corrupting it. Both are POSIX (rename, hard links, flock), like
everything that runs a node or a gateway.
"""

import fcntl
import os
import secrets
from pathlib import Path
from typing import BinaryIO


class FileLockedError(Exception):
    """Another process (or another open file in this one) holds the lock."""


def write_atomic(path: Path, data: bytes, mode: int = 0o600, *, exclusive: bool = False) -> None:
    """Replace `path` with `data` so that a crash at any point leaves the old content or the new, never a mix.

    The data goes to a temporary file beside `path` (created with `mode` less the process umask, as open() does),
    which is fsynced and renamed over `path`; then the directory is fsynced so that the rename is on disk too.
    With `exclusive`, `path` is only created: FileExistsError if it exists, and of two processes racing to create
    it exactly one succeeds. The parent directory must exist. No temporary file is left behind, even on failure.
    """
    # A random name, not the pid: two threads of one process may write the same file.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(temporary, path)  # unlike a rename, a link refuses to replace an existing file
        else:
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)  # gone after a rename; still there after a link or a failure
    _sync_directory(path.parent)


def exclusive_lock(path: Path) -> BinaryIO:
    """Open `path` (created if missing) and lock it exclusively, without waiting: FileLockedError if it is held.

    The lock lasts until the returned file is closed; use it as a context manager or close it. The kernel drops it
    when the process dies, so a crash never leaves a stale lock behind.
    """
    handle = open(path, "ab")  # noqa: SIM115 - the caller owns the handle: closing it releases the lock
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise FileLockedError(f"{path} is locked by another process") from None
    return handle


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
