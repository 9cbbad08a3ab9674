"""`gostaking gov …`: submit, vote on and ratify proposals; list and show them, and the committee report."""

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated

import typer

from gostaking.chain.types.gov import (
    AssetListingProposal,
    AssetWeightProposal,
    KycProviderProposal,
    MarketHaltProposal,
    MarketListingProposal,
    NodeCountProposal,
    ParamChange,
    ParamChangeProposal,
    ProposalContent,
    TextProposal,
)
from gostaking.chain.types.lock import Asset
from gostaking.chain.types.tx import Msg, MsgRatifyProposal, MsgSubmitProposal, MsgVoteProposal
from gostaking.cli.amounts import parse_asset_amount, parse_asset_denom, parse_gos_amount
from gostaking.cli.book import parse_price
from gostaking.cli.common import (
    LimitOption,
    OffsetOption,
    TableOption,
    document_command,
    fetch_json,
    parse_id,
    parse_weight,
    print_json,
    print_json_or_table,
)
from gostaking.cli.errors import CliError
from gostaking.cli.options import API_DEFAULT, ApiOption, TxOptions, open_keyring, tx_command
from gostaking.cli.tx import resolve_address, submit, submit_messages
from gostaking.wallet.keyring import Keyring

app = typer.Typer(help="Governance: submit, vote on and ratify proposals; read them.", no_args_is_help=True)

TitleOption = Annotated[str, typer.Option("--title", help="proposal title (1..140 bytes)")]
DescriptionOption = Annotated[str, typer.Option("--description", help="what and why (up to 8 KiB)")]
DepositOption = Annotated[
    str | None, typer.Option("--deposit", help="GOS escrowed, e.g. 1000gos \\[default: the chain minimum]")
]
ProposalIdArgument = Annotated[str, typer.Argument(help="proposal id")]


class VoteChoice(StrEnum):
    """The options of a vote."""

    yes = "yes"
    no = "no"
    abstain = "abstain"


def _propose(options: TxOptions, title: str, description: str, deposit: str | None, content: ProposalContent) -> None:
    """Sign and submit MsgSubmitProposal; the deposit defaults to the chain's minimum."""
    _propose_with_denoms(options, title, description, deposit, lambda _denoms: content)


def _propose_with_denoms(
    options: TxOptions,
    title: str,
    description: str,
    deposit: str | None,
    make_content: Callable[[dict[str, int]], ProposalContent],
) -> None:
    """_propose for content read with the chain's denoms (`make_content(denoms)`: amounts in the asset's units)."""
    amount = parse_gos_amount(deposit) if deposit is not None else None

    def build(denoms: dict[str, int], _keyring: Keyring) -> list[Msg]:
        content = make_content(denoms)
        minimum = int(fetch_json(options.api, "/governance/params")["min_deposit"]["ugos"])
        return [MsgSubmitProposal(title, description, content, minimum if amount is None else amount)]

    submit(options, build)


def parse_fee(text: str) -> int:
    """A fee as a percentage ('0.1%') or in ppm ('1000ppm'); returns ppm, exactly."""
    cleaned = text.strip().lower().replace(" ", "")
    if cleaned.endswith("%"):
        try:
            fraction = Decimal(cleaned[:-1]) / 100  # exact: a decimal string moved by two places
        except InvalidOperation:
            raise CliError(f"cannot read fee {text!r}: write a percentage like 0.1% or ppm like 1000ppm") from None
        if not fraction.is_finite() or fraction < 0:
            raise CliError(f"cannot read fee {text!r}: write a percentage like 0.1% or ppm like 1000ppm")
        cleaned = format(fraction, "f")
    elif not cleaned.endswith("ppm"):
        raise CliError(f"cannot read fee {text!r}: write a percentage like 0.1% or ppm like 1000ppm")
    return parse_weight(cleaned)


def parse_param_change(text: str) -> ParamChange:
    """'section.field=value' with an integer value or a GOS amount ('nodes.min_stake_ugos=200gos')."""
    target, sep, value = text.partition("=")
    section, dot, field = target.strip().partition(".")
    if not (sep and dot and section and field and value.strip()):
        raise CliError(f"cannot read change {text!r}: write section.field=value, e.g. nodes.min_stake_ugos=200gos")
    cleaned = value.strip().replace("_", "")
    if cleaned.lstrip("-").isdecimal():
        return ParamChange(section, field, int(cleaned))
    return ParamChange(section, field, parse_gos_amount(cleaned))


@tx_command(app, "submit-text")
def submit_text(
    title: TitleOption,
    tx: TxOptions,
    description: DescriptionOption = "",
    deposit: DepositOption = None,
) -> None:
    """Propose a text (a signal with no on-chain effect)."""
    _propose(tx, title, description, deposit, TextProposal())


