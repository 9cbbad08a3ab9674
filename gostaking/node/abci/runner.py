"""`gostaking abci`: one app process serving CometBFT over the ABCI socket, with its own LMDB store, and
optionally the node's REST API and block explorer.

<home>/app-data/      the app's LMDB chain store (CometBFT keeps its own databases in <home>/data/)
<home>/app.lock       held while an app process runs on this home
<home>/index.sqlite   the explorer index, when the API is served (unless another --index-url is given)
<home>/snapshots/     state-sync snapshots the app takes (`snapshots`) and serves to joining nodes

The process needs no genesis file: CometBFT sends the GoStaking genesis (its genesis.json `app_state`) in
InitChain (a node joining by state sync gets no InitChain: it keeps the `app_state` of <home>/config/genesis.json).
It survives kill -9 like the devnet: each Commit is one atomic LMDB batch, and on restart Info reports the last
commit so CometBFT's handshake replays the blocks the app is missing.

With the API (`AbciApiSettings`), uvicorn serves the same API as the devnet's from a thread of this process: reads
take the app's lock like the ABCI handling does, the explorer's index follower polls the committed blocks, and
POST /txs goes to this node's CometBFT RPC (broadcast_tx_sync, see relay.py). There is no faucet. With read workers
(`--api-workers N`, gostaking/api/worker.py) the workers accept on the API's address and answer the explorer's
index reads in processes of their own; that thread's server then listens on a private port behind them.
"""

import asyncio
import json
import logging
import os
import re
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from gostaking.chain.errors import ChainError
from gostaking.chain.genesis import decode_genesis, encode_genesis
from gostaking.files import FileLockedError, exclusive_lock
from gostaking.node.abci.handler import AbciHandler
from gostaking.node.abci.relay import DEFAULT_COMET_RPC, CometBftRelay
from gostaking.node.abci.server import AbciServer
from gostaking.node.apiserver import ApiServerError, ApiServerThread
from gostaking.node.app import MAPPED_STORE_BUDGET, GoStakingApp
from gostaking.node.pruning import BlockPruner, RetentionLimits, evidence_max_age_blocks
from gostaking.node.runtime import Node, freeze_loaded_objects
from gostaking.node.settings import DEFAULT_API_HOST, DEFAULT_BLOCK_TIME_S
from gostaking.node.snapshots.restore import SnapshotRestorer
from gostaking.node.snapshots.store import (
    CORRUPT_CHUNKS_ENV,
    SNAPSHOT_DIR,
    SnapshotSettings,
    SnapshotStore,
    SnapshotTaker,
)
from gostaking.storage import LmdbStore

log = logging.getLogger(__name__)

APP_DATA_DIR = "app-data"
APP_LOCK_FILE = "app.lock"


class AbciRunError(Exception):
    """The app process cannot start; the message says why."""


@dataclass(frozen=True)
class AbciApiSettings:
    """The REST API and explorer an app process serves beside the ABCI socket."""

    port: int
    """0 picks a free port (announced)."""
    host: str = DEFAULT_API_HOST
    comet_rpc: str = DEFAULT_COMET_RPC
    """This node's CometBFT RPC, where submitted transactions go."""
    block_time_s: float = DEFAULT_BLOCK_TIME_S
    """Expected seconds between blocks, for the API's time estimates (CometBFT sets the real pace)."""


def _comet_config(home: Path, section: str, key: str) -> str | None:
    import tomllib

    try:
        config = tomllib.loads((home / "config" / "config.toml").read_text())
        return str(config[section][key])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def comet_rpc_from_config(home: Path) -> str | None:
    """The http URL of the CometBFT RPC that <home>/config/config.toml configures ([rpc] laddr), or None."""
    laddr = _comet_config(home, "rpc", "laddr")
    if laddr is None:
        return None
    if not laddr.startswith("tcp://"):
        return None  # a unix socket: not reachable over HTTP by this client
    host, _, port = laddr[len("tcp://") :].rpartition(":")
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "[::]":
        host = "[::1]"
    return f"http://{host}:{port}"


_GO_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_GO_DURATION_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def block_time_from_config(home: Path) -> float | None:
    """CometBFT's pause after each block ([consensus] timeout_commit of <home>/config/config.toml, a Go duration
    such as "1s" or "500ms") in seconds: the block interval of a network on one machine, nearly. None if unset."""
    text = _comet_config(home, "consensus", "timeout_commit")
    if text is None or not text.strip():
        return None
    parts = _GO_DURATION_PART.findall(text)
    if "".join(number + unit for number, unit in parts) != text.strip():
        return None
    seconds = sum(float(number) * _GO_DURATION_UNIT_S[unit] for number, unit in parts)
    return seconds if seconds > 0 else None


