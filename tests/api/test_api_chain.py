"""GET /status, /emission, /params, /genesis, /blocks…, /assets, /hashpower and error shapes."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from api_harness import GOS, Devnet

from gostaking.api.routes import blocks as blocks_routes
from gostaking.api.routes.explorer_views import STREAM_CATCH_UP_BLOCKS, _unsent_blocks


def test_status_before_and_after_blocks(devnet: Devnet) -> None:
    status = devnet.client.get("/status").json()
    assert status["height"] == 0 and status["latest_block_time"] is None
    assert status["chain_id"] == "gostaking-devnet" and status["faucet_enabled"] is True
    devnet.produce(3)
    status = devnet.client.get("/status").json()
    assert status["height"] == 3
    assert status["app_hash"] == devnet.node.app.info().app_hash.hex()
    assert status["supply"] == {"ugos": 300 * GOS, "gos": "300"}
    assert status["minted"]["gos"] == "300" and status["burned"]["gos"] == "0"
    assert status["total_hash_power"] == {"micro_hs": 0, "hs": "0"}
    assert status["mining_set_size"] == 1 and status["mining_set"] == [devnet.operator.address]
    emission = status["emission"]
    assert emission["emitted"]["gos"] == "300" and emission["total"]["gos"] == "30240000"
    assert emission["progress"] == "0.0009%"
    assert emission["current_block_reward"]["gos"] == "100"
    assert emission["next_halving_height"] == 172_801 and emission["next_burn_height"] == 432_001
    assert emission["burns_done"] == 0 and emission["burns_total"] == 6 and emission["burn_fraction"] == "0.1"
    assert devnet.client.get("/emission").json() == emission


def test_reads_answer_while_the_state_lock_is_held_and_a_block_is_in_flight(devnet: Devnet) -> None:
    """/status, accounts and rewards read the committed state without the state lock (GoStakingApp.read_committed):
    they answer while another thread holds the lock, and while a block is finalized but not committed they answer
    with the last commit."""
    devnet.produce(2)
    app = devnet.node.app
    paths = ["/status", f"/accounts/{devnet.operator.address}", f"/accounts/{devnet.operator.address}/rewards"]
    held, release = threading.Event(), threading.Event()

    def hold_the_state() -> None:
        with app.read():
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold_the_state)
    holder.start()
    try:
        assert held.wait(5)
        with ThreadPoolExecutor(3) as pool:
            answers = [pool.submit(devnet.client.get, path) for path in paths]
            status, account, rewards = (answer.result(timeout=5) for answer in answers)
        assert not release.is_set() and holder.is_alive()  # answered while the lock was held
    finally:
        release.set()
        holder.join()
    assert status.status_code == account.status_code == rewards.status_code == 200
    assert status.json()["height"] == 2 and account.json()["gos"]["ugos"] > 0
    app.finalize_block(3, app.last_block.header.time_ms + 1_000, [], "", [])  # type: ignore[union-attr]
    try:
        assert devnet.client.get(f"/accounts/{devnet.operator.address}").json() == account.json()
    finally:
        app.commit()


def test_params_and_genesis(devnet: Devnet) -> None:
    params = devnet.client.get("/params").json()
    assert params["nodes"]["epoch_blocks"] == 20
    assert params["nodes"]["min_stake_ugos"] == 100 * GOS
    assert params["staking"]["stake_multiplier"] == 3
    genesis = devnet.client.get("/genesis")
    assert genesis.status_code == 200 and genesis.headers["content-type"] == "application/json"
    assert json.loads(genesis.content)["chain_id"] == "gostaking-devnet"


def test_blocks_pagination_and_lookups(devnet: Devnet) -> None:
    client = devnet.client
    assert client.get("/blocks/latest").status_code == 404
    assert client.get("/blocks").json() == {"height": 0, "blocks": [], "next_before": None}
    devnet.produce(25)
    page = client.get("/blocks", params={"limit": 10}).json()
    assert [b["height"] for b in page["blocks"]] == list(range(25, 15, -1)) and page["next_before"] == 16
    page = client.get("/blocks", params={"limit": 10, "before": 16}).json()
    assert [b["height"] for b in page["blocks"]] == list(range(15, 5, -1))
    last = client.get("/blocks", params={"limit": 10, "before": 6}).json()
    assert [b["height"] for b in last["blocks"]] == [5, 4, 3, 2, 1] and last["next_before"] is None
    assert client.get("/blocks", params={"before": 1}).json()["blocks"] == []
    assert client.get("/blocks", params={"before": 1000, "limit": 1}).json()["blocks"][0]["height"] == 25
    for bad in ({"limit": 0}, {"limit": 101}, {"before": 0}, {"limit": "x"}):
        response = client.get("/blocks", params=bad)
        assert response.status_code == 400 and response.json()["error"] == "InvalidRequest", bad

    latest = client.get("/blocks/latest").json()
    assert latest["height"] == 25 and latest["hash"] == devnet.node.app.info().last_block_hash.hex()
    assert latest["signers"] == [devnet.producer.address]
    block_1 = client.get("/blocks/1").json()
    assert block_1["previous_hash"] == "00" * 32 and block_1["signers"] == []
    assert client.get("/blocks/2").json()["previous_hash"] == block_1["hash"]
    assert any(e["kind"] == "mint" for e in block_1["events"])
    assert client.get("/blocks/26").json() == {
        "error": "NotFound",
        "code": 404,
        "message": "no block at height 26 (latest is 25)",
    }
    for bad in ("0", "-1", "abc", "1.5", "9" * 30):
        response = client.get(f"/blocks/{bad}")
        assert response.status_code == 400 and "positive integer" in response.json()["message"], bad


def test_assets_and_hashpower(devnet: Devnet) -> None:
    assets = {a["denom"]: a for a in devnet.client.get("/assets").json()}
    assert set(assets) == {"atom", "btc", "dcr", "eth"}
    assert assets["btc"]["decimals"] == 8 and assets["btc"]["weight"] == "0.1"
    assert assets["btc"]["price"] == {"ugos": 10_000 * GOS, "gos": "10000"}
    assert (
        assets["eth"]["decimals"] == 18 and assets["dcr"]["weight"] == "0.2" and assets["atom"]["price"]["gos"] == "5"
    )
    assert assets["btc"]["supply"] == "21000" and assets["btc"]["locked"] == "0"
    power = devnet.client.get("/hashpower").json()
    pools = {p["pool"]: p for p in power["pools"]}
    assert set(pools) == {"vote", "stake", "lock:atom", "lock:btc", "lock:dcr", "lock:eth"}
    assert pools["stake"]["multiplier"] == 3 and pools["vote"]["kind"] == "vote"
    assert pools["lock:btc"]["kind"] == "lock" and pools["lock:btc"]["weight"] == "0.1"
    assert power["total"]["hs"] == "0"


def test_error_responses_are_json(devnet: Devnet) -> None:
    client = devnet.client
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and missing.json()["error"] == "NotFound"
    wrong_method = client.post("/status")
    assert wrong_method.status_code == 405 and wrong_method.json()["error"] == "MethodNotAllowed"


def test_status_page_and_openapi(devnet: Devnet) -> None:
    page = devnet.client.get("/")
    # The page at / is the block explorer (gostaking/explorer): a shell that loads its script module.
    assert page.status_code == 200 and "GoStaking" in page.text and "/static/js/app.js" in page.text
    paths = devnet.client.get("/openapi.json").json()["paths"]
    for path in ("/status", "/txs", "/txs/{tx_hash}", "/blocks", "/accounts/{address}", "/nodes", "/faucet"):
        assert path in paths


def test_the_live_stream_sends_every_block_even_when_several_commit_between_its_wakes(devnet: Devnet) -> None:
    devnet.produce(1)
    with devnet.client.stream("GET", "/explorer/stream") as response:
        lines = response.iter_lines()

        def next_height() -> int:
            for line in lines:
                if line.startswith("data: "):
                    return int(json.loads(line[len("data: ") :])["height"])
            raise AssertionError("the stream ended")

        assert next_height() == 1
        devnet.produce(5)  # back to back: the stream wakes for some of them only
        heights = [next_height()]
        while heights[-1] < 6:
            heights.append(next_height())
    assert heights == [2, 3, 4, 5, 6]


def test_a_stream_far_behind_sends_the_newest_block_alone() -> None:
    last = SimpleNamespace(height=200)
    app = SimpleNamespace(block=lambda height: SimpleNamespace(height=height))
    assert _unsent_blocks(app, 200 - STREAM_CATCH_UP_BLOCKS - 1, last) == [last]  # type: ignore[arg-type]
    caught_up = _unsent_blocks(app, 200 - STREAM_CATCH_UP_BLOCKS, last)  # type: ignore[arg-type]
    assert [block.height for block in caught_up] == list(range(201 - STREAM_CATCH_UP_BLOCKS, 201))
    assert _unsent_blocks(app, -1, last) == [last] and _unsent_blocks(app, 200, last) == [last]  # type: ignore[arg-type]


def test_a_block_s_answer_is_computed_once_and_kept_while_blocks_follow(
    devnet: Devnet, monkeypatch: pytest.MonkeyPatch
) -> None:
    devnet.produce(2)
    computed: list[int] = []
    compute = blocks_routes._block
    monkeypatch.setattr(blocks_routes, "_block", lambda node, height: computed.append(height) or compute(node, height))
    first = devnet.client.get("/blocks/1")
    devnet.produce(3)
    assert devnet.client.get("/blocks/1").json() == first.json() and computed == [1]
    assert devnet.client.get("/blocks/9").status_code == 404 and computed == [1, 9]
    devnet.produce(4)
    assert devnet.client.get("/blocks/9").json()["height"] == 9 and computed == [1, 9, 9], "a 404 is not kept"
