"""`gostaking tx …`: build, sign and submit transactions through the node API."""

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
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
    TxBody,
    TxMsg,
)
from gostaking.cli.amounts import Denoms, parse_amount, parse_asset_amount, parse_gos_amount, typed_units
from gostaking.cli.client import open_api, wait_until_included
from gostaking.cli.common import print_json
from gostaking.cli.errors import CliError, unreachable_message
from gostaking.cli.options import (
    API_DEFAULT,
    ApiOption,
    SimulateOption,
    TimeoutOption,
    TxJsonOption,
    TxOptions,
    WaitOption,
    load_key,
    open_keyring,
    tx_command,
)
from gostaking.cli.outcome import Outcome
from gostaking.client import ApiError, NodeApi
from gostaking.node.consensus_key import ConsensusKey
from gostaking.wallet.keyring import InvalidKeyNameError, KeyNotFoundError, Keyring
from gostaking.wallet.multisig import MultisigStore, UnsignedTx, read_tx_file, write_tx_file

app = typer.Typer(help="Sign and submit transactions (the node API must be reachable).", no_args_is_help=True)

NodeArgument = Annotated[str, typer.Argument(help="node operator address (gos1…), a key name or the node's moniker")]


_NODE_API: ContextVar[NodeApi | None] = ContextVar("node_api", default=None)
"""The node a tx command talks to while it builds its messages: names that are no key may be node monikers."""
_HEX_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_BECH32_ADDRESS = re.compile(r"[a-z]{1,83}1[02-9ac-hj-np-z]{38,}")
"""Another chain's address: its own prefix (cosmos1…, bc1…, osmo1…), a 1, and bech32 data."""


def resolve_address(text: str, keyring: Keyring, what: str, api_url: str | None = None) -> str:
    """An address given directly, the address of a key in the keyring, or the operator of the node with that
    moniker (asked of the node the running tx command talks to, or of the API at `api_url`). Another chain's
    address is refused as 'not a gos1 address'."""
    cleaned = text.strip()
    if cleaned.lower().startswith("gos1"):
        if not is_valid_address(cleaned):
            raise CliError(f"{what} {text!r} is not a valid gos1… address (checksum or length)")
        return cleaned
    kind = (
        "an Ethereum-style address"
        if _HEX_ADDRESS.fullmatch(cleaned)
        else "another chain's address"
        if _BECH32_ADDRESS.fullmatch(cleaned.lower())
        else None
    )
    if kind is not None:
        raise CliError(f"{what} {text!r} is not a gos1 address (it is {kind}): give a gos1… address")
    try:
        return keyring.show(cleaned).address
    except (KeyNotFoundError, InvalidKeyNameError):  # not a key's name: perhaps a node's moniker
        pass
    operator: str | None = None
    node_api = _NODE_API.get()
    if node_api is not None:
        operator = find_node_by_moniker(node_api, cleaned)
    elif api_url is not None:
        with open_api(api_url) as client:
            operator = find_node_by_moniker(client, cleaned)
    if operator is None:
        looked_up = " nor a node's moniker" if node_api is not None or api_url is not None else ""
        raise CliError(f"{what} {text!r} is not a gos1 address, nor a key in {keyring.directory}{looked_up}")
    return operator


def find_node_by_moniker(api: NodeApi, moniker: str) -> str | None:
    """The operator of the registered node named `moniker` (case-insensitive), from the node list, or None."""
    offset, wanted = 0, moniker.casefold()
    while True:
        page = api.get("/nodes", {"offset": offset, "limit": 100})
        for node in page["nodes"]:
            if str(node["moniker"]).casefold() == wanted:
                return str(node["operator"])
        offset += len(page["nodes"])
        if not page["nodes"] or offset >= int(page["total"]):
            return None


@contextmanager
def _talking_to(api: NodeApi) -> Iterator[None]:
    token = _NODE_API.set(api)
    try:
        yield
    finally:
        _NODE_API.reset(token)


def chain_denoms(api: NodeApi) -> Denoms:
    """The listed assets' decimals and the chain's other denoms (sGOS…) with theirs, as the node reports them."""
    tokens = [(str(d["denom"]), int(d["decimals"]), str(d["whole_unit"])) for d in api.get("/dex/denoms")]
    return Denoms({asset.denom: asset.decimals for asset in api.assets()}, tokens)


def submit(options: TxOptions, build: Callable[[dict[str, int], Keyring], list[Msg]]) -> None:
    """Fetch chain facts, build the messages, sign with the next sequence, simulate (unless --no-simulate: a
    transaction that would fail is refused here, before it costs a fee), submit, optionally wait. With
    --generate-only, write the multisig sender's unsigned transaction instead (`generate_unsigned`)."""
    if options.generate_only is not None:
        generate_unsigned(options, build)
        return
    with open_api(options.api) as api, typed_units() as units:
        keyring = open_keyring(options.home, options.keyring)
        assets = chain_denoms(api)
        with _talking_to(api):
            msgs = build(assets, keyring)
        fee = parse_gos_amount(options.fee) if options.fee is not None else _min_fee(api)
        key = load_key(keyring, options.from_name)
        raw = api.sign(key, msgs, fee, options.memo)
        outcome = Outcome(msgs, units, assets)
        if options.simulate:
            refuse_if_failing(api, raw, outcome)
        send_and_report(api, raw, key.address, options.wait, options.timeout_s, outcome, as_json=options.json)


def _min_fee(api: NodeApi) -> int:
    return int(api.get("/params")["tx"]["min_fee_ugos"])


