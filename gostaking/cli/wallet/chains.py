"""`gostaking wallet` commands: balance, deposit and send on GOS, BTC and ETH (the logic is in
gostaking/wallet/onchain/; docs/wallet-chains.md describes the rules)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gostaking.chain.numeric import format_units
from gostaking.cli.amounts import parse_amount
from gostaking.cli.common import print_json, print_table
from gostaking.cli.errors import CliError
from gostaking.cli.options import (
    API_DEFAULT,
    ApiOption,
    FromOption,
    HomeOption,
    JsonOption,
    KeyringOption,
    YesOption,
    load_seed,
    open_keyring,
    option_group,
    reads_passphrase,
)
from gostaking.cli.wallet.app import app
from gostaking.client.node_api import NodeApi
from gostaking.wallet.hd import BTC_NETWORKS, BtcNetwork, gos_key

if TYPE_CHECKING:  # imported where used: web3 and embit are slow to import for every other command
    from gostaking.wallet.onchain.btc import BtcWallet, CustodyTerms
    from gostaking.wallet.onchain.eth import EthWallet

deposit_app = typer.Typer(help="Lock BTC or ETH in custody for your GOS address: the way to hash power.")
send_app = typer.Typer(help="Send BTC or ETH (and ERC-20 tokens) from your wallet.")
reclaim_app = typer.Typer(help="Take back a BTC deposit the custodians did not sweep, after its timelock.")
app.add_typer(deposit_app, name="deposit")
app.add_typer(send_app, name="send")
app.add_typer(reclaim_app, name="reclaim")

NameArgument = Annotated[str, typer.Argument(help="the wallet's name in the keyring (`wallet create`)")]
BtcRpcOption = Annotated[
    str | None,
    typer.Option(
        "--btc-rpc", envvar="GOSTAKING_BTC_RPC", help="Bitcoin node RPC URL (btcd with --txindex --addrindex)"
    ),
]
BtcUserOption = Annotated[str, typer.Option("--btc-rpc-user", envvar="BITCOIN_RPC_USER")]
BtcPasswordOption = Annotated[str, typer.Option("--btc-rpc-password", envvar="BITCOIN_RPC_PASSWORD")]
BtcNetworkOption = Annotated[str, typer.Option("--btc-network", help=f"one of {', '.join(BTC_NETWORKS)}")]
EthRpcOption = Annotated[
    str | None, typer.Option("--eth-rpc", envvar="GOSTAKING_ETH_RPC", help="Ethereum node JSON-RPC URL")
]
FeeRateOption = Annotated[
    int,
    typer.Option("--fallback-fee-rate", min=1, help="sat/vB when the Bitcoin node has no fee estimate yet"),
]
CustodianKeyOption = Annotated[
    list[str],
    typer.Option("--custodian-key", help="every custodian's public key (hex; each the key of a custodian account)"),
]
CsvBlocksOption = Annotated[
    int, typer.Option("--csv-blocks", min=1, max=0xFFFF, help="the custody's timelock T (blocks)")
]
TokenOption = Annotated[str | None, typer.Option("--token", help="ERC-20 contract address (default: ether)")]


@dataclass(frozen=True)
class BitcoinNode:
    """The Bitcoin node a BTC command talks to. Its fields are also the options of every such command, declared
    once here: a command declares `btc: BitcoinNode` below `@option_group("btc", BitcoinNode)`."""

    btc_rpc: BtcRpcOption = None
    btc_rpc_user: BtcUserOption = ""
    btc_rpc_password: BtcPasswordOption = ""
    btc_network: BtcNetworkOption = "mainnet"

    @property
    def network(self) -> BtcNetwork:
        """--btc-network, checked (CliError names the networks)."""
        return _network(self.btc_network)


def _seed(home: Path | None, keyring: Path | None, name: str) -> bytes:
    """The seed of the HD wallet `name` (its passphrase asked, or read from $GOSTAKING_PASSPHRASE, if encrypted)."""
    return load_seed(open_keyring(home, keyring), name)


def _network(text: str) -> BtcNetwork:
    for network in BTC_NETWORKS:
        if text == network:
            return network
    raise CliError(f"unknown Bitcoin network {text!r}: use one of {', '.join(BTC_NETWORKS)}")


@contextmanager
def _btc_wallet(seed: bytes, node: BitcoinNode) -> Iterator["BtcWallet"]:
    from gostaking.bridge.btc_rpc import BitcoinRpc
    from gostaking.wallet.onchain.btc import BtcWallet, check_node_network

    if not node.btc_rpc:
        raise CliError("give the Bitcoin node with --btc-rpc (or $GOSTAKING_BTC_RPC)")
    rpc = BitcoinRpc(node.btc_rpc, node.btc_rpc_user, node.btc_rpc_password)
    try:
        check_node_network(rpc, node.network)
        yield BtcWallet(seed, node.network, rpc)
    finally:
        rpc.close()


def _eth_wallet(seed: bytes, url: str | None) -> "EthWallet":
    from web3 import Web3

    from gostaking.wallet.onchain.eth import EthWallet

    if not url:
        raise CliError("give the Ethereum node with --eth-rpc (or $GOSTAKING_ETH_RPC)")
    return EthWallet(seed, Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 30})))


def _units(amount: str, unit: str, decimals: int) -> int:
    """An amount typed with its unit ('0.5btc', '50000sat', '1.5eth', '10gwei', '12.5usdc' for a token) in base
    units (gostaking/cli/amounts.py: exact, one-line errors); an amount of anything else is refused."""
    denom, units = parse_amount(amount, {unit: decimals})
    if denom != unit:
        raise CliError(f"{amount!r} is not an amount of {unit}")
    return units


def _confirm(summary: str, yes: bool) -> None:
    typer.echo(summary, err=True)  # stdout stays the JSON result
    if not yes and not typer.confirm("Sign and send?", default=False, err=True):
        raise CliError("nothing sent")


# --- balance ---------------------------------------------------------------------------------------------------


def _gos_part(api: str, address: str) -> dict[str, Any]:
    with NodeApi(api) as node:
        account = node.get(f"/accounts/{address}")
    return {
        "address": address,
        "free": [f"{b['display']} {b['display_denom']}" for b in account["balances"]] or ["0 gos"],
        "locked": [
            f"{lock['asset']['display']} {lock['asset']['display_denom']} ({lock['hash_power']['hs']} H/s)"
            for lock in account["locked"]
        ],
        # Totals are the chain's over every node; the lists are the API's first page of positions.
        "voted_total": f"{account['voted']['gos']} gos",
        "staked_total": f"{account['staked']['gos']} gos",
        "voted": [f"{v['amount']['gos']} gos on {v['moniker'] or v['node']}" for v in account["votes"]],
        "staked": [f"{s['amount']['gos']} gos on {s['moniker'] or s['node']}" for s in account["stakes"]],
        "unbonding": [
            f"{u['amount']['gos']} gos from {u['node']} at height "
            f"{u['completion_height']} (~{u['estimated_completion_time']})"
            for u in account["unbondings"]
        ],
        "positions_not_listed": account["bonds_total"] - len(account["votes"]) - len(account["stakes"]),
        "unbondings_not_listed": account["unbondings_total"] - len(account["unbondings"]),
        "pending_rewards": f"{account['pending_rewards']['gos']} gos",
        "hash_power": f"{account['hash_power']['total']['hs']} H/s",
    }


def _btc_part(wallet: "BtcWallet") -> dict[str, Any]:
    from gostaking.wallet.onchain.btc import CHANGE, RECEIVE, to_btc

    holdings = wallet.scan()
    return {
        "network": wallet.network,
        "confirmed": f"{to_btc(holdings.confirmed_sat)} btc",
        "unconfirmed": f"{to_btc(holdings.unconfirmed_sat)} btc",
        "immature": f"{to_btc(holdings.immature_sat)} btc",
        "coins": len(holdings.coins),
        "receive_address": wallet.key(RECEIVE, holdings.next_index[RECEIVE]).address,
        "next_change_index": holdings.next_index[CHANGE],
    }


def _eth_part(wallet: "EthWallet", tokens: list[str]) -> dict[str, Any]:
    held = [f"{format_units(wallet.eth_balance(), 18)} eth"]
    for address in tokens:
        token = wallet.token(address)
        held.append(f"{format_units(wallet.token_balance(token), token.decimals)} {token.symbol} ({token.address})")
    return {"address": wallet.address, "balances": held}


def _part(name: str, read: Callable[[], dict[str, Any]], failures: list[str]) -> dict[str, Any]:
    """One chain's part of the balance, or its one-line failure (the other parts are still shown)."""
    try:
        return read()
    except Exception as error:  # any node failure: name the part, keep the others
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        failures.append(f"{name}: {reason}")
        return {"error": reason}


