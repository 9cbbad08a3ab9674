"""MsgLockAsset (lock.handlers.process_lock_asset): locking a listed external asset for hash power.

Rule (DESIGN.md): hash power of a lock = amount × price(asset in GOS) × weight(asset), kept in micro-H/s
(1 H/s = 10^6). With the harness assets — BTC 10,000 GOS w 0.1, ETH 200 GOS w 0.1, DCR 30 GOS w 0.2 —
1 BTC is 1,000 H/s, 20 ETH 400 H/s, 100 DCR 600 H/s (the whitepaper example). Rewards are lazy per pool; an
oracle/governance price change only changes the pool's weight from then on.
"""

import pytest

from gostaking.chain.constants import MODULE_ADDRESSES, MODULE_LOCKED
from gostaking.chain.errors import InsufficientFundsError, InvalidAmountError, UnknownAssetError
from gostaking.chain.genesis import GenesisBalance
from gostaking.chain.modules.lock.mutations import set_asset_valuation
from gostaking.chain.modules.lock.queries import get_locked_amount, get_locked_amounts
from gostaking.chain.modules.mining.queries import (
    get_account_hash_power,
    get_pending_reward_shares,
    get_pool_hash_power,
    get_total_hash_power,
)
from gostaking.chain.numeric import MICRO_HASH_PER_HASH, PPM
from gostaking.chain.types.lock import Asset
from gostaking.chain.types.tx import MsgLockAsset, MsgSendCoins

from harness import (
    BTC,
    DCR,
    ETH,
    GOS,
    TEST_PARAMS,
    Chain,
    events_of,
    expect_msg_failure,
    expect_rejected,
    fund_gos,
    key,
    make_chain,
)

ALICE, BOB = key(1), key(2)
H = MICRO_HASH_PER_HASH
FEE = 1_000
LOCKED = MODULE_ADDRESSES[MODULE_LOCKED]
HOLDINGS = {"btc": 3 * 10**8, "eth": 200 * 10**18, "dcr": 500 * 10**8}
ASSETS = {"btc": BTC, "eth": ETH, "dcr": DCR}
# Users' 85% of the 10,000 GOS test block reward, in shares (= ugos before any burn).
USERS_PER_BLOCK = TEST_PARAMS.emission.initial_reward_ugos * TEST_PARAMS.rewards.users_ppm // PPM
assert USERS_PER_BLOCK == 8_500 * GOS


def lock_power(asset: Asset, amount: int) -> int:
    """The rule, in micro-H/s: (amount / 10^decimals) × price (ugos) × weight (ppm / 10^6)."""
    return amount * asset.price_ugos * asset.weight_ppm // (10**asset.decimals * PPM)


@pytest.fixture
def chain() -> Chain:
    c = make_chain(
        balances=[GenesisBalance(ALICE.address, denom, amount) for denom, amount in HOLDINGS.items()]
        + [GenesisBalance(BOB.address, "eth", 100 * 10**18)]
    )
    fund_gos(c, ALICE.address, 100 * GOS)
    fund_gos(c, BOB.address, 100 * GOS)
    return c


@pytest.mark.parametrize(
    ("denom", "amount", "hash_power"),
    [
        ("btc", 1 * 10**8, 1_000 * H),  # 1 BTC × 10,000 × 0.1
        ("eth", 20 * 10**18, 400 * H),  # 20 ETH × 200 × 0.1
        ("dcr", 100 * 10**8, 600 * H),  # 100 DCR × 30 × 0.2
        ("btc", 12_345_678, 123_456_780),  # 0.12345678 BTC × 1,000 H/s per BTC
        ("eth", 5 * 10**17, 10 * H),  # 0.5 ETH × 20 H/s per ETH
        ("dcr", 1, 0),  # 1e-8 DCR is 0.06 micro-H/s: rounds down to nothing
    ],
)
def test_lock_gives_amount_times_price_times_weight(chain: Chain, denom: str, amount: int, hash_power: int) -> None:
    assert lock_power(ASSETS[denom], amount) == hash_power
    gos_before = chain.gos(ALICE.address)
    result = chain.run(ALICE, MsgLockAsset(denom, amount), fee=FEE)
    assert result.code == 0, result.log
    pool = f"lock:{denom}"
    assert get_account_hash_power(chain.state, ALICE.address) == {pool: hash_power}
    assert get_pool_hash_power(chain.state, pool) == hash_power
    assert get_total_hash_power(chain.state) == hash_power
    assert get_locked_amount(chain.state, ALICE.address, denom) == amount
    assert chain.balance(ALICE.address, denom) == HOLDINGS[denom] - amount
    assert chain.balance(LOCKED, denom) == amount
    assert chain.state.asset_supply.get(denom) == HOLDINGS[denom] + (100 * 10**18 if denom == "eth" else 0)
    assert chain.gos(ALICE.address) == gos_before - FEE  # locking costs only the fee
    assert events_of(result, "lock") == [{"address": ALICE.address, "denom": denom, "amount": str(amount)}]


