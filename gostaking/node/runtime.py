"""Devnet runtime: create a home directory, open the node on it, and run producer + API in one process.

The node survives kill -9: every block is one atomic, fsynced LMDB batch, so on restart the store is at the
last committed height with its app hash verified, and production continues from there. The API server is
passed in (`create_api`) so this layer does not import the API layer above it.
"""

import gc
import logging
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, BinaryIO, Protocol

import msgspec
from msgspec.structs import replace

from gostaking.chain.errors import InvalidGenesisError
from gostaking.chain.genesis import (
    Genesis,
    GenesisBalance,
    GenesisKycProvider,
    GenesisNode,
    decode_genesis,
    encode_genesis,
)
from gostaking.files import FileLockedError, exclusive_lock, write_atomic
from gostaking.node.apiserver import serve_api
from gostaking.node.app import CheckTxResult, GoStakingApp
from gostaking.node.blocks import StoredBlock
from gostaking.node.consensus_key import ConsensusKey
from gostaking.node.faucet import Faucet
from gostaking.node.mempool import Mempool
from gostaking.node.producer import BlockProducer
from gostaking.node.settings import (
    COUNCIL_KEY_NAMES,
    CUSTODIAN_KEY_NAMES,
    DEFAULT_API_HOST,
    DEFAULT_API_PORT,
    DEVNET_CHAIN_ID,
    DEVNET_CHAIN_ID_PREFIX,
    DEVNET_KEYS_ENV,
    DEVNET_ROLE_KEYS,
    FAUCET_KEY_NAME,
    KYC_PROVIDER_KEY_NAME,
    OPERATOR_KEY_NAME,
    DevnetRoles,
    DevnetSettings,
    default_devnet_home,
    devnet_assets,
    devnet_book_genesis,
    devnet_faucet_balances,
    devnet_genesis_params,
    devnet_params,
    new_devnet_chain_id,
)
from gostaking.storage import KVStore, LmdbStore, PendingTxJournal
from gostaking.wallet.keyring import KeyNotFoundError, Keyring
from gostaking.wallet.keys import PrivateKey


class DevnetError(Exception):
    """The devnet cannot start; the message says why and what to do."""


class RelayUnavailableError(RuntimeError):
    """The consensus engine a transaction should go to (CometBFT's RPC) cannot be reached."""


class TxRelay(Protocol):
    """Passes checked transactions to a consensus engine's mempool (CometBFT: broadcast_tx_sync to its RPC)."""

    def broadcast(self, raw: bytes) -> CheckTxResult:
        """Submit a signed transaction; the engine's CheckTx answer (code 0 = accepted for a block).

        Raises RelayUnavailableError when the engine cannot be reached.
        """

    def close(self) -> None:
        """Release connections."""


class Service(Protocol):
    """A background worker beside the node (the explorer's index follower): started by run_devnet after the
    API is created, stopped by Node.close before the store closes."""

    def start(self) -> None:
        """Start working (on a thread of its own)."""

    def stop(self) -> None:
        """Stop and wait for the work in progress."""


@dataclass
class Node:
    """A running node: the app and what drives and serves it. The API works against this object.

    Two shapes: the devnet (an embedded `producer` makes blocks from the app's own mempool, with a faucet) and a
    CometBFT node's app process (no producer or faucet; CometBFT drives the app over ABCI, and `relay` passes
    submitted transactions to CometBFT's mempool so that it gossips them to the proposers).
    """

    app: GoStakingApp
    chain_id: str
    block_time_s: float
    """Expected seconds between blocks (the producer's interval; under CometBFT a configured estimate)."""
    producer: BlockProducer | None = None
    faucet: Faucet | None = None
    store: KVStore | None = None
    mempool_store: KVStore | None = None
    """Where a devnet keeps its mempool's journal, when not in `store`."""
    operator_address: str = ""
    faucet_address: str = ""
    services: list[Service] = field(default_factory=list)
    relay: TxRelay | None = None
    _lock_file: BinaryIO | None = field(default=None, repr=False)

    @property
    def consensus(self) -> str:
        """'cometbft' when CometBFT drives the app, 'embedded' for the devnet's own block producer."""
        return "cometbft" if self.relay is not None else "embedded"

    def submit(self, raw: bytes) -> CheckTxResult:
        """Check a signed transaction and pass it on towards a block.

        Embedded producer: the app's check_tx, which queues it in the app's mempool. CometBFT: the relay's
        broadcast, whose CheckTx (on this node's app) also records it as pending. Raises RelayUnavailableError
        when CometBFT cannot be reached.
        """
        if self.relay is None:
            return self.app.check_tx(raw)
        return self.relay.broadcast(raw)

    def close(self) -> None:
        """Stop producing and the services, close the store and release the home directory."""
        if self.producer is not None:
            self.producer.stop()
        for service in reversed(self.services):
            service.stop()
        if self.relay is not None:
            self.relay.close()
        for store in (self.store, self.mempool_store):
            if store is not None:
                store.close()
        self.store = self.mempool_store = None
        if self._lock_file is not None:
            self._lock_file.close()  # closing releases the flock
            self._lock_file = None


