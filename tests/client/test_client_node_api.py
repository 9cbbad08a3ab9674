"""The node API client against a mock transport: documents, the API's error body, answers that are not JSON,
no answer at all, 404s, waiting for inclusion, and signed submission."""

import json
from collections.abc import Callable

import httpx
import pytest

from gostaking.chain.codec import decode_tx
from gostaking.chain.types.tx import MsgSendCoins
from gostaking.client import ApiError, AssetInfo, NodeApi
from gostaking.wallet.keys import PrivateKey

Handler = Callable[[httpx.Request], httpx.Response]
URL = "http://node.test"
KEY = PrivateKey((0x1234).to_bytes(32, "big"))
HASH = "ab" * 32


def node_api(handler: Handler) -> NodeApi:
    return NodeApi(http=httpx.Client(base_url=URL, transport=httpx.MockTransport(handler)))


def error_body(status: int, error: str, code: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": error, "code": code, "message": message})


def test_documents_and_query_parameters() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.method == "POST":
            return httpx.Response(202, json={"echo": json.loads(request.content)})
        return httpx.Response(200, json={"path": request.url.path})

    api = node_api(handler)
    assert api.get("/nodes", {"limit": 3}) == {"path": "/nodes"}
    assert api.post("/faucet", {"address": "gos1x"}) == {"echo": {"address": "gos1x"}}
    assert seen == [f"{URL}/nodes?limit=3", f"{URL}/faucet"]


def test_the_api_error_body_is_kept_whole() -> None:
    api = node_api(lambda _: error_body(400, "InsufficientFundsError", 12, "balance 5 < 7"))
    with pytest.raises(ApiError) as raised:
        api.get("/accounts/gos1x?x=1")
    error = raised.value
    assert (error.status, error.error, error.code) == (400, "InsufficientFundsError", 12)
    assert error.message == "balance 5 < 7"
    assert (error.method, error.path, error.url) == ("GET", "/accounts/gos1x?x=1", f"{URL}/accounts/gos1x?x=1")
    assert str(error) == "GET /accounts/gos1x?x=1: InsufficientFundsError: balance 5 < 7"


def test_an_error_body_without_a_name_or_code_gets_defaults() -> None:
    api = node_api(lambda _: httpx.Response(503, json={"message": "busy"}))
    with pytest.raises(ApiError) as raised:
        api.get("/status")
    assert (raised.value.error, raised.value.code, raised.value.message) == ("Error", 503, "busy")


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (httpx.Response(502, text="<html>Bad Gateway</html>"), "failed with HTTP 502"),
        (httpx.Response(500, json=["not", "an", "error", "body"]), "failed with HTTP 500"),
        (httpx.Response(200, text="hello"), "HTTP 200 without a JSON document"),
        (httpx.Response(200, json=None), "HTTP 200 without a JSON document"),
    ],
)
def test_answers_without_an_error_body_or_without_json(response: httpx.Response, reason: str) -> None:
    api = node_api(lambda _: response)
    with pytest.raises(ApiError) as raised:
        api.get("/status")
    error = raised.value
    assert (error.status, error.reason, error.error, error.message) == (response.status_code, reason, None, None)
    assert str(error) == f"GET /status: {reason}"


def test_no_answer_is_an_api_error_without_status() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(ApiError) as raised:
        node_api(refuse).post("/txs", {"tx": "00"})
    error = raised.value
    assert (error.status, error.url, error.reason) == (None, f"{URL}/txs", "connection refused")
    assert isinstance(error.__cause__, httpx.ConnectError)
    assert str(error) == "POST /txs: connection refused"


def test_a_real_refused_connection_names_the_url() -> None:
    api = NodeApi("http://127.0.0.1:9/", timeout_s=2)  # port 9 (discard) is closed on test machines
    with pytest.raises(ApiError) as raised:
        api.status()
    assert raised.value.status is None and raised.value.url == "http://127.0.0.1:9/status"


def test_404_is_an_error_for_get_and_none_where_absence_is_an_answer() -> None:
    api = node_api(lambda _: error_body(404, "NotFound", 404, "no such transaction"))
    with pytest.raises(ApiError, match="NotFound: no such transaction") as raised:
        api.get(f"/txs/{HASH}")
    assert raised.value.status == 404
    assert api.get_or_none(f"/blocks/{10**9}") is None
    assert api.tx(HASH) is None


def test_get_or_none_still_raises_other_errors() -> None:
    api = node_api(lambda _: error_body(400, "InvalidRequest", 400, "bad hash"))
    with pytest.raises(ApiError, match="InvalidRequest: bad hash"):
        api.get_or_none("/txs/zz")


def test_wait_for_tx_polls_through_unknown_and_pending_until_included() -> None:
    answers = iter(
        [
            error_body(404, "NotFound", 404, "not yet"),  # just submitted: neither pending nor indexed yet
            httpx.Response(200, json={"tx_hash": HASH, "status": "pending"}),
            httpx.Response(200, json={"tx_hash": HASH, "status": "included", "height": 7, "code": 0}),
        ]
    )
    found = node_api(lambda _: next(answers)).wait_for_tx(HASH, timeout_s=5, poll_s=0)
    assert found is not None and found["height"] == 7


