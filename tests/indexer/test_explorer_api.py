"""Explorer REST endpoints over the index: keyset pagination, account history and its CSV, search, node
uptime, the graph, dashboard series, the live stream and clear 400/404 errors."""

import asyncio
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from indexer_harness import BTC, Chain
from pydantic import BaseModel

from gostaking.api.main import create_api
from gostaking.api.routes.chain_facts import NODE_OPERATORS, PerHeight
from gostaking.api.routes.explorer import view_json, view_json_maker
from gostaking.api.schemas.explorer import BlockPage, EventItem, EventPage, HistoryPage, TxPage
from gostaking.chain.state import State
from gostaking.node.runtime import open_devnet
from gostaking.node.settings import DevnetSettings
from gostaking.storage import MemoryStore
from gostaking.wallet.keys import PrivateKey


@pytest.fixture(scope="module")
def client(chain: Chain) -> Iterator[TestClient]:
    api = create_api(chain.node)
    api.state.explorer_index.indexer.sync()
    with TestClient(api) as test_client:
        yield test_client


def _walk(client: TestClient, path: str, limit: int, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Follow next_before to the end; returns every item and the total the first page announced."""
    items: list[dict[str, Any]] = []
    page = client.get(path, params={"limit": limit, **params}).json()
    total = page["total"]
    while True:
        items += page["items"]
        assert page["limit"] == limit and len(page["items"]) <= limit
        if page["next_before"] is None:
            return items, total
        page = client.get(path, params={"limit": limit, "before": page["next_before"], **params}).json()


def test_block_pages_cover_the_chain_once_newest_first(chain: Chain, client: TestClient) -> None:
    height = chain.node.app.height
    items, total = _walk(client, "/explorer/blocks", 7)
    assert total == height and [b["height"] for b in items] == list(range(height, 0, -1))
    first = client.get("/explorer/blocks", params={"limit": 1}).json()["items"][0]
    assert first["hash"] == chain.node.app.info().last_block_hash.hex()
    assert first["supply"]["gos"] == str(100 * height) and first["reward"]["gos"] == "100"


def test_tx_pages_filters_and_totals(chain: Chain, client: TestClient) -> None:
    items, total = _walk(client, "/explorer/txs", 3)
    assert total == len(items) >= len(chain.txs)
    assert len({t["hash"] for t in items}) == len(items)
    assert [(t["height"], t["index"]) for t in items] == sorted(
        ((t["height"], t["index"]) for t in items), reverse=True
    )
    assert set(chain.txs.values()) <= {t["hash"] for t in items}
    alice, alice_total = _walk(client, "/explorer/txs", 2, sender=chain.alice.address)
    assert alice_total == len(alice) == 5 and {t["sender"] for t in alice} == {chain.alice.address}
    bonds = next(t for t in alice if t["hash"] == chain.txs["alice_bonds"])
    assert bonds["msg_types"] == ["vote", "stake", "lock"] and bonds["fee"]["gos"] == "0.001"
    block = client.get("/explorer/txs", params={"height": bonds["height"]}).json()
    assert bonds["hash"] in {t["hash"] for t in block["items"]}


def test_block_filters_count_from_the_block_row(chain: Chain, client: TestClient) -> None:
    """A block filter reads the block's id range, and its total is the block's own count, with and without a
    sender or kind beside it."""
    bonds = client.get("/explorer/txs", params={"sender": chain.alice.address, "limit": 100}).json()["items"]
    height = next(t for t in bonds if t["hash"] == chain.txs["alice_bonds"])["height"]
    block = client.get("/explorer/blocks", params={"before": height + 1, "limit": 1}).json()["items"][0]
    assert block["height"] == height
    block_txs, txs_total = _walk(client, "/explorer/txs", 1, height=height)
    assert txs_total == len(block_txs) == block["num_txs"] and {t["height"] for t in block_txs} == {height}
    block_events, events_total = _walk(client, "/explorer/events", 2, height=height)
    assert events_total == len(block_events) == block["num_events"] and {e["height"] for e in block_events} == {height}
    mints, mints_total = _walk(client, "/explorer/events", 1, height=height, kind="mint")
    assert mints_total == len(mints) == 1 and mints[0]["kind"] == "mint"
    sent, sent_total = _walk(client, "/explorer/txs", 1, height=height, sender=chain.alice.address)
    assert sent_total == len(sent) == sum(1 for t in block_txs if t["sender"] == chain.alice.address) >= 1
    for path, params in [
        ("/explorer/txs", {"height": chain.node.app.height + 5}),
        ("/explorer/txs", {"height": 2**63 - 2, "sender": chain.alice.address}),  # its ids would pass 64 bits
        ("/explorer/events", {"height": 2**63 - 1, "kind": "mint", "before": 1}),
    ]:
        nothing = client.get(path, params=params).json()
        assert (nothing["items"], nothing["total"], nothing["next_before"]) == ([], 0, None), (path, params)


def test_list_answers_are_exactly_their_response_models(chain: Chain, client: TestClient) -> None:
    """The lists answer JSON built without pydantic: each answer parses strictly as the model the OpenAPI document
    names and dumps back to the same JSON (no field missing, extra or of another type)."""
    address = chain.alice.address
    pages: list[tuple[str, dict[str, Any], type[BaseModel]]] = [
        ("/explorer/blocks", {"limit": 3}, BlockPage),
        ("/explorer/blocks", {"limit": 3, "before": 4}, BlockPage),
        ("/explorer/txs", {"limit": 100}, TxPage),
        ("/explorer/txs", {"sender": address, "limit": 2}, TxPage),
        ("/explorer/events", {"limit": 100}, EventPage),
        ("/explorer/events", {"kind": "transfer"}, EventPage),
        (f"/explorer/accounts/{address}/history", {"limit": 100}, HistoryPage),
        (f"/explorer/accounts/{address}/history", {"kind": "receive"}, HistoryPage),
        (f"/explorer/accounts/{PrivateKey.generate().address}/history", {}, HistoryPage),
    ]
    for path, params, model in pages:
        response = client.get(path, params=params)
        assert response.status_code == 200 and response.headers["content-type"] == "application/json", path
        parsed = model.model_validate_json(response.content, strict=True)
        assert parsed.model_dump(mode="json") == response.json(), (path, params)
    failed = [t for t in client.get("/explorer/txs", params={"limit": 100}).json()["items"] if t["code"]]
    assert failed and all(t["log"] for t in failed)  # failed transactions carry their code and log too


def test_history_pages_and_kind_filter(chain: Chain, client: TestClient) -> None:
    address = chain.alice.address
    items, total = _walk(client, f"/explorer/accounts/{address}/history", 4)
    assert total == len(items) and len({i["id"] for i in items}) == total
    assert [i["id"] for i in items] == sorted((i["id"] for i in items), reverse=True)
    page = client.get(f"/explorer/accounts/{address}/history").json()
    # 5 sent and 2 received (GOS and BTC funding).
    assert page["tx_count"] == 7 and page["first_height"] < page["last_height"]
    received = {(i["display"], i["display_denom"]) for i in items if i["kind"] == "receive"}
    assert received == {("60", "gos"), ("1", "btc")}
    votes, votes_total = _walk(client, f"/explorer/accounts/{address}/history", 1, kind="vote")
    assert votes_total == len(votes) == 2 and {v["kind"] for v in votes} == {"vote"}
    stranger = PrivateKey.generate().address
    empty = client.get(f"/explorer/accounts/{stranger}/history").json()
    assert (empty["items"], empty["total"], empty["next_before"], empty["first_height"]) == ([], 0, None, None)


def test_csv_export_is_the_whole_history_oldest_first(chain: Chain, client: TestClient) -> None:
    address = chain.alice.address
    response = client.get(f"/explorer/accounts/{address}/history.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == f'attachment; filename="gostaking-history-{address}.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    api_items, _ = _walk(client, f"/explorer/accounts/{address}/history", 100)
    assert len(rows) == len(api_items)
    assert [int(r["height"]) for r in rows] == sorted(int(r["height"]) for r in rows)
    lock = next(r for r in rows if r["kind"] == "lock")
    assert (lock["amount"], lock["unit"], lock["amount_base_units"], lock["denom"]) == (
        "0.5",
        "btc",
        str(BTC // 2),
        "btc",
    )
    vote = next(r for r in rows if r["kind"] == "vote")
    assert (vote["amount"], vote["unit"], vote["fee_gos"], vote["code"]) == ("20", "gos", "0.001", "0")
    assert next(r for r in rows if r["kind"] == "unbonding_completed")["tx_hash"] == ""


def test_search_resolves_heights_hashes_addresses_and_nodes(chain: Chain, client: TestClient) -> None:
    def search(q: str) -> dict[str, Any]:
        response = client.get("/explorer/search", params={"q": q})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    assert search("5") == {"query": "5", "kind": "block", "value": "5", "route": "#/block/5", "is_node": False}
    tx = chain.txs["alice_bonds"]
    assert search(tx.upper())["route"] == f"#/tx/{tx}" and search("0x" + tx)["kind"] == "tx"
    block_hash = client.get("/explorer/blocks", params={"limit": 1}).json()["items"][0]
    assert search(block_hash["hash"])["route"] == f"#/block/{block_hash['height']}"
    assert search(chain.alice.address) == {
        "query": chain.alice.address,
        "kind": "account",
        "value": chain.alice.address,
        "route": f"#/account/{chain.alice.address}",
        "is_node": False,
    }
    assert search(chain.bob.address)["is_node"] is True
    assert search("bob-node")["route"] == f"#/node/{chain.bob.address}"
    for missing in ("999999", "ab" * 32, "no-such-node"):
        response = client.get("/explorer/search", params={"q": missing})
        assert response.status_code == 404 and response.json()["error"] == "NotFound", missing
    for bad in ("", "   ", "gos1notanaddress", "x" * 200):
        response = client.get("/explorer/search", params={"q": bad})
        assert response.status_code == 400 and response.json()["error"] in ("InvalidRequest", "InvalidAddressError"), (
            bad
        )


def test_bad_parameters_are_400_json(chain: Chain, client: TestClient) -> None:
    for path, params in [
        ("/explorer/blocks", {"limit": 0}),
        ("/explorer/blocks", {"limit": 101}),
        ("/explorer/blocks", {"before": "x"}),
        ("/explorer/txs", {"before": 0}),
        ("/explorer/txs", {"sender": "bob"}),
        ("/explorer/events", {"kind": "DROP TABLE"}),
        (f"/explorer/accounts/{chain.alice.address}/history", {"kind": "Vote;"}),
        ("/explorer/accounts/nobody/history", {}),
        ("/explorer/accounts/nobody/history.csv", {}),
        ("/explorer/graph", {"limit": 0}),
    ]:
        response = client.get(path, params=params)
        assert response.status_code == 400, (path, params, response.text)
        body = response.json()
        assert set(body) == {"error", "code", "message"} and body["message"], (path, params)


def test_nodes_with_uptime_and_graph_edges(chain: Chain, client: TestClient) -> None:
    nodes = client.get("/explorer/nodes").json()
    by_operator = {n["operator"]: n for n in nodes["nodes"]}
    genesis = by_operator[chain.operator.address]
    assert nodes["nodes"][0]["operator"] == chain.operator.address and genesis["status"] == "mining"
    assert genesis["uptime"] == "100%" and genesis["blocks_proposed"] == chain.node.app.height
    assert genesis["voters"] == 1 and genesis["stakers"] == 1
    assert len(genesis["recent"]) == min(100, chain.node.app.height - 1)
    bob = by_operator[chain.bob.address]
    assert bob["moniker"] == "bob-node" and bob["uptime"] == "n/a" and bob["stake"]["gos"] == "10"
    graph = client.get("/explorer/graph").json()
    edges = {(e["source"], e["target"], e["kind"], e["amount"]["gos"]) for e in graph["edges"]}
    assert edges == {
        (chain.alice.address, chain.operator.address, "vote", "18"),
        (chain.alice.address, chain.operator.address, "stake", "5"),
        (chain.alice.address, chain.bob.address, "vote", "4"),
        (chain.bob.address, chain.bob.address, "stake", "10"),
    }
    stake = next(e for e in graph["edges"] if e["kind"] == "stake" and e["target"] == chain.operator.address)
    assert stake["hash_power"]["hs"] == "15"
    assert graph["total_edges"] == 4 and graph["truncated"] is False
    totals = {(v["kind"], v["id"]): v["total"]["gos"] for v in graph["vertices"]}
    # bob both stakes (as an account) and is backed (as a node): the two totals are kept apart.
    assert totals[("account", chain.bob.address)] == "10" and totals[("node", chain.bob.address)] == "14"
    top = client.get("/explorer/graph", params={"limit": 1}).json()
    assert top["truncated"] is True and [e["amount"]["gos"] for e in top["edges"]] == ["18"]


def test_dashboard_series(chain: Chain, client: TestClient) -> None:
    dash = client.get("/explorer/dashboard").json()
    height = chain.node.app.height
    assert dash["height"] == dash["indexed_height"] == height
    assert len(dash["block_times"]) == min(120, height - 1)
    assert dash["supply_series"][-1]["height"] == height and dash["supply_series"][-1]["supply"]["gos"] == str(
        100 * height
    )
    assert [e["reward"]["gos"] for e in dash["eras"]] == ["100", "50", "25"]
    assert dash["burn_heights"][0] == 432_001 and len(dash["burn_heights"]) == 6
    assert dash["blocks_to_next_halving"] == 172_801 - height
    btc = next(a for a in dash["locked_value"] if a["denom"] == "btc")
    assert (btc["locked"], btc["value"]["gos"], btc["hash_power"]["hs"]) == ("0.5", "5000", "500")
    assert dash["total_locked_value"]["gos"] == "5000"
    assert {p["pool"] for p in dash["pools"]} >= {"vote", "stake", "lock:btc"}


def test_index_status_and_stream(chain: Chain, client: TestClient) -> None:
    status = client.get("/explorer/index").json()
    assert status["indexed_height"] == status["chain_height"] == chain.node.app.height
    assert status["lag_blocks"] == 0 and status["backend"] == "sqlite" and status["last_error"] == ""
    with client.stream("GET", "/explorer/stream") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        assert next(lines) == "retry: 1000"
        assert next(lines) == ""
        assert next(lines) == "event: block"
        data = next(lines)
    assert data.startswith("data: ") and f'"height": {chain.node.app.height}' in data


def test_the_explorer_page_and_its_files(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and '<script type="module" src="/static/js/app.js">' in page.text
    script = client.get("/static/js/app.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/css/explorer.css").headers["content-type"].startswith("text/css")
    for bad in ("/static/../__init__.py", "/static/js/nope.js", "/static/%2e%2e/__init__.py"):
        assert client.get(bad).status_code == 404, bad
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/explorer/accounts/{address}/history.csv" in paths and "/explorer/search" in paths


def test_view_json_names_what_it_cannot_fill() -> None:
    row = {"id": 1, "height": 2, "tx_index": None, "tx_hash": None, "kind": "mint"}
    assert view_json(EventItem, row, attributes={}) == {**row, "attributes": {}}
    with pytest.raises(TypeError, match=r"EventItem\.attributes is neither shown nor in its row"):
        view_json(EventItem, row)
    with pytest.raises(TypeError, match="EventItem has no field colour"):
        view_json(EventItem, row, attributes={}, colour="red")


def test_a_view_json_maker_checks_its_names_once_and_builds_what_view_json_builds() -> None:
    row = {"id": 1, "height": 2, "tx_index": None, "tx_hash": None, "kind": "mint", "attributes": {}}
    make = view_json_maker(EventItem, *row)
    assert make(*row.values()) == view_json(EventItem, {}, **row) == row
    with pytest.raises(ValueError):  # a value short
        make(1, 2, None, None, "mint")
    with pytest.raises(TypeError, match="EventItem's fields are id, height"):  # names out of the view's order
        view_json_maker(EventItem, "height", "id", "tx_index", "tx_hash", "kind", "attributes")
    with pytest.raises(TypeError, match=r"not id, height$"):
        view_json_maker(EventItem, "id", "height")


def test_per_height_facts_are_read_once_per_committed_block(tmp_path: Path) -> None:
    node = open_devnet(DevnetSettings(home=tmp_path / "devnet"), store=MemoryStore())
    try:
        assert node.producer is not None
        node.producer.produce_block()
        reads: list[int] = []

        def heights_read(state: State) -> int:
            reads.append(state.height.get())
            return state.height.get()

        fact = PerHeight(heights_read)
        assert [fact.get(node.app), fact.get(node.app), asyncio.run(fact.on_loop(node.app))] == [1, 1, 1]
        node.producer.produce_block()
        assert asyncio.run(fact.on_loop(node.app)) == fact.get(node.app) == 2 and reads == [1, 2]
        assert node.operator_address in NODE_OPERATORS.get(node.app)
    finally:
        node.close()