@tx_command(app, "submit-param-change")
def submit_param_change(
    title: TitleOption,
    changes: Annotated[
        list[str], typer.Option("--change", help="section.field=value, repeatable (e.g. gov.quorum_ppm=150000)")
    ],
    tx: TxOptions,
    description: DescriptionOption = "",
    deposit: DepositOption = None,
) -> None:
    """Propose parameter changes (sections rewards, staking, nodes, tx, oracle, gov, compliance)."""
    content = ParamChangeProposal([parse_param_change(change) for change in changes])
    _propose(tx, title, description, deposit, content)


@tx_command(app, "submit-asset-listing")
def submit_asset_listing(
    denom: Annotated[str, typer.Argument(help="on-chain denomination, e.g. sol")],
    title: TitleOption,
    decimals: Annotated[int, typer.Option("--decimals", min=0, max=36, help="decimals of the base unit")],
    hosted_chain: Annotated[str, typer.Option("--hosted-chain", help="chain the asset is custodied on")],
    weight: Annotated[str, typer.Option("--weight", help="value weight, e.g. 0.1 or 100000ppm")],
    price: Annotated[str, typer.Option("--price", help="price of one whole asset in GOS, e.g. 50gos")],
    tx: TxOptions,
    description: DescriptionOption = "",
    deposit: DepositOption = None,
) -> None:
    """Propose listing an external asset for locking (opens its hash-power pool)."""
    asset = Asset(denom, decimals, hosted_chain, parse_weight(weight), parse_gos_amount(price))
    _propose(tx, title, description, deposit, AssetListingProposal(asset))


@tx_command(app, "submit-asset-weight")
def submit_asset_weight(
    denom: Annotated[str, typer.Argument(help="a listed asset, e.g. btc")],
    weight: Annotated[str, typer.Argument(help="new value weight, e.g. 0.15 or 150000ppm")],
    title: TitleOption,
    tx: TxOptions,
    description: DescriptionOption = "",
    deposit: DepositOption = None,
) -> None:
    """Propose a new value weight for a listed asset (its price stays with the oracle)."""
    content = AssetWeightProposal(denom, parse_weight(weight))
    _propose(tx, title, description, deposit, content)


@tx_command(app, "submit-node-count")
def submit_node_count(
    title: TitleOption,
    by_stake: Annotated[int, typer.Option("--by-stake", min=0, help="mining nodes elected by stake")],
    by_votes: Annotated[int, typer.Option("--by-votes", min=0, help="mining nodes elected by votes")],
    tx: TxOptions,
    description: DescriptionOption = "",
    deposit: DepositOption = None,
) -> None:
    """Propose resizing the mining set (takes effect at the next election)."""
    _propose(tx, title, description, deposit, NodeCountProposal(by_stake, by_votes))


@tx_command(app, "submit-kyc-provider")
def submit_kyc_provider(
    provider: Annotated[str, typer.Argument(help="provider account (gos1…) or a key name")],
    title: TitleOption,
    name: Annotated[str, typer.Option("--name", help="provider's display name (1..64 bytes)")],
    tx: TxOptions,
    remove: Annotated[bool, typer.Option("--remove", help="remove the provider instead of admitting it")] = False,
    description: DescriptionOption = "",
    deposit: DepositOption = None,
) -> None:
    """Propose admitting (or with --remove, removing) a KYC provider."""
    address = resolve_address(provider, open_keyring(tx.home, tx.keyring), "provider")
    _propose(tx, title, description, deposit, KycProviderProposal(address, name, not remove))