def make_devnet_genesis(
    chain_id: str,
    operator: str,
    faucet: str,
    consensus_pubkey: bytes,
    genesis_time_ms: int,
    roles: DevnetRoles | None = None,
) -> Genesis:
    """The devnet genesis: one node run by `operator`, test assets held by `faucet`, no GOS at all.

    With `roles` (as `gostaking devnet` makes it): a compliance council, a KYC provider and custodians, and
    governance in minutes (`devnet_genesis_params`); without, the plain `devnet_params` the localnet shares.
    """
    return Genesis(
        chain_id=chain_id,
        genesis_time_ms=genesis_time_ms,
        params=devnet_params() if roles is None else devnet_genesis_params(roles),
        assets=devnet_assets(),
        balances=[GenesisBalance(faucet, denom, amount) for denom, amount in devnet_faucet_balances().items()],
        nodes=[GenesisNode(operator, consensus_pubkey, "devnet-node")],
        kyc_providers=[] if roles is None else [GenesisKycProvider(roles.kyc_provider, "devnet KYC provider")],
        modules={"book": msgspec.Raw(msgspec.json.encode(devnet_book_genesis()))},
    )


def load_or_create_key(keyring: Keyring, name: str) -> PrivateKey:
    """The account key `name` of `keyring`, generated on first use (devnet and localnet keys)."""
    try:
        return keyring.load(name, None)
    except KeyNotFoundError:
        key = PrivateKey.generate()
        keyring.add(name, key, None)  # devnet and localnet keys are throwaway: stored unencrypted on purpose
        return key


def init_devnet_home(home: Path, chain_id: str | None = DEVNET_CHAIN_ID) -> Genesis:
    """Create a devnet home: the operator, faucet and role keys (council, KYC provider, custodians), the node
    key and genesis.json. Keeps existing keys.

    `chain_id` None gives the new devnet a chain id of its own (`new_devnet_chain_id`), as `gostaking devnet`
    does. Raises DevnetError if the home already has a genesis.
    """
    settings = DevnetSettings(home=home, chain_id=chain_id)
    if settings.genesis_path.exists():
        raise DevnetError(f"{home} already has a genesis.json")
    if chain_id is None:
        chain_id = new_devnet_chain_id()
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    keyring = Keyring(settings.keys_dir)
    operator = load_or_create_key(keyring, OPERATOR_KEY_NAME)
    faucet = load_or_create_key(keyring, FAUCET_KEY_NAME)
    roles = DevnetRoles(
        council=tuple(load_or_create_key(keyring, name).address for name in COUNCIL_KEY_NAMES),
        kyc_provider=load_or_create_key(keyring, KYC_PROVIDER_KEY_NAME).address,
        custodians=tuple(load_or_create_key(keyring, name).address for name in CUSTODIAN_KEY_NAMES),
    )
    if settings.node_key_path.exists():
        node_key = ConsensusKey.load(settings.node_key_path)
    else:
        node_key = ConsensusKey.generate()
        node_key.save(settings.node_key_path)
    genesis = make_devnet_genesis(chain_id, operator.address, faucet.address, node_key.public_key, _now_ms(), roles)
    write_atomic(settings.genesis_path, encode_genesis(genesis) + b"\n", mode=0o644)
    return genesis