def _comet_chain_id(home: Path) -> str:
    try:
        return str(json.loads((home / "config" / "genesis.json").read_text())["chain_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def local_genesis_json(home: Path) -> bytes | None:
    """The GoStaking genesis of <home>/config/genesis.json (its app_state), encoded as InitChain would save it;
    None if the file has none. A node restored from a snapshot keeps this one, not a peer's."""
    try:
        app_state = json.loads((home / "config" / "genesis.json").read_text())["app_state"]
        return encode_genesis(decode_genesis(json.dumps(app_state).encode()))
    except (OSError, ValueError, KeyError, TypeError, ChainError):
        return None


def _state_sync_handler(home: Path, app: GoStakingApp, version: str, snapshots: SnapshotSettings | None) -> AbciHandler:
    """The ABCI handler, taking snapshots as `snapshots` says and restoring offered ones."""
    taker = None
    if snapshots is not None and snapshots.interval_blocks > 0:
        # The fault hook for tests (docs/operators.md): this node then serves every chunk with a byte changed.
        corrupt = os.environ.get(CORRUPT_CHUNKS_ENV, "") == "1"
        if corrupt:
            log.warning("%s=1: serving corrupted snapshot chunks (a test fault)", CORRUPT_CHUNKS_ENV)
        taker = SnapshotTaker(SnapshotStore(home / SNAPSHOT_DIR, corrupt_served_chunks=corrupt), snapshots)
    restorer = SnapshotRestorer(app, local_genesis_json(home))
    return AbciHandler(app, version, snapshot_taker=taker, restorer=restorer)


def _block_pruner(
    home: Path, app: GoStakingApp, keep_recent_blocks: int, handler: AbciHandler, node: Node | None
) -> BlockPruner:
    """Pruning to `keep_recent_blocks`, keeping the evidence window of <home>/config/genesis.json, the snapshots the
    handler serves and the blocks this process's explorer index has not read yet."""
    taker = handler.snapshot_taker
    limits = RetentionLimits(
        evidence_max_age_blocks(home / "config" / "genesis.json"),
        taker.settings.interval_blocks if taker is not None else 0,
        taker.settings.keep_recent if taker is not None else 0,
    )
    # The index follower (registered by the API in node.services) reads blocks from the app's store.
    indexers = [service.indexer for service in (node.services if node else []) if hasattr(service, "indexer")]

    def index_needs() -> int | None:
        # An index already behind the earliest stored block cannot catch up from this node: it holds nothing back.
        usable = [int(i.indexed_height) for i in indexers if i.indexed_height + 1 >= app.earliest_block_height]
        return min(usable) if usable else None

    snapshot_heights = taker.store.heights if taker is not None else lambda: []
    return BlockPruner(app, keep_recent_blocks, limits, snapshot_heights, index_needs)


def _lock(home: Path) -> BinaryIO:
    try:
        return exclusive_lock(home / APP_LOCK_FILE)
    except FileLockedError:
        raise AbciRunError(f"another app process is already running on {home}") from None


def run_abci(
    home: Path,
    address: str,
    announce: Callable[[str], None] = print,
    version: str = "",
    api: AbciApiSettings | None = None,
    create_api: Callable[[Node], Any] | None = None,
    snapshots: SnapshotSettings | None = None,
    keep_recent_blocks: int = 0,
    mapped_store_budget: int | None = MAPPED_STORE_BUDGET,
) -> None:
    """Serve the app of `home` on `address` until SIGINT/SIGTERM; with `api`, also serve `create_api(node)`
    (the REST API and explorer; passed in because this layer does not import the API); with `snapshots`, take
    state-sync snapshots into <home>/snapshots; with `keep_recent_blocks`, prune older blocks (node/pruning.py);
    the app keeps at most `mapped_store_budget` bytes of its store's pages resident (GoStakingApp)."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("gostaking.node.snapshots").setLevel(logging.INFO)  # each snapshot taken, with its cost
    if not home.is_dir():
        raise AbciRunError(f"{home} is not a directory (create the node home first, e.g. with `cometbft init`)")
    if api is not None and create_api is None:
        raise ValueError("serving the API needs create_api")
    lock = _lock(home)
    store = LmdbStore(home / APP_DATA_DIR)
    node: Node | None = None
    server: ApiServerThread | None = None
    try:
        app = GoStakingApp(store, mapped_store_budget=mapped_store_budget)
        handler = _state_sync_handler(home, app, version, snapshots)
        info = app.info()
        freeze_loaded_objects()
        if api is not None and create_api is not None:
            node = Node(
                app=app,
                chain_id=info.chain_id or _comet_chain_id(home),
                block_time_s=api.block_time_s,
                relay=CometBftRelay.connect(api.comet_rpc, app.tx_location),
            )
            server = ApiServerThread(create_api(node), api.host, api.port)
            try:
                server.start()
            except ApiServerError as exc:
                raise AbciRunError(f"{exc}; choose another --api-port") from None
            for service in node.services:
                service.start()
        if keep_recent_blocks:
            handler.pruner = _block_pruner(home, app, keep_recent_blocks, handler, node)
        announce(f"GoStaking ABCI app on {address}: height {info.height}, app hash {info.app_hash.hex() or '-'}")
        if server is not None and api is not None:
            url = server.url
            announce(f"  API: {url}   (explorer {url}/ , OpenAPI docs {url}/docs)")
            announce(f"  POST /txs goes to CometBFT RPC {api.comet_rpc}; no faucet")
        asyncio.run(_serve(handler, address))
        announce(f"stopped at height {app.height}")
    finally:
        if server is not None:
            server.stop()
        if node is not None:
            node.close()  # the index follower and the relay; the store is closed below
        store.close()
        lock.close()


async def _serve(handler: AbciHandler, address: str) -> None:
    server = AbciServer(handler, address)
    try:
        await server.start()
    except OSError as exc:
        raise AbciRunError(f"cannot listen on {address}: {exc.strerror or exc}") from None
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    serving = asyncio.create_task(server.serve_forever())
    await stop.wait()
    serving.cancel()
    await server.close()
