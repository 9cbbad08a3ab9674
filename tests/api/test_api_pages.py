"""Every list the API returns is bounded: lists that grow with use are pages (`limit` and `offset`, with their
totals), walked here one row at a time on a seeded chain to check that the pages cover each list exactly once, in
the order the whole list has; the explorer's graph and CSV export have caps of their own."""

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from api_book_harness import BOOK_MODULES
from api_compliance_harness import ALICE, BOB, OPERATOR, PROVIDER, open_compliance_devnet
from api_harness import Devnet
from api_seeded_harness import Seeded, seed

from gostaking.api.pages import MAX_LIST, MAX_PAGE
from gostaking.chain.modules.gov.queries import compute_committee_report
from gostaking.chain.modules.staking.queries import get_delegations, get_node_delegators, get_unbondings


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Devnet, Seeded]]:
    with open_compliance_devnet(tmp_path_factory.mktemp("pages"), modules=BOOK_MODULES) as chain:
        yield chain, seed(chain)


def get(chain: Devnet, path: str, **params: Any) -> Any:
    response = chain.client.get(path, params=params)
    assert response.status_code == 200, (path, params, response.text)
    return response.json()


def walk_array(chain: Devnet, path: str) -> tuple[list[Any], int]:
    """Every row of a bare-array route, one per page; and the X-Total-Count every page announced."""
    rows: list[Any] = []
    totals = set()
    while True:
        response = chain.client.get(path, params={"limit": 1, "offset": len(rows)})
        assert response.status_code == 200, response.text
        totals.add(int(response.headers["x-total-count"]))
        if not response.json():
            (total,) = totals
            return rows, total
        rows += response.json()


def walk(chain: Devnet, path: str, field: str, total_field: str = "total") -> tuple[list[Any], int]:
    """Every row of the `field` list of a paged route, one per page; and the total every page announced."""
    rows: list[Any] = []
    totals = set()
    while True:
        page = get(chain, path, limit=1, offset=len(rows))
        totals.add(page[total_field])
        assert page.get("limit", 1) == 1 and len(page[field]) <= 1
        if not page[field]:
            (total,) = totals
            return rows, total
        rows += page[field]


@pytest.mark.parametrize("path", ["/compliance/providers", "/compliance/frozen", "/assets"])
def test_bare_array_lists_are_pages_with_a_total_header(seeded: tuple[Devnet, Seeded], path: str) -> None:
    chain = seeded[0]
    whole = chain.client.get(path)
    assert whole.status_code == 200 and int(whole.headers["x-total-count"]) == len(whole.json()) > 0
    rows, total = walk_array(chain, path)
    assert rows == whole.json() and total == len(rows)
    for limit in (0, MAX_LIST + 1):
        assert chain.client.get(path, params={"limit": limit}).status_code == 400


def test_providers_and_frozen_show_the_seeded_rows(seeded: tuple[Devnet, Seeded]) -> None:
    chain = seeded[0]
    assert [p["address"] for p in get(chain, "/compliance/providers")] == [PROVIDER.address]
    assert [f["case_id"] for f in get(chain, "/compliance/frozen")] == ["AML-1"]
    assert [a["denom"] for a in get(chain, "/assets")] == sorted(a["denom"] for a in get(chain, "/assets"))


def test_council_approvals_keep_their_shape_and_page(seeded: tuple[Devnet, Seeded]) -> None:
    chain = seeded[0]
    whole = get(chain, "/compliance/council-approvals")
    assert set(whole) == {"total", "approvals"} and whole["total"] == len(whole["approvals"]) == 1
    rows, total = walk(chain, "/compliance/council-approvals", "approvals")
    assert rows == whole["approvals"] and total == 1


def test_nodes_and_their_backers_are_pages(seeded: tuple[Devnet, Seeded]) -> None:
    chain = seeded[0]
    whole = get(chain, "/nodes")
    assert whole["total"] == 2 and whole["limit"] == MAX_PAGE and whole["offset"] == 0
    assert [n["operator"] for n in whole["nodes"]] == [OPERATOR.address, BOB.address]  # registration order
    rows, total = walk(chain, "/nodes", "nodes")
    assert rows == whole["nodes"] and total == 2

    detail = get(chain, f"/nodes/{OPERATOR.address}")
    assert (detail["voters_total"], detail["stakers_total"]) == (1, 1)
    with chain.node.app.read() as state:
        backers = get_node_delegators(state, OPERATOR.address)
    shown = [(b["address"], b["kind"], b["amount"]["ugos"]) for b in detail["voters"] + detail["stakers"]]
    assert shown == backers
    second = get(chain, f"/nodes/{OPERATOR.address}", limit=1, offset=1)
    assert second["voters"] == second["stakers"] == [] and second["voters_total"] == 1


