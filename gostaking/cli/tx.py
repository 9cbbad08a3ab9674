"""`gostaking tx …`: build, sign and submit transactions through the node API."""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from gostaking.chain.crypto import is_valid_address
from gostaking.chain.types.tx import (
    Msg,
    MsgClaimRewards,
    MsgLockAsset,
    MsgRegisterNode,
    MsgSendCoins,
    MsgStakeNode,
    MsgUnlockAsset,
    MsgUnstakeNode,
    MsgUnvoteNode,
    MsgVoteNode,
)
from gostaking.cli.amounts import parse_amount, parse_asset_amount, parse_gos_amount
from gostaking.cli.client import open_api, wait_until_included
from gostaking.cli.common import print_json
from gostaking.cli.errors import CliError
from gostaking.cli.options import TxOptions, load_key, open_keyring, tx_command
from gostaking.node.consensus_key import ConsensusKey
from gostaking.wallet.keyring import Keyring

app = typer.Typer(help="Sign and submit transactions (the node API must be reachable).", no_args_is_help=True)

NodeArgument = Annotated[str, typer.Argument(help="node operator address (gos1…) or a key name")]


def resolve_address(text: str, keyring: Keyring, what: str) -> str:
    """An address given directly, or the address of a key in the keyring."""
    if text.startswith("gos1"):
        if not is_valid_address(text):
            raise CliError(f"{what} {text!r} is not a valid gos1… address")
        return text
    return keyring.show(text).address


def submit(options: TxOptions, build: Callable[[dict[str, int], Keyring], list[Msg]]) -> None:
    """Fetch chain facts, build the messages, sign with the next sequence, submit, optionally wait."""
    with open_api(options.api) as api:
        keyring = open_keyring(options.home, options.keyring)
        assets = {asset.denom: asset.decimals for asset in api.assets()}
        msgs = build(assets, keyring)
        if options.fee is not None:
            fee = parse_gos_amount(options.fee)
        else:
            fee = int(api.get("/params")["tx"]["min_fee_ugos"])
        key = load_key(keyring, options.from_name)
        raw = api.sign(key, msgs, fee, options.memo)
        tx_hash = api.submit_tx(raw)
        if not options.wait:
            print_json({"tx_hash": tx_hash, "status": "pending", "from": key.address})
            return
        found = wait_until_included(api, tx_hash, options.timeout_s, raw)
        summary: dict[str, Any] = {
            key_: found.get(key_) for key_ in ("tx_hash", "status", "height", "code", "log", "events")
        }
        print_json(summary)
        if found.get("code"):
            raise CliError(f"transaction {tx_hash} failed in block {found.get('height')}: {found.get('log')}")


def submit_messages(options: TxOptions, msgs: list[Msg]) -> None:
    """`submit` for messages made from the command line alone, needing neither the chain's assets nor the keyring."""
    submit(options, lambda _assets, _keyring: msgs)


@tx_command(app, "send")
def send(
    to: Annotated[str, typer.Argument(help="recipient address (gos1…) or a key name")],
    amount: Annotated[str, typer.Argument(help="e.g. 1.5gos, 1500000ugos, 0.25btc, 100000sat")],
    tx: TxOptions,
) -> None:
    """Send GOS or an asset to another account."""

    def build(assets: dict[str, int], ring: Keyring) -> list[Msg]:
        denom, units = parse_amount(amount, assets)
        return [MsgSendCoins(resolve_address(to, ring, "recipient"), denom, units)]

    submit(tx, build)


def _bond_command(kind: str, message: Callable[[str, int], Msg], summary: str) -> None:
    """Register a vote/unvote/stake/unstake command: NODE AMOUNT, amount in GOS."""

    def command(
        node: NodeArgument, amount: Annotated[str, typer.Argument(help="GOS amount, e.g. 100gos")], tx: TxOptions
    ) -> None:
        def build(_: dict[str, int], ring: Keyring) -> list[Msg]:
            return [message(resolve_address(node, ring, "node"), parse_gos_amount(amount))]

        submit(tx, build)

    command.__doc__ = summary
    tx_command(app, kind)(command)


_bond_command("vote", MsgVoteNode, "Vote GOS for a node: ×1 hash power; redeemable, returns 7 days after unvote.")
_bond_command("unvote", MsgUnvoteNode, "Redeem votes: hash power stops now, GOS returns after 7 days.")
_bond_command("stake", MsgStakeNode, "Stake GOS on a node: ×3 hash power; returns 21 days after unstake.")
_bond_command("unstake", MsgUnstakeNode, "Redeem stake: hash power stops now, GOS returns after 21 days.")


def _lock_command(kind: str, message: Callable[[str, int], Msg], summary: str) -> None:
    """Register lock/unlock: AMOUNT of an external asset."""

    def command(
        amount: Annotated[str, typer.Argument(help="asset amount, e.g. 0.25btc, 100000sat, 2eth")], tx: TxOptions
    ) -> None:
        def build(assets: dict[str, int], _: Keyring) -> list[Msg]:
            denom, units = parse_asset_amount(amount, assets, "GOS cannot be locked: vote or stake it instead")
            return [message(denom, units)]

        submit(tx, build)

    command.__doc__ = summary
    tx_command(app, kind)(command)


_lock_command("lock", MsgLockAsset, "Lock an external asset for hash power (amount × price × weight).")
_lock_command("unlock", MsgUnlockAsset, "Unlock a locked asset; its hash power stops at once.")


@tx_command(app, "register-node")
def register_node(
    moniker: Annotated[str, typer.Option("--moniker", help="display name of the node")],
    tx: TxOptions,
    consensus_pubkey: Annotated[
        str | None, typer.Option("--consensus-pubkey", help="ed25519 public key, 64 hex digits")
    ] = None,
    node_key: Annotated[Path | None, typer.Option("--node-key", help="node_key.json to take the key from")] = None,
) -> None:
    """Register the --from account as the operator of a node with an ed25519 consensus key."""
    if (consensus_pubkey is None) == (node_key is None):
        raise CliError("give exactly one of --consensus-pubkey HEX or --node-key FILE")
    if node_key is not None:
        pubkey = ConsensusKey.load(node_key).public_key
    else:
        try:
            pubkey = bytes.fromhex(consensus_pubkey or "")
        except ValueError:
            pubkey = b""
        if len(pubkey) != 32:
            raise CliError("--consensus-pubkey must be 64 hex digits (a 32-byte ed25519 public key)")
    submit_messages(tx, [MsgRegisterNode(pubkey, moniker)])


@tx_command(app, "claim")
def claim(tx: TxOptions) -> None:
    """Claim every pending reward (hash power and, for operators, candidate-node rewards)."""
    submit_messages(tx, [MsgClaimRewards()])
