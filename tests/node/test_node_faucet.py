"""The devnet faucet on a new chain: a grant goes out whole once block rewards cover it, nothing is sent before,
and a refused request does not start the address's cooldown."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from node_harness import lock_held_by_another_thread

from gostaking.chain.modules.bank.queries import get_balance
from gostaking.chain.numeric import GOS_DENOM
from gostaking.node.faucet import Faucet, FaucetGrant, FaucetNotFundedYetError, FaucetRateLimitedError
from gostaking.node.runtime import Node, open_devnet
from gostaking.node.settings import DevnetSettings, FaucetSettings
from gostaking.storage import MemoryStore
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey

ALICE = PrivateKey((41).to_bytes(32, "big")).address


class FakeClock:
    """Seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    opened = open_devnet(DevnetSettings(home=tmp_path), store=MemoryStore())
    try:
        yield opened
    finally:
        opened.close()


def make_faucet(node: Node, home: Path, settings: FaucetSettings, clock: FakeClock) -> Faucet:
    keyring = Keyring(home / "keys")
    return Faucet(node.app, keyring.load("operator", None), keyring.load("faucet", None), settings, clock)


def produce(node: Node, faucet: Faucet) -> None:
    """One block, then the faucet's upkeep, as the devnet's producer does after each commit."""
    assert node.producer is not None
    node.producer.produce_block()
    faucet.maintain()


def fund_when_covered(node: Node, faucet: Faucet, address: str, max_blocks: int) -> tuple[FaucetGrant, int]:
    """Ask after every block until the faucet grants; the grant and the refusals before it."""
    refusals = 0
    for _ in range(max_blocks):
        try:
            return faucet.fund(address), refusals
        except FaucetNotFundedYetError:
            refusals += 1
            produce(node, faucet)
    raise AssertionError(f"no grant within {max_blocks} blocks")


def test_new_chain_refuses_until_rewards_cover_a_whole_grant_then_sends_it_all(node: Node, tmp_path: Path) -> None:
    settings, clock = FaucetSettings(), FakeClock()
    faucet = make_faucet(node, tmp_path, settings, clock)
    with pytest.raises(FaucetNotFundedYetError, match=r"operator has 0 GOS of the 100\.011") as refused:
        faucet.fund(ALICE)
    assert refused.value.retry_after_s == settings.retry_after_s
    assert len(node.app.mempool) == 0  # nothing sent: no test assets without the GOS to use them

    grant, refusals = fund_when_covered(node, faucet, ALICE, max_blocks=30)  # the same address, at once
    assert refusals > 0 and grant.notes == [] and len(grant.tx_hashes) == 2
    assert grant.sent == {GOS_DENOM: settings.gos_ugos, **settings.assets}
    produce(node, faucet)
    with node.app.read() as state:
        assert {denom: get_balance(state, ALICE, denom) for denom in grant.sent} == grant.sent

    with pytest.raises(FaucetRateLimitedError):  # a grant that went out starts the cooldown
        faucet.fund(ALICE)
    clock.now += settings.cooldown_s
    produce(node, faucet)
    with pytest.raises(FaucetNotFundedYetError):  # the first grant took the operator's GOS: wait again
        faucet.fund(ALICE)


def test_assets_wait_for_the_faucet_accounts_fee_gos(node: Node, tmp_path: Path) -> None:
    faucet = make_faucet(node, tmp_path, FaucetSettings(gos_ugos=0), FakeClock())
    with pytest.raises(FaucetNotFundedYetError, match="faucet account has no GOS for the test assets' fees"):
        faucet.fund(ALICE)
    grant, _ = fund_when_covered(node, faucet, ALICE, max_blocks=10)  # the operator tops it up after a block
    assert GOS_DENOM not in grant.sent and set(grant.sent) == set(FaucetSettings().assets)


def test_upkeep_never_waits_for_the_state_lock_and_tops_up_after_a_later_block(node: Node, tmp_path: Path) -> None:
    # The upkeep runs on the block producer's thread: while an API reader holds the state lock it skips its check
    # (at once, sending nothing) instead of keeping the next block waiting; the next check tops the faucet up.
    faucet = make_faucet(node, tmp_path, FaucetSettings(gos_ugos=0), FakeClock())
    assert node.producer is not None
    node.producer.after_commit.clear()  # the devnet's own faucet would top the account up first
    for _ in range(5):
        node.producer.produce_block()  # the operator earns; the faucet account has no GOS for fees yet
    with lock_held_by_another_thread(node.app):
        started = time.monotonic()
        faucet.maintain()
        assert time.monotonic() - started < 1 and len(node.app.mempool) == 0
    faucet.maintain()
    assert len(node.app.mempool) == 1  # the top-up: operator → faucet account
    grant, refusals = fund_when_covered(node, faucet, ALICE, max_blocks=3)
    assert refusals == 1 and set(grant.sent) == set(FaucetSettings().assets)
