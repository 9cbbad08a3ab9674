"""The order-book pages in Debian's chromium (Playwright) against a real devnet: Alice and Bob trade on the btc/GOS
market with signed orders (resting sells, crossing buys, orders left open on both sides); the markets list, the depth
chart and tables, the candles at each interval, the recent auctions and the best prices show what the API gives,
in English and in Chinese, on a desktop and a phone-sized screen."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from explorer_harness import BTC, GOS, REPO, DevnetProcess, devnet_in, wait_until
from playwright.sync_api import Page, expect
from untranslated import untranslated

from gostaking.chain.types.book import MsgPlaceOrder
from gostaking.wallet.keys import PrivateKey

ARTIFACTS = REPO / "artifacts" / "explorer"
MARKET = "btc"
PageAt = Callable[[int], Page]  # the page_at fixture of conftest.py


@dataclass
class Traders:
    alice: PrivateKey
    bob: PrivateKey


def group(text: str) -> str:
    """Thousands separators as the explorer prints them in English."""
    whole, _, frac = text.partition(".")
    return f"{int(whole):,}" + (f".{frac}" if frac else "")


def gos(amount: dict[str, Any]) -> str:
    return f"{group(amount['gos'])} GOS"


def order(side: str, price_gos: int, btc_thousandths: int) -> MsgPlaceOrder:
    """A good-till-cancelled order of `btc_thousandths` lots (0.001 BTC) at a whole-GOS price per BTC."""
    return MsgPlaceOrder(MARKET, side, price_gos * GOS, btc_thousandths * BTC // 1000)


def place(devnet: DevnetProcess, key: PrivateKey, *orders: MsgPlaceOrder) -> None:
    # The harness's submit is annotated with the launch messages; a book message signs and encodes alike.
    msgs: list[Any] = list(orders)
    found = devnet.wait_for_tx(devnet.submit(key, *msgs))
    assert found["code"] == 0, found


@pytest.fixture(scope="module")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnetProcess]:
    """This module's own devnet, not the folder's shared one: its trades (their fees and auctions) stay off the
    chain the other modules read."""
    yield from devnet_in(tmp_path_factory, "explorer-book")


@pytest.fixture(scope="module")
def traders(devnet: DevnetProcess) -> Traders:
    """Alice sells, Bob buys across her in two auctions at different prices, then both leave orders resting at
    several prices on each side."""
    alice, bob = PrivateKey.generate(), PrivateKey.generate()
    for key in (alice, bob):
        for tx_hash in devnet.faucet(key.address):
            devnet.wait_for_tx(tx_hash)
    place(devnet, alice, order("sell", 500, 30))
    place(devnet, bob, order("buy", 500, 10))
    place(devnet, alice, order("sell", 490, 10))
    place(devnet, bob, order("buy", 520, 15))
    place(devnet, alice, order("sell", 600, 20), order("sell", 650, 10))
    place(devnet, bob, order("buy", 400, 20), order("buy", 350, 30))
    sell_now = MsgPlaceOrder(MARKET, "sell", 400 * GOS, 10 * BTC // 1000, "ioc")
    place(devnet, alice, sell_now)  # a third auction, at Bob's resting bid
    devnet.wait_indexed()
    return Traders(alice, bob)


def test_the_markets_list(page: Page, devnet: DevnetProcess, traders: Traders) -> None:
    page.goto("/#/book")
    expect(page.locator(".book-markets[data-height]")).to_be_attached()
    expect(page.locator("nav.main-nav a[data-nav=book]")).to_have_attribute("aria-current", "page")
    markets = devnet.get("/book/markets")["markets"]
    assert {m["denom"] for m in markets} >= {MARKET}
    expect(page.locator("[data-market]")).to_have_count(len(markets))
    btc = next(m for m in markets if m["denom"] == MARKET)
    row = page.locator("tr", has=page.locator(f"a[data-market={MARKET}]"))
    expect(row.locator("td").nth(0)).to_have_text("BTC/GOS")
    expect(row.locator("td").nth(1)).to_have_text(gos(btc["last_auction"]["price"]))
    expect(row.locator("td").nth(2)).to_have_text(gos(btc["best_bid"]))
    expect(row.locator("td").nth(3)).to_have_text(gos(btc["best_ask"]))
    expect(row.locator("td").nth(6)).to_have_text(f"{group(btc['lot']['display'])} BTC")
    page.locator(f"a[data-market={MARKET}]").click()
    expect(page).to_have_url(f"{devnet.url}/#/book/{MARKET}")


def read_market(page: Page) -> dict[str, Any]:
    """The page's height, cards, depth rows and chart marks, read in one go (it re-renders on every block)."""
    shown: dict[str, Any] = page.evaluate(
        """() => {
          const root = document.querySelector('.book-market');
          const card = (n) => root.querySelector(`[data-stat=${n}] .card-value`).textContent.trim();
          const rows = (side) => [...root.querySelectorAll(`[data-side=${side}] tbody tr`)]
            .map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()));
          const chart = root.querySelector('svg[data-chart=depth]');
          return {height: Number(root.dataset.height), last: card('last-price'), bid: card('best-bid'),
                  ask: card('best-ask'), bids: rows('bids'), asks: rows('asks'),
                  marks: [...chart.querySelectorAll('circle')].map((c) => c.dataset.price),
                  series: [...chart.querySelectorAll('[data-series]')].map((p) => p.dataset.series)};
        }"""
    )
    return shown