def refuse_if_failing(api: NodeApi, raw: bytes, outcome: Outcome) -> None:
    """Simulate the signed transaction on the node; CliError (nothing sent, no fee) if it would fail there."""
    simulated = api.post("/txs/simulate", {"tx": raw.hex()})
    if simulated["code"]:
        raise CliError(
            f"{simulated['error']}: {outcome.translate(simulated['message'])} (not sent, no fee paid: the node's "
            "simulation refused it; --no-simulate sends it anyway)"
        )


def send_and_report(
    api: NodeApi,
    raw: bytes,
    sender: str,
    wait: bool,
    timeout_s: float,
    outcome: Outcome | None = None,
    *,
    as_json: bool = True,
) -> None:
    """Submit signed wire bytes and print the hash (with `wait`, the result once in a block): one line in the units
    typed when `outcome` knows what was sent, else JSON; CliError if the transaction fails in its block."""
    try:
        tx_hash = api.submit_tx(raw)
    except ApiError as error:
        if outcome is None or error.message is None:
            raise
        raise CliError(f"{error.error}: {outcome.translate(error.message)}") from None
    one_line = outcome if outcome is not None and not as_json else None
    if not wait:
        if one_line is not None:
            typer.echo(f"{one_line.describe()}: submitted, tx {tx_hash} (pending)")
        else:
            print_json({"tx_hash": tx_hash, "status": "pending", "from": sender})
        return
    found = wait_until_included(api, tx_hash, timeout_s, raw)
    if one_line is None:
        print_json({key_: found.get(key_) for key_ in ("tx_hash", "status", "height", "code", "log", "events")})
    elif not found.get("code"):
        typer.echo(one_line.summary(found, _block_time_s(api)))
    if found.get("code"):
        log = str(found.get("log"))
        raise CliError(
            f"transaction {tx_hash} failed in block {found.get('height')}: "
            + (outcome.translate(log) if outcome is not None else log)
        )


def _block_time_s(api: NodeApi) -> float | None:
    """This node's block interval, for the time an unbonding completes (None if the node does not say)."""
    seconds = api.status().get("block_time_seconds")
    return float(seconds) if isinstance(seconds, int | float) else None


def generate_unsigned(options: TxOptions, build: Callable[[dict[str, int], Keyring], list[Msg]]) -> None:
    """Write the unsigned transaction of the multisig --from (a descriptor's name or address) to the
    --generate-only file, for its members to `wallet sign`.

    Chain id, sequence, fee and the listed assets come from the node when it answers; --chain-id, --sequence and
    --fee override it, and without a node they are required (amounts are then in GOS only)."""
    assert options.generate_only is not None
    keyring = open_keyring(options.home, options.keyring)
    account = MultisigStore(keyring.directory).find(options.from_name)
    chain_id, sequence = options.chain_id, options.sequence
    fee = parse_gos_amount(options.fee) if options.fee is not None else None
    assets: dict[str, int] = {}
    with open_api(options.api) as api:
        try:
            assets = chain_denoms(api)
            chain_id = chain_id if chain_id is not None else api.chain_id()
            sequence = sequence if sequence is not None else api.next_sequence(account.address)
            fee = fee if fee is not None else _min_fee(api)
        except ApiError as error:
            if error.status is not None:
                raise  # the node answered with an error: open_api reports it
            if None in (chain_id, sequence, fee):
                raise CliError(
                    f"{unreachable_message(error.url, error.reason)}; to generate offline give --chain-id, "
                    "--sequence and --fee"
                ) from None
    assert chain_id is not None and sequence is not None and fee is not None
    msgs: list[Any] = build(assets, keyring)
    body = TxBody(chain_id, account.address, sequence, fee, msgs, options.memo)
    unsigned = UnsignedTx(body, account.key)
    write_tx_file(options.generate_only, unsigned)
    print_json(
        {
            "file": str(options.generate_only),
            "from": account.address,
            "sequence": sequence,
            "signatures_needed": unsigned.missing,
        }
    )


@app.command("broadcast")
def broadcast(
    file: Annotated[Path, typer.Argument(help="a transaction file with all its signatures (`wallet combine`)")],
    api: ApiOption = API_DEFAULT,
    wait: WaitOption = True,
    timeout: TimeoutOption = 30.0,
    simulate: SimulateOption = True,
    json: TxJsonOption = False,
) -> None:
    """Submit a multisig transaction whose members have signed it, and wait for its block like other tx commands
    (simulated first, as they are; the result is one line, or JSON with --json)."""
    unsigned = read_tx_file(file)
    raw = unsigned.wire_bytes()
    with open_api(api) as node:
        outcome = Outcome(unsigned.body.msgs, {}, chain_denoms(node))
        if simulate:
            refuse_if_failing(node, raw, outcome)
        send_and_report(node, raw, unsigned.body.sender, wait, timeout, outcome, as_json=json)


def as_msgs(*msgs: TxMsg) -> list[Msg]:
    """`msgs` as the list `submit`'s builders return. `Msg` names the launch messages (TxBody's static union); a
    later module's message (order book, liquid staking) is a TxMsg that signs and encodes the same, so the list is
    only retyped, never converted."""
    messages: list[Any] = list(msgs)
    return messages


def submit_messages(options: TxOptions, msgs: Sequence[TxMsg]) -> None:
    """`submit` for messages made from the command line alone, needing neither the chain's assets nor the keyring."""
    submit(options, lambda _assets, _keyring: as_msgs(*msgs))


@tx_command(app, "send")
def send(
    to: Annotated[str, typer.Argument(help="recipient address (gos1…), a key name or a node's moniker")],
    amount: Annotated[str, typer.Argument(help="e.g. 1.5gos, 1500000ugos, 0.25btc, 100000sat, 1.5sgos")],
    tx: TxOptions,
) -> None:
    """Send GOS, an asset or a token of the chain (sGOS) to another account."""

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
