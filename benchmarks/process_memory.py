"""What the benchmarks that open a node store need to measure memory and cold reads honestly.

LMDB maps its file, so every page a read touches counts in the process's VmRSS until the kernel reclaims it: the
memory figures split the process's own (RssAnon) from mapped files (RssFile). A cold read is one from a store that
is not in the page cache: `drop_from_page_cache` makes it so.
"""

import os
from pathlib import Path

MEMORY_FIELDS = ("VmRSS", "VmHWM", "RssAnon", "RssFile")
"""Resident memory now and at its peak so far, and the part of it that is the process's own (anonymous) vs pages of
mapped files."""


def memory_mb() -> dict[str, float]:
    """This process's MEMORY_FIELDS (/proc/self/status), in MB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in MEMORY_FIELDS:
            fields[name] = int(value.split()[0]) / 1024  # the kernel reports kB
    return fields


def drop_from_page_cache(directory: Path) -> None:
    """Make the next reads of the files in `directory` (a store) come from the disk."""
    for path in directory.iterdir():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)  # only clean pages leave the cache
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