def depth_rows(levels: list[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            gos(level["price"]),
            f"{group(level['quantity']['display'])} BTC",
            f"{group(level['cumulative']['display'])} BTC",
            str(level["orders"]),
        ]
        for level in levels
    ]


def test_depth_and_prices_are_the_api_s(page: Page, devnet: DevnetProcess, traders: Traders) -> None:
    page.goto(f"/#/book/{MARKET}")
    expect(page.locator(".book-market[data-height]")).to_be_attached()
    shown = read_market(page)
    # Nothing trades without a transaction: the book stands still between the test's reads.
    depth = devnet.get(f"/book/markets/{MARKET}/depth?levels=50")
    market = devnet.get(f"/book/markets/{MARKET}")
    assert shown["bids"] == depth_rows(depth["bids"]) and len(shown["bids"]) >= 2
    assert shown["asks"] == depth_rows(depth["asks"]) and len(shown["asks"]) >= 2
    assert shown["last"] == gos(market["last_auction"]["price"])
    assert shown["bid"] == gos(market["best_bid"]) == gos(depth["bids"][0]["price"])
    assert shown["ask"] == gos(market["best_ask"]) == gos(depth["asks"][0]["price"])
    # One mark per level, at its exact price; one line per side.
    assert shown["marks"] == [level["price"]["gos"] for level in depth["bids"] + depth["asks"]]
    assert shown["series"] == ["bids", "asks"]
    chart = page.locator("svg[data-chart=depth]")
    expect(chart).to_have_attribute(
        "aria-label", f"Depth of the BTC/GOS book: {len(depth['bids'])} bid levels, {len(depth['asks'])} ask levels"
    )


def test_the_average_clearing_price_is_the_oracle_s(page: Page, devnet: DevnetProcess, traders: Traders) -> None:
    page.goto(f"/#/book/{MARKET}")
    twap = page.locator(".book-market [data-stat=book-twap]")
    expect(twap.locator(".card-label")).to_have_text("Average clearing price")

    def shown_as_the_api_says() -> bool:
        # The window slides with every block: compare the card with GET /oracle/prices at the height it was read.
        height, value = twap.get_attribute("data-height"), twap.locator(".card-value").inner_text().strip()
        prices = devnet.get("/oracle/prices")
        if str(prices["height"]) != height:
            return False
        [btc] = [asset for asset in prices["assets"] if asset["denom"] == MARKET]
        book = btc["exchange_twap"]["book"]
        assert value == (gos(book) if book else "none"), (value, book)
        return book is not None  # until a whole window (60 blocks, 18 s) lies after the traders' first auction

    wait_until(shown_as_the_api_says, "an average clearing price, on the card as in the API", timeout_s=60)


