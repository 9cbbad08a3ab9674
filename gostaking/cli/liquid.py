"""`gostaking liquid …`: stake GOS for sGOS, leave through a ticket or the instant pool, provide the pool's GOS, and
read the rate, the pool and an address's tickets (the node API computes them; docs/liquid.md)."""

from typing import Annotated, Any

import typer

from gostaking.chain.numeric import GOS_DECIMALS, PPM
from gostaking.chain.types.liquid import (
    MsgLiquidAddLiquidity,
    MsgLiquidClaimTicket,
    MsgLiquidInstantUnstake,
    MsgLiquidRemoveLiquidity,
    MsgLiquidStake,
    MsgLiquidUnstake,
)
from gostaking.chain.types.tx import Msg
from gostaking.cli.amounts import parse_amount, parse_gos_amount
from gostaking.cli.common import TableOption, fetch_json, parse_id, print_json, print_json_or_table, print_table
from gostaking.cli.dex import DEFAULT_SLIPPAGE_PPM, parse_slippage
from gostaking.cli.errors import CliError
from gostaking.cli.options import API_DEFAULT, ApiOption, HomeOption, KeyringOption, TxOptions, open_keyring, tx_command
from gostaking.cli.tx import as_msgs, resolve_address, submit, submit_messages
from gostaking.wallet.keyring import Keyring

app = typer.Typer(
    help="Liquid staking: GOS → sGOS that earns while staying spendable; leave by ticket or instantly (the node API "
    "must be reachable).",
    no_args_is_help=True,
)

SGOS_UNITS = {"sgos": GOS_DECIMALS, "usgos": 0}
"""How a person writes sGOS: whole sGOS ('12.5sgos') or base units ('12500000usgos')."""
SgosArgument = Annotated[str, typer.Argument(help="sGOS, e.g. 10sgos or 10000000usgos")]
JsonOption = Annotated[bool, typer.Option("--json", help="print the API's documents as JSON")]


def parse_sgos_amount(text: str) -> int:
    """An amount that must be sGOS ('10sgos', '5000usgos'); returns usgos, exactly."""
    # Both units are read as the "denom" they name, each with its decimals over usgos, so either gives usgos.
    unit, usgos = parse_amount(text, SGOS_UNITS)
    if unit not in SGOS_UNITS:
        raise CliError(f"{text!r} must be an sGOS amount, e.g. 10sgos or 10000000usgos")
    return usgos


@tx_command(app, "stake")
def stake(amount: Annotated[str, typer.Argument(help="GOS to stake, e.g. 100gos")], tx: TxOptions) -> None:
    """Stake GOS through the module for sGOS at the current rate (the module spreads the stake over the nodes)."""
    ugos = parse_gos_amount(amount)
    submit_messages(tx, [MsgLiquidStake(ugos)])


@tx_command(app, "unstake")
def unstake(sgos: SgosArgument, tx: TxOptions) -> None:
    """Redeem sGOS by ticket, with no fee: the GOS (never more than their value now) pays after the next rebalance
    and the stake unbonding period (see `gostaking liquid tickets`)."""
    usgos = parse_sgos_amount(sgos)
    submit_messages(tx, [MsgLiquidUnstake(usgos)])


@tx_command(app, "claim-ticket")
def claim_ticket(
    ticket: Annotated[str, typer.Argument(help="ticket id (see `gostaking liquid tickets`)")], tx: TxOptions
) -> None:
    """Take a due ticket's GOS now rather than waiting for the queue to pay it."""
    ticket_id = parse_id(ticket, "ticket id")
    submit_messages(tx, [MsgLiquidClaimTicket(ticket_id)])


