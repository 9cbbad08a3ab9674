"""The order book in the app against a real devnet, the way two users trade: a seller's browser places a resting
limit sell of BTC, a buyer's browser (a second context: another profile and wallet) sends a market buy across it
with a slippage bound from the book, and the block's batch auction fills both at one price; the fill shows in both
fills lists and portfolios, and the GOS the seller gets is the fill's value less its maker fee. A cancelled order
returns exactly its escrow; an order off the market's tick is refused before anything is signed. Every order is
signed in the browser and accepted by the chain."""

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from app_harness import PHONE, NewPage
from app_pages import act, assert_controls_named, assert_fits_width, go, grouped, screenshot
from explorer_harness import DevnetProcess, wait_until
from playwright.sync_api import Page, expect
from test_app_liquid import funded_wallet

from gostaking.chain.types.book import MsgPlaceOrder
from gostaking.chain.types.tx import MsgAddLiquidity
from gostaking.wallet.keys import PrivateKey

MARKET = "btc"
SATS_PER_BTC = 10**8
UGOS_PER_GOS = 10**6
LOT_BTC = Decimal("0.001")  # the devnet's btc lot


def reserve_gos(devnet: DevnetProcess, btc: Decimal) -> Decimal:
    """The rounding reserve a buy of `btc` escrows beyond its value and fee, in GOS, as the chain says now (0 on a
    devnet before its first GOS burn)."""
    per_lot = devnet.get(f"/book/markets/{MARKET}")["rounding_reserve_ugos_per_lot"]
    return per_lot * (btc / LOT_BTC) / UGOS_PER_GOS


def free(devnet: DevnetProcess, address: str, denom: str) -> int:
    account = devnet.get(f"/accounts/{address}")
    if denom == "ugos":
        return int(account["gos"]["ugos"])
    return next((int(b["amount"]) for b in account["balances"] if b["denom"] == denom), 0)


def part(page: Page, heading: str) -> Any:
    """The section of the order-book page under `heading`."""
    return page.locator("main .page section").filter(has=page.get_by_role("heading", name=heading, exact=True))


def fill_limit_order(page: Page, side: str, price: str, amount: str, time_in_force: str = "gtc") -> None:
    limit = part(page, "Limit order")
    limit.get_by_role("combobox", name="Side", exact=True).select_option(side)
    limit.get_by_role("textbox", name="Limit price (GOS)").fill(price)
    limit.get_by_role("textbox", name="Amount", exact=True).fill(amount)
    limit.get_by_role("combobox", name="Time in force").select_option(time_in_force)


