"""GET /oracle/prices and /oracle/params: quotes by the mining node, aggregation at period ends, staleness."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_book_harness import BOOK_MODULES, BTC_LOT
from api_compliance_harness import (
    ALICE,
    BOB,
    MAX_STALE_PERIODS,
    OPERATOR,
    ORACLE_PERIOD,
    compliance_params,
    fund_actors,
    get,
    ok,
    open_compliance_devnet,
    run,
)
from api_harness import GOS, Devnet

from gostaking.chain.modules.oracle.queries import get_market_twaps
from gostaking.chain.types.book import MsgPlaceOrder
from gostaking.chain.types.tx import MsgSubmitPrices, PriceQuote

TWAP_WINDOW = compliance_params().oracle.twap_window_blocks


def _asset(document: dict[str, object], denom: str) -> dict[str, object]:
    """One asset of a /oracle/prices document."""
    assets = document["assets"]
    assert isinstance(assets, list)
    found: dict[str, object] = next(a for a in assets if a["denom"] == denom)
    return found


def test_prices_follow_the_feeders_and_go_stale(chain: Devnet) -> None:
    fund_actors(chain)
    params = get(chain, "/oracle/params")
    assert params == {
        "period_blocks": ORACLE_PERIOD,
        "min_feeders_ppm": 666_666,
        "min_feeders": "66.6666%",
        "outlier_band_ppm": 100_000,
        "outlier_band": "10%",
        "max_stale_periods": MAX_STALE_PERIODS,
        "twap_window_blocks": TWAP_WINDOW,
        "feeders": [OPERATOR.address],
    }
    before = get(chain, "/oracle/prices")
    assert [a["denom"] for a in before["assets"]] == ["atom", "btc", "dcr", "eth"]
    btc = _asset(before, "btc")
    assert btc["oracle"] is None and btc["price"] == {"ugos": 10_000 * GOS, "gos": "10000"}
    assert btc["weight"] == "0.1" and btc["weight_ppm"] == 100_000 and btc["hosted_chain"] == "bitcoin"

    refused = run(chain, ALICE, MsgSubmitPrices([PriceQuote("btc", 11_000 * GOS)]))
    assert refused["code"] != 0 and "only mining nodes feed prices" in refused["log"]
    # Quote early in a period so the aggregation comes after the quote.
    while (chain.node.app.height + 1) % ORACLE_PERIOD != 1:
        chain.produce()
    quoted_at = ok(chain, OPERATOR, MsgSubmitPrices([PriceQuote("btc", 12_345_500_000)]))["height"]
    running = get(chain, "/oracle/prices")
    assert running["next_aggregation_height"] == quoted_at - 1 + ORACLE_PERIOD
    assert _asset(running, "btc")["quotes_this_period"] == 1 and _asset(running, "eth")["quotes_this_period"] == 0

    chain.produce(running["next_aggregation_height"] - chain.node.app.height)
    after = get(chain, "/oracle/prices")
    btc = _asset(after, "btc")
    assert btc["price"] == {"ugos": 12_345_500_000, "gos": "12345.5"}
    assert btc["oracle"] == {
        "price": {"ugos": 12_345_500_000, "gos": "12345.5"},
        "updated_height": running["next_aggregation_height"],
        "feeders": 1,
        "missed_periods": 0,
        "stale": False,
    }
    assert btc["quotes_this_period"] == 0 and _asset(after, "eth")["oracle"] is None
    assert get(chain, "/assets")[1]["price"]["gos"] == "12345.5"

    chain.produce(ORACLE_PERIOD)
    one_missed = _asset(get(chain, "/oracle/prices"), "btc")["oracle"]
    assert isinstance(one_missed, dict) and one_missed["missed_periods"] == 1 and one_missed["stale"] is False
    chain.produce(ORACLE_PERIOD * (MAX_STALE_PERIODS - 1))
    stale = _asset(get(chain, "/oracle/prices"), "btc")
    assert stale["oracle"] == {
        "price": {"ugos": 12_345_500_000, "gos": "12345.5"},
        "updated_height": running["next_aggregation_height"],
        "feeders": 1,
        "missed_periods": MAX_STALE_PERIODS,
        "stale": True,
    }
    assert stale["price"] == btc["price"]  # a stale price stays, flagged


@pytest.fixture
def book_chain(tmp_path: Path) -> Iterator[Devnet]:
    with open_compliance_devnet(tmp_path, modules=BOOK_MODULES) as devnet:
        fund_actors(devnet)
        yield devnet


def test_prices_show_the_exchanges_time_weighted_averages(book_chain: Devnet) -> None:
    chain = book_chain
    twap = _asset(get(chain, "/oracle/prices"), "btc")["exchange_twap"]
    assert twap["pool"] is None and twap["book"] is None  # no pool and no trade yet
    cleared = 1_234 * GOS
    ok(chain, ALICE, MsgPlaceOrder("btc", "sell", cleared, 5 * BTC_LOT))
    traded_at = ok(chain, BOB, MsgPlaceOrder("btc", "buy", cleared, 5 * BTC_LOT))["height"]
    assert get(chain, "/book/markets/btc")["last_auction"]["height"] == traded_at
    # Once a whole window lies after the trade, the book's average is its clearing price.
    chain.produce(TWAP_WINDOW + ORACLE_PERIOD)
    document = get(chain, "/oracle/prices")
    twap = _asset(document, "btc")["exchange_twap"]
    with chain.node.app.read() as state:
        expected = get_market_twaps(state, "btc")
    assert twap["height"] == expected.height == document["height"]
    assert twap["since_height"] == expected.since_height and expected.since_height >= traded_at
    assert twap["book"] == {"ugos": cleared, "gos": "1234"} and expected.book_ugos == cleared
    assert twap["pool"] is None and _asset(document, "eth")["exchange_twap"]["book"] is None


def test_oracle_endpoints_reject_writes_and_unknown_paths(chain: Devnet) -> None:
    chain.produce()
    assert chain.client.post("/oracle/prices", json={}).status_code == 405
    assert get(chain, "/oracle/prices/btc", 404)["error"] == "NotFound"