def test_locks_of_several_assets_add_up_and_repeated_locks_accumulate(chain: Chain) -> None:
    result = chain.run(
        ALICE,
        MsgLockAsset("btc", 10**8),
        MsgLockAsset("eth", 10 * 10**18),
        MsgLockAsset("eth", 10 * 10**18),
        MsgLockAsset("dcr", 100 * 10**8),
    )
    assert result.code == 0, result.log
    assert get_locked_amounts(chain.state, ALICE.address) == {"btc": 10**8, "eth": 20 * 10**18, "dcr": 100 * 10**8}
    assert get_account_hash_power(chain.state, ALICE.address) == {
        "lock:btc": 1_000 * H,
        "lock:eth": 400 * H,
        "lock:dcr": 600 * H,
    }
    assert get_total_hash_power(chain.state) == 2_000 * H


def test_lock_the_whole_balance(chain: Chain) -> None:
    assert chain.run(ALICE, MsgLockAsset("btc", HOLDINGS["btc"])).code == 0
    assert chain.balance(ALICE.address, "btc") == 0
    assert get_account_hash_power(chain.state, ALICE.address) == {"lock:btc": 3_000 * H}


def test_two_holders_of_one_asset_share_the_pool(chain: Chain) -> None:
    block = chain.block(chain.tx(ALICE, MsgLockAsset("eth", 30 * 10**18)), chain.tx(BOB, MsgLockAsset("eth", 10**19)))
    assert [r.code for r in block.tx_results] == [0, 0]
    assert get_account_hash_power(chain.state, ALICE.address) == {"lock:eth": 600 * H}
    assert get_account_hash_power(chain.state, BOB.address) == {"lock:eth": 200 * H}
    assert get_pool_hash_power(chain.state, "lock:eth") == 800 * H
    # one pool, units 3:1: the block's users' reward splits exactly 3:1
    assert get_pending_reward_shares(chain.state, ALICE.address) == USERS_PER_BLOCK * 3 // 4
    assert get_pending_reward_shares(chain.state, BOB.address) == USERS_PER_BLOCK // 4


# --- rewards ------------------------------------------------------------------------------------------------------


def test_a_lock_earns_from_its_own_block_on(chain: Chain) -> None:
    # the tx runs before end block, so the lock already holds all hash power when the block's reward is shared
    assert chain.run(ALICE, MsgLockAsset("btc", 10**8)).code == 0
    assert get_pending_reward_shares(chain.state, ALICE.address) == USERS_PER_BLOCK
    chain.blocks(4)
    assert get_pending_reward_shares(chain.state, ALICE.address) == 5 * USERS_PER_BLOCK


def test_locking_more_settles_pending_rewards_first(chain: Chain) -> None:
    assert chain.run(ALICE, MsgLockAsset("btc", 10**8)).code == 0
    chain.blocks(2)
    pending = get_pending_reward_shares(chain.state, ALICE.address)
    assert pending == 3 * USERS_PER_BLOCK
    gos_before = chain.gos(ALICE.address)
    result = chain.run(ALICE, MsgLockAsset("btc", 10**8), fee=FEE)
    assert result.code == 0, result.log
    assert events_of(result, "reward_paid") == [{"address": ALICE.address, "pool": "lock:btc", "shares": str(pending)}]
    assert chain.gos(ALICE.address) == gos_before + pending - FEE
    # the new units did not inherit the old rewards: after the lock's block only that block is pending
    assert get_pending_reward_shares(chain.state, ALICE.address) == USERS_PER_BLOCK
    assert get_account_hash_power(chain.state, ALICE.address) == {"lock:btc": 2_000 * H}