def fills_of(devnet: DevnetProcess, address: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = devnet.get(f"/accounts/{address}/fills")["items"]
    return items


def test_a_resting_sell_filled_by_a_market_buy_then_a_cancel(
    new_page: NewPage, devnet: DevnetProcess, artifacts: Path
) -> None:
    seller = new_page()
    _, seller_address = funded_wallet(seller)
    go(seller, "Order book")
    assert_controls_named(seller)
    expect(seller.get_by_role("combobox", name="Market", exact=True)).to_have_value(MARKET)
    market = devnet.get(f"/book/markets/{MARKET}")
    tick = market["tick"]["gos"]
    expect(seller.locator(".hint").first).to_have_text(f"GOS per BTC, a multiple of {tick}")

    # Off the tick: refused with the reason before anything is signed (the account's sequence does not move).
    sequence = devnet.get(f"/accounts/{seller_address}")["next_sequence"]
    fill_limit_order(seller, "sell", "500.0005", "0.01")
    expect(seller.locator(".order-preview")).to_have_text(
        f"The price must be a multiple of the market's tick, {tick} GOS."
    )
    outcome = part(seller, "Limit order").locator(".outcome")
    part(seller, "Limit order").get_by_role("button", name="Place order").click()
    expect(outcome).to_have_attribute("data-state", "error")
    expect(outcome).to_have_text(f"The price must be a multiple of the market's tick, {tick} GOS.")
    # So is a quantity off the lot.
    fill_limit_order(seller, "sell", "500", "0.0105")
    lot = market["lot"]["display"]
    expect(seller.locator(".order-preview")).to_have_text(
        f"The amount must be a multiple of the market's lot, {lot} BTC."
    )
    assert devnet.get(f"/accounts/{seller_address}")["next_sequence"] == sequence

    # A resting sell of 0.01 BTC at 500 GOS: its escrow is the BTC, its fee at most the taker rate of its value.
    fill_limit_order(seller, "sell", "500", "0.01")
    taker_fee = Decimal(market["taker_fee"].removesuffix("%")) / 100
    worst_fee = Decimal("5") * taker_fee  # 0.01 BTC at 500 GOS is 5 GOS
    expect(seller.locator(".order-preview")).to_have_text(
        f"Escrowed now: 0.01 BTC. Fee at most {worst_fee.normalize()} GOS at your price (taker rate "
        f"{market['taker_fee']}), taken from the GOS you receive."
    )
    btc_before = free(devnet, seller_address, MARKET)
    placed = act(seller, "Place order", "Limit order")
    msg = devnet.get(f"/txs/{placed}")["body"]["msgs"][0]
    assert msg == {
        "type": "place_order",
        "market": MARKET,
        "side": "sell",
        "price": 500 * UGOS_PER_GOS,
        "quantity": SATS_PER_BTC // 100,
        "time_in_force": "gtc",
        "expiry_height": 0,
    }
    assert free(devnet, seller_address, MARKET) == btc_before - SATS_PER_BTC // 100  # escrowed
    [resting] = devnet.get(f"/accounts/{seller_address}/orders")["orders"]
    row = seller.locator(f'tr[data-order="{resting["id"]}"]')
    expect(row).to_contain_text("Sell BTC")
    expect(row.locator('[data-col="escrow"]')).to_have_text("0.01 BTC")
    screenshot(seller, artifacts, "orders-resting-sell")

    # The buyer, in another browser profile, sees the ask in the ladder and buys across it at market.
    buyer = new_page()
    _, buyer_address = funded_wallet(buyer)
    go(buyer, "Order book")
    expect(buyer.locator('table.book tr.ask[data-price="500"]')).to_contain_text("0.01 BTC")
    expect(buyer.locator("svg[data-chart=depth] [data-series=asks]")).to_be_attached()
    buy = part(buyer, "Market order")
    buy.get_by_role("combobox", name="Market order side").select_option("buy")
    buy.get_by_role("textbox", name="Market order amount").fill("0.01")
    buy.get_by_role("textbox", name="Slippage tolerance (%)").fill("1")
    # The limit is the best ask moved by 1% (to the tick); the escrow is the value at that limit and its fee at the
    # taker rate (no rounding reserve before the devnet's first GOS burn).
    worst = 505
    assert reserve_gos(devnet, Decimal("0.01")) == 0
    value, fee = Decimal("0.01") * worst, Decimal("0.01") * worst * taker_fee
    expect(buyer.locator(".market-preview")).to_have_text(
        f"About 0.01 BTC fills at 500 GOS (best 500 GOS; worst accepted {worst} GOS). Escrowed now: "
        f"{(value + fee).normalize()} GOS ({value.normalize()} GOS at your price and the most fee it can pay, "
        f"{fee.normalize()} GOS at the taker rate {market['taker_fee']}; what it does not use is returned when it "
        "closes)."
    )
    screenshot(buyer, artifacts, "orders-market-buy")
    seller_gos_before = free(devnet, seller_address, "ugos")
    bought = act(buyer, "Place market order", "Market order")
    order = devnet.get(f"/txs/{bought}")["body"]["msgs"][0]
    assert order["side"] == "buy" and order["time_in_force"] == "ioc" and order["price"] == worst * UGOS_PER_GOS

    # The auction filled both orders at its one price; the index has the fills of both.
    wait_until(lambda: fills_of(devnet, seller_address) and fills_of(devnet, buyer_address), "both fills indexed")
    [sold] = fills_of(devnet, seller_address)
    [got] = fills_of(devnet, buyer_address)
    assert sold["height"] == got["height"] and sold["price"] == got["price"]
    assert 500 <= Decimal(sold["price"]["gos"]) <= worst
    assert sold["maker"] and not got["maker"]
    assert sold["quantity"]["amount"] == got["quantity"]["amount"] == SATS_PER_BTC // 100
    assert devnet.get(f"/book/markets/{MARKET}")["last_auction"]["price"] == sold["price"]
    # Value kept: the seller got the fill's GOS less the maker fee; the buyer's leftover escrow came back.
    assert free(devnet, seller_address, "ugos") - seller_gos_before == sold["notional"]["ugos"] - sold["fee"]["ugos"]
    assert devnet.get(f"/accounts/{buyer_address}/orders")["orders"] == []
    price_text = f"{grouped(sold['price']['gos'])} GOS"
    for page, fill in ((seller, sold), (buyer, got)):
        row = page.locator(f'tr[data-fill="{fill["id"]}"]')
        expect(row).to_contain_text(price_text)
        expect(row).to_contain_text("0.01 BTC")
        expect(row).to_contain_text("maker" if fill["maker"] else "taker")
    expect(seller.locator(f'tr[data-order="{resting["id"]}"]:not([data-fill])')).to_have_count(0)  # filled: closed
    screenshot(seller, artifacts, "orders-filled")
    for page, btc in ((seller, "0.99"), (buyer, "1.01")):
        go(page, "Portfolio")
        expect(page.locator('tr[data-denom="btc"] [data-col="free"]')).to_have_text(btc)

    # A resting order cancelled: exactly its escrow returns.
    go(seller, "Order book")
    btc_before = free(devnet, seller_address, MARKET)
    fill_limit_order(seller, "sell", "700", "0.02")
    act(seller, "Place order", "Limit order")
    assert free(devnet, seller_address, MARKET) == btc_before - 2 * SATS_PER_BTC // 100
    [open_order] = devnet.get(f"/accounts/{seller_address}/orders")["orders"]
    cancelled = act(seller, f"Cancel order {open_order['id']}", "Your open orders")
    assert devnet.get(f"/txs/{cancelled}")["body"]["msgs"] == [{"type": "cancel_order", "order_id": open_order["id"]}]
    assert free(devnet, seller_address, MARKET) == btc_before
    expect(seller.locator(f'tr[data-order="{open_order["id"]}"]')).to_have_count(0)


def test_the_page_on_a_phone(new_page: NewPage, devnet: DevnetProcess, artifacts: Path) -> None:
    page = new_page(viewport=PHONE)
    funded_wallet(page)
    go(page, "Order book")
    expect(page.get_by_role("heading", name="Market order")).to_be_visible()
    fill_limit_order(page, "buy", "450", "0.01")
    taker_fee = Decimal(devnet.get(f"/book/markets/{MARKET}")["taker_fee"].removesuffix("%")) / 100
    # 0.01 BTC at 450 GOS
    escrow = (Decimal("4.5") * (1 + taker_fee) + reserve_gos(devnet, Decimal("0.01"))).normalize()
    expect(page.locator(".order-preview")).to_have_text(
        re.compile(rf"^Escrowed now: {re.escape(str(escrow))} GOS \(4\.5 GOS")
    )
    assert_fits_width(page)
    screenshot(page, artifacts, "orders-phone")


def test_the_swap_page_shows_the_chains_route_and_sends_a_routed_swap_when_the_book_gives_more(
    new_page: NewPage, devnet: DevnetProcess, artifacts: Path
) -> None:
    maker = PrivateKey.generate()
    for tx_hash in devnet.faucet(maker.address):
        devnet.wait_for_tx(tx_hash)
    # A pool to compare with (the first provider sets its price; a later one adds at the pool's own).
    added = devnet.wait_for_tx(devnet.submit(maker, MsgAddLiquidity(MARKET, SATS_PER_BTC // 10, 50 * UGOS_PER_GOS)))
    assert added["code"] == 0, added["log"]
    buyer = new_page()
    _, buyer_address = funded_wallet(buyer)
    go(buyer, "Swap")
    buyer.get_by_role("combobox", name="Pool").select_option(MARKET)
    buyer.get_by_role("textbox", name="You pay").fill("1")
    assert devnet.get(f"/book/route?pair={MARKET}&denom_in=ugos&amount_in={UGOS_PER_GOS}")["route"] == "pool"
    expect(buyer.locator(".route")).to_have_text("Filled by the pool, at once.")
    expect(buyer.locator(".quote")).to_have_text(re.compile(r"^Quote: [\d.,]+ BTC \(pool fee 0\.003 GOS\)$"))

    # An ask at half the pool's price: for what it costs, the book gives more than the pool.
    pool_price = devnet.get(f"/dex/pools/{MARKET}")["price"]["ugos"]
    market = devnet.get(f"/book/markets/{MARKET}")
    tick = market["tick"]["ugos"]
    ask = pool_price // 2 // tick * tick
    quantity = 5 * SATS_PER_BTC // 100  # 0.05 BTC
    placed = devnet.wait_for_tx(devnet.submit(maker, MsgPlaceOrder(MARKET, "sell", ask, quantity)))
    assert placed["code"] == 0, placed["log"]
    value = quantity * ask // SATS_PER_BTC
    fee = value * market["taker_fee_ppm"] // 10**6
    pay = value + fee  # ugos that buy the whole ask with its taker fee
    route = devnet.get(f"/book/route?pair={MARKET}&denom_in=ugos&amount_in={pay}")
    assert route["route"] == "book" and route["book"]["amount_out"]["amount"] == quantity
    buyer.get_by_role("textbox", name="You pay").fill(str(Decimal(pay) / UGOS_PER_GOS))
    ask_gos = Decimal(ask) / UGOS_PER_GOS
    expect(buyer.locator(".route")).to_have_text(
        f"Filled by the order book at the end of the block, at {grouped(f'{ask_gos.normalize():f}')} GOS per BTC or "
        "better; what does not fill is refunded."
    )
    expect(buyer.locator(".quote")).to_have_text(
        f"Quote: 0.05 BTC (order book fee {Decimal(fee) / UGOS_PER_GOS:f} GOS)".replace(".000000 GOS", " GOS")
    )
    screenshot(buyer, artifacts, "swap-routed-to-the-book")
    btc_before = free(devnet, buyer_address, MARKET)
    tx_hash = act(buyer, "Swap")
    min_out = quantity * 9_900 // 10_000  # the default 1% slippage
    assert devnet.get(f"/txs/{tx_hash}")["body"]["msgs"] == [
        {"type": "routed_swap", "pair": MARKET, "denom_in": "ugos", "amount_in": pay, "min_out": min_out}
    ]
    # The block's auction filled the immediate-or-cancel order at the ask: the whole ask is the buyer's.
    assert free(devnet, buyer_address, MARKET) == btc_before + quantity
    assert devnet.get(f"/book/markets/{MARKET}")["best_ask"] is None
