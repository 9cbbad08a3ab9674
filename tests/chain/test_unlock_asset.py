"""MsgUnlockAsset (lock.handlers.process_unlock_asset): returning locked units to the balance.

Hash power stops at once; the position's pending rewards are settled (paid to the balance) by the unlock.
"""

import pytest

from gostaking.chain.constants import MODULE_ADDRESSES, MODULE_COMMUNITY_POOL, MODULE_LOCKED
from gostaking.chain.errors import InsufficientFundsError, InvalidAmountError, UnknownAssetError
from gostaking.chain.genesis import GenesisBalance
from gostaking.chain.modules.lock.queries import get_locked_amount
from gostaking.chain.modules.mining.queries import (
    get_account_hash_power,
    get_pending_reward_shares,
    get_total_hash_power,
)
from gostaking.chain.numeric import MICRO_HASH_PER_HASH, PPM
from gostaking.chain.types.tx import MsgClaimRewards, MsgLockAsset, MsgUnlockAsset

from harness import GOS, TEST_PARAMS, Chain, events_of, expect_msg_failure, expect_rejected, fund_gos, key, make_chain

ALICE, BOB = key(1), key(2)
H = MICRO_HASH_PER_HASH
FEE = 1_000
BTC_UNITS = 10**8
LOCKED = MODULE_ADDRESSES[MODULE_LOCKED]
COMMUNITY = MODULE_ADDRESSES[MODULE_COMMUNITY_POOL]
REWARD = TEST_PARAMS.emission.initial_reward_ugos
USERS_PER_BLOCK = REWARD * TEST_PARAMS.rewards.users_ppm // PPM
CANDIDATES_PER_BLOCK = REWARD * TEST_PARAMS.rewards.candidate_nodes_ppm // PPM


@pytest.fixture
def chain() -> Chain:
    """Alice holds 3 BTC and has locked 2 of them (2,000 H/s) in the last block; Bob has GOS for fees."""
    c = make_chain(balances=[GenesisBalance(ALICE.address, "btc", 3 * BTC_UNITS)])
    fund_gos(c, ALICE.address, 100 * GOS)
    fund_gos(c, BOB.address, 100 * GOS)
    assert c.run(ALICE, MsgLockAsset("btc", 2 * BTC_UNITS)).code == 0
    assert get_account_hash_power(c.state, ALICE.address) == {"lock:btc": 2_000 * H}
    return c


