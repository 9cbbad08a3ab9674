"""`gostaking abci`: one app process serving CometBFT over the ABCI socket, with its own LMDB store.

<home>/app-data/   the app's LMDB chain store (CometBFT keeps its own databases in <home>/data/)
<home>/app.lock    held while an app process runs on this home

The process needs no genesis file: CometBFT sends the GoStaking genesis (its genesis.json `app_state`) in
InitChain. It survives kill -9 like the devnet: each Commit is one atomic LMDB batch, and on restart Info
reports the last commit so CometBFT's handshake replays the blocks the app is missing.
"""

import asyncio
import fcntl
import logging
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from gostaking.node.abci.handler import AbciHandler
from gostaking.node.abci.server import AbciServer
from gostaking.node.app import GoStakingApp
from gostaking.storage import LmdbStore

APP_DATA_DIR = "app-data"
APP_LOCK_FILE = "app.lock"


class AbciRunError(Exception):
    """The app process cannot start; the message says why."""


def _lock(home: Path) -> TextIO:
    handle = (home / APP_LOCK_FILE).open("a")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AbciRunError(f"another app process is already running on {home}") from None
    return handle


def run_abci(home: Path, address: str, announce: Callable[[str], None] = print, version: str = "") -> None:
    """Serve the app of `home` on `address` until SIGINT/SIGTERM."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not home.is_dir():
        raise AbciRunError(f"{home} is not a directory (create the node home first, e.g. with `cometbft init`)")
    lock = _lock(home)
    store = LmdbStore(home / APP_DATA_DIR)
    try:
        app = GoStakingApp(store)
        handler = AbciHandler(app, version)
        info = app.info()
        announce(f"GoStaking ABCI app on {address}: height {info.height}, app hash {info.app_hash.hex() or '-'}")
        asyncio.run(_serve(handler, address))
        announce(f"stopped at height {app.height}")
    finally:
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
