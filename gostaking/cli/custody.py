"""`gostaking custody …`: custodian attestations and confirmations, withdrawals, sanctions and holds."""

import json
from pathlib import Path
from typing import Annotated, Any

import msgspec
import typer

from gostaking.chain.types.tx import (
    Msg,
    MsgAttestDeposit,
    MsgConfirmWithdrawal,
    MsgRequestWithdrawal,
    MsgResolveHold,
    MsgUpdateSanctions,
    SanctionUpdate,
)
from gostaking.cli.amounts import parse_asset_amount
from gostaking.cli.common import (
    LimitOption,
    OffsetOption,
    TableOption,
    document_command,
    fetch_json,
    parse_id,
    print_json,
    print_json_or_table,
)
from gostaking.cli.errors import CliError
from gostaking.cli.options import API_DEFAULT, ApiOption, HomeOption, KeyringOption, TxOptions, open_keyring, tx_command
from gostaking.cli.tx import resolve_address, submit, submit_messages
from gostaking.wallet.keyring import Keyring

app = typer.Typer(
    help="Custody of external assets: deposits, withdrawals, sanctions holds (the node API must be reachable).",
    no_args_is_help=True,
)

OrderOption = Annotated[str, typer.Option("--order", help="desc: newest first; asc: oldest first")]
WithdrawalIdArgument = Annotated[str, typer.Argument(help="withdrawal id")]
DEFAULT_SANCTIONS_BATCH = 100
"""Sanctions updates per transaction: keeps each tx well under the chain's 16 KiB size limit."""


def _parse_asset_amount(text: str, assets: dict[str, int]) -> tuple[str, int]:
    return parse_asset_amount(text, assets, f"{text!r} is GOS: custody holds external assets only (e.g. 0.5btc)")


def parse_deposit_key(text: str) -> tuple[str, str]:
    """'hosted_chain:external_tx_id' → (hosted chain, external tx id)."""
    chain, sep, tx_id = text.partition(":")
    if not (sep and chain.strip() and tx_id.strip()):
        raise CliError(f"name the deposit as HOSTED_CHAIN:EXTERNAL_TXID (e.g. bitcoin:4a5e1e…), got {text!r}")
    return chain, tx_id


def read_sanctions_file(path: Path) -> list[SanctionUpdate]:
    """Read sanctions updates from JSON: a list (or {"updates": [...]}) of {hosted_chain, address, listed?,
    source?}; `listed` defaults to true, `source` to OFAC-SDN."""
    try:
        document = json.loads(path.read_text())
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror or error}") from None
    except ValueError as error:
        raise CliError(f"{path} is not valid JSON: {error}") from None
    items = document.get("updates") if isinstance(document, dict) else document
    if not isinstance(items, list) or not items:
        raise CliError(f'{path} must hold a non-empty list of updates (or {{"updates": [...]}})')
    entries = [{"listed": True, **item} if isinstance(item, dict) else item for item in items]
    try:
        return msgspec.convert(entries, list[SanctionUpdate])
    except msgspec.ValidationError as error:
        raise CliError(f"{path}: {error} (each update: hosted_chain, address, listed, source)") from None


@tx_command(app, "attest-deposit")
def attest_deposit(
    deposit: Annotated[str, typer.Argument(help="HOSTED_CHAIN:EXTERNAL_TXID, e.g. bitcoin:4a5e1e…")],
    amount: Annotated[str, typer.Argument(help="amount received, e.g. 0.5btc or 50000000sat")],
    recipient: Annotated[str, typer.Argument(help="GoStaking account to credit (gos1…) or a key name")],
    sender: Annotated[str, typer.Option("--sender", help="the sending address on the hosted chain")],
    tx: TxOptions,
) -> None:
    """As a custodian, attest a deposit into custody; the threshold-th matching attestation credits it."""
    hosted_chain, tx_id = parse_deposit_key(deposit)

    def build(assets: dict[str, int], ring: Keyring) -> list[Msg]:
        denom, units = _parse_asset_amount(amount, assets)
        to = resolve_address(recipient, ring, "recipient")
        return [MsgAttestDeposit(hosted_chain, tx_id, sender, to, denom, units)]

    submit(tx, build)


@tx_command(app, "request-withdrawal")
def request_withdrawal(
    amount: Annotated[str, typer.Argument(help="wrapped amount to send out, e.g. 0.1btc")],
    external_address: Annotated[str, typer.Argument(help="destination address on the hosted chain")],
    tx: TxOptions,
) -> None:
    """Escrow wrapped units and ask the custodians to pay them out on the hosted chain."""

    def build(assets: dict[str, int], _: Keyring) -> list[Msg]:
        denom, units = _parse_asset_amount(amount, assets)
        return [MsgRequestWithdrawal(denom, units, external_address)]

    submit(tx, build)


@tx_command(app, "confirm-withdrawal")
def confirm_withdrawal(
    withdrawal_id: WithdrawalIdArgument,
    external_tx_id: Annotated[str, typer.Argument(help="the payout transaction on the hosted chain")],
    tx: TxOptions,
) -> None:
    """As a custodian, confirm a withdrawal was paid out; the threshold-th confirmation completes it."""
    submit_messages(tx, [MsgConfirmWithdrawal(parse_id(withdrawal_id, "withdrawal id"), external_tx_id)])