def test_partial_unlock_returns_units_and_lowers_hash_power(chain: Chain) -> None:
    result = chain.run(ALICE, MsgUnlockAsset("btc", BTC_UNITS // 4))
    assert result.code == 0, result.log
    assert get_locked_amount(chain.state, ALICE.address, "btc") == 7 * BTC_UNITS // 4
    assert chain.balance(ALICE.address, "btc") == BTC_UNITS + BTC_UNITS // 4
    assert chain.balance(LOCKED, "btc") == 7 * BTC_UNITS // 4
    assert get_account_hash_power(chain.state, ALICE.address) == {"lock:btc": 1_750 * H}
    assert events_of(result, "unlock") == [{"address": ALICE.address, "denom": "btc", "amount": str(BTC_UNITS // 4)}]


def test_full_unlock_removes_the_position_and_its_hash_power(chain: Chain) -> None:
    assert chain.run(ALICE, MsgUnlockAsset("btc", 2 * BTC_UNITS)).code == 0
    assert (ALICE.address, "lock:btc") not in chain.state.positions
    assert get_account_hash_power(chain.state, ALICE.address) == {}
    assert get_total_hash_power(chain.state) == 0
    assert chain.balance(ALICE.address, "btc") == 3 * BTC_UNITS
    assert chain.balance(LOCKED, "btc") == 0


def test_unlock_settles_rewards_and_no_more_accrue_after_a_full_unlock(chain: Chain) -> None:
    # locked in the fixture's last block and held alone for it and 3 more blocks
    chain.blocks(3)
    pending = get_pending_reward_shares(chain.state, ALICE.address)
    assert pending == 4 * USERS_PER_BLOCK
    gos_before = chain.gos(ALICE.address)
    result = chain.run(ALICE, MsgUnlockAsset("btc", 2 * BTC_UNITS), fee=FEE)
    assert result.code == 0, result.log
    assert events_of(result, "reward_paid") == [{"address": ALICE.address, "pool": "lock:btc", "shares": str(pending)}]
    assert chain.gos(ALICE.address) == gos_before + pending - FEE
    assert get_pending_reward_shares(chain.state, ALICE.address) == 0
    # with no hash power left, the users' part and (no candidates) the candidates' part go to the community pool
    community = chain.gos(COMMUNITY)
    chain.blocks(2)
    assert chain.gos(ALICE.address) == gos_before + pending - FEE
    assert get_pending_reward_shares(chain.state, ALICE.address) == 0
    assert chain.gos(COMMUNITY) == community + 2 * (USERS_PER_BLOCK + CANDIDATES_PER_BLOCK)


def test_partial_unlock_settles_and_the_rest_keeps_earning(chain: Chain) -> None:
    chain.blocks(1)
    gos_before = chain.gos(ALICE.address)
    assert chain.run(ALICE, MsgUnlockAsset("btc", BTC_UNITS), fee=FEE).code == 0
    assert chain.gos(ALICE.address) == gos_before + 2 * USERS_PER_BLOCK - FEE
    # still the only holder: the unlock's own block is pending in full
    assert get_pending_reward_shares(chain.state, ALICE.address) == USERS_PER_BLOCK


def test_unlock_and_relock_in_one_tx(chain: Chain) -> None:
    result = chain.run(ALICE, MsgUnlockAsset("btc", 2 * BTC_UNITS), MsgLockAsset("btc", 3 * BTC_UNITS))
    assert result.code == 0, result.log
    assert get_locked_amount(chain.state, ALICE.address, "btc") == 3 * BTC_UNITS
    assert get_account_hash_power(chain.state, ALICE.address) == {"lock:btc": 3_000 * H}


# --- invalid unlocks: fee charged, sequence consumed, nothing else changes (no settlement either) -------------


def test_unlock_more_than_locked_fails(chain: Chain) -> None:
    chain.blocks(1)
    result = expect_msg_failure(chain, ALICE, MsgUnlockAsset("btc", 2 * BTC_UNITS + 1), error=InsufficientFundsError)
    assert f"only {2 * BTC_UNITS} btc locked" in result.log
    assert get_pending_reward_shares(chain.state, ALICE.address) == 2 * USERS_PER_BLOCK  # not settled


def test_unlock_more_than_locked_fails_even_if_the_balance_could_cover_it(chain: Chain) -> None:
    # Alice holds 1 BTC unlocked, but unlocking draws only on her own lock.
    expect_msg_failure(chain, ALICE, MsgUnlockAsset("btc", 3 * BTC_UNITS), error=InsufficientFundsError)


def test_unlock_without_a_lock_fails_and_cannot_touch_anothers_lock(chain: Chain) -> None:
    result = expect_msg_failure(chain, BOB, MsgUnlockAsset("btc", 1), error=InsufficientFundsError)
    assert "only 0 btc locked" in result.log
    assert get_locked_amount(chain.state, ALICE.address, "btc") == 2 * BTC_UNITS


@pytest.mark.parametrize("denom", ["doge", "ugos", "BTC"])
def test_unlock_of_an_unregistered_asset_is_refused(chain: Chain, denom: str) -> None:
    expect_rejected(chain, chain.tx(ALICE, MsgUnlockAsset(denom, 1)), UnknownAssetError)


@pytest.mark.parametrize("amount", [0, -1, 2**256])
def test_zero_negative_or_too_large_unlock_is_refused(chain: Chain, amount: int) -> None:
    expect_rejected(chain, chain.tx(ALICE, MsgUnlockAsset("btc", amount)), InvalidAmountError)


def test_failing_unlock_reverts_a_claim_in_the_same_tx(chain: Chain) -> None:
    chain.blocks(1)
    assert get_pending_reward_shares(chain.state, ALICE.address) == 2 * USERS_PER_BLOCK
    expect_msg_failure(
        chain,
        ALICE,
        MsgClaimRewards(),
        MsgUnlockAsset("btc", BTC_UNITS),
        MsgUnlockAsset("btc", 2 * BTC_UNITS),  # 1 BTC is left locked after the first unlock
        error=InsufficientFundsError,
    )
    assert get_pending_reward_shares(chain.state, ALICE.address) == 2 * USERS_PER_BLOCK
    assert get_locked_amount(chain.state, ALICE.address, "btc") == 2 * BTC_UNITS
