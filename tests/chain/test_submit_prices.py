"""MsgSubmitPrices and the oracle aggregate: mining nodes quote, the chain takes the median within a band."""

import pytest

from gostaking.chain.errors import InvalidAmountError, InvalidMessageError, UnauthorizedError, UnknownAssetError
from gostaking.chain.genesis import GenesisBalance
from gostaking.chain.modules.mining.queries import get_account_hash_power
from gostaking.chain.modules.oracle.queries import compute_aggregate, compute_median
from gostaking.chain.types.tx import MsgLockAsset, MsgSubmitPrices, PriceQuote

from harness import GOS, Chain, events_of, expect_msg_failure, expect_rejected, fund_gos, key, make_chain, with_params

PARAMS = with_params(oracle={"period_blocks": 5, "max_stale_periods": 2})
FEEDERS = [key(1000), key(1001), key(1002)]  # operators of the three genesis (mining) nodes
ALICE = key(1)


def make() -> Chain:
    chain = make_chain(params=PARAMS, node_count=3, balances=[GenesisBalance(ALICE.address, "btc", 10**8)])
    for feeder in FEEDERS[1:]:
        fund_gos(chain, feeder.address, 10 * GOS)
    return chain


def quote_btc(chain: Chain, prices: list[int | None]) -> None:
    """Each feeder with a price quotes BTC (in GOS) in one block."""
    txs = [
        chain.tx(feeder, MsgSubmitPrices([PriceQuote("btc", price * GOS)]))
        for feeder, price in zip(FEEDERS, prices, strict=True)
        if price is not None
    ]
    result = chain.block(*txs)
    assert [r.code for r in result.tx_results] == [0] * len(txs), [r.log for r in result.tx_results]


def to_period_end(chain: Chain) -> None:
    while chain.height % 5:
        chain.block()


def btc_price(chain: Chain) -> int:
    return chain.state.assets.get("btc").price_ugos // GOS  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("prices", "expected"),
    [
        ([9_000, 10_000, 11_000], 10_000),  # plain median
        ([10_000, 10_100, 50_000], 10_000),  # 50,000 is outside ±10% of 10,100: median of the other two (lower)
        ([10_000, 10_000, None], 10_000),  # two of three feeders meet the 2/3 quorum
    ],
)
def test_the_period_aggregate_sets_the_asset_price_and_moves_hash_power(
    prices: list[int | None], expected: int
) -> None:
    chain = make()
    to_period_end(chain)
    quote_btc(chain, [p // 2 if p else None for p in prices])  # an old period's quotes are replaced below
    to_period_end(chain)
    quote_btc(chain, prices)
    to_period_end(chain)
    assert btc_price(chain) == expected
    price = chain.state.oracle_prices.get("btc")
    assert price is not None and price.updated_height == chain.height and not price.stale


def test_lock_hash_power_follows_the_oracle_price() -> None:
    chain = make()
    fund_gos(chain, ALICE.address, 1 * GOS)
    assert chain.run(ALICE, MsgLockAsset("btc", 10**8)).code == 0
    assert get_account_hash_power(chain.state, ALICE.address)["lock:btc"] == 1_000 * 10**6  # 10,000 GOS × 0.1
    to_period_end(chain)
    quote_btc(chain, [20_000, 20_000, 20_000])
    to_period_end(chain)
    assert get_account_hash_power(chain.state, ALICE.address)["lock:btc"] == 2_000 * 10**6


def test_without_quorum_the_price_stays_and_turns_stale() -> None:
    chain = make()
    to_period_end(chain)
    quote_btc(chain, [12_000, 12_000, 12_000])
    to_period_end(chain)
    assert btc_price(chain) == 12_000
    stale_events = []
    for _ in range(2):
        quote_btc(chain, [30_000, None, None])  # one of three: below 2/3
        while chain.height % 5:
            stale_events += events_of(chain.block(), "price_stale")
    assert btc_price(chain) == 12_000
    price = chain.state.oracle_prices.get("btc")
    assert price is not None and price.stale and price.missed_periods == 2
    assert stale_events == [{"denom": "btc", "since_height": str(price.updated_height)}]


def test_only_mining_nodes_quote_and_bad_quotes_are_refused() -> None:
    chain = make()
    fund_gos(chain, ALICE.address, 1 * GOS)
    expect_msg_failure(chain, ALICE, MsgSubmitPrices([PriceQuote("btc", GOS)]), error=UnauthorizedError)
    feeder = FEEDERS[1]
    # quotes no feeder could ever send: refused before any fee
    expect_rejected(chain, chain.tx(feeder, MsgSubmitPrices([PriceQuote("doge", GOS)])), UnknownAssetError)
    expect_rejected(chain, chain.tx(feeder, MsgSubmitPrices([PriceQuote("btc", 0)])), InvalidAmountError)
    twice = MsgSubmitPrices([PriceQuote("btc", GOS), PriceQuote("btc", 2 * GOS)])
    expect_rejected(chain, chain.tx(feeder, twice), InvalidMessageError)
    expect_rejected(chain, chain.tx(feeder, MsgSubmitPrices([])), InvalidMessageError)


def test_aggregation_rule() -> None:
    assert compute_median([3, 1, 2]) == 2
    assert compute_median([4, 1, 3, 2]) == 2  # lower median
    assert compute_aggregate([100, 101, 300], 3, 666_666, 100_000) == (100, 2)
    assert compute_aggregate([100], 3, 666_666, 100_000) is None
    assert compute_aggregate([100, 200, 400], 3, 666_666, 100_000) is None  # all spread out: no agreement
    assert compute_aggregate([], 0, 666_666, 100_000) is None
