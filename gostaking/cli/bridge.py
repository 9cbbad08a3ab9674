"""`gostaking bridge …` (custody gateway) and `gostaking feeder …` (oracle prices). Register both with
`bridge.register(app)` in gostaking/cli/main.py."""

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gostaking.cli.common import print_json
from gostaking.cli.errors import CliError
from gostaking.cli.options import (
    API_DEFAULT,
    ApiOption,
    HomeOption,
    KeyringOption,
    load_key,
    open_keyring,
    option_group,
    reads_passphrase,
)
from gostaking.cli.tx import resolve_address

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from gostaking.bridge.attester import DepositWatcher, Payer, Sweeper
    from gostaking.bridge.feeder import PriceFeeder
    from gostaking.bridge.metrics import GatewayMetrics
    from gostaking.bridge.node_client import NodeClient
    from gostaking.bridge.proofs import VerifiedReader
    from gostaking.wallet.keys import PrivateKey

log = logging.getLogger("gostaking.bridge")

app = typer.Typer(help="Custody gateway: watch hosted chains, attest deposits, pay withdrawals, import sanctions.")
feeder_app = typer.Typer(help="Oracle price feeder for mining node operators (exchange tickers via ccxt).")

FromOption = Annotated[str, typer.Option("--from", help="key name that signs (custodian, council member, operator)")]
StateOption = Annotated[Path, typer.Option("--state", help="gateway state file (cursors, outbox)")]
OnceOption = Annotated[bool, typer.Option("--once", help="run one pass and exit")]
IntervalOption = Annotated[float, typer.Option("--interval", min=1.0, help="seconds between passes")]
SanctionsOption = Annotated[Path | None, typer.Option("--sanctions", help="sanctions snapshot to screen payouts")]
CustodianOption = Annotated[list[str], typer.Option("--custodian", help="custodian public key (hex), repeat")]
ThresholdOption = Annotated[int, typer.Option("--threshold", help="custodian signatures needed (m)")]
NetworkOption = Annotated[str, typer.Option("--network", help="mainnet, testnet, signet or regtest")]
CometRpcOption = Annotated[
    list[str],
    typer.Option(
        "--comet-rpc",
        help="CometBFT RPC URL: check the node's app hash against headers the validators signed (repeat: failover)",
    ),
]
TrustHeightOption = Annotated[
    int | None, typer.Option("--trust-height", min=1, help="height of a header you trust (first run, or re-anchor)")
]
TrustHashOption = Annotated[str | None, typer.Option("--trust-hash", help="that header's hash (hex)")]
LightClientStateOption = Annotated[
    Path | None,
    typer.Option("--light-client-state", help="file keeping the trusted header \\[default: <state>.light-client.json]"),
]
TrustingPeriodOption = Annotated[
    float, typer.Option("--trusting-period-hours", min=1.0, help="how long a verified header stays trusted")
]
VerifyNodeOption = Annotated[
    list[str], typer.Option("--verify-node", help="API URL of a node that must report the same app hash, repeat")
]
QuorumOption = Annotated[
    int | None, typer.Option("--quorum", min=1, help="--verify-node nodes that must agree \\[default: all]")
]
MetricsPortOption = Annotated[
    int | None,
    typer.Option(
        "--metrics-port",
        min=0,
        max=65535,
        help="serve Prometheus metrics on 127.0.0.1:PORT/metrics (docs/monitoring.md) \\[default: none]",
    ),
]
TrustNodeOption = Annotated[
    bool,
    typer.Option(
        "--trust-node",
        help="on a CometBFT network, knowingly trust the --api node alone (no --comet-rpc, no --verify-node)",
    ),
]


@dataclass
class Verification:
    """How a gateway confirms the app hashes its node's proofs are checked against (see _verifier). Its fields are
    also the options of every command that reads verified state, declared once here: see verified_command."""

    comet_rpc: CometRpcOption = field(default_factory=list)
    trust_height: TrustHeightOption = None
    trust_hash: TrustHashOption = None
    light_client_state: LightClientStateOption = None
    trusting_period_hours: TrustingPeriodOption = 336.0
    verify_node: VerifyNodeOption = field(default_factory=list)
    quorum: QuorumOption = None
    trust_node: TrustNodeOption = False


