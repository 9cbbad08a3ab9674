"""Localnet test helpers: skip conditions, waiting, tx submission through CometBFT RPC or a node's REST API,
app-hash agreement."""

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest

from gostaking.chain.codec import tx_hash
from gostaking.node.abci.proto import stubs_problem
from gostaking.node.localnet.cometbft import CometBftError, require_cometbft
from gostaking.node.localnet.network import LocalnetNode
from gostaking.node.localnet.processes import LocalnetProcesses
from gostaking.node.localnet.rpc import CometRpc, CometRpcError

T = TypeVar("T")


def _cometbft_problem() -> str | None:
    problem = stubs_problem()
    if problem is not None:
        return problem
    try:
        require_cometbft()
    except CometBftError as exc:
        return str(exc)
    return None


_PROBLEM = _cometbft_problem()
requires_cometbft = pytest.mark.skipif(_PROBLEM is not None, reason=f"needs CometBFT: {_PROBLEM}")


APP_GONE = "connection terminated. Did the application crash?"
"""What CometBFT logs when a connection to its app breaks (the first of the four to break; it then stops itself)."""
COMET_EXIT_S = 20
"""How long a cometbft whose app died is given to exit by itself before it is killed, as `gostaking start` would."""


def kill_app_then_its_cometbft(processes: LocalnetProcesses, index: int) -> bool:
    """kill -9 node `index`'s app, wait until its cometbft logs the app gone, then until it exits by itself (True)
    or for COMET_EXIT_S before killing it (False). CometBFT stops itself once it sees its app gone, but when the app
    dies in the middle of FinalizeBlock its stop can wait forever (cometbft/cometbft#4054,
    tendermint/tendermint#1890), and `gostaking start` kills it then (15 s after its SIGTERM)."""
    log = processes.node(index).path / "cometbft.log"
    seen = log.read_text(errors="replace").count(APP_GONE)  # the log goes on across restarts
    processes.kill_app(index)
    comet = processes.comets[index]
    what = f"node {index}'s cometbft to see its app gone"
    wait_until(lambda: log.read_text(errors="replace").count(APP_GONE) > seen, what, 60)
    try:
        wait_until(lambda: comet.poll() is not None, f"node {index}'s cometbft to exit", COMET_EXIT_S)
        exited = True
    except AssertionError:
        exited = False
    processes.kill_comet(index)
    return exited


def wait_until(condition: Callable[[], T | None], what: str, timeout_s: float = 60.0, poll_s: float = 0.2) -> T:
    """Poll `condition` until it returns a truthy value (RPC errors count as not yet)."""
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except (httpx.HTTPError, CometRpcError, KeyError, ValueError) as exc:
            last_error = exc
        time.sleep(poll_s)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what} (last error: {last_error})")


def wait_for_height(rpc: CometRpc, height: int, timeout_s: float = 60.0) -> int:
    """Wait until the node has committed `height`; returns its latest height."""
    return wait_until(lambda: (h := rpc.latest_height()) >= height and h, f"height {height} at {rpc.url}", timeout_s)


def submit(rpc: CometRpc, tx: bytes) -> bytes:
    """broadcast_tx_sync; asserts CheckTx accepted it; returns the tx hash."""
    result = rpc.broadcast_tx_sync(tx)
    assert result["code"] == 0, result
    return tx_hash(tx)


def api_client(node: LocalnetNode) -> httpx.Client:
    """An HTTP client of the node's REST API (close it after use)."""
    assert node.api_url, f"{node.name} serves no API"
    return httpx.Client(base_url=node.api_url, timeout=10)


def api_get(api: httpx.Client, path: str, **params: Any) -> Any:
    """GET a JSON document from the API (HTTPStatusError for an error answer, which wait_until retries)."""
    response = api.get(path, params=params)
    response.raise_for_status()
    return response.json()


def wait_api_included(api: httpx.Client, tx_hash: str, timeout_s: float = 60.0) -> dict[str, Any]:
    """Wait until GET /txs/{hash} on this API shows the tx in a block; returns that answer."""
    return wait_until(
        lambda: (found := api_get(api, f"/txs/{tx_hash}"))["status"] == "included" and found,
        f"tx {tx_hash} included according to {api.base_url}",
        timeout_s,
    )


def wait_included(rpc: CometRpc, hashes: list[bytes], timeout_s: float = 60.0) -> list[dict[str, Any]]:
    """Wait until every tx is in a block; returns their /tx results in order."""
    return [wait_until(lambda h=h: rpc.tx(h), f"tx {h.hex()} in a block", timeout_s) for h in hashes]


def assert_same_app_hash(processes: LocalnetProcesses, indexes: list[int]) -> int:
    """Every listed node's app agrees with the others at a common height; returns that height.

    Each app's last commit (abci_info) must match the app hash the chain recorded in the next header, and the
    headers of a common height must be the same on every node.
    """
    rpcs = [processes.rpc(index) for index in indexes]
    try:
        commits = [rpc.abci_info() for rpc in rpcs]
        for rpc, (height, app_hash) in zip(rpcs, commits, strict=True):
            assert height > 0
            wait_for_height(rpc, height + 1)
            assert rpc.header_app_hash(height + 1) == app_hash, f"{rpc.url}: app hash differs at height {height}"
        common = min(height for height, _ in commits) + 1
        recorded = {rpc.header_app_hash(common) for rpc in rpcs}
        assert len(recorded) == 1, f"nodes disagree on the app hash in header {common}: {recorded}"
        return common
    finally:
        for rpc in rpcs:
            rpc.close()
