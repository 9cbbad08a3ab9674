"""`gostaking dex …`: provide liquidity to the asset/GOS pools, swap on them, and read pools and quotes."""

import re
from typing import Annotated, Any

import typer

from gostaking.chain.numeric import GOS_DENOM, PPM
from gostaking.chain.types.tx import Msg, MsgAddLiquidity, MsgRemoveLiquidity, MsgSwap
from gostaking.cli.amounts import (
    listed_denoms,
    parse_amount,
    parse_asset_amount,
    parse_asset_denom,
    parse_gos_amount,
)
from gostaking.cli.client import open_api
from gostaking.cli.common import (
    FIELD_VALUE,
    TableOption,
    document_command,
    document_table_command,
    fetch_json,
    field_rows,
    parse_id,
    print_json_or_table,
)
from gostaking.cli.errors import CliError
from gostaking.cli.options import API_DEFAULT, ApiOption, TxOptions, tx_command
from gostaking.cli.tx import chain_denoms, submit
from gostaking.wallet.keyring import Keyring

app = typer.Typer(
    help="The exchange: asset/GOS pools, liquidity and swaps (the node API must be reachable).", no_args_is_help=True
)

DEFAULT_SLIPPAGE_PPM = 10_000
"""1%: the least output a swap accepts by default is the quote less this."""
_PERCENT = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)%")
_PERCENT_DECIMALS = 4
"""1 ppm is 0.0001%."""

PairOption = Annotated[
    str | None, typer.Option("--pair", help="asset of the pool, e.g. btc or sgos \\[default: the asset paid in]")
]
PoolArgument = Annotated[str, typer.Argument(help="asset of the pool, e.g. btc or sgos")]
SwapAmountArgument = Annotated[
    str, typer.Argument(help="what is paid in: GOS (100gos) or the pool's asset (0.01btc, 1.5sgos)")
]


def parse_slippage(text: str) -> int:
    """A slippage tolerance as a percentage ('1%', '0.25%'), below 100%; returns ppm, exactly."""
    cleaned = text.strip().replace(" ", "")
    if not _PERCENT.fullmatch(cleaned):
        raise CliError(f"cannot read slippage {text!r}: write a percentage like 1% or 0.5%")
    whole, _, fraction = cleaned[:-1].partition(".")
    if len(fraction) > _PERCENT_DECIMALS:
        raise CliError(f"slippage {text!r} has more than {_PERCENT_DECIMALS} decimal places (1 ppm is 0.0001%)")
    scale: int = 10**_PERCENT_DECIMALS
    ppm = int(whole or "0") * scale + int(fraction.ljust(_PERCENT_DECIMALS, "0"))
    if ppm >= PPM:
        raise CliError(f"slippage {text!r} must be below 100%")
    return ppm


def parse_swap(amount: str, pair: str | None, assets: dict[str, int]) -> tuple[str, str, int]:
    """(pool asset, denom paid in, base units paid in) of a swap: GOS needs --pair; an asset is its own pool."""
    denom_in, amount_in = parse_amount(amount, assets)
    if pair is None:
        if denom_in == GOS_DENOM:
            raise CliError(
                "name the pool to buy from when paying GOS, e.g. --pair btc "
                f"(pools: {listed_denoms(assets, tokens=True)})"
            )
        return denom_in, denom_in, amount_in
    pool = parse_asset_denom(pair, assets, tokens=True)
    if denom_in not in (GOS_DENOM, pool):
        raise CliError(f"the {pool}/GOS pool takes GOS or {pool}, not {denom_in} ({amount!r})")
    return pool, denom_in, amount_in


def _quote(api: str, pool: str, denom_in: str, amount_in: int) -> dict[str, Any]:
    document: dict[str, Any] = fetch_json(
        api, "/dex/quote", {"pair": pool, "denom_in": denom_in, "amount_in": amount_in}
    )
    return document


@tx_command(app, "add-liquidity")
def add_liquidity(
    amount: Annotated[str, typer.Argument(help="asset to deposit, e.g. 1btc, 100000sat or 10sgos")],
    max_gos: Annotated[
        str,
        typer.Option(
            "--max-gos",
            help="most GOS to deposit beside it, e.g. 10000gos (the first provider deposits exactly this and so "
            "sets the price; later ones deposit at the pool's ratio)",
        ),
    ],
    tx: TxOptions,
) -> None:
    """Deposit an asset and GOS into the asset's pool for liquidity units (earning the swap fees)."""

    def build(assets: dict[str, int], _: Keyring) -> list[Msg]:
        why_not_gos = f"{amount!r} is GOS: give the asset side of the pool (e.g. 1btc); GOS goes in --max-gos"
        denom, units = parse_asset_amount(amount, assets, why_not_gos, tokens=True)
        return [MsgAddLiquidity(denom, units, parse_gos_amount(max_gos))]

    submit(tx, build)


@tx_command(app, "remove-liquidity")
def remove_liquidity(
    denom: PoolArgument,
    units: Annotated[str, typer.Argument(help="liquidity units to redeem (see `gostaking dex pool DENOM`)")],
    tx: TxOptions,
) -> None:
    """Redeem liquidity units for the pool's asset and GOS in proportion."""

    def build(assets: dict[str, int], _: Keyring) -> list[Msg]:
        pool = parse_asset_denom(denom, assets, tokens=True)
        lp_units = parse_id(units, "liquidity units")
        if lp_units == 0:
            raise CliError("liquidity units must be positive")
        return [MsgRemoveLiquidity(pool, lp_units)]

    submit(tx, build)