def test_wait_for_tx_gives_up_after_the_timeout() -> None:
    polls: list[int] = []

    def pending(_: httpx.Request) -> httpx.Response:
        polls.append(1)
        return httpx.Response(200, json={"tx_hash": HASH, "status": "pending"})

    assert node_api(pending).wait_for_tx(HASH, timeout_s=0.05, poll_s=0.01) is None
    assert len(polls) >= 2  # it polled again before giving up
    assert node_api(pending).wait_for_tx(HASH, timeout_s=0, poll_s=10) is None  # no sleep once the time is up


def test_wait_for_tx_reports_other_errors_at_once() -> None:
    with pytest.raises(ApiError, match="failed with HTTP 500"):
        node_api(lambda _: httpx.Response(500)).wait_for_tx(HASH, timeout_s=5, poll_s=0)


def test_chain_facts_sign_and_submit() -> None:
    requests: list[str] = []
    submitted: list[bytes] = []

    def node(request: httpx.Request) -> httpx.Response:
        requests.append(f"{request.method} {request.url.path}")
        match request.method, request.url.path:
            case "GET", "/status":
                return httpx.Response(200, json={"chain_id": "gostaking-test", "height": 3})
            case "GET", "/assets":
                return httpx.Response(200, json=[{"denom": "btc", "decimals": 8, "hosted_chain": "bitcoin"}])
            case "GET", path if path == f"/accounts/{KEY.address}":
                return httpx.Response(200, json={"next_sequence": 4})
            case "POST", "/txs":
                submitted.append(bytes.fromhex(json.loads(request.content)["tx"]))
                return httpx.Response(202, json={"tx_hash": HASH})
        return error_body(404, "NotFound", 404, "no such endpoint")

    api = node_api(node)
    assert api.assets() == [AssetInfo("btc", 8, "bitcoin")]
    raw = api.sign(KEY, [MsgSendCoins("gos1recipient", "ugos", 5)], fee_ugos=1_000, memo="hi")
    assert api.chain_id() == "gostaking-test"  # asked once, then remembered
    assert api.submit_tx(raw) == HASH and submitted == [raw]
    body = decode_tx(raw).body
    assert (body.chain_id, body.sequence, body.fee, body.memo) == ("gostaking-test", 4, 1_000, "hi")
    assert requests.count("GET /status") == 1


def test_a_refused_transaction_carries_the_chain_reason() -> None:
    api = node_api(lambda _: error_body(400, "BadSequenceError", 5, "expected sequence 4, got 3"))
    with pytest.raises(ApiError) as raised:
        api.submit_tx(b"\x00")
    assert (raised.value.status, raised.value.error, raised.value.code) == (400, "BadSequenceError", 5)


def test_waiting_resubmits_a_transaction_the_node_lost_and_waits_out_a_restart() -> None:
    # The node: up, knows nothing of the tx (lost in a crash), then down for a poll, then up again; the
    # client's resubmission is what makes it pending and then included.
    raw = b"\x01\x02"
    events: list[str] = []
    script = iter(["404", "404", "down", "404", "404", "pending", "included"])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            events.append(f"POST {json.loads(request.content)['tx']}")
            return httpx.Response(202, json={"tx_hash": HASH})
        step = next(script)
        events.append(step)
        if step == "down":
            raise httpx.ConnectError("connection refused")
        if step == "404":
            return error_body(404, "NotFound", 404, "no such transaction")
        return httpx.Response(200, json={"tx_hash": HASH, "status": step})

    found = node_api(handler).wait_for_tx(HASH, 5.0, poll_s=0.0, resubmit=raw)
    assert found == {"tx_hash": HASH, "status": "included"}
    # Two misses in a row before each resubmission: a tx is briefly unknown right after it is submitted.
    assert events == ["404", "404", "POST 0102", "down", "404", "404", "POST 0102", "pending", "included"]


def test_a_resubmission_the_node_refuses_for_a_real_reason_is_raised() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return error_body(400, "BadSequenceError", 5, "sequence 3, expected 4")
        return error_body(404, "NotFound", 404, "no such transaction")

    with pytest.raises(ApiError, match="BadSequenceError"):
        node_api(handler).wait_for_tx(HASH, 5.0, poll_s=0.0, resubmit=b"\x01")


def test_without_the_bytes_an_unreachable_node_while_waiting_is_an_error() -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    with pytest.raises(ApiError):
        node_api(handler).wait_for_tx(HASH, 5.0, poll_s=0.0)


def test_the_client_is_closed_when_its_with_block_ends() -> None:
    http = httpx.Client(base_url=URL, transport=httpx.MockTransport(lambda _: httpx.Response(200, json={"a": 1})))
    with NodeApi(http=http) as api:
        assert api.get("/status") == {"a": 1} and not http.is_closed
    assert http.is_closed
