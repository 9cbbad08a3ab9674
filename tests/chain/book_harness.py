"""A chain with order-book markets (btc with 8 decimals, eth with 18) and funded traders, shared by the book tests
and the book benchmark."""

from collections.abc import Sequence

import msgspec

from gostaking.chain.constants import BOOK_ACCOUNT, COMMUNITY_POOL_ACCOUNT
from gostaking.chain.genesis import Genesis, GenesisBalance, GenesisNode, init_chain
from gostaking.chain.invariants import check_invariants
from gostaking.chain.modules.bank.queries import get_balance, get_shares
from gostaking.chain.state import State
from gostaking.chain.types.book import BookGenesis, BookParams, MarketListing, MsgPlaceOrder
from gostaking.chain.types.params import ChainParams
from gostaking.wallet.keys import PrivateKey

from harness import BTC, CHAIN_ID, DCR, ETH, GOS, TEST_PARAMS, Chain, consensus_key, fund_gos, key

BTC_UNIT = 10**8
ETH_UNIT = 10**18
BTC_LOT = 100_000  # 0.001 btc
BTC_TICK = 1_000  # ugos per btc: lot × tick = 10^8, one whole btc
BTC_MARKET = MarketListing(
    "btc", tick_ugos=BTC_TICK, lot=BTC_LOT, maker_fee_ppm=1_000, taker_fee_ppm=2_000, min_notional_ugos=GOS
)
ETH_MARKET = MarketListing(
    "eth", tick_ugos=10**6, lot=10**12, maker_fee_ppm=0, taker_fee_ppm=3_000, min_notional_ugos=0
)
TRADERS = tuple(key(200 + i) for i in range(6))
BOOK_TEST_PARAMS = BookParams(max_open_orders_per_account=20, max_orders_per_block=100, max_expiries_per_block=3)


def make_book_chain(
    params: BookParams = BOOK_TEST_PARAMS,
    markets: Sequence[MarketListing] = (BTC_MARKET, ETH_MARKET),
    traders: Sequence[PrivateKey] = TRADERS,
    gos_each: int = 5_000 * GOS,
    btc_each: int = 100 * BTC_UNIT,
    chain_params: ChainParams = TEST_PARAMS,
    check: bool = True,
) -> Chain:
    """Genesis with one node (operator key(1000)), btc/eth/dcr listed, the book section and its markets; each
    trader holds `btc_each` btc, 1000 eth and `gos_each` ugos."""
    balances = [GenesisBalance(t.address, "btc", btc_each) for t in traders]
    balances += [GenesisBalance(t.address, "eth", 1_000 * ETH_UNIT) for t in traders]
    section = msgspec.json.encode(BookGenesis(params, list(markets)))
    state = State()
    genesis = Genesis(
        CHAIN_ID,
        0,
        chain_params,
        [BTC, ETH, DCR],
        balances,
        [GenesisNode(key(1000).address, consensus_key(1), "node-0")],
        modules={"book": msgspec.Raw(section)},
    )
    init_chain(state, genesis)
    check_invariants(state)
    chain = Chain(state, (consensus_key(1),), check=False)
    for trader in traders:
        fund_gos(chain, trader.address, gos_each)
    chain.check = check
    if check:
        check_invariants(state)
    return chain


def order(market: str, side: str, price: int, quantity: int, tif: str = "gtc", expiry: int = 0) -> MsgPlaceOrder:
    """A MsgPlaceOrder."""
    return MsgPlaceOrder(market, side, price, quantity, tif, expiry)


def holdings(state: State, addresses: Sequence[str], denom: str) -> dict[str, int]:
    """Raw units (GOS shares for ugos) of `denom` held by the addresses, the book and the community pool."""
    raw = get_shares if denom == "ugos" else (lambda s, a: get_balance(s, a, denom))
    return {a: raw(state, a) for a in (*addresses, BOOK_ACCOUNT, COMMUNITY_POOL_ACCOUNT)}
