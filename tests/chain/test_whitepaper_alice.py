"""The whitepaper's worked example ("算力换算详细规则"), reproduced on a real chain with mainnet parameters.

Alice locks 1 BTC, 20 ETH and 100 DCR, votes 500 GOS and stakes 500 GOS: 1,000 + 400 + 600 + 500 + 1,500
= 4,000 H/s. With the network at 800,000 H/s she holds 0.5% and earns 288,000 × 0.5% × 85% = 1,224 GOS a day.
"""

from gostaking.chain.genesis import GenesisBalance
from gostaking.chain.invariants import check_invariants
from gostaking.chain.modules.mining.queries import (
    get_account_hash_power,
    get_pending_reward_ugos,
    get_total_hash_power,
)
from gostaking.chain.numeric import MICRO_HASH_PER_HASH
from gostaking.chain.types.params import BLOCKS_PER_DAY, ChainParams
from gostaking.chain.types.tx import (
    MsgClaimRewards,
    MsgLockAsset,
    MsgSendCoins,
    MsgStakeNode,
    MsgVoteNode,
)

from harness import BTC, DCR, ETH, GOS, key, make_chain

ALICE = key(1)
BOB = key(2)
OPERATOR = key(1000)


def test_alice_gets_4000_hash_power_half_a_percent_and_1224_gos_a_day() -> None:
    chain = make_chain(
        params=ChainParams(),  # mainnet: 100 GOS a block, 85% to users, 2,880 blocks a day
        balances=[
            GenesisBalance(ALICE.address, "btc", 1 * 10**8),
            GenesisBalance(ALICE.address, "eth", 20 * 10**18),
            GenesisBalance(ALICE.address, "dcr", 100 * 10**8),
            # The rest of the network: 796 BTC at 1,000 H/s each.
            GenesisBalance(BOB.address, "btc", 796 * 10**8),
        ],
        check=False,
    )
    assert (BTC.price_ugos, ETH.price_ugos, DCR.price_ugos) == (10_000 * GOS, 200 * GOS, 30 * GOS)
    assert (BTC.weight_ppm, ETH.weight_ppm, DCR.weight_ppm) == (100_000, 100_000, 200_000)

    # No premine: the only GOS comes from blocks; the genesis node operator earns 10 GOS a block.
    chain.blocks(101)
    fee = 1_000
    assert chain.run(OPERATOR, MsgSendCoins(ALICE.address, "ugos", 1_000 * GOS + fee), fee=fee).code == 0
    assert chain.run(OPERATOR, MsgSendCoins(BOB.address, "ugos", fee), fee=fee).code == 0
    setup = chain.block(
        chain.tx(BOB, MsgLockAsset("btc", 796 * 10**8)),
        chain.tx(
            ALICE,
            MsgLockAsset("btc", 1 * 10**8),
            MsgLockAsset("eth", 20 * 10**18),
            MsgLockAsset("dcr", 100 * 10**8),
            MsgVoteNode(OPERATOR.address, 500 * GOS),
            MsgStakeNode(OPERATOR.address, 500 * GOS),
            fee=fee,
        ),
    )
    assert [r.code for r in setup.tx_results] == [0, 0], [r.log for r in setup.tx_results]
    assert chain.gos(ALICE.address) == 0

    per_pool = get_account_hash_power(chain.state, ALICE.address)
    assert {pool: power // MICRO_HASH_PER_HASH for pool, power in per_pool.items()} == {
        "lock:btc": 1_000,
        "lock:eth": 400,
        "lock:dcr": 600,
        "vote": 500,
        "stake": 1_500,
    }
    alice_power = sum(per_pool.values())
    network_power = get_total_hash_power(chain.state)
    assert alice_power == 4_000 * MICRO_HASH_PER_HASH
    assert network_power == 800_000 * MICRO_HASH_PER_HASH
    assert alice_power * 1_000 // network_power == 5  # 0.5% (in per-mille)

    # The setup block already paid Alice for itself; count one day of blocks after it.
    assert chain.run(ALICE, MsgClaimRewards(), fee=0).code != 0  # fee below minimum: nothing changes
    pending_before = get_pending_reward_ugos(chain.state, ALICE.address)
    chain.blocks(BLOCKS_PER_DAY)
    earned = get_pending_reward_ugos(chain.state, ALICE.address) - pending_before
    assert earned == 1_224 * GOS

    check_invariants(chain.state)