@dataclass(frozen=True)
class Service:
    """How a gateway or the price feeder runs: with a key of the keyring, against the node API at --api, once or a
    pass every --interval seconds, serving its metrics on --metrics-port or not. Its fields are also the options of
    every such command, declared once here: a command declares `service: Service` below
    `@option_group("service", Service)` (which may give it another --interval default)."""

    api: ApiOption = API_DEFAULT
    once: OnceOption = False
    interval: IntervalOption = 60.0
    home: HomeOption = None
    keyring: KeyringOption = None
    metrics_port: MetricsPortOption = None

    def key(self, name: str) -> "PrivateKey":
        """The signing key `name` of the keyring (its passphrase asked for, or read from $GOSTAKING_PASSPHRASE)."""
        return load_key(open_keyring(self.home, self.keyring), name)

    def run(
        self,
        step: Callable[[], None],
        metrics: "GatewayMetrics | None" = None,
        recover: Callable[[], None] | None = None,
    ) -> None:
        """Run `step` once or every --interval seconds, retrying after `recover` as _loop says. With `metrics` (made
        when --metrics-port is given), each pass is counted there, and they are served on the port meanwhile."""
        if metrics is None or self.metrics_port is None:
            _loop(step, self.once, self.interval, recover)
            return
        with _metrics_server(metrics.registry, self.metrics_port):
            _loop(metrics.counted(step), self.once, self.interval, recover)


VerifiedCommand = Callable[..., None]


def verified_command(name: str) -> Callable[[VerifiedCommand], VerifiedCommand]:
    """Register a command that reads verified state as the bridge command `name`, adding Verification's options
    (--comet-rpc, --trust-height, --trust-hash, --light-client-state, --trusting-period-hours, --verify-node,
    --quorum, --trust-node) where it declares `verification: Verification`, which receives them (see
    option_group). (Declare the command's parameters keyword-only, `*` first, so `verification` may follow
    defaulted ones.) The function itself is returned unchanged.
    """

    def register(command: VerifiedCommand) -> VerifiedCommand:
        app.command(name)(option_group("verification", Verification)(command))
        return command

    return register


def register(root: typer.Typer) -> None:
    """Add the `bridge` and `feeder` command groups to the root CLI."""
    root.add_typer(app, name="bridge")
    root.add_typer(feeder_app, name="feeder")


MAX_RETRY_DELAY_S = 300.0
"""Longest wait between passes while a node stays unreachable (the delay doubles from --interval up to this)."""


def _loop(step: Callable[[], None], once: bool, interval: float, recover: Callable[[], None] | None = None) -> None:
    """Run `step` every `interval` seconds (once with `once`, whose errors end the command).

    A pass that fails because a node could not be reached or answered an error (the GoStaking API, bitcoind/btcd,
    an EVM node, a CometBFT RPC, a price source) is logged and retried, the wait doubling up to
    MAX_RETRY_DELAY_S: a brief outage must not stop a gateway. Before the retry `recover` runs (the attester
    reloads its state file: the retry starts as a restart would, from the last saved state, the path the kill -9
    tests cover). Errors that need an operator — a reorganization deeper than the confirmations, a node whose
    answers fail verification, a damaged state file, a refused transaction — still end the command."""
    from gostaking.bridge.errors import (
        DeepReorgError,
        NodeApiError,
        PriceFeedError,
        RpcError,
        TxRejectedError,
        VerificationUnavailableError,
    )

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    delay = interval
    while True:
        try:
            step()
            delay = interval
        except (DeepReorgError, TxRejectedError):
            raise
        except (RpcError, NodeApiError, VerificationUnavailableError, PriceFeedError) as error:
            if once:
                raise
            log.warning("pass failed, retrying in %.0f s: %s", delay, error)
            time.sleep(delay)
            delay = min(delay * 2, max(interval, MAX_RETRY_DELAY_S))
            if recover is not None:
                recover()
            continue
        if once:
            return
        time.sleep(interval)