def devnet_chain_id(home: Path) -> str | None:
    """The chain id in the genesis of the devnet home `home` (None if it has no genesis yet).

    Raises DevnetError if its genesis.json cannot be read.
    """
    path = DevnetSettings(home=home).genesis_path
    try:
        return decode_genesis(path.read_bytes().rstrip(b"\n")).chain_id
    except FileNotFoundError:
        return None
    except (OSError, InvalidGenesisError) as exc:
        raise DevnetError(f"cannot read {path}: {exc}") from None


def _renew_chain_id(settings: DevnetSettings) -> None:
    """A reset devnet is a new chain: a drawn chain id (`gostaking-devnet-<hex>`) is drawn again, so transactions
    signed before the reset cannot be replayed after it; a chosen one (--chain-id, or an id written into
    genesis.json by hand) is kept. The rest of genesis.json stays as it is."""
    if not settings.genesis_path.exists():
        return
    genesis = decode_genesis(settings.genesis_path.read_bytes().rstrip(b"\n"))
    if genesis.chain_id.startswith(DEVNET_CHAIN_ID_PREFIX):
        renewed = replace(genesis, chain_id=new_devnet_chain_id())
        write_atomic(settings.genesis_path, encode_genesis(renewed) + b"\n", mode=0o644)


def open_devnet(settings: DevnetSettings, store: KVStore | None = None) -> Node:
    """Open (creating it if needed) the devnet home and its chain; returns a Node ready to produce.

    A new home gets `settings.chain_id` (a fresh one if None); an existing home keeps the chain id of its genesis.

    `store` overrides the home's LMDB store (tests use a MemoryStore). Raises DevnetError for a home in use,
    damaged files, or a genesis.json that no longer matches the chain's.
    """
    home = settings.home
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock_file = _lock_home(settings)
    try:
        if settings.reset and store is None and settings.data_dir.exists():
            shutil.rmtree(settings.data_dir)
            _renew_chain_id(settings)
        if not settings.genesis_path.exists():
            init_devnet_home(home, settings.chain_id)
        genesis_json = settings.genesis_path.read_bytes().rstrip(b"\n")
        genesis = decode_genesis(genesis_json)
        keyring = Keyring(settings.keys_dir)
        operator = keyring.load(OPERATOR_KEY_NAME, None)
        faucet_key = keyring.load(FAUCET_KEY_NAME, None)
        node_key = ConsensusKey.load(settings.node_key_path)
        mempool_store: KVStore | None = None
        if store is None:
            store = LmdbStore(settings.data_dir)
            # The mempool's journal skips the fsync of each transaction (0.2 ms, the cost of a whole check_tx):
            # it survives the node being killed, not a power loss, after which `tx --wait` resubmits.
            mempool_store = LmdbStore(settings.data_dir / "mempool", durable=False)
        # The devnet's mempool is on disk: what POST /txs accepted survives a crash (replayed below).
        app = GoStakingApp(store, Mempool(journal=PendingTxJournal(mempool_store or store)))
        saved = app.genesis_json()
        if saved is not None and saved != genesis_json:
            raise DevnetError(
                f"{settings.genesis_path} differs from the genesis this chain started with; "
                "restore it, or start over with --reset"
            )
        if app.info().height == 0:
            app.init_chain(genesis_json)
        app.replay_mempool_journal()
        faucet = Faucet(app, operator, faucet_key, settings.faucet)
        producer = BlockProducer(app, node_key.public_key, settings.block_time_s, after_commit=[faucet.maintain])
        return Node(
            app=app,
            chain_id=genesis.chain_id,
            block_time_s=settings.block_time_s,
            producer=producer,
            faucet=faucet,
            store=store,
            mempool_store=mempool_store,
            operator_address=operator.address,
            faucet_address=faucet_key.address,
            _lock_file=lock_file,
        )
    except BaseException:
        lock_file.close()
        raise


def freeze_loaded_objects() -> None:
    """Move every object alive now out of the cyclic GC's sight: once a node has opened its state, these are the
    loaded state and the imported modules, long-lived objects (millions on a big chain) that the GC would otherwise
    traverse at every full collection (240-300 ms pauses in the middle of CheckTx and FinalizeBlock in the localnet
    benchmark, ~100 ms on the explorer benchmark's devnet). Objects created later are collected as usual."""
    gc.collect()
    gc.freeze()


