"""Free TCP ports for the servers the tests start: below the kernel's ephemeral range, and apart per pytest-xdist
worker.

The usual way (bind port 0, close, hand the number on) takes a port from the ephemeral range, which the kernel also
gives to every outgoing connection: between the probe and the server's own bind, a client connection of any test,
or the other worker's probe, may take the same port, and the server fails to start. Here each worker walks its own
slice of 10000–25999 (below Linux's ephemeral range, 32768 on, and below CometBFT's default ports, 26656 on) and
hands out a port that binds now, never the same one twice in a process: nothing else on the machine is given those
ports unasked.
"""

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

from gostaking.node.localnet.cometbft import port_is_free

FIRST_PORT = 10_000
END_PORT = 26_000
_EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")


def _slice() -> Iterator[int]:
    """This process's ports: its xdist worker's share of FIRST_PORT up to END_PORT (or to the ephemeral range,
    where a machine starts it lower)."""
    try:
        end = min(END_PORT, int(_EPHEMERAL.read_text().split()[0]))
    except (OSError, ValueError, IndexError):
        end = END_PORT
    if end - FIRST_PORT < 2_000:  # an ephemeral range that starts below 12000: all ports from 10000, still apart
        end = 65_536
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    workers = max(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")), worker + 1)
    size = (end - FIRST_PORT) // workers
    start = FIRST_PORT + worker * size
    # Begin where the same worker of a run just before this one is unlikely to have been, and go round the slice.
    first = start + os.getpid() % size
    return itertools.chain(range(first, start + size), range(start, first))


_ports = _slice()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on now and that no other test of this run was given."""
    for port in _ports:
        if port_is_free(port):
            return port
    raise RuntimeError("no free port left in this test process's share")


def free_port_block(size: int) -> int:
    """A base port whose `size` ports from it are all free now and given to no other test of this run (a
    localnet's nodes take base + 10·i …)."""
    while True:
        base = free_port()
        rest = list(itertools.islice(_ports, size - 1))  # base + 1 … but where the walk goes round
        if len(rest) < size - 1:
            raise RuntimeError("no free port block left in this test process's share")
        if rest == list(range(base + 1, base + size)) and all(port_is_free(port) for port in rest):
            return base
