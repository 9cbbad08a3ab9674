"""`gostaking oracle …`: mining node operators feed asset prices; anyone reads the aggregated prices."""

from typing import Annotated, Any

import typer

from gostaking.chain.types.tx import Msg, MsgSubmitPrices, PriceQuote
from gostaking.cli.amounts import parse_asset_denom, parse_gos_amount
from gostaking.cli.common import document_command, document_table_command
from gostaking.cli.errors import CliError
from gostaking.cli.options import TxOptions, tx_command
from gostaking.cli.tx import submit
from gostaking.wallet.keyring import Keyring

app = typer.Typer(help="Asset prices in GOS: feed them (mining nodes) and read them.", no_args_is_help=True)


def parse_quotes(texts: list[str], assets: dict[str, int]) -> list[PriceQuote]:
    """'btc=10000gos' → PriceQuote('btc', 10_000_000_000): the price of one whole asset in GOS, exactly."""
    quotes = []
    for text in texts:
        denom, sep, price = text.partition("=")
        if not (sep and denom.strip() and price.strip()):
            raise CliError(f"cannot read quote {text!r}: write DENOM=PRICE, e.g. btc=10000gos")
        quotes.append(PriceQuote(parse_asset_denom(denom, assets), parse_gos_amount(price.strip())))
    if len({q.denom for q in quotes}) != len(quotes):
        raise CliError("an asset is quoted twice")
    return quotes


@tx_command(app, "submit-prices")
def submit_prices(
    quotes: Annotated[list[str], typer.Argument(help="DENOM=PRICE per whole asset, e.g. btc=10000gos eth=200gos")],
    tx: TxOptions,
) -> None:
    """Quote asset prices for this oracle period (mining node operators only; a later quote replaces)."""

    def build(assets: dict[str, int], _: Keyring) -> list[Msg]:
        return [MsgSubmitPrices(parse_quotes(quotes, assets))]

    submit(tx, build)


def _price_row(asset: dict[str, Any]) -> tuple[object, ...]:
    oracle = asset["oracle"] or {}
    return (
        asset["denom"],
        asset["price"]["gos"],
        asset["weight"],
        oracle.get("updated_height", "-"),
        oracle.get("feeders", "-"),
        "yes" if oracle.get("stale") else "no",
        asset["quotes_this_period"],
    )


document_table_command(
    app,
    "prices",
    "/oracle/prices",
    "Per asset: current price and weight, the last aggregate, staleness and this period's quotes.",
    headers=("asset", "price (GOS)", "weight", "updated", "feeders", "stale", "quotes now"),
    rows=lambda document: [_price_row(asset) for asset in document["assets"]],
)
document_command(
    app, "params", "/oracle/params", "Oracle period, feeder quorum, outlier band, staleness limit and the feeders."
)