def run_devnet(
    settings: DevnetSettings, create_api: Callable[[Node], Any], announce: Callable[[str], None] = print
) -> None:
    """Run a devnet until SIGINT/SIGTERM: the block producer on a thread and the API (uvicorn) in front, with the
    read worker processes the API asks for (apiserver.serve_api)."""
    # Warnings and errors (e.g. a failed block) go to stderr with a timestamp; routine blocks are announced.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _check_port_free(settings.host, settings.port)
    node = open_devnet(settings)
    freeze_loaded_objects()
    try:
        api = create_api(node)
        url = f"http://{settings.host}:{settings.port}"
        info = node.app.info()
        announce(
            f"GoStaking devnet {node.chain_id!r} resuming at height {info.height}"
            if info.height
            else f"GoStaking devnet {node.chain_id!r} starting from genesis"
        )
        announce(f"  home:      {settings.home}")
        announce(f"  API:       {url}   (explorer {url}/ , OpenAPI docs {url}/docs)")
        announce(f"  operator:  {node.operator_address}   (key 'operator' in {settings.keys_dir})")
        announce(f"  faucet:    {node.faucet_address}   (POST {url}/faucet)")
        announce(f"  block time {settings.block_time_s:g} s; press Ctrl+C to stop")
        for line in _next_steps(settings, url):
            announce(line)
        if node.producer is not None:
            node.producer.after_commit.append(_progress_printer(announce))
            node.producer.start()
        for service in node.services:
            service.start()
        with _graceful_exit_on_signals():
            # The limits every API server has (connections, header time and size; see apiserver.py).
            serve_api(api, settings.host, settings.port)
    finally:
        node.close()
        announce(f"stopped at height {node.app.height}")


def _next_steps(settings: DevnetSettings, url: str) -> list[str]:
    """The banner's lines on the devnet's keys and what to run next (README.md, "Using the devnet")."""
    keyring = Keyring(settings.keys_dir)
    roles = [name for name in DEVNET_ROLE_KEYS if keyring.path(name).exists()]
    lines = []
    if roles:  # a home made before the devnet had roles has none (its genesis has none either)
        lines.append(f"  roles:     {', '.join(roles)}")
        lines.append("             (compliance council, KYC provider, custodians; the operator feeds prices)")
    setup = []
    if url != f"http://{DEFAULT_API_HOST}:{DEFAULT_API_PORT}":
        setup.append(f"export GOSTAKING_API={url}")
    if settings.keys_dir.resolve() != (default_devnet_home() / "keys").resolve():
        # The CLI finds the devnet's keys by name only in the default devnet home.
        setup.append(f"export {DEVNET_KEYS_ENV}={settings.keys_dir}")
    lines.append("next, in another terminal (after `. .venv/bin/activate`; README.md, 'Using the devnet'):")
    lines += [f"  {command}" for command in setup]
    lines.append("  gostaking keys add alice --no-passphrase && gostaking faucet alice")
    lines.append("  gostaking tx vote operator 20gos --from alice")
    return lines


@contextmanager
def _graceful_exit_on_signals() -> Iterator[None]:
    """Make SIGINT and SIGTERM end the process through `finally` blocks (producer stopped, store closed).

    uvicorn handles both signals while it serves, then restores the previous handlers and raises the signal
    again; with the default SIGTERM handler that would kill the process before the node is closed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_cleanly(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    previous = {sig: signal.signal(sig, exit_cleanly) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _progress_printer(announce: Callable[[str], None]) -> Callable[[StoredBlock], None]:
    def print_progress(block: StoredBlock) -> None:
        # Quiet by default: a line for blocks with transactions and a heartbeat every 60 blocks.
        if block.txs or block.height % 60 == 0:
            failed = sum(1 for result in block.tx_results if result.code)
            announce(f"block {block.height}: {len(block.txs)} txs ({failed} failed)")

    return print_progress


def _lock_home(settings: DevnetSettings) -> BinaryIO:
    try:
        return exclusive_lock(settings.lock_path)
    except FileLockedError:
        raise DevnetError(f"another node is already running on {settings.home}") from None


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise DevnetError(f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port") from None


def _now_ms() -> int:
    return time.time_ns() // 1_000_000
