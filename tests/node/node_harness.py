"""Node test helpers: deterministic keys, a devnet-shaped genesis and a fake clock (fixtures in conftest)."""

from collections.abc import Callable

import pytest

from gostaking.chain.genesis import encode_genesis
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
