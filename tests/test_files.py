"""Atomic file replacement and exclusive locks: content is old or new, permissions as asked, exactly one creator
wins, nothing temporary is left behind, and a lock keeps out everyone until it is closed."""

import os
import stat
import threading
from pathlib import Path

import pytest

from gostaking.files import FileLockedError, exclusive_lock, write_atomic


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_write_replaces_the_content_with_the_mode_asked(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    write_atomic(target, b"old")
    assert target.read_bytes() == b"old" and stat.S_IMODE(target.stat().st_mode) == 0o600  # private by default
    write_atomic(target, b"new", mode=0o644)
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o644
    assert leftovers(tmp_path) == []


def test_the_mode_is_less_the_umask_as_with_open(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        write_atomic(tmp_path / "shared.sig", b"x", mode=0o666)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "shared.sig").stat().st_mode) == 0o640


def test_exclusive_creation_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "alice.json"
    write_atomic(target, b"first", exclusive=True)
    with pytest.raises(FileExistsError):
        write_atomic(target, b"second", exclusive=True)
    assert target.read_bytes() == b"first"
    assert leftovers(tmp_path) == []  # the losing writer's temporary file is gone too


def test_of_many_racing_creators_exactly_one_wins(tmp_path: Path) -> None:
    target = tmp_path / "unsigned.psbt"
    winners: list[bytes] = []
    start = threading.Barrier(8)

    def create(data: bytes) -> None:
        start.wait()
        try:
            write_atomic(target, data, exclusive=True)
        except FileExistsError:
            return
        winners.append(data)

    threads = [threading.Thread(target=create, args=(bytes([i]) * 1000,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1 and target.read_bytes() == winners[0]
    assert leftovers(tmp_path) == []


def test_a_failed_write_leaves_the_old_content_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "genesis.json"
    write_atomic(target, b"old")
    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old" and leftovers(tmp_path) == []
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "missing" / "file", b"x")  # the folder is the caller's to create


def test_a_lock_is_exclusive_until_closed(tmp_path: Path) -> None:
    path = tmp_path / "node.lock"
    # flock locks belong to an open file, so a second open in this process is refused like another process.
    with exclusive_lock(path), pytest.raises(FileLockedError, match=r"node\.lock is locked"):
        exclusive_lock(path)
    with exclusive_lock(path):
        pass  # released when the first handle closed
    handle = exclusive_lock(path)
    handle.close()
    exclusive_lock(path).close()
