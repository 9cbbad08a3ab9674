"""The CometBFT relay (POST /txs on a CometBFT node): CometBFT's broadcast_tx_sync answers and RPC errors mapped to
the CheckTxResult the devnet's check_tx gives; an unreachable CometBFT; Node.submit choosing app or relay."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from node_harness import CHAIN_ID, OPERATOR, key

from gostaking.chain.codec import tx_hash
from gostaking.chain.errors import DecodeError
from gostaking.chain.types.tx import MsgSendCoins
from gostaking.node.abci.relay import CometBftRelay
from gostaking.node.app import AlreadyIncludedError, CheckTxResult, GoStakingApp
from gostaking.node.localnet.rpc import CometRpcError
from gostaking.node.mempool import DuplicateTxError, Mempool, MempoolError, MempoolFullError
from gostaking.node.runtime import Node, RelayUnavailableError
from gostaking.storage import MemoryStore
from gostaking.wallet.keys import sign_tx

TX = sign_tx(OPERATOR, CHAIN_ID, 0, [MsgSendCoins(key(9).address, "ugos", 1)], fee=1_000)
HASH = tx_hash(TX)


class FakeRpc:
    """Answers broadcast_tx_sync with `answer(tx)`: a result dict, or an exception to raise."""

    url = "http://127.0.0.1:1"

    def __init__(self, answer: Callable[[bytes], dict[str, Any] | Exception]) -> None:
        self.answer = answer
        self.sent: list[bytes] = []
        self.closed = False

    def broadcast_tx_sync(self, tx: bytes) -> dict[str, Any]:
        self.sent.append(tx)
        answer = self.answer(tx)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self) -> None:
        self.closed = True


def relay(answer: dict[str, Any] | Exception, location: tuple[int, int] | None = None) -> CometBftRelay:
    return CometBftRelay(FakeRpc(lambda _tx: answer), lambda _hash: location)


def test_an_accepted_tx() -> None:
    result = relay({"code": 0, "log": "", "codespace": "", "hash": HASH.hex().upper()}).broadcast(TX)
    assert result == CheckTxResult(0, "", HASH)
    assert result.ok


def test_the_apps_check_tx_refusal_keeps_its_error_class_code_and_message() -> None:
    answer = {"code": 5, "log": "BadSequenceError: sequence 0, expected 1", "codespace": "gostaking"}
    result = relay(answer).broadcast(TX)
    assert (result.code, result.error, result.message) == (5, "BadSequenceError", "sequence 0, expected 1")
    assert result.log == answer["log"] and result.tx_hash == HASH
    odd = relay({"code": 7, "log": "something else"}).broadcast(TX)
    assert (odd.code, odd.error, odd.message) == (7, "TxRejectedError", "something else")
    assert relay({"code": 3}).broadcast(TX).message == "CheckTx refused the transaction with code 3"


@pytest.mark.parametrize(
    ("error", "location", "expected"),
    [
        ("Internal error tx already exists in cache", None, (DuplicateTxError, "is already in the mempool")),
        ("Internal error tx already exists in cache", (12, 0), (AlreadyIncludedError, "is already in block 12")),
        ("Internal error mempool is full: number of txs 5 (max: 5)", None, (MempoolFullError, "try again later")),
        ("Internal error tx too large. Max size is 10, but got 20", None, (DecodeError, "tx too large")),
        ("Internal error something new", None, (MempoolError, "CometBFT refused the transaction")),
    ],
)
def test_cometbft_refusals_before_check_tx(
    error: str, location: tuple[int, int] | None, expected: tuple[type[Exception], str]
) -> None:
    result = relay(CometRpcError(f"broadcast_tx_sync: {error}"), location).broadcast(TX)
    kind, words = expected
    assert not result.ok and result.tx_hash == HASH
    assert (result.error, result.code) == (kind.__name__, kind.code)  # type: ignore[attr-defined]
    assert words in result.message and result.log == f"{kind.__name__}: {result.message}"


@pytest.mark.parametrize(
    "failure", [httpx.ConnectError("connection refused"), httpx.ReadTimeout("timed out"), ValueError("not json")]
)
def test_an_unreachable_cometbft_raises(failure: Exception) -> None:
    with pytest.raises(RelayUnavailableError, match=r"RPC http://127\.0\.0\.1:1"):
        relay(failure).broadcast(TX)


def test_node_submit_uses_the_app_without_a_relay_and_the_relay_with_one(genesis_json: bytes) -> None:
    app = GoStakingApp(MemoryStore(), Mempool())
    app.init_chain(genesis_json)
    devnet = Node(app=app, chain_id=CHAIN_ID, block_time_s=1.0)
    assert devnet.consensus == "embedded"
    refused = devnet.submit(TX)  # the operator has no GOS before block rewards
    assert refused.error == "InsufficientFundsError" and len(app.mempool) == 0
    rpc = FakeRpc(lambda _tx: {"code": 0, "log": ""})
    comet = Node(app=app, chain_id=CHAIN_ID, block_time_s=1.0, relay=CometBftRelay(rpc, app.tx_location))
    assert comet.consensus == "cometbft"
    assert comet.submit(TX).ok and rpc.sent == [TX]
    assert len(app.mempool) == 0, "under CometBFT the app records a tx only when CometBFT's CheckTx reaches it"
    comet.close()
    assert rpc.closed