def test_price_change_moves_only_future_pool_weights(chain: Chain) -> None:
    # Alice 1 BTC = 1,000 H/s, Bob 30 ETH = 600 H/s: the users' part splits 1,000 : 600 (5/8 : 3/8), exactly.
    block = chain.block(chain.tx(ALICE, MsgLockAsset("btc", 10**8)), chain.tx(BOB, MsgLockAsset("eth", 30 * 10**18)))
    assert [r.code for r in block.tx_results] == [0, 0]
    chain.blocks(2)
    alice, bob = USERS_PER_BLOCK * 5 // 8, USERS_PER_BLOCK * 3 // 8
    assert (alice * 8, bob * 8) == (USERS_PER_BLOCK * 5, USERS_PER_BLOCK * 3)  # no rounding involved
    assert get_pending_reward_shares(chain.state, ALICE.address) == 3 * alice
    assert get_pending_reward_shares(chain.state, BOB.address) == 3 * bob
    accumulators = {p: chain.state.pools.get(p).acc_reward_per_unit for p in ("lock:btc", "lock:eth")}

    # The oracle raises BTC to 14,000 GOS: Alice now has 1,400 H/s against Bob's 600 (7/10 : 3/10).
    set_asset_valuation(chain.state, "btc", 14_000 * GOS, BTC.weight_ppm)
    assert chain.state.assets.get("btc").price_ugos == 14_000 * GOS
    assert get_account_hash_power(chain.state, ALICE.address) == {"lock:btc": 1_400 * H}
    # nothing already accrued moves
    assert get_pending_reward_shares(chain.state, ALICE.address) == 3 * alice
    assert get_pending_reward_shares(chain.state, BOB.address) == 3 * bob
    assert {p: chain.state.pools.get(p).acc_reward_per_unit for p in accumulators} == accumulators

    chain.block()
    assert get_pending_reward_shares(chain.state, ALICE.address) == 3 * alice + USERS_PER_BLOCK * 7 // 10
    assert get_pending_reward_shares(chain.state, BOB.address) == 3 * bob + USERS_PER_BLOCK * 3 // 10


def test_weight_set_to_zero_stops_a_pools_rewards_but_keeps_what_it_earned(chain: Chain) -> None:
    block = chain.block(chain.tx(ALICE, MsgLockAsset("btc", 10**8)), chain.tx(BOB, MsgLockAsset("eth", 30 * 10**18)))
    assert [r.code for r in block.tx_results] == [0, 0]
    earned = get_pending_reward_shares(chain.state, ALICE.address)
    assert earned == USERS_PER_BLOCK * 5 // 8
    bob_before = get_pending_reward_shares(chain.state, BOB.address)
    set_asset_valuation(chain.state, "btc", BTC.price_ugos, 0)
    assert get_account_hash_power(chain.state, ALICE.address) == {"lock:btc": 0}
    chain.blocks(2)
    assert get_pending_reward_shares(chain.state, ALICE.address) == earned
    # Bob's pool now has all the hash power; the per-unit accumulator of 3e19 wei rounds down (< 1 share a block)
    bob_gain = get_pending_reward_shares(chain.state, BOB.address) - bob_before
    assert 2 * USERS_PER_BLOCK - 2 <= bob_gain <= 2 * USERS_PER_BLOCK


# --- invalid locks: fee charged, sequence consumed, nothing else changes --------------------------------------


@pytest.mark.parametrize("denom", ["doge", "ugos", "BTC", ""])
def test_unregistered_asset_cannot_be_locked(chain: Chain, denom: str) -> None:
    # GOS is voted or staked, never locked; names are case-sensitive: refused before any fee
    result = expect_rejected(chain, chain.tx(ALICE, MsgLockAsset(denom, 1)), UnknownAssetError)
    assert "not registered" in result.log


@pytest.mark.parametrize("denom", ["btc", "eth", "dcr"])
def test_lock_more_than_the_balance_fails(chain: Chain, denom: str) -> None:
    expect_msg_failure(chain, ALICE, MsgLockAsset(denom, HOLDINGS[denom] + 1), error=InsufficientFundsError)
    assert get_locked_amount(chain.state, ALICE.address, denom) == 0


def test_lock_of_an_asset_the_sender_lacks_fails(chain: Chain) -> None:
    expect_msg_failure(chain, BOB, MsgLockAsset("btc", 1), error=InsufficientFundsError)


@pytest.mark.parametrize("amount", [0, -1, -(10**8), 2**256])
def test_zero_negative_or_too_large_lock_is_refused(chain: Chain, amount: int) -> None:
    expect_rejected(chain, chain.tx(ALICE, MsgLockAsset("btc", amount)), InvalidAmountError)


def test_failing_message_reverts_an_earlier_lock_in_the_same_tx(chain: Chain) -> None:
    expect_msg_failure(
        chain,
        ALICE,
        MsgLockAsset("btc", 10**8),
        MsgLockAsset("eth", 10**18),
        MsgLockAsset("btc", HOLDINGS["btc"]),  # only 2 BTC are left after the first message
        error=InsufficientFundsError,
    )
    chain.block()
    assert get_locked_amounts(chain.state, ALICE.address) == {}
    assert get_total_hash_power(chain.state) == 0


def test_locked_units_cannot_be_sent(chain: Chain) -> None:
    assert chain.run(ALICE, MsgLockAsset("btc", HOLDINGS["btc"])).code == 0
    expect_msg_failure(chain, ALICE, MsgSendCoins(BOB.address, "btc", 1), error=InsufficientFundsError)
