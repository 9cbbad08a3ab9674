"""The two users of the client keep their own errors: the custody gateway gets NodeApiError / TxRejectedError and
None for what the node does not know; the CLI gets CliError lines that read as before."""

from collections.abc import Callable

import httpx
import pytest

from gostaking.bridge.errors import NodeApiError, TxRejectedError
from gostaking.bridge.node_client import MessageSender, NodeClient
from gostaking.chain.types.tx import MsgClaimRewards
from gostaking.cli import client as cli_client
from gostaking.cli.errors import CliError
from gostaking.client import NodeApi
from gostaking.wallet.keys import PrivateKey

Handler = Callable[[httpx.Request], httpx.Response]
URL = "http://node.test"
HASH = "cd" * 32


def mock_http(handler: Handler) -> httpx.Client:
    return httpx.Client(base_url=URL, transport=httpx.MockTransport(handler))


def error_body(status: int, error: str, code: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": error, "code": code, "message": message})


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


# --- custody gateway ----------------------------------------------------------------------------------------


def test_gateway_reads_404_as_absent() -> None:
    node = NodeClient(http=mock_http(lambda _: error_body(404, "NotFound", 404, "nothing")))
    assert node.block(99) is None and node.tx(HASH) is None


def test_gateway_failures_are_node_api_errors_with_the_request() -> None:
    node = NodeClient(http=mock_http(lambda _: error_body(503, "NodeBusyError", 503, "try again")))
    with pytest.raises(NodeApiError, match=r"^GET /blocks/3: NodeBusyError: try again$"):
        node.block(3)
    with pytest.raises(NodeApiError, match=r"^GET /status: connection refused$"):
        NodeClient(http=mock_http(refuse)).height()
    with pytest.raises(NodeApiError, match="failed with HTTP 502"):
        NodeClient(http=mock_http(lambda _: httpx.Response(502, text="bad gateway"))).assets()


def test_gateway_submission_refused_or_failed() -> None:
    refused = NodeClient(http=mock_http(lambda _: error_body(400, "BadSequenceError", 5, "expected 4")))
    with pytest.raises(TxRejectedError) as raised:
        refused.submit(b"\x00")
    assert (raised.value.error, raised.value.code, str(raised.value)) == (
        "BadSequenceError",
        5,
        "BadSequenceError (code 5): expected 4",
    )
    unavailable = NodeClient(http=mock_http(lambda _: error_body(503, "ConsensusUnavailable", 503, "down")))
    with pytest.raises(NodeApiError) as failed:
        unavailable.submit(b"\x00")
    assert not isinstance(failed.value, TxRejectedError)
    with pytest.raises(NodeApiError, match="POST /txs: connection refused"):
        NodeClient(http=mock_http(refuse)).submit(b"\x00")


def test_message_sender_signs_at_the_next_sequence_and_submits() -> None:
    def node(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/status":
            return httpx.Response(200, json={"chain_id": "gostaking-test", "height": 1})
        if request.url.path.startswith("/accounts/"):
            return httpx.Response(200, json={"next_sequence": 0})
        return httpx.Response(202, json={"tx_hash": HASH})

    sender = MessageSender(NodeClient(http=mock_http(node)), PrivateKey((0x77).to_bytes(32, "big")))
    assert sender.send([MsgClaimRewards()]) == HASH


# --- CLI ------------------------------------------------------------------------------------------------------


def cli_error(handler: Handler, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(cli_client, "NodeApi", lambda url: NodeApi(http=mock_http(handler)))
    with pytest.raises(CliError) as raised, cli_client.open_api(URL) as api:
        api.get("/status")
    return str(raised.value)


def test_cli_shows_the_api_error_as_the_api_said_it(monkeypatch: pytest.MonkeyPatch) -> None:
    handler = lambda _: error_body(400, "InsufficientFundsError", 12, "balance 5 < 7")  # noqa: E731
    assert cli_error(handler, monkeypatch) == "InsufficientFundsError: balance 5 < 7"


def test_cli_reports_statuses_non_json_and_unreachable_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli_error(lambda _: httpx.Response(502), monkeypatch) == f"GET {URL}/status failed with HTTP 502"
    assert cli_error(lambda _: httpx.Response(200, text="hi"), monkeypatch) == f"{URL}/status did not answer with JSON"
    assert cli_error(refuse, monkeypatch) == (
        f"cannot reach {URL}/status: connection refused (is `gostaking devnet` running? see --api)"
    )


def test_cli_refuses_other_schemes_and_times_out_with_a_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CliError, match="--api must be an http:// or https:// URL"), cli_client.open_api("ftp://x"):
        pass
    pending = NodeApi(http=mock_http(lambda _: httpx.Response(200, json={"status": "pending"})))
    with pytest.raises(CliError, match=f"not included within 0 s; check it later with `gostaking query tx {HASH}`"):
        cli_client.wait_until_included(pending, HASH, 0)
