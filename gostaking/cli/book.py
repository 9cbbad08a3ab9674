"""`gostaking dex order|cancel|book|trades|orders|markets`: the order book beside the pools (docs/book.md).

Amounts are typed in human units: `gostaking dex order buy 0.5btc --price 60000gos` buys half a bitcoin at most
60,000 GOS per whole bitcoin. A market order (`--market`) is an immediate-or-cancel order whose limit is the best
opposite price now, from the node's depth, moved by `--slippage`: the worst price accepted, as an exchange's market
order carries one. Every order clears in its block's batch auction at one uniform price, at or better than its
limit; the part an IOC order does not fill is refunded."""

from dataclasses import dataclass
from typing import Annotated, Any

import typer

from gostaking.chain.numeric import PPM, format_gos, format_units
from gostaking.chain.types.book import MsgCancelOrder, MsgPlaceOrder
from gostaking.chain.types.tx import Msg
from gostaking.cli.amounts import parse_asset_amount, parse_asset_denom, parse_gos_amount
from gostaking.cli.client import open_api
from gostaking.cli.common import LimitOption, fetch_json, parse_id, print_json, print_table
from gostaking.cli.dex import DEFAULT_SLIPPAGE_PPM, parse_slippage
from gostaking.cli.errors import CliError
from gostaking.cli.options import (
    API_DEFAULT,
    ApiOption,
    HomeOption,
    JsonOption,
    KeyringOption,
    TxOptions,
    open_keyring,
    tx_command,
)
from gostaking.cli.tx import as_msgs, chain_denoms, resolve_address, submit, submit_messages
from gostaking.wallet.keyring import Keyring

SIDES = ("buy", "sell")
DEPTH_LEVELS = 100
"""Levels of the opposite side a market order's estimate reads (the most the depth endpoint gives)."""
MarketArgument = Annotated[str, typer.Argument(help="the market's base: btc, eth or sgos (quoted in GOS)")]


def parse_side(text: str) -> str:
    """BUY or SELL, in any case."""
    side = text.strip().lower()
    if side not in SIDES:
        raise CliError(f"side must be buy or sell, got {text!r}")
    return side


def parse_price(text: str) -> int:
    """A price in GOS per whole unit of the base ('60000', '60000gos', '0.5gos', '500000ugos'); returns ugos."""
    cleaned = text.strip()
    return parse_gos_amount(cleaned + "gos" if cleaned[-1:].isdigit() or cleaned.endswith(".") else cleaned)


def gos_text(ugos: int) -> str:
    """ugos as GOS for a person ('60000.5 gos')."""
    return f"{format_gos(ugos)} gos"


@dataclass(frozen=True)
class MarketPlan:
    """What a market order would do against the resting book now (the block's other orders aside)."""

    best_price: int
    """The best opposite price: the lowest ask for a buy, the highest bid for a sell."""
    worst_price: int
    """The order's limit: best_price moved by the slippage, to a multiple of the tick toward the best price."""
    quantity: int
    """Base units the resting orders within the limit can fill (at most the order's quantity)."""
    clearing_price: int
    """The price the auction would clear at for this order alone: the deepest level it reaches."""


