"""Price feeder: recorded ccxt tickers from fake exchanges (no network) → exact integer prices in ugos →
MsgSubmitPrices accepted from a mining node operator."""

import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from gateway_harness import GatewayNet

from gostaking.bridge.errors import PriceFeedError
from gostaking.bridge.feeder import PriceFeeder, make_exchange, median, ticker_price, to_price_ugos
from gostaking.chain.types.tx import PriceQuote

RECORDED = json.loads((Path(__file__).parent / "fixtures" / "tickers" / "ccxt_tickers.json").read_text())
NOW_S = 1_764_000_060.0
PAIRS = {"btc": "BTC/USDT", "eth": "ETH/USDT", "dcr": "DCR/USDT", "atom": "ATOM/USDT"}


class FakeExchange:
    """Serves recorded ccxt ticker dicts; unknown symbols fail like ccxt's BadSymbol."""

    def __init__(self, exchange_id: str, broken: bool = False) -> None:
        self.id = exchange_id
        self.tickers: dict[str, dict[str, Any]] = RECORDED["exchanges"][exchange_id]
        self.broken = broken

    def fetch_ticker(self, symbol: str) -> Mapping[str, Any]:
        if self.broken:
            raise ConnectionError(f"{self.id} is down")
        if symbol not in self.tickers:
            raise KeyError(f"{self.id} does not have market symbol {symbol}")
        return self.tickers[symbol]


def feeder(min_exchanges: int = 1, broken: str = "") -> PriceFeeder:
    exchanges = [FakeExchange(e, broken=e == broken) for e in ("binance", "kraken", "okx")]
    return PriceFeeder(exchanges, PAIRS, min_exchanges=min_exchanges, clock=lambda: NOW_S)


def test_prices_are_exact_medians_in_ugos() -> None:
    quotes = feeder().quotes()
    assert quotes == [
        PriceQuote("atom", 35_004_052),  # okx's ticker is stale: median of binance and kraken, 4.3195
        PriceQuote("btc", 787_061_993_517),  # 97123.45 / 0.1234 GOS
        PriceQuote("dcr", 114_019_449),
        PriceQuote("eth", 24_409_238_250),
    ]
    assert all(type(q.price_ugos) is int for q in quotes)


def test_thin_markets_and_outages() -> None:
    assert "dcr" not in {q.denom for q in feeder(min_exchanges=2).quotes()}  # one exchange lists DCR
    assert [q.denom for q in feeder(broken="binance").quotes(listed={"btc"})] == ["btc"]
    with pytest.raises(PriceFeedError, match="GOS/USDT"):
        feeder(min_exchanges=3, broken="okx").quotes()


def test_ticker_and_arithmetic_helpers() -> None:
    assert ticker_price({"last": None, "bid": 1.5, "ask": 2.5}) == Decimal(2)
    assert ticker_price({"last": 0.1}) == Decimal("0.1")  # the float's shortest repr, not its binary value
    assert ticker_price({"last": None, "close": None}) is None
    assert ticker_price({"last": float("nan")}) is None
    assert median([Decimal(3), Decimal(1), Decimal(2), Decimal(10)]) == Decimal("2.5")
    assert to_price_ugos(Decimal("1"), Decimal("3")) == 333_333  # 0.333333… GOS
    assert to_price_ugos(Decimal("100000"), Decimal("0.0001")) == 10**15


def test_make_exchange_builds_ccxt_objects_without_network() -> None:
    exchange = make_exchange("kraken")
    assert exchange.id == "kraken" and callable(exchange.fetch_ticker)
    with pytest.raises(PriceFeedError, match="no exchange"):
        make_exchange("not-an-exchange")


def test_a_mining_node_operator_submits_the_quotes(gateway_net: GatewayNet) -> None:
    tx_hash, quotes = feeder().submit(gateway_net.sender(gateway_net.operator))
    gateway_net.produce()
    found = gateway_net.included(tx_hash)
    assert found["code"] == 0, found
    assert [q.denom for q in quotes] == ["atom", "btc", "dcr", "eth"]