@tx_command(app, "instant")
def instant(
    sgos: SgosArgument,
    tx: TxOptions,
    min_gos: Annotated[
        str | None, typer.Option("--min-gos", help="least GOS accepted, e.g. 99gos (refused below it)")
    ] = None,
    slippage: Annotated[
        str | None,
        typer.Option("--slippage", help="accept this much less than the quote, e.g. 0.5% \\[default: 1%]"),
    ] = None,
) -> None:
    """Swap sGOS for GOS at once on the instant pool, for a fee that rises as the pool empties. The quote and fee
    are shown first; refused below --min-gos (or the quote less --slippage)."""
    if min_gos is not None and slippage is not None:
        raise CliError("give --min-gos or --slippage, not both")
    usgos = parse_sgos_amount(sgos)
    least = parse_gos_amount(min_gos) if min_gos is not None else None
    slippage_ppm = parse_slippage(slippage) if slippage is not None else DEFAULT_SLIPPAGE_PPM

    def build(_assets: dict[str, int], _keyring: Keyring) -> list[Msg]:
        quote = fetch_json(tx.api, "/liquid/quote", {"amount_in": usgos})
        out = int(quote["amount_out"]["ugos"])
        if not tx.json:
            typer.echo(
                f"instant unstake {quote['sgos_in']['display']} sGOS for about {quote['amount_out']['gos']} GOS "
                f"(fee {quote['fee']}: {quote['fee_sgos']['display']} sGOS; {quote['value_at_rate']['gos']} GOS at "
                f"the rate; pool {quote['pool_gos']['gos']} GOS deep)",
                err=True,
            )
        return as_msgs(
            MsgLiquidInstantUnstake(usgos, least if least is not None else out * (PPM - slippage_ppm) // PPM)
        )

    submit(tx, build)


@tx_command(app, "add-liquidity")
def add_liquidity(amount: Annotated[str, typer.Argument(help="GOS to deposit, e.g. 1000gos")], tx: TxOptions) -> None:
    """Deposit GOS in the instant pool for its LP units (usgoslp), earning the instant fees."""
    ugos = parse_gos_amount(amount)
    submit_messages(tx, [MsgLiquidAddLiquidity(ugos)])


@tx_command(app, "remove-liquidity")
def remove_liquidity(
    units: Annotated[str, typer.Argument(help="LP units (usgoslp, base units) to redeem")], tx: TxOptions
) -> None:
    """Redeem LP units for their share of the pool's GOS and sGOS (its tickets come back as sGOS)."""
    lp = parse_id(units, "LP units")
    if lp == 0:
        raise CliError("LP units must be positive")
    submit_messages(tx, [MsgLiquidRemoveLiquidity(lp)])


def _apr(view: dict[str, Any]) -> str:
    return view["apr"] if view["apr"] is not None else "n/a"


@app.command("status")
def status(api: ApiOption = API_DEFAULT, as_json: JsonOption = False) -> None:
    """The rate (exact), APR over the last day and week, what backs sGOS, the per-node stakes and the instant
    pool's depth and fee, in a few lines (or --json: the API's /liquid/rate, /holdings and /pool)."""
    rate = fetch_json(api, "/liquid/rate")
    holdings = fetch_json(api, "/liquid/holdings")
    pool = fetch_json(api, "/liquid/pool")
    if as_json:
        print_json({"rate": rate, "holdings": holdings, "pool": pool})
        return
    typer.echo(
        f"1 sGOS = {rate['gos_per_sgos']} GOS; APR {_apr(rate['apr_day'])} over the last day, "
        f"{_apr(rate['apr_week'])} over the last week"
    )
    typer.echo(
        f"{rate['sgos_supply']['display']} sGOS backed by {holdings['controlled']['gos']} GOS: staked "
        f"{holdings['staked']['gos']}, unbonding {holdings['unbonding']['gos']}, unstaked {holdings['liquid']['gos']}, "
        f"pending rewards {holdings['pending_rewards']['gos']}; {holdings['open_tickets']} open tickets; next "
        f"rebalance at block {holdings['next_rebalance_height']}"
    )
    typer.echo(
        f"instant pool: {pool['gos']['gos']} GOS deep (target {pool['target_liquidity']['gos']}), fee now "
        f"{pool['fee_now']}, worth {pool['value']['gos']} GOS"
    )
    rows = [
        (row["node"], row["moniker"], row["stake"]["gos"], row["target"]["gos"], "yes" if row["eligible"] else "no")
        for row in holdings["node_stakes"]
    ]
    if rows:
        print_table(rows, ("node", "moniker", "stake (GOS)", "target (GOS)", "eligible"))


def _ticket_row(ticket: dict[str, Any]) -> tuple[object, ...]:
    return (
        ticket["id"],
        ticket["sgos"]["display"],
        ticket["payout_now"]["gos"],
        ticket["due_height"],
        "due" if ticket["due"] else ticket["time_left"],
    )


@app.command("tickets")
def tickets(
    address: Annotated[str, typer.Argument(help="address (gos1…) or key name")],
    api: ApiOption = API_DEFAULT,
    table: TableOption = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="tickets per page")] = 100,
    offset: Annotated[int, typer.Option("--offset", min=0, help="tickets to skip")] = 0,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """An address's open redemption tickets, oldest first: sGOS, what each pays now, the due block and the time
    left in days and hours."""
    resolved = resolve_address(address, open_keyring(home, keyring), "address")
    page = fetch_json(api, f"/liquid/tickets/{resolved}", {"limit": limit, "offset": offset})
    print_json_or_table(
        page,
        table,
        ("ticket", "sGOS", "pays now (GOS)", "due block", "time left"),
        lambda document: [_ticket_row(ticket) for ticket in document["tickets"]],
    )