def plan_market_order(
    side: str, quantity: int, opposite: list[tuple[int, int]], slippage_ppm: int, tick: int
) -> MarketPlan | None:
    """A market order's limit and expected fill from the opposite side's levels (price, quantity), best first;
    None when nothing rests there. A buy accepts up to best × (1 + slippage) rounded down to the tick, a sell down
    to best × (1 − slippage) rounded up to it, so the limit never exceeds the slippage asked for."""
    if not opposite:
        return None
    best = opposite[0][0]
    if side == "buy":
        worst = best * (PPM + slippage_ppm) // PPM // tick * tick
        within = [(price, size) for price, size in opposite if price <= worst]
    else:
        worst = -(-(best * (PPM - slippage_ppm)) // PPM // tick) * tick
        worst = max(worst, tick)
        within = [(price, size) for price, size in opposite if price >= worst]
    filled, clearing = 0, best
    for price, size in within:
        if filled >= quantity:
            break
        filled, clearing = min(quantity, filled + size), price
    return MarketPlan(best, worst, filled, clearing)


def _market(api: str, denom: str) -> dict[str, Any]:
    market: dict[str, Any] = fetch_json(api, f"/book/markets/{denom}")
    return market


def _plan_market(api: str, denom: str, side: str, quantity: int, slippage_ppm: int, tick: int) -> MarketPlan:
    depth = fetch_json(api, f"/book/markets/{denom}/depth", {"levels": DEPTH_LEVELS})
    opposite = depth["asks"] if side == "buy" else depth["bids"]
    levels = [(int(level["price"]["ugos"]), int(level["quantity"]["amount"])) for level in opposite]
    plan = plan_market_order(side, quantity, levels, slippage_ppm, tick)
    if plan is None:
        what = "asks" if side == "buy" else "bids"
        raise CliError(f"no {what} rest on the book: a market {side} has nothing to fill (give --price instead)")
    return plan


def _confirm_market(plan: MarketPlan, side: str, amount: str, unit: str, whole: int, yes: bool, say: bool) -> None:
    """Tell what a market order is expected to do and, unless `yes`, ask before sending it."""
    best = "best ask" if side == "buy" else "best bid"
    expected = format_units(plan.quantity, len(str(whole)) - 1)
    if say or not yes:
        typer.echo(
            f"market {side} {amount}: about {expected} {unit} fills at {gos_text(plan.clearing_price)} per {unit} "
            f"({best} {gos_text(plan.best_price)}, worst accepted {gos_text(plan.worst_price)}; about "
            f"{gos_text(plan.quantity * plan.clearing_price // whole)} before the fee; what does not fill is "
            "refunded)",
            err=True,
        )
    if not yes and not typer.confirm("Place this market order?", err=True):
        raise CliError("order not sent")


def order(
    side: Annotated[str, typer.Argument(help="buy or sell")],
    amount: Annotated[str, typer.Argument(help="how much of the base, e.g. 0.5btc, 50000sat or 10sgos")],
    tx: TxOptions,
    price: Annotated[
        str | None, typer.Option("--price", help="the limit in GOS per whole unit of the base, e.g. 60000gos")
    ] = None,
    market: Annotated[
        bool,
        typer.Option("--market", help="fill now at the best price (± --slippage) instead of at --price; IOC"),
    ] = False,
    ioc: Annotated[
        bool, typer.Option("--ioc", help="immediate or cancel: what this block does not fill is refunded")
    ] = False,
    post_only: Annotated[
        bool, typer.Option("--post-only", help="only rest on the book: refused if it would trade at once")
    ] = False,
    expires_in: Annotated[
        int | None, typer.Option("--expires-in", min=1, help="close it after this many blocks if still open")
    ] = None,
    slippage: Annotated[
        str | None, typer.Option("--slippage", help="with --market: how far from the best price, e.g. 0.5% \\[1%]")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="send a market order without asking")] = False,
) -> None:
    """Place a limit order on a base/GOS market (or a market order with --market). Its escrow (GOS for a buy, the
    base for a sell) is taken now; it trades in the block's batch auction at one price, at or better than its
    limit, and rests until filled, cancelled or expired (good till cancelled unless --ioc or --post-only)."""
    chosen_side = parse_side(side)
    if (price is None) == (not market):
        raise CliError("give --price P for a limit order or --market for a market order (one of the two)")
    if market and post_only:
        raise CliError("a market order trades at once: --post-only cannot go with --market")
    if ioc and post_only:
        raise CliError("--ioc and --post-only exclude each other")
    if slippage is not None and not market:
        raise CliError("--slippage goes with --market (a limit order's --price is its bound)")
    limit = parse_price(price) if price is not None else None
    slippage_ppm = parse_slippage(slippage) if slippage is not None else DEFAULT_SLIPPAGE_PPM

    def build(assets: dict[str, int], _: Keyring) -> list[Msg]:
        why_not_gos = f"{amount!r} is GOS: give the base, e.g. 0.5btc (the price goes in --price, in GOS)"
        denom, quantity = parse_asset_amount(amount, assets, why_not_gos, tokens=True)
        listing = _market(tx.api, denom)
        unit = listing["lot"]["display_denom"]
        whole = 10 ** int(listing["decimals"])
        if limit is not None and limit % int(listing["tick"]["ugos"]):
            tick = listing["tick"]["gos"]
            raise CliError(f"{price} is not a multiple of the {denom} market's tick ({tick} gos per {unit})")
        if quantity % int(listing["lot"]["amount"]):
            raise CliError(
                f"{amount} is not a multiple of the {denom} market's lot ({listing['lot']['display']} {unit})"
            )
        expiry = 0
        if expires_in is not None:
            expiry = int(fetch_json(tx.api, "/status")["height"]) + expires_in
        if limit is None:
            plan = _plan_market(tx.api, denom, chosen_side, quantity, slippage_ppm, int(listing["tick"]["ugos"]))
            _confirm_market(plan, chosen_side, amount, unit, whole, yes, say=not tx.json)
            return as_msgs(MsgPlaceOrder(denom, chosen_side, plan.worst_price, quantity, "ioc", expiry))
        time_in_force = "ioc" if ioc else "post_only" if post_only else "gtc"
        if not tx.json:
            notional = quantity * limit // whole
            typer.echo(
                f"{chosen_side} {amount} at {gos_text(limit)} per {unit} ({time_in_force}"
                + (f", closes after block {expiry}" if expiry else "")
                + f"): worth {gos_text(notional)} at the limit",
                err=True,
            )
        return as_msgs(MsgPlaceOrder(denom, chosen_side, limit, quantity, time_in_force, expiry))

    submit(tx, build)


