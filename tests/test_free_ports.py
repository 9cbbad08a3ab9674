"""The tests' free ports (free_ports.py): outside the ephemeral range, never handed out twice, apart per xdist
worker."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from free_ports import END_PORT, FIRST_PORT, free_port, free_port_block

HERE = Path(__file__).parent


def test_ports_are_below_the_ephemeral_range_distinct_and_free() -> None:
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == 50 and all(FIRST_PORT <= port < END_PORT for port in ports)
    for port in ports:
        with socket.socket() as server:
            server.bind(("127.0.0.1", port))


def test_a_port_in_use_is_passed_over() -> None:
    upcoming = free_port() + 1  # the walk goes on from there
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", upcoming))
        taken.listen()
        assert free_port() != upcoming


def test_a_block_is_contiguous_and_free() -> None:
    base = free_port_block(20)
    with socket.socket() as first, socket.socket() as last:
        first.bind(("127.0.0.1", base))
        last.bind(("127.0.0.1", base + 19))
    assert free_port() not in range(base, base + 20)  # the block's ports are not handed out again


def _ports_of_worker(worker: int, count: int) -> list[int]:
    code = "import json, free_ports; print(json.dumps([free_ports.free_port() for _ in range(200)]))"
    env = {**os.environ, "PYTEST_XDIST_WORKER": f"gw{worker}", "PYTEST_XDIST_WORKER_COUNT": str(count)}
    answer = subprocess.run([sys.executable, "-c", code], cwd=HERE, env=env, capture_output=True, text=True)
    assert answer.returncode == 0, answer.stderr
    ports: list[int] = json.loads(answer.stdout)
    return ports


def test_xdist_workers_get_ports_from_disjoint_shares() -> None:
    first, second = _ports_of_worker(0, 2), _ports_of_worker(1, 2)
    half = FIRST_PORT + (END_PORT - FIRST_PORT) // 2
    assert all(FIRST_PORT <= port < half for port in first)
    assert all(half <= port < END_PORT for port in second)
