"""Taking a memory-mapped store file's pages out of this process's resident memory (Linux; elsewhere a no-op).

LMDB reads through a read-only shared mapping of its data file (the node never opens it with `writemap`; writes go
through write()). Every page a read touches stays mapped in the process, with the neighbours the kernel maps along
with it (fault-around) and reads ahead: the process's resident memory (VmRSS, of which these pages are RssFile) grows
with the part of the store the blocks have touched, without bound when the store is larger than memory.

Those pages belong to the kernel's page cache: clean copies of the file, shared by every process that maps or reads
it. madvise(MADV_DONTNEED) on a shared file mapping removes them from this process's page tables only: the page cache
keeps them (a later read maps them back without reading the disk while they stay cached), the mapping stays valid,
and a later access sees the file's current contents (madvise(2)), so a reader on another thread inside the range
meanwhile only takes a page fault. MADV_COLD would leave the pages mapped (resident memory unchanged), and
MADV_PAGEOUT would evict them from the page cache too (the next reads go to the disk).

No library call does this for a map it did not create (py-lmdb does not expose the map's address: its info() gives
it only for a fixed-address map), hence the range read from /proc/self/maps and madvise called through ctypes.
"""

from __future__ import annotations

import ctypes
import functools
import mmap
import os
import sys
from pathlib import Path

__all__ = ["mapped_file_bytes", "release_mapped_file"]

_LINUX = sys.platform.startswith("linux")
_PAGE_SIZE = mmap.PAGESIZE


def mapped_file_bytes() -> int | None:
    """Resident bytes of this process's mapped files (RssFile + RssShmem: a store on tmpfs counts in the second),
    from /proc/self/statm (a few microseconds); None off Linux."""
    if not _LINUX:
        return None
    with open("/proc/self/statm", "rb") as statm:
        shared_pages = int(statm.read().split()[2])  # size resident shared text lib data dt, in pages
    return shared_pages * _PAGE_SIZE


def release_mapped_file(path: Path) -> int:
    """Drop this process's mappings of the file at `path` from its resident memory (MADV_DONTNEED, see the module
    docstring); the bytes of address space advised (0: not mapped, or not Linux).

    The caller must keep the file mapped during the call (e.g. not close the LMDB environment meanwhile): a range
    unmapped and reused after /proc/self/maps was read would lose its contents."""
    if not _LINUX:
        return 0
    advised = 0
    for start, end in _mapped_ranges(os.path.realpath(path)):
        if _libc().madvise(ctypes.c_void_p(start), ctypes.c_size_t(end - start), mmap.MADV_DONTNEED) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"madvise(MADV_DONTNEED) of {path}'s map: {os.strerror(error)}")
        advised += end - start
    return advised


def _mapped_ranges(path: str) -> list[tuple[int, int]]:
    """The address ranges where this process maps the file at the (resolved) `path`."""
    ranges = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            # start-end perms offset dev inode pathname (the pathname may hold spaces, never a newline: escaped)
            fields = line.rstrip("\n").split(maxsplit=5)
            if len(fields) == 6 and fields[5] == path:
                start, _, end = fields[0].partition("-")
                ranges.append((int(start, 16), int(end, 16)))
    return ranges


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    libc.madvise.restype = ctypes.c_int
    return libc