def cancel(
    order_id: Annotated[str, typer.Argument(help="the order's id (see `gostaking dex orders`)")], tx: TxOptions
) -> None:
    """Cancel one of your open orders: its remaining escrow returns at once."""
    number = parse_id(order_id, "order id")
    submit_messages(tx, [MsgCancelOrder(number)])


def _market_denom(api: str, market: str) -> str:
    with open_api(api) as node:
        return parse_asset_denom(market, chain_denoms(node), tokens=True)


def _price(view: dict[str, Any] | None) -> str:
    return view["gos"] if view is not None else "-"


def book(
    market: MarketArgument,
    levels: Annotated[int, typer.Option("--levels", min=1, max=100, help="price levels per side")] = 10,
    api: ApiOption = API_DEFAULT,
    as_json: JsonOption = False,
) -> None:
    """The depth ladder: asks above (the best, lowest, nearest the middle), the spread, bids below (the best,
    highest, first), each level's quantity, orders and running total."""
    denom = _market_denom(api, market)
    depth = fetch_json(api, f"/book/markets/{denom}/depth", {"levels": levels})
    if as_json:
        print_json(depth)
        return

    def rows(side: str, side_levels: list[dict[str, Any]]) -> list[tuple[object, ...]]:
        return [
            (side, lv["price"]["gos"], lv["quantity"]["display"], lv["orders"], lv["cumulative"]["display"])
            for lv in side_levels
        ]

    asks, bids = depth["asks"], depth["bids"]
    spread = (
        f"spread {format_gos(int(asks[0]['price']['ugos']) - int(bids[0]['price']['ugos']))} gos"
        if asks and bids
        else "no spread: one side is empty"
    )
    unit = (asks or bids)[0]["quantity"]["display_denom"] if asks or bids else market
    last = depth["last_auction"]
    said = f"last auction {last['price']['gos']} gos at block {last['height']}" if last else "no auction yet"
    typer.echo(f"{unit}/GOS at block {depth['height']}: {said}")
    table = [*rows("ask", asks[::-1]), ("", spread, "", "", ""), *rows("bid", bids)]
    print_table(table, ("side", "price (gos)", f"quantity ({unit})", "orders", f"total ({unit})"))


def trades(
    market: MarketArgument, limit: LimitOption = 20, api: ApiOption = API_DEFAULT, as_json: JsonOption = False
) -> None:
    """The market's recent batch auctions, newest first: the one clearing price, the base traded, its GOS and how
    many orders filled."""
    denom = _market_denom(api, market)
    page = fetch_json(api, f"/book/markets/{denom}/trades", {"limit": limit})
    if as_json:
        print_json(page)
        return
    rows = [
        (t["height"], t["time"], t["price"]["gos"], t["volume"]["display"], t["notional"]["gos"], t["fills"])
        for t in page["items"]
    ]
    unit = page["items"][0]["volume"]["display_denom"] if page["items"] else market
    print_table(rows, ("block", "time", "price (gos)", f"volume ({unit})", "gos", "fills"))


def orders(
    address: Annotated[str, typer.Argument(help="address (gos1…) or key name")],
    api: ApiOption = API_DEFAULT,
    as_json: JsonOption = False,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """An address's open orders: side, market, limit, what is left of it and its expiry."""
    resolved = resolve_address(address, open_keyring(home, keyring), "address", api)
    page = fetch_json(api, f"/accounts/{resolved}/orders")
    if as_json:
        print_json(page)
        return
    rows = [
        (
            o["id"],
            o["side"],
            o["market"],
            o["price"]["gos"],
            f"{o['remaining']['display']}/{o['quantity']['display']} {o['quantity']['display_denom']}",
            o["time_in_force"],
            o["expiry_height"] or "-",
        )
        for o in page["orders"]
    ]
    print_table(rows, ("order", "side", "market", "price (gos)", "left/placed", "tif", "expires"))


def markets(api: ApiOption = API_DEFAULT, as_json: JsonOption = False) -> None:
    """Every market: tick, lot, fees, the best bid and ask and the last clearing price."""
    document = fetch_json(api, "/book/markets")
    if as_json:
        print_json(document)
        return
    rows = [
        (
            m["lot"]["display_denom"],
            m["tick"]["gos"],
            m["lot"]["display"],
            f"{m['maker_fee']}/{m['taker_fee']}",
            _price(m["best_bid"]),
            _price(m["best_ask"]),
            _price(m["last_auction"]["price"] if m["last_auction"] else None),
            "halted" if m["halted"] else "open",
        )
        for m in document["markets"]
    ]
    print_table(rows, ("market", "tick (gos)", "lot", "maker/taker", "bid", "ask", "last", "status"))


def register(dex_app: typer.Typer) -> None:
    """Add the order book's commands to the `dex` group."""
    tx_command(dex_app, "order")(order)
    tx_command(dex_app, "cancel")(cancel)
    for name, command in (("book", book), ("trades", trades), ("orders", orders), ("markets", markets)):
        dex_app.command(name)(command)
