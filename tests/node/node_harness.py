"""Node test helpers: deterministic keys, a devnet-shaped genesis, a fake clock (fixtures in conftest) and the state
lock held by another thread."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from gostaking.chain.genesis import encode_genesis
from gostaking.node.app import GoStakingApp
from gostaking.node.consensus_key import ConsensusKey
from gostaking.node.runtime import make_devnet_genesis
from gostaking.wallet.keys import PrivateKey

CHAIN_ID = "gostaking-test"


def key(n: int) -> PrivateKey:
    """Deterministic test key n ≥ 1."""
    return PrivateKey(n.to_bytes(32, "big"))


OPERATOR = key(1)
FAUCET = key(2)
NODE_KEY = ConsensusKey(bytes(range(32)))


@pytest.fixture
def genesis_json() -> bytes:
    """A devnet-shaped genesis: one node run by OPERATOR, assets held by FAUCET, no GOS."""
    genesis = make_devnet_genesis(CHAIN_ID, OPERATOR.address, FAUCET.address, NODE_KEY.public_key, 1_000)
    return encode_genesis(genesis)


@pytest.fixture
def clock() -> Callable[[], int]:
    """A fake wall clock advancing 1 s per call."""
    now = [1_000_000]

    def tick() -> int:
        now[0] += 1_000
        return now[0]

    return tick


@contextmanager
def lock_held_by_another_thread(app: GoStakingApp) -> Iterator[None]:
    """While inside, another thread reads `app`'s state (holds its state lock), as an API reader would."""
    held, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with app.read():
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert held.wait(10)
        yield
    finally:
        release.set()
        holder.join(10)
