"""Oracle price feeder: tickers from exchanges (ccxt) → each asset's price in GOS → MsgSubmitPrices.

price_ugos(asset) = median over exchanges of asset/USDT ÷ median over exchanges of GOS/USDT × 10^6, computed
with Decimal from the exchanges' decimal strings and rounded half-even to an integer: no float ever reaches the
result. Tickers older than `max_age_s` or without a usable price are ignored; an asset quoted by fewer than
`min_exchanges` exchanges is left out of the submission (the chain keeps its last price).
"""

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from typing import Any, Protocol

from gostaking.bridge.errors import PriceFeedError
from gostaking.bridge.node_client import MessageSender
from gostaking.chain.types.tx import MsgSubmitPrices, PriceQuote

log = logging.getLogger(__name__)

UGOS_PER_GOS = Decimal(1_000_000)
DEFAULT_PAIRS = {"btc": "BTC/USDT", "eth": "ETH/USDT", "dcr": "DCR/USDT", "atom": "ATOM/USDT"}
DEFAULT_GOS_PAIR = "GOS/USDT"


class Exchange(Protocol):
    """The part of a ccxt exchange the feeder uses."""

    id: str

    def fetch_ticker(self, symbol: str) -> Mapping[str, Any]:
        """A ccxt unified ticker dict."""
        ...


def make_exchange(exchange_id: str) -> Exchange:
    """A ccxt exchange by id (e.g. 'binance'); constructing one does not touch the network."""
    import ccxt  # imported here: ccxt is large and only the feeder needs it

    factory = getattr(ccxt, exchange_id, None)
    if factory is None or not callable(factory):
        raise PriceFeedError(f"ccxt has no exchange {exchange_id!r}")
    exchange: Exchange = factory({"enableRateLimit": True, "timeout": 10_000})
    return exchange


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        # str() first: ccxt hands floats; their shortest repr is the decimal the exchange sent.
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() and number > 0 else None


def ticker_price(ticker: Mapping[str, Any]) -> Decimal | None:
    """Last trade price, else the bid/ask midpoint, else the close; None when the ticker has none."""
    last = _decimal(ticker.get("last"))
    if last is not None:
        return last
    bid, ask = _decimal(ticker.get("bid")), _decimal(ticker.get("ask"))
    if bid is not None and ask is not None:
        return (bid + ask) / 2
    return _decimal(ticker.get("close"))


def median(values: Sequence[Decimal]) -> Decimal:
    """Median (mean of the two middle values for an even count, exact in Decimal)."""
    if not values:
        raise PriceFeedError("median of no values")
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def to_price_ugos(asset_usdt: Decimal, gos_usdt: Decimal) -> int:
    """ugos per whole asset: asset/USDT ÷ GOS/USDT × 10^6, rounded half-even."""
    with localcontext() as context:
        context.prec = 60
        return int((asset_usdt / gos_usdt * UGOS_PER_GOS).to_integral_value(rounding=ROUND_HALF_EVEN))


@dataclass
class PriceFeeder:
    """Collects tickers across exchanges and builds the quotes of one oracle submission."""

    exchanges: Sequence[Exchange]
    pairs: Mapping[str, str]
    """GoStaking denom → ccxt symbol quoted in USDT."""
    gos_pair: str = DEFAULT_GOS_PAIR
    min_exchanges: int = 1
    max_age_s: float = 300.0
    clock: Callable[[], float] = time.time

    def _prices(self, symbol: str) -> list[Decimal]:
        now_ms = self.clock() * 1000
        prices = []
        for exchange in self.exchanges:
            try:
                ticker = exchange.fetch_ticker(symbol)
            except Exception as error:  # ccxt raises many network/exchange errors; one exchange down is normal
                log.warning("%s %s: %s", exchange.id, symbol, error)
                continue
            timestamp = ticker.get("timestamp")
            if isinstance(timestamp, int | float) and now_ms - timestamp > self.max_age_s * 1000:
                log.warning("%s %s: ticker is stale", exchange.id, symbol)
                continue
            price = ticker_price(ticker)
            if price is not None:
                prices.append(price)
        return prices

    def quotes(self, listed: set[str] | None = None) -> list[PriceQuote]:
        """Quotes for the configured assets (only those in `listed`, when given), sorted by denom."""
        gos = self._prices(self.gos_pair)
        if len(gos) < self.min_exchanges:
            raise PriceFeedError(f"{self.gos_pair}: {len(gos)} usable tickers, need {self.min_exchanges}")
        gos_usdt = median(gos)
        quotes = []
        for denom, symbol in sorted(self.pairs.items()):
            if listed is not None and denom not in listed:
                continue
            prices = self._prices(symbol)
            if len(prices) < self.min_exchanges:
                log.warning("%s: %d usable tickers, need %d; not quoted", symbol, len(prices), self.min_exchanges)
                continue
            price = to_price_ugos(median(prices), gos_usdt)
            if price > 0:
                quotes.append(PriceQuote(denom, price))
        return quotes

    def submit(self, sender: MessageSender) -> tuple[str, list[PriceQuote]]:
        """Quote the chain's listed assets and submit MsgSubmitPrices; returns (tx hash, quotes)."""
        listed = {asset.denom for asset in sender.node.assets()}
        quotes = self.quotes(listed)
        if not quotes:
            raise PriceFeedError("no asset could be priced; nothing submitted")
        return sender.send([MsgSubmitPrices(quotes)]), quotes