def test_candles_at_each_interval_and_recent_auctions(page: Page, devnet: DevnetProcess, traders: Traders) -> None:
    page.goto(f"/#/book/{MARKET}")
    expect(page.locator(".book-market[data-height]")).to_be_attached()
    switch = page.get_by_role("navigation", name="Candle interval")
    expect(switch.get_by_role("link", name="1 hour")).to_have_attribute("aria-current", "true")
    for interval, name in (("1m", "1 minute"), ("1d", "1 day"), ("1h", "1 hour")):
        switch.get_by_role("link", name=name).click()
        expect(page).to_have_url(f"{devnet.url}/#/book/{MARKET}?interval={interval}")
        switch = page.get_by_role("navigation", name="Candle interval")
        expect(switch.get_by_role("link", name=name)).to_have_attribute("aria-current", "true")
        candles = devnet.get(f"/book/markets/{MARKET}/candles?interval={interval}&limit=60")["candles"]
        assert candles, interval
        closes = page.locator("svg[data-chart=candles] g.candle")
        expect(closes).to_have_count(len(candles))
        assert [c.get_attribute("data-close") for c in closes.all()] == [c["close"]["gos"] for c in candles]
        # A candle's tooltip is its exact open, high, low, close and volume.
        last = candles[-1]
        expect(closes.last.locator("title")).to_contain_text(
            f"open {gos(last['open'])}, high {gos(last['high'])}, low {gos(last['low'])}, close {gos(last['close'])}, "
            f"volume {group(last['volume']['display'])} BTC"
        )
    trades = devnet.get(f"/book/markets/{MARKET}/trades?limit=20")["items"]
    assert len({trade["price"]["gos"] for trade in trades}) >= 2  # auctions at two prices at least
    rows = page.locator("[data-section=trades] tbody tr")
    expect(rows).to_have_count(len(trades))
    for row, trade in zip(rows.all(), trades, strict=True):
        cells = row.locator("td")
        expect(cells.nth(0)).to_have_text(group(str(trade["height"])))
        expect(cells.nth(2)).to_have_text(gos(trade["price"]))
        expect(cells.nth(3)).to_have_text(f"{group(trade['volume']['display'])} BTC")
        expect(cells.nth(5)).to_have_text(str(trade["fills"]))


def test_an_unknown_market_says_so(page: Page, devnet: DevnetProcess) -> None:
    page.goto("/#/book/doge")
    expect(page.locator("#main [role=alert]")).to_contain_text("no 'doge'/GOS market is listed")


@pytest.mark.parametrize("width", [1400, 420])
def test_screenshots_fit_the_screen(page_at: PageAt, traders: Traders, width: int) -> None:
    sized = page_at(width)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for route, name in ((f"/book/{MARKET}?interval=1m", "book-market"), ("/book", "book-markets")):
        sized.goto(f"/#{route}")
        expect(sized.locator("#main")).not_to_have_attribute("aria-busy", "true")
        expect(sized.locator(".book-market[data-height], .book-markets[data-height]")).to_be_attached()
        assert sized.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), route
        sized.screenshot(path=ARTIFACTS / f"{name}-{width}.png", full_page=True)


def test_the_book_in_chinese(page: Page, devnet: DevnetProcess, traders: Traders) -> None:
    page.goto("/")
    page.get_by_label("Language").select_option("zh-CN")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    for route in ("/book", f"/book/{MARKET}", f"/book/{MARKET}?interval=1m"):
        page.goto(f"/#{route}")
        expect(page.locator(".book-market[data-height], .book-markets[data-height]")).to_be_attached()
        page.wait_for_load_state("networkidle")
        assert untranslated(page) == [], route
    expect(page.get_by_role("heading", name="深度", exact=True)).to_be_visible()
    page.screenshot(path=ARTIFACTS / "zh-CN-book.png", full_page=True)