def test_an_accounts_bonds_and_unbondings_are_pages(seeded: tuple[Devnet, Seeded]) -> None:
    chain = seeded[0]
    account = get(chain, f"/accounts/{ALICE.address}")
    with chain.node.app.read() as state:
        bonds, unbondings = get_delegations(state, ALICE.address), get_unbondings(state, ALICE.address)
    assert account["bonds_total"] == len(bonds) == 3 and account["unbondings_total"] == len(unbondings) == 1
    shown = sorted((b["node"], b["kind"]) for b in account["votes"] + account["stakes"])
    assert shown == sorted((node, kind) for node, kind, _ in bonds)
    paged = []
    for offset in range(4):
        page = get(chain, f"/accounts/{ALICE.address}", limit=1, offset=offset)
        assert page["bonds_total"] == 3 and len(page["votes"]) + len(page["stakes"]) <= 1
        paged += [(b["node"], b["kind"], b["amount"]["ugos"]) for b in page["votes"] + page["stakes"]]
        # The totals are the chain's over every position, whichever page is asked for.
        assert (page["voted"], page["staked"], page["bonded"]) == (
            account["voted"],
            account["staked"],
            account["bonded"],
        )
    assert paged == bonds
    # Each row and each total is floor(shares × index): a total may exceed the sum of its rows by < 1 ugos per row.
    for kind in ("vote", "stake"):
        rows_sum = sum(int(ugos) for _, k, ugos in paged if k == kind)
        assert 0 < rows_sum <= int(account[f"{kind}d"]["ugos"]) <= rows_sum + len(paged)
    assert int(account["bonded"]["ugos"]) == int(account["voted"]["ugos"]) + int(account["staked"]["ugos"])


def test_pool_providers_votes_and_the_report_are_pages(seeded: tuple[Devnet, Seeded]) -> None:
    chain, rows = seeded
    providers, total = walk(chain, "/dex/pools/btc", "providers", "providers_total")
    assert [p["address"] for p in providers] == [ALICE.address] and total == 1

    votes, total = walk(chain, f"/governance/proposals/{rows.voting_proposal}/votes", "votes")
    assert [v["voter"] for v in votes] == [BOB.address] and total == 1

    report = get(chain, "/governance/report")
    with chain.node.app.read() as state:
        whole = compute_committee_report(state)
    assert report["proposals"] == whole["proposals"] and report["proposals_by_status"] == whole["proposals_by_status"]
    assert report["total"] == 2
    second = get(chain, "/governance/report", limit=1, offset=1)
    assert [p["id"] for p in second["proposals"]] == [1] and second["proposals_by_status"] == whole[
        "proposals_by_status"
    ]


def test_explorer_nodes_are_pages_in_election_order(seeded: tuple[Devnet, Seeded]) -> None:
    chain = seeded[0]
    whole = get(chain, "/explorer/nodes")
    assert whole["total"] == 2 and whole["nodes"][0]["operator"] == OPERATOR.address  # the mining set first
    rows, total = walk(chain, "/explorer/nodes", "nodes")
    assert [n["operator"] for n in rows] == [n["operator"] for n in whole["nodes"]] and total == 2


def test_the_graph_is_capped_and_shows_only_the_nodes_it_needs(seeded: tuple[Devnet, Seeded]) -> None:
    chain = seeded[0]
    assert chain.client.get("/explorer/graph", params={"limit": 501}).status_code == 400
    top = get(chain, "/explorer/graph", limit=1)
    nodes = [v["id"] for v in top["vertices"] if v["kind"] == "node"]
    assert top["truncated"] is True and len(top["edges"]) == 1
    assert set(nodes) == {top["edges"][0]["target"], *get(chain, "/status")["mining_set"]}
    whole = get(chain, "/explorer/graph", limit=500)
    assert not whole["truncated"] and {v["id"] for v in whole["vertices"] if v["kind"] == "node"} == {
        OPERATOR.address,
        BOB.address,
    }


def test_the_csv_export_is_capped_with_a_cursor_to_the_older_part(seeded: tuple[Devnet, Seeded]) -> None:
    chain = seeded[0]
    path = f"/explorer/accounts/{ALICE.address}/history.csv"
    whole = chain.client.get(path)
    assert whole.status_code == 200 and "x-next-before" not in whole.headers
    all_rows = list(csv.reader(io.StringIO(whole.text)))
    header, body = all_rows[0], all_rows[1:]
    assert len(body) > 3
    parts: list[list[list[str]]] = []
    before: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"before": before} if before else {})
        response = chain.client.get(path, params=params)
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0] == header and 1 <= len(rows) - 1 <= 2
        parts.insert(0, rows[1:])
        before = response.headers.get("x-next-before")
        if before is None:
            break
    assert [row for part in parts for row in part] == body  # the newest part first, each oldest first
    assert chain.client.get(path, params={"limit": 1_001}).status_code == 400