PRICE_IMPACT_CONFIRM_PPM = 50_000
"""5%: a swap that loses more than this to its size and fee (the API quote's price impact) is sent only after the
user confirms it, or with --yes."""


@tx_command(app, "swap")
def swap(
    amount: SwapAmountArgument,
    tx: TxOptions,
    pair: PairOption = None,
    min_out: Annotated[
        str | None, typer.Option("--min-out", help="least output accepted, e.g. 0.009btc or 95gos")
    ] = None,
    slippage: Annotated[
        str | None,
        typer.Option("--slippage", help="accept this much less than the API's quote, e.g. 0.5% \\[default: 1%]"),
    ] = None,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="swap without asking even when the price impact is above 5%"),
    ] = False,
) -> None:
    """Swap GOS for a pool's asset or back; refused below the least output (--min-out, or quote less --slippage).
    The quote's price impact is shown, and above 5% the swap waits for a yes (or --yes)."""
    if min_out is not None and slippage is not None:
        raise CliError("give --min-out or --slippage, not both")
    slippage_ppm = parse_slippage(slippage) if slippage is not None else DEFAULT_SLIPPAGE_PPM

    def build(assets: dict[str, int], _: Keyring) -> list[Msg]:
        pool, denom_in, amount_in = parse_swap(amount, pair, assets)
        denom_out = pool if denom_in == GOS_DENOM else GOS_DENOM
        least: int | None = None
        if min_out is not None:
            out_denom, least = parse_amount(min_out, assets)
            if out_denom != denom_out:
                wanted = "GOS" if denom_out == GOS_DENOM else denom_out
                raise CliError(f"--min-out must be an amount of {wanted} (what the swap returns), got {min_out!r}")
        quote = _quote(tx.api, pool, denom_in, amount_in)
        quoted = int(quote["amount_out"]["amount"])
        if quoted <= 0:
            raise CliError(f"swapping {amount} on the {pool}/GOS pool would return nothing: swap more")
        confirm_price_impact(quote, amount, yes, say=not tx.json)
        if least is None:
            least = quoted * (PPM - slippage_ppm) // PPM
        return [MsgSwap(pool, denom_in, amount_in, least)]

    submit(tx, build)


def confirm_price_impact(quote: dict[str, Any], amount: str, yes: bool, *, say: bool = True) -> None:
    """With `say`, tell (on stderr) what the quote returns and its price impact; above PRICE_IMPACT_CONFIRM_PPM ask
    to go on unless `yes`, and stop with CliError on a no."""
    out = quote["amount_out"]
    if say:
        typer.echo(
            f"swap {amount} for about {out['display']} {out['display_denom']} (price impact {quote['price_impact']})",
            err=True,
        )
    if int(quote["price_impact_ppm"]) <= PRICE_IMPACT_CONFIRM_PPM or yes:
        return
    if not typer.confirm(f"The price impact is {quote['price_impact']}, above 5%. Swap anyway?", err=True):
        raise CliError("swap not sent: the price impact is above 5% (a smaller swap moves the price less)")


def _pool_row(pool: dict[str, Any]) -> tuple[object, ...]:
    price = pool["price"]
    return (
        pool["denom"],
        pool["asset_reserve"]["display"],
        pool["gos_reserve"]["gos"],
        price["gos"] if price is not None else "-",
        pool["lp_units"],
        "yes" if pool["feeds_oracle"] else "no",
    )


document_table_command(
    app,
    "pools",
    "/dex/pools",
    "Per asset: the pool's reserves, price in GOS, liquidity units and whether it feeds the oracle.",
    headers=("asset", "asset reserve", "GOS reserve", "price (GOS)", "LP units", "feeds oracle"),
    rows=lambda document: [_pool_row(pool) for pool in document["pools"]],
)


@app.command("pool")
def show_pool(denom: PoolArgument, api: ApiOption = API_DEFAULT, table: TableOption = False) -> None:
    """One pool with its liquidity providers, their units and what redeeming them returns now."""
    with open_api(api) as node:
        pool = parse_asset_denom(denom, chain_denoms(node), tokens=True)
    print_json_or_table(fetch_json(api, f"/dex/pools/{pool}"), table, FIELD_VALUE, field_rows)


@app.command("quote")
def quote_swap(
    amount: SwapAmountArgument, pair: PairOption = None, api: ApiOption = API_DEFAULT, table: TableOption = False
) -> None:
    """What a swap would return now (after the fee) and its price impact, without sending anything."""
    with open_api(api) as node:
        assets = chain_denoms(node)
    pool_denom, denom_in, amount_in = parse_swap(amount, pair, assets)
    print_json_or_table(_quote(api, pool_denom, denom_in, amount_in), table, FIELD_VALUE, field_rows)


document_command(
    app,
    "params",
    "/dex/params",
    "Swap fee, the depth from which a pool feeds the oracle, and the KYC level trading needs.",
)