@app.command("balance")
@reads_passphrase()
@option_group("btc", BitcoinNode)
def balance(
    name: NameArgument,
    *,
    api: ApiOption = API_DEFAULT,
    btc: BitcoinNode,
    eth_rpc: EthRpcOption = None,
    erc20: Annotated[list[str], typer.Option("--erc20", help="an ERC-20 contract to show (repeatable)")] = [],  # noqa: B006
    as_json: JsonOption = False,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """GOS (free, locked, voted, staked, unbonding, rewards) from the node API; BTC and ETH/ERC-20 from their
    nodes when --btc-rpc / --eth-rpc are given. A node that does not answer is named; the rest is still shown."""
    seed = _seed(home, keyring, name)
    failures: list[str] = []
    document = {"gos": _part(f"GOS (node API {api})", lambda: _gos_part(api, gos_key(seed).address), failures)}
    if btc.btc_rpc:

        def read_btc() -> dict[str, Any]:
            with _btc_wallet(seed, btc) as wallet:
                return _btc_part(wallet)

        document["btc"] = _part(f"BTC (node {btc.btc_rpc})", read_btc, failures)
    if eth_rpc:
        document["eth"] = _part(f"ETH (node {eth_rpc})", lambda: _eth_part(_eth_wallet(seed, eth_rpc), erc20), failures)
    if as_json:
        print_json(document)
    else:
        rows = []
        for chain, part in document.items():
            for key, value in part.items():
                for line in value if isinstance(value, list) else [value]:
                    rows.append((chain.upper(), key.replace("_", " "), line))
        print_table(rows, ["CHAIN", "WHAT", "AMOUNT"])
    for failure in failures:
        typer.echo(f"error: {failure}", err=True)
    if failures:
        raise typer.Exit(1)


# --- deposit ---------------------------------------------------------------------------------------------------


def _custody_terms(api: str, custodian_key: list[str], csv_blocks: int) -> "CustodyTerms":
    """The custody lock's terms: the typed keys checked against the chain's custodians and threshold (node API)."""
    from gostaking.wallet.onchain.btc import custody_terms

    try:
        keys = [bytes.fromhex(k) for k in custodian_key]
    except ValueError:
        raise CliError("custodian keys are hexadecimal public keys") from None
    with NodeApi(api) as node:
        params = node.get("/custody/params")
    return custody_terms(keys, params["custodians"], int(params["threshold"]), csv_blocks)


@deposit_app.command("btc")
@reads_passphrase()
@option_group("btc", BitcoinNode)
def deposit_btc(
    amount: Annotated[str, typer.Argument(help="BTC to lock, e.g. 0.01btc or 100000sat")],
    *,
    from_name: FromOption,
    custodian_key: CustodianKeyOption,
    csv_blocks: CsvBlocksOption = 4_320,
    registry: Annotated[
        Path | None,
        typer.Option("--registry", help="the gateways' address registry to add the lock address to (devnet)"),
    ] = None,
    sweep_fee_sat: Annotated[
        int, typer.Option("--sweep-fee-sat", min=0, help="what the gateways keep of each deposit for its sweep")
    ] = 2_000,
    api: ApiOption = API_DEFAULT,
    btc: BitcoinNode,
    fallback_fee_rate: FeeRateOption = 2,
    yes: YesOption = False,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Pay BTC from your wallet to your own custody lock address (the custodians' m of n, or your key after T
    blocks), credited to your gos1 address once the gateways attest it; then `gostaking tx lock` it."""
    from gostaking.bridge.btc import DepositRegistry
    from gostaking.bridge.errors import ScriptError
    from gostaking.wallet.onchain.btc import (
        deposit_sat_floor,
        depositor_lock,
        node_fee_rate,
        to_btc,
    )

    sat = _units(amount, "btc", 8)
    if sat < deposit_sat_floor(sweep_fee_sat):
        raise CliError(
            f"a deposit of {to_btc(sat)} BTC is too small: the gateways credit deposits of at least "
            f"{to_btc(deposit_sat_floor(sweep_fee_sat))} BTC ({sweep_fee_sat} sat pay its sweep)"
        )
    terms = _custody_terms(api, custodian_key, csv_blocks)
    seed = _seed(home, keyring, from_name)
    recipient = gos_key(seed).address
    with _btc_wallet(seed, btc) as wallet:
        lock = depositor_lock(wallet, terms)
        address = lock.address(wallet.network)
        rate = node_fee_rate(wallet.rpc, fallback_fee_rate)
        payment = wallet.pay([(lock.script_pubkey, sat)], rate)
        custodians = (
            f"{terms.threshold} of {len(terms.custodian_keys)} custodians, or your key after {csv_blocks} blocks"
        )
        fee = f"fee {to_btc(payment.fee_sat)} BTC at {rate.sat_per_vbyte} sat/vB from the {rate.source}"
        _confirm(f"Lock {to_btc(sat)} BTC at {address} for {recipient} ({fee}; {custodians}).", yes)
        if registry is not None:
            try:
                DepositRegistry(registry).register(lock, recipient, wallet.network)
            except ScriptError as error:
                raise CliError(str(error)) from None
        txid = wallet.broadcast(payment)
    print_json(
        {
            "txid": txid,
            "lock_address": address,
            "recipient": recipient,
            "amount_btc": to_btc(sat),
            "credited_btc": to_btc(sat - sweep_fee_sat),
            "fee_btc": to_btc(payment.fee_sat),
            "witness_script": lock.witness_script.hex(),
            "descriptor": lock.descriptor(),
            "depositor_pubkey": lock.depositor.hex(),
            "registered": str(registry) if registry is not None else None,
            "next": f"once the gateways attest it: gostaking tx lock {to_btc(sat - sweep_fee_sat)}btc --from "
            f"{from_name}",
        }
    )


@deposit_app.command("eth")
@reads_passphrase()
def deposit_eth(
    amount: Annotated[str, typer.Argument(help="ether (e.g. 0.5eth) or token units to lock")],
    from_name: FromOption,
    vault: Annotated[str, typer.Option("--vault", help="GoStakingVault contract address")],
    token: TokenOption = None,
    eth_rpc: EthRpcOption = None,
    yes: YesOption = False,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Lock ether or an ERC-20 in the custody vault for your gos1 address (an approve first for a token)."""
    seed = _seed(home, keyring, from_name)
    recipient = gos_key(seed).address
    wallet = _eth_wallet(seed, eth_rpc)
    if token is None:
        wei = _units(amount, "eth", 18)
        prepared = wallet.prepare_deposit_eth(vault, wei, recipient)
        _confirm(f"Lock {format_units(wei, 18)} ETH in vault {vault} for {recipient}.", yes)
        sent = [wallet.send(prepared)]
    else:
        found = wallet.token(token)
        units = _units(amount, found.symbol.lower(), found.decimals)
        wallet.vault(vault)
        wallet.require_token(found, units)
        shown = f"{format_units(units, found.decimals)} {found.symbol}"
        _confirm(f"Lock {shown} in vault {vault} for {recipient} (an approve first if needed).", yes)
        sent = wallet.deposit_token(vault, found, units, recipient)
    print_json({"recipient": recipient, "txs": [{"hash": s.tx_hash, "block": s.block} for s in sent]})


# --- send ------------------------------------------------------------------------------------------------------


@send_app.command("btc")
@reads_passphrase()
@option_group("btc", BitcoinNode)
def send_btc(
    address: Annotated[str, typer.Argument(help="the recipient's bitcoin address (of --btc-network)")],
    amount: Annotated[str, typer.Argument(help="e.g. 0.01btc or 50000sat")],
    from_name: FromOption,
    btc: BitcoinNode,
    fallback_fee_rate: FeeRateOption = 2,
    yes: YesOption = False,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Pay BTC from the wallet's confirmed coins (fee from the node's estimate, change to a new change address)."""
    from gostaking.wallet.onchain.btc import address_script, node_fee_rate, to_btc

    script = address_script(address, btc.network)
    sat = _units(amount, "btc", 8)
    seed = _seed(home, keyring, from_name)
    with _btc_wallet(seed, btc) as wallet:
        rate = node_fee_rate(wallet.rpc, fallback_fee_rate)
        payment = wallet.pay([(script, sat)], rate)
        _confirm(
            f"Send {to_btc(sat)} BTC to {address} (fee {to_btc(payment.fee_sat)} BTC at {rate.sat_per_vbyte} sat/vB "
            f"from the {rate.source}).",
            yes,
        )
        txid = wallet.broadcast(payment)
    print_json(
        {
            "txid": txid,
            "to": address,
            "amount_btc": to_btc(sat),
            "fee_btc": to_btc(payment.fee_sat),
            "change_btc": to_btc(payment.change_sat),
            "change_address": payment.change_address,
        }
    )


@send_app.command("eth")
@reads_passphrase()
def send_eth(
    address: Annotated[str, typer.Argument(help="the recipient's 0x address (EIP-55 checksum checked)")],
    amount: Annotated[str, typer.Argument(help="ether (e.g. 0.5eth, 10gwei) or token units")],
    from_name: FromOption,
    token: TokenOption = None,
    eth_rpc: EthRpcOption = None,
    yes: YesOption = False,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Send ether or an ERC-20 (EIP-1559 fees from the node; the cost is checked against the balance first)."""
    from gostaking.wallet.onchain.eth import parse_eth_address

    recipient = parse_eth_address(address, "recipient")
    seed = _seed(home, keyring, from_name)
    wallet = _eth_wallet(seed, eth_rpc)
    if token is None:
        wei = _units(amount, "eth", 18)
        prepared = wallet.prepare_eth(recipient, wei)
        shown = f"{format_units(wei, 18)} ETH"
    else:
        found = wallet.token(token)
        units = _units(amount, found.symbol.lower(), found.decimals)
        prepared = wallet.prepare_token_transfer(found, recipient, units)
        shown = f"{format_units(units, found.decimals)} {found.symbol}"
    _confirm(f"Send {shown} to {recipient} (gas up to {format_units(prepared.max_fee_wei, 18)} ETH).", yes)
    sent = wallet.send(prepared)
    print_json({"hash": sent.tx_hash, "block": sent.block, "fee_eth": format_units(sent.fee_wei, 18)})


# --- reclaim ---------------------------------------------------------------------------------------------------


@reclaim_app.command("btc")
@reads_passphrase()
@option_group("btc", BitcoinNode)
def reclaim_btc(
    *,
    from_name: FromOption,
    custodian_key: CustodianKeyOption,
    csv_blocks: CsvBlocksOption = 4_320,
    api: ApiOption = API_DEFAULT,
    btc: BitcoinNode,
    fallback_fee_rate: FeeRateOption = 2,
    yes: YesOption = False,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Spend what is still at your custody lock address, T blocks after it confirmed, with your key alone, to a new
    receive address of the wallet (the gateways report it and GoStaking debits what it had credited)."""
    from gostaking.wallet.onchain.btc import RECEIVE, depositor_lock, node_fee_rate, reclaim, to_btc

    terms = _custody_terms(api, custodian_key, csv_blocks)
    seed = _seed(home, keyring, from_name)
    with _btc_wallet(seed, btc) as wallet:
        lock = depositor_lock(wallet, terms)
        index = wallet.scan().next_index[RECEIVE]
        rate = node_fee_rate(wallet.rpc, fallback_fee_rate)
        payment = reclaim(wallet, lock, rate, wallet.script(RECEIVE, index))
        to = wallet.key(RECEIVE, index).address
        amount = sum(out.value for out in payment.tx.vout)
        _confirm(f"Take back {to_btc(amount)} BTC from {lock.address(wallet.network)} to {to}.", yes)
        txid = wallet.broadcast(payment)
    print_json({"txid": txid, "to": to, "amount_btc": to_btc(amount), "fee_btc": to_btc(payment.fee_sat)})
