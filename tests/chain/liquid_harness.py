"""A chain with the liquid module's test parameters (short rebalance interval, small pool target), shared by the
liquid-staking tests."""

from collections.abc import Sequence

import msgspec
from msgspec.structs import replace

from gostaking.chain.constants import LIQUID_ACCOUNT, LIQUID_POOL_ACCOUNT
from gostaking.chain.genesis import Genesis, GenesisNode, init_chain
from gostaking.chain.invariants import check_invariants
from gostaking.chain.modules.liquid.queries import get_exchange_rate, get_holdings
from gostaking.chain.state import State
from gostaking.chain.types.compliance import FreezeAction
from gostaking.chain.types.liquid import LiquidGenesis, LiquidParams
from gostaking.chain.types.params import ChainParams, ComplianceParams
from gostaking.chain.types.tx import MsgApproveComplianceAction

from harness import CHAIN_ID, GOS, TEST_PARAMS, Chain, consensus_key, fund_gos, key

ALICE, BOB, CAROL = key(1), key(2), key(3)
COUNCIL = (key(3101), key(3102))
LIQUID_TEST_PARAMS = LiquidParams(
    rebalance_interval_blocks=5,
    max_node_share_ppm=1_000_000,
    target_liquidity_ugos=1_000 * GOS,
    max_ticket_payouts_per_block=3,
)
CHAIN_PARAMS: ChainParams = replace(
    TEST_PARAMS,
    compliance=ComplianceParams(council=tuple(c.address for c in COUNCIL), council_threshold=1),
)
MODULE_ACCOUNTS = (LIQUID_ACCOUNT, LIQUID_POOL_ACCOUNT)


def make_liquid_chain(
    liquid: LiquidParams = LIQUID_TEST_PARAMS,
    node_count: int = 1,
    funded: Sequence[str] = (ALICE.address, BOB.address, CAROL.address),
    gos_each: int = 20_000 * GOS,
    params: ChainParams = CHAIN_PARAMS,
) -> Chain:
    """Genesis with `node_count` nodes operated by key(1000 + i) (the mining set) and the liquid section; each
    funded account receives `gos_each` from the first node's rewards."""
    nodes = [GenesisNode(key(1000 + i).address, consensus_key(i + 1), f"node-{i}") for i in range(node_count)]
    section = msgspec.json.encode(LiquidGenesis(liquid))
    state = State()
    init_chain(state, Genesis(CHAIN_ID, 0, params, nodes=nodes, modules={"liquid": msgspec.Raw(section)}))
    check_invariants(state)
    chain = Chain(state, tuple(consensus_key(i + 1) for i in range(node_count)))
    for address in funded:
        fund_gos(chain, address, gos_each)
    return chain


def freeze(chain: Chain, address: str) -> None:
    """The compliance council (1 of 2) freezes `address`."""
    fund_gos(chain, COUNCIL[0].address, GOS)
    action = FreezeAction(address, "test", "case-1")
    assert chain.run(COUNCIL[0], MsgApproveComplianceAction(action=action)).code == 0


def rate_of(chain: Chain) -> tuple[int, int]:
    """(GOS shares controlled, sGOS supply)."""
    rate = get_exchange_rate(chain.state)
    return rate.gos_shares, rate.sgos_supply


def controlled(chain: Chain) -> int:
    """GOS shares behind sGOS."""
    return get_holdings(chain.state).controlled_shares


def to_next_rebalance(chain: Chain) -> None:
    """Apply blocks until the last applied block was a rebalance (its end rebalanced)."""
    interval = LIQUID_TEST_PARAMS.rebalance_interval_blocks
    chain.block()
    while chain.height % interval:
        chain.block()