@tx_command(app, "propose-market")
def propose_market(
    denom: Annotated[str, typer.Argument(help="the base: a listed asset (btc) or a token of the chain (sgos)")],
    title: TitleOption,
    tick: Annotated[str, typer.Option("--tick", help="price step in GOS per whole unit, e.g. 0.001gos")],
    lot: Annotated[str, typer.Option("--lot", help="quantity step in the base, e.g. 0.001btc or 100000sat")],
    tx: TxOptions,
    maker_fee: Annotated[
        str | None, typer.Option("--maker-fee", help="e.g. 0.1% or 1000ppm \\[default: the book's default]")
    ] = None,
    taker_fee: Annotated[
        str | None, typer.Option("--taker-fee", help="e.g. 0.2% or 2000ppm \\[default: the book's default]")
    ] = None,
    min_notional: Annotated[
        str, typer.Option("--min-notional", help="smallest order value in GOS, e.g. 1gos")
    ] = "1gos",
    description: DescriptionOption = "",
    deposit: DepositOption = None,
) -> None:
    """Propose listing an order-book market of DENOM against GOS (docs/book.md): prices in multiples of --tick,
    quantities in multiples of --lot; lot × tick must be a whole number of ugos per whole unit."""
    tick_ugos = parse_price(tick)
    maker_ppm = parse_fee(maker_fee) if maker_fee is not None else None
    taker_ppm = parse_fee(taker_fee) if taker_fee is not None else None
    min_notional_ugos = parse_gos_amount(min_notional)

    def listing(denoms: dict[str, int]) -> ProposalContent:
        base = parse_asset_denom(denom, denoms, tokens=True)
        why_not_gos = f"{lot!r} is GOS: --lot is an amount of the base, e.g. 0.001btc"
        lot_denom, lot_units = parse_asset_amount(lot, denoms, why_not_gos, tokens=True)
        if lot_denom != base:
            raise CliError(f"--lot {lot} is not an amount of {denom}: give the lot in the base, e.g. 0.001{denom}")
        return MarketListingProposal(base, tick_ugos, lot_units, maker_ppm, taker_ppm, min_notional_ugos)

    _propose_with_denoms(tx, title, description, deposit, listing)


@tx_command(app, "propose-market-halt")
def propose_market_halt(
    denom: Annotated[str, typer.Argument(help="the base of a listed market, e.g. btc or sgos")],
    title: TitleOption,
    tx: TxOptions,
    resume: Annotated[bool, typer.Option("--resume", help="reopen a halted market instead of halting it")] = False,
    description: DescriptionOption = "",
    deposit: DepositOption = None,
) -> None:
    """Propose halting an order-book market (no new orders, no auctions; resting orders stay and may be
    cancelled), or with --resume, reopening it."""

    def halt(denoms: dict[str, int]) -> ProposalContent:
        return MarketHaltProposal(parse_asset_denom(denom, denoms, tokens=True), halted=not resume)

    _propose_with_denoms(tx, title, description, deposit, halt)


@tx_command(app, "vote")
def vote(
    proposal_id: ProposalIdArgument,
    option: Annotated[VoteChoice, typer.Argument(help="yes, no or abstain")],
    tx: TxOptions,
    escrow: Annotated[
        str | None,
        typer.Option("--escrow", help="liquid GOS to add to your voted + staked GOS, returned when the vote ends"),
    ] = None,
) -> None:
    """Vote with your bonded GOS (and optionally escrowed liquid GOS); voting again changes the option."""
    pid = parse_id(proposal_id, "proposal id")
    amount = parse_gos_amount(escrow) if escrow is not None else 0
    submit_messages(tx, [MsgVoteProposal(pid, option.value, amount)])


@tx_command(app, "ratify")
def ratify(proposal_id: ProposalIdArgument, tx: TxOptions) -> None:
    """Ratify a passed proposal as a committee member (2/3 of the committee execute it)."""
    submit_messages(tx, [MsgRatifyProposal(parse_id(proposal_id, "proposal id"))])


@app.command("list")
def list_proposals(
    status: Annotated[str | None, typer.Option("--status", help="e.g. voting, passed, executed")] = None,
    limit: LimitOption = 20,
    offset: OffsetOption = 0,
    api: ApiOption = API_DEFAULT,
    table: TableOption = False,
) -> None:
    """Proposals, newest first."""
    print_json_or_table(
        fetch_json(api, "/governance/proposals", {"status": status, "limit": limit, "offset": offset}),
        table,
        ("id", "status", "type", "voting end", "ratified", "title"),
        lambda document: [
            (p["id"], p["status"], p["type"], p["voting_end_height"], p["ratifications"], p["title"])
            for p in document["proposals"]
        ],
    )


@app.command("show")
def show(proposal_id: ProposalIdArgument, api: ApiOption = API_DEFAULT) -> None:
    """One proposal: content, tally, committee, ratifications, deadlines."""
    print_json(fetch_json(api, f"/governance/proposals/{parse_id(proposal_id, 'proposal id')}"))


@app.command("votes")
def votes(proposal_id: ProposalIdArgument, api: ApiOption = API_DEFAULT) -> None:
    """The votes on a proposal while it is being voted on."""
    print_json(fetch_json(api, f"/governance/proposals/{parse_id(proposal_id, 'proposal id')}/votes"))


document_command(
    app,
    "report",
    "/governance/report",
    "The GoStaking Committee's report: members, proposals by status, tallies and ratifications.",
)
document_command(app, "params", "/governance/params", "Governance parameters: deposit, periods, quorum and thresholds.")