def _pairs(values: list[str], what: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        left, sep, right = value.partition("=")
        if not sep or not left or not right:
            raise CliError(f"{what} must look like LEFT=RIGHT, got {value!r}")
        pairs[left.strip()] = right.strip()
    return pairs


@app.command("btc-address")
def btc_address(
    custodian: CustodianOption,
    threshold: ThresholdOption,
    depositor: Annotated[str, typer.Option("--depositor", help="depositor's refund public key (hex)")],
    recipient: Annotated[str, typer.Option("--recipient", help="gos1… address or key name credited on GoStaking")],
    registry: Annotated[Path, typer.Option("--registry", help="JSON registry of custody addresses")],
    csv_blocks: Annotated[int, typer.Option("--csv-blocks", help="blocks before the depositor may refund")] = 4_320,
    network: NetworkOption = "mainnet",
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Derive a depositor's P2WSH custody address, register it, and print the descriptor for bitcoind."""
    from gostaking.bridge.btc import CustodyLock, DepositRegistry

    try:
        keys = [bytes.fromhex(k) for k in custodian]
        refund = bytes.fromhex(depositor)
    except ValueError:
        raise CliError("public keys must be hexadecimal") from None
    lock = CustodyLock.create(keys, threshold, refund, csv_blocks)
    entry = DepositRegistry(registry).register(
        lock, resolve_address(recipient, open_keyring(home, keyring), "recipient"), network
    )
    document = {
        "address": entry.address,
        "recipient": entry.recipient,
        "witness_script": entry.witness_script,
        "descriptor": lock.descriptor(),
        "note": "import the descriptor into the custodians' watch-only wallet (importdescriptors, with checksum)",
    }
    print_json(document)


@verified_command("evm")
@reads_passphrase()
@option_group("service", Service, interval=15.0)
def evm_gateway(
    *,
    rpc: Annotated[str, typer.Option("--rpc", help="EVM JSON-RPC URL")],
    vault: Annotated[str, typer.Option("--vault", help="GoStakingVault address")],
    from_name: FromOption,
    state: StateOption,
    token: Annotated[list[str], typer.Option("--token", help="ERC20_ADDRESS=denom, repeat")] = [],  # noqa: B006
    eth_denom: Annotated[str, typer.Option("--eth-denom", help="denom of ether on GoStaking")] = "eth",
    hosted_chain: Annotated[str, typer.Option("--hosted-chain")] = "ethereum",
    confirmations: Annotated[int, typer.Option("--confirmations", min=1)] = 12,
    start_block: Annotated[int, typer.Option("--start-block", help="first block to scan (vault deployment)")] = 0,
    board: Annotated[Path | None, typer.Option("--board", help="shared signature directory; enables payouts")] = None,
    sanctions: SanctionsOption = None,
    gos_bridge: Annotated[
        str | None, typer.Option("--gos-bridge", help="GosBridge address: also swap GOS to and from the ERC-20")
    ] = None,
    gos_bridge_start_block: Annotated[
        int, typer.Option("--gos-bridge-start-block", help="GosBridge deployment block")
    ] = 0,
    verification: Verification,
    service: Service,
) -> None:
    """Attest vault deposits and (with --board) redeem and confirm withdrawals on an EVM chain; with --gos-bridge
    also attest GOS swapped back from the ERC-20 and mint the ERC-20 for GOS withdrawals. Payouts are made only on
    state proven against an app hash that CometBFT's validators signed (--comet-rpc) and/or that a quorum of nodes
    report (--verify-node)."""
    from web3 import Web3

    from gostaking.bridge.evm import ETH_TOKEN, DirectorySignatureBoard, EvmDepositWatcher, VaultPayer

    key = service.key(from_name)
    w3 = Web3(Web3.HTTPProvider(rpc))
    tokens = _pairs(token, "--token")
    watcher = EvmDepositWatcher(
        w3,
        vault,
        tokens,
        hosted_chain=hosted_chain,
        eth_denom=eth_denom,
        confirmations=confirmations,
        start_block=start_block,
    )
    payers: list[Payer] = []
    if board is not None:
        denoms = {d: a for a, d in tokens.items()} | {eth_denom: ETH_TOKEN}
        payers.append(
            VaultPayer(w3, vault, key, DirectorySignatureBoard(board), denoms, hosted_chain, confirmations, start_block)
        )
    watchers: list[DepositWatcher] = [watcher]
    if gos_bridge is not None:
        from gostaking.bridge.gos_swap import GosBridgePayer, GosSwapWatcher

        watchers.append(
            GosSwapWatcher(
                w3,
                gos_bridge,
                hosted_chain=hosted_chain,
                confirmations=confirmations,
                start_block=gos_bridge_start_block,
            )
        )
        if board is not None:
            payers.append(
                GosBridgePayer(
                    w3,
                    gos_bridge,
                    key,
                    DirectorySignatureBoard(board),
                    hosted_chain,
                    confirmations,
                    gos_bridge_start_block,
                )
            )
    tips = {w.name: lambda: int(w3.eth.block_number) for w in watchers}
    _run_attester(service, state, key, watchers, payers, sanctions, verification, tips)


@verified_command("btc")
@reads_passphrase()
@option_group("service", Service)
def btc_gateway(
    *,
    rpc: Annotated[str, typer.Option("--rpc", help="Bitcoin node RPC URL, e.g. http://127.0.0.1:8332")],
    registry: Annotated[Path, typer.Option("--registry", help="custody address registry (btc-address)")],
    from_name: FromOption,
    state: StateOption,
    rpc_user: Annotated[str, typer.Option("--rpc-user", envvar="BITCOIN_RPC_USER")] = "",
    rpc_password: Annotated[str, typer.Option("--rpc-password", envvar="BITCOIN_RPC_PASSWORD")] = "",
    node: Annotated[
        str,
        typer.Option(
            "--node",
            help="bitcoind (Bitcoin Core, -txindex=1; payouts read its wallet) or btcd (--txindex --addrindex)",
        ),
    ] = "bitcoind",
    wallet: Annotated[str, typer.Option("--wallet", help="bitcoind: watch-only wallet holding the descriptors")] = "",
    confirmations: Annotated[int, typer.Option("--confirmations", min=1)] = 6,
    start_height: Annotated[
        int | None,
        typer.Option("--start-height", help="first Bitcoin block to read without a saved cursor \\[default: the tip]"),
    ] = None,
    margin_percent: Annotated[
        int,
        typer.Option(
            "--margin-percent",
            min=0,
            max=100,
            help="attest an output only while this share of its T-block lock is left before the depositor may reclaim",
        ),
    ] = 50,
    sweep_fee_sat: Annotated[
        int,
        typer.Option(
            "--sweep-fee-sat",
            min=1,
            help="part of each deposit not credited: its sweep's miner fee (every custodian must use the same)",
        ),
    ] = 2_000,
    sweep_deadline_percent: Annotated[
        int,
        typer.Option(
            "--sweep-deadline-percent",
            min=0,
            max=100,
            help="warn about a credited deposit still unswept when less than this share of its T blocks remains",
        ),
    ] = 25,
    board: Annotated[
        Path | None, typer.Option("--board", help="shared PSBT directory; enables sweeps and payouts")
    ] = None,
    custodian: CustodianOption = [],  # noqa: B006
    threshold: ThresholdOption = 0,
    network: NetworkOption = "mainnet",
    fee_sat: Annotated[
        int, typer.Option("--fee-sat", min=1, help="payout miner fee while the node has no fee estimate")
    ] = 2_000,
    max_fee_sat: Annotated[
        int, typer.Option("--max-fee-sat", min=1, help="most a payout may deduct as miner fee (checked by all)")
    ] = 50_000,
    fee_target: Annotated[
        int,
        typer.Option(
            "--fee-target",
            min=1,
            max=1_008,
            help="fee estimate confirmation target in blocks (estimatesmartfee; btcd: estimatefee)",
        ),
    ] = 6,
    takeover_after: Annotated[
        float,
        typer.Option("--takeover-after", min=1.0, help="seconds each custodian in line waits for a silent coordinator"),
    ] = 600.0,
    sanctions: SanctionsOption = None,
    verification: Verification,
    service: Service,
) -> None:
    """Attest payments to registered custody addresses (read block by block; needs the node's transaction index)
    and report their reclaims by depositors; with --board, sweep credited deposits to the custody script and pay
    withdrawals with PSBTs signed by the custodians. Sweeps, payouts and reclaim reports are made only on state
    proven against an app hash that CometBFT's validators signed (--comet-rpc) and/or that a quorum of nodes report
    (--verify-node)."""
    from gostaking.bridge.btc import DepositRegistry
    from gostaking.bridge.btc_outputs import CustodyOutputs, NodeOutputs, WalletOutputs
    from gostaking.bridge.btc_payout import BtcPayer
    from gostaking.bridge.btc_rpc import BitcoinRpc, DepositSafety
    from gostaking.bridge.btc_scan import BtcBlockWatcher
    from gostaking.bridge.btc_sweep import BtcSweeper

    if node not in ("bitcoind", "btcd"):
        raise CliError(f"--node must be bitcoind or btcd, got {node!r}")
    if node == "btcd" and wallet:
        raise CliError("btcd has no wallet: drop --wallet")
    key = service.key(from_name)
    bitcoin = BitcoinRpc(rpc, rpc_user, rpc_password, wallet=wallet)
    addresses = DepositRegistry(registry)
    safety = DepositSafety(margin_percent=margin_percent, sweep_fee_sat=sweep_fee_sat)
    watcher = BtcBlockWatcher(
        bitcoin, addresses, network=network, confirmations=confirmations, safety=safety, start_height=start_height
    )
    payers: list[Payer] = []
    sweepers: list[Sweeper] = []
    if board is not None:
        if not custodian or threshold < 1:
            raise CliError("sweeps and payouts (--board) need every --custodian public key and --threshold")
        keys = [bytes.fromhex(k) for k in custodian]
        outputs: CustodyOutputs = (
            WalletOutputs(bitcoin, network) if node == "bitcoind" else NodeOutputs(bitcoin, network)
        )
        # This custodian's seat at the board (BtcCustodian's fields), the same for its payouts and its sweeps.
        seat = (bitcoin, key, keys, threshold, addresses, board, network, confirmations)
        payers.append(
            BtcPayer(
                *seat,
                fee_sat=fee_sat,
                takeover_after_s=takeover_after,
                max_fee_sat=max_fee_sat,
                fee_target_blocks=fee_target,
                outputs=outputs,
            )
        )
        sweepers.append(BtcSweeper(*seat, sweep_fee_sat=sweep_fee_sat, deadline_percent=sweep_deadline_percent))
    tips = {watcher.name: bitcoin.get_block_count}
    _run_attester(service, state, key, [watcher], payers, sanctions, verification, tips, sweepers)


def _run_attester(
    service: Service,
    state: Path,
    key: "PrivateKey",
    watchers: "list[DepositWatcher]",
    payers: "list[Payer]",
    sanctions: Path | None,
    verification: Verification,
    tips: dict[str, Callable[[], int]],
    sweepers: "list[Sweeper] | None" = None,
) -> None:
    """Attest what the watchers see and run the payers and sweepers each pass of `service` (payouts screened
    against the sanctions snapshot and verified as `verification` says), keeping cursors and outbox in the state
    file. `tips` is each watcher's chain tip, for its cursor lag in the metrics."""
    from gostaking.bridge.attester import WITHDRAWALS_CURSOR, Attester
    from gostaking.bridge.node_client import MessageSender, NodeClient
    from gostaking.bridge.sanctions import SanctionsSnapshot
    from gostaking.bridge.store import StateStore

    screen = SanctionsSnapshot(sanctions) if sanctions is not None else None
    node = NodeClient(service.api)
    verifier = _verifier(node, state, verification)
    with StateStore(state) as store:
        attester = Attester(
            store, MessageSender(node, key), watchers, payers, screen, sweepers=sweepers or [], verifier=verifier
        )
        if service.metrics_port is None:
            service.run(lambda: _report(attester.run_once()), recover=attester.reload_state)
            return
        from gostaking.bridge.metrics import GatewayMetrics

        gateway_metrics = GatewayMetrics({**tips, WITHDRAWALS_CURSOR: node.height})

        def pass_and_count() -> None:
            report = attester.run_once()
            _report(report)
            gateway_metrics.after_pass(attester.state, report)

        service.run(pass_and_count, gateway_metrics, recover=attester.reload_state)


@contextlib.contextmanager
def _metrics_server(registry: "CollectorRegistry", port: int) -> Iterator[None]:
    """Serve `registry` on 127.0.0.1:`port`/metrics while the block runs (CliError when the port is taken)."""
    from gostaking.metrics import MetricsServer, MetricsServerError

    try:
        server = MetricsServer(registry, "127.0.0.1", port)
    except MetricsServerError as error:
        raise CliError(f"{error}; choose another --metrics-port") from None
    log.info("metrics on %s", server.url)
    try:
        yield
    finally:
        server.stop()


def _verifier(node: "NodeClient", state: Path, verification: Verification) -> "VerifiedReader":
    """The gateway's verified reader: proofs from `node`, app hashes confirmed by CometBFT's signed headers
    (--comet-rpc), by a quorum of nodes (--verify-node, --quorum), or both. With neither, only a devnet node (or one
    the operator knowingly trusts, --trust-node) is accepted, which the first verified read checks: its own app hash
    is then all the proofs are checked against."""
    from gostaking.bridge.cometbft_light import CometLightClient, CometRpcSource
    from gostaking.bridge.errors import BridgeError
    from gostaking.bridge.node_client import NodeClient
    from gostaking.bridge.proofs import VerifiedReader
    from gostaking.bridge.trust import AllOfTrust, QuorumTrust, SingleNodeTrust, TrustAnchor

    v = verification
    anchors: list[TrustAnchor] = []
    try:
        if v.comet_rpc:
            path = v.light_client_state or state.with_name(state.stem + ".light-client.json")
            source = CometRpcSource(v.comet_rpc)
            anchors.append(
                CometLightClient(
                    source,
                    path,
                    trust_height=v.trust_height,
                    trust_hash=v.trust_hash,
                    trusting_period_s=v.trusting_period_hours * 3600,
                )
            )
        elif v.trust_height is not None or v.trust_hash is not None:
            raise CliError("--trust-height and --trust-hash anchor the light client: give --comet-rpc too")
        if v.verify_node:
            anchors.append(QuorumTrust([NodeClient(url) for url in v.verify_node], v.quorum or len(v.verify_node)))
        elif v.quorum is not None:
            raise CliError("--quorum counts --verify-node nodes: name them")
    except (ValueError, BridgeError) as error:
        raise CliError(str(error)) from None
    if not anchors:
        anchors.append(SingleNodeTrust(node.url, devnet_only=None if v.trust_node else node))
    return VerifiedReader(node, anchors[0] if len(anchors) == 1 else AllOfTrust(anchors))


def _report(report: object) -> None:
    typer.echo(json.dumps(report.__dict__, default=str))


@verified_command("sanctions-import")
@reads_passphrase()
def sanctions_import(
    sdn: Annotated[Path, typer.Argument(help="sdn.csv, sdn.xml or SDN_ADVANCED.xml")],
    *,
    snapshot: Annotated[Path, typer.Option("--snapshot", help="where to keep the import (the gateway's screen)")],
    from_name: FromOption,
    comments: Annotated[Path | None, typer.Option("--comments", help="sdn_comments.csv (with sdn.csv)")] = None,
    chain: Annotated[list[str], typer.Option("--chain", help="hosted chain to import \\[default: listed]")] = [],  # noqa: B006
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print the updates, send nothing")] = False,
    verification: Verification,
    api: ApiOption = API_DEFAULT,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Approve, as a compliance council member, the changes that bring the chain's sanctions list to this SDN file
    (MsgUpdateSanctions batches); a batch applies when council_threshold members sent it. Every member runs the
    same import: the batches are diffed against the chain, so they are identical. What the node says about the
    list and the pending approvals is checked with Merkle proofs against an app hash confirmed as the gateways'
    is (--comet-rpc, --verify-node; a devnet node alone is trusted)."""
    from gostaking.bridge.errors import BridgeError
    from gostaking.bridge.node_client import MessageSender, NodeClient
    from gostaking.bridge.sanctions import SanctionsSnapshot, load_sdn, plan_import, restrict

    node = NodeClient(api)
    chains = set(chain) or {asset.hosted_chain for asset in node.assets()}
    current = restrict(load_sdn(sdn, comments), chains)
    key = load_key(open_keyring(home, keyring), from_name)
    reader = _verifier(node, snapshot, verification)
    try:
        plan = plan_import(current, node.sanctions(), chains, key.address, reader)
    except BridgeError as error:
        raise CliError(f"nothing sent: {error}") from None
    for message in plan.approved_already:
        typer.echo(f"already approved by {from_name}: {len(message.updates)} updates wait for other council members")
    if dry_run:
        for message in plan.to_send:
            for update in message.updates:
                typer.echo(f"{'add' if update.listed else 'remove'} {update.hosted_chain} {update.address}")
        return
    sender = MessageSender(node, key)
    for message in plan.to_send:
        typer.echo(f"sent {len(message.updates)} updates in tx {sender.send([message])}")
    # Recorded only after every batch was accepted: the gateway screens with the list it approved.
    SanctionsSnapshot(snapshot).replace(current)
    typer.echo(f"{len(current)} listed addresses on {', '.join(sorted(chains))}")


def _feeder(exchange: list[str], pair: list[str], gos_pair: str, min_exchanges: int) -> "PriceFeeder":
    from gostaking.bridge.feeder import DEFAULT_PAIRS, PriceFeeder, make_exchange

    if not exchange:
        raise CliError("name at least one --exchange (a ccxt exchange id such as binance)")
    return PriceFeeder(
        [make_exchange(e) for e in exchange], _pairs(pair, "--pair") or DEFAULT_PAIRS, gos_pair, min_exchanges
    )


ExchangeOption = Annotated[list[str], typer.Option("--exchange", help="ccxt exchange id, repeat")]
PairOption = Annotated[
    list[str], typer.Option("--pair", help="denom=SYMBOL/USDT, repeat \\[default: btc eth dcr atom]")
]
GosPairOption = Annotated[str, typer.Option("--gos-pair")]
MinExchangesOption = Annotated[int, typer.Option("--min-exchanges", min=1)]


@feeder_app.command("quote")
def feeder_quote(
    exchange: ExchangeOption,
    pair: PairOption = [],  # noqa: B006
    gos_pair: GosPairOption = "GOS/USDT",
    min_exchanges: MinExchangesOption = 1,
) -> None:
    """Fetch tickers and print the quotes (ugos per whole asset) without submitting."""
    feeder = _feeder(exchange, pair, gos_pair, min_exchanges)
    for quote in feeder.quotes():
        typer.echo(f"{quote.denom} {quote.price_ugos}")


@feeder_app.command("run")
@reads_passphrase()
@option_group("service", Service)
def feeder_run(
    exchange: ExchangeOption,
    from_name: FromOption,
    *,
    pair: PairOption = [],  # noqa: B006
    gos_pair: GosPairOption = "GOS/USDT",
    min_exchanges: MinExchangesOption = 1,
    service: Service,
) -> None:
    """Submit MsgSubmitPrices every --interval seconds, signed by a mining node operator key."""
    from gostaking.bridge.node_client import MessageSender, NodeClient

    feeder = _feeder(exchange, pair, gos_pair, min_exchanges)
    sender = MessageSender(NodeClient(service.api), service.key(from_name))

    def step() -> None:
        tx_hash, quotes = feeder.submit(sender)
        typer.echo(f"tx {tx_hash}: " + ", ".join(f"{q.denom}={q.price_ugos}" for q in quotes))

    if service.metrics_port is None:
        service.run(step)
        return
    from gostaking.bridge.metrics import GatewayMetrics

    service.run(step, GatewayMetrics({}))