@tx_command(app, "update-sanctions")
def update_sanctions(
    file: Annotated[Path, typer.Argument(help="JSON list of {hosted_chain, address, listed, source}")],
    tx: TxOptions,
    batch: Annotated[
        int, typer.Option("--batch", min=1, max=1_000, help="updates per transaction")
    ] = DEFAULT_SANCTIONS_BATCH,
) -> None:
    """As a compliance council member, approve adding or removing sanctioned external addresses (one tx per
    --batch); a batch applies when council_threshold members sent the same one."""
    updates = read_sanctions_file(file)
    for start in range(0, len(updates), batch):
        submit_messages(tx, [MsgUpdateSanctions(updates[start : start + batch])])


@tx_command(app, "resolve-hold")
def resolve_hold(
    tx: TxOptions,
    release: Annotated[
        bool | None,
        typer.Option("--release/--reject", help="release (credit / pay out) or reject (do not credit / refund)"),
    ] = None,
    deposit: Annotated[str | None, typer.Option("--deposit", help="held deposit HOSTED_CHAIN:EXTERNAL_TXID")] = None,
    withdrawal: Annotated[int | None, typer.Option("--withdrawal", min=0, help="held withdrawal id")] = None,
) -> None:
    """As a compliance council member, approve releasing or rejecting a transfer held by the sanctions screen; the
    decision executes when council_threshold members approved the same outcome."""
    if (deposit is None) == (withdrawal is None):
        raise CliError("give exactly one of --deposit HOSTED_CHAIN:EXTERNAL_TXID or --withdrawal ID")
    if release is None:
        raise CliError("say what to do with the hold: --release or --reject")
    key = ":".join(parse_deposit_key(deposit)) if deposit is not None else ""
    msg = MsgResolveHold(release, deposit=key, withdrawal_id=withdrawal if withdrawal is not None else -1)
    submit_messages(tx, [msg])


def _amount(amount: dict[str, Any]) -> str:
    """An API amount as a table cell: '0.5 btc'."""
    return f"{amount['display']} {amount['display_denom']}"


@app.command("deposits")
def deposits(
    status: Annotated[
        str | None, typer.Option("--status", help="pending, credited, held, rejected or reclaimed")
    ] = None,
    limit: LimitOption = 20,
    offset: OffsetOption = 0,
    order: OrderOption = "desc",
    api: ApiOption = API_DEFAULT,
    table: TableOption = False,
) -> None:
    """Deposits into custody."""
    print_json_or_table(
        fetch_json(api, "/custody/deposits", {"status": status, "limit": limit, "offset": offset, "order": order}),
        table,
        ("deposit", "status", "amount", "attested", "recipient"),
        lambda document: [
            (d["key"], d["status"], _amount(d["amount"]), d["attestations"], d["recipient"])
            for d in document["deposits"]
        ],
    )


@app.command("reclaims")
def reclaims(
    limit: LimitOption = 20,
    offset: OffsetOption = 0,
    order: OrderOption = "desc",
    api: ApiOption = API_DEFAULT,
    table: TableOption = False,
) -> None:
    """Deposits their depositors took back on the hosted chain: what each debited and its shortfall."""
    print_json_or_table(
        fetch_json(api, "/custody/reclaims", {"limit": limit, "offset": offset, "order": order}),
        table,
        ("deposit", "status", "reported", "debited", "shortfall", "recipient", "reclaim tx"),
        lambda document: [
            (
                r["deposit"],
                r["status"],
                r["reports"],
                _amount(r["debited"]),
                _amount(r["shortfall"]),
                r["recipient"],
                r["reclaim_tx_id"],
            )
            for r in document["reclaims"]
        ],
    )


@app.command("withdrawals")
def withdrawals(
    status: Annotated[str | None, typer.Option("--status", help="pending, held, completed or refunded")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="only this account's (gos1… or a key name)")] = None,
    limit: LimitOption = 20,
    offset: OffsetOption = 0,
    order: OrderOption = "desc",
    api: ApiOption = API_DEFAULT,
    table: TableOption = False,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Withdrawals from custody (custodians: --status pending --order asc)."""
    resolved = resolve_address(owner, open_keyring(home, keyring), "owner") if owner is not None else None
    params = {"status": status, "owner": resolved, "limit": limit, "offset": offset, "order": order}
    print_json_or_table(
        fetch_json(api, "/custody/withdrawals", params),
        table,
        ("id", "status", "amount", "confirmed", "to", "payout tx"),
        lambda document: [
            (w["id"], w["status"], _amount(w["amount"]), w["confirmations"], w["external_address"], w["external_tx_id"])
            for w in document["withdrawals"]
        ],
    )


@app.command("withdrawal")
def withdrawal(withdrawal_id: WithdrawalIdArgument, api: ApiOption = API_DEFAULT) -> None:
    """One withdrawal with its confirmations."""
    print_json(fetch_json(api, f"/custody/withdrawals/{parse_id(withdrawal_id, 'withdrawal id')}"))


@app.command("sanctions")
def sanctions(
    hosted_chain: Annotated[str | None, typer.Option("--hosted-chain", help="only this chain's")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1_000, help="rows per page")] = 100,
    offset: OffsetOption = 0,
    api: ApiOption = API_DEFAULT,
) -> None:
    """The sanctions list."""
    print_json(fetch_json(api, "/custody/sanctions", {"hosted_chain": hosted_chain, "limit": limit, "offset": offset}))


document_command(
    app, "params", "/custody/params", "Custodians, their threshold, and the compliance council that screens transfers."
)
