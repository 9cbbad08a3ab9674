"""What the indexer records: blocks with supply, transactions (failed ones too), events, per-address history
with roles and amounts, account totals, and node block production and signing."""

import json

import pytest
from indexer_harness import BTC, FEE, GOS, UNVOTE_GOS, Chain, sqlite_url
from sqlalchemy import func, select

from gostaking.chain.crypto import consensus_address
from gostaking.chain.modules.bank.queries import get_gos_supply_ugos
from gostaking.chain.modules.nodes.queries import require_node
from gostaking.indexer import ExplorerIndex, open_index
from gostaking.indexer import queries as q
from gostaking.indexer.schema import account_activity, account_kind_stats, account_stats, events


@pytest.fixture(scope="module")
def index(chain: Chain, tmp_path_factory: pytest.TempPathFactory) -> ExplorerIndex:
    built = open_index(sqlite_url(tmp_path_factory.mktemp("index") / "index.sqlite"), chain.node.app)
    built.indexer.sync()
    return built


def _history(index: ExplorerIndex, address: str) -> list[dict[str, object]]:
    """Every history row of `address`, oldest first, read page by page as the API does."""
    rows: list[dict[str, object]] = []
    before = None
    while True:
        page = q.account_history(index.engine, address, 100, before)
        rows += page.rows
        if page.next_before is None:
            return rows[::-1]
        before = page.next_before


def test_blocks_carry_supply_rewards_and_fees(chain: Chain, index: ExplorerIndex) -> None:
    height = chain.node.app.height
    cursor = q.cursor_row(index.engine)
    assert cursor is not None and cursor["height"] == height
    assert cursor["block_hash"] == chain.node.app.info().last_block_hash.hex()
    top = q.get_block(index.engine, height)
    assert top is not None and top["reward_ugos"] == 100 * GOS
    with chain.node.app.read() as state:
        assert top["supply_ugos"] == get_gos_supply_ugos(state) == 100 * GOS * height
    unvote_block = q.get_block(index.engine, chain.unvote_height)
    assert unvote_block is not None and unvote_block["num_txs"] == 2 and unvote_block["num_failed_txs"] == 1
    assert unvote_block["fees_ugos"] == 2 * FEE


def test_transactions_failed_included_with_types_and_memo(chain: Chain, index: ExplorerIndex) -> None:
    bonds = q.find_tx(index.engine, chain.txs["alice_bonds"])
    assert bonds is not None and bonds["msg_types"] == "vote,stake,lock" and bonds["code"] == 0
    assert bonds["sender"] == chain.alice.address and bonds["num_msgs"] == 3
    failed = q.find_tx(index.engine, chain.txs["carol_fails"])
    assert failed is not None and failed["code"] != 0 and "InsufficientFunds" in failed["log"]
    cursor = q.cursor_row(index.engine)
    assert cursor is not None
    with index.engine.connect() as conn:
        assert cursor["events_total"] == conn.execute(select(func.count()).select_from(events)).scalar()
        assert cursor["activity_total"] == conn.execute(select(func.count()).select_from(account_activity)).scalar()


def test_history_of_a_user_covers_every_role(chain: Chain, index: ExplorerIndex) -> None:
    rows = _history(index, chain.alice.address)
    kinds = [(r["kind"], r["role"]) for r in rows]
    for expected in [
        ("receive", "recipient"),
        ("vote", "sender"),
        ("stake", "sender"),
        ("lock", "sender"),
        ("send", "sender"),
        ("unvote", "sender"),
        ("claim", "sender"),
        ("reward_paid", "owner"),
        ("unbonding_completed", "owner"),
    ]:
        assert expected in kinds, expected
    received = {(r["denom"], r["amount"]) for r in rows if r["kind"] == "receive"}
    assert received == {("ugos", str(60 * GOS)), ("btc", str(BTC))}
    lock = next(r for r in rows if r["kind"] == "lock")
    assert (lock["denom"], lock["amount"], lock["fee_ugos"]) == ("btc", str(BTC // 2), 0)
    vote = next(r for r in rows if r["kind"] == "vote" and r["counterparty"] == chain.operator.address)
    assert vote["fee_ugos"] == FEE and vote["amount"] == str(20 * GOS) and vote["msg_index"] == 0
    completed = next(r for r in rows if r["kind"] == "unbonding_completed")
    assert completed["tx_hash"] is None and completed["amount"] == str(UNVOTE_GOS * GOS)
    assert completed["height"] == chain.unvote_height + 60
    claim = next(r for r in rows if r["kind"] == "claim")
    paid = sum(int(str(r["amount"])) for r in rows if r["kind"] == "reward_paid" and r["tx_hash"] == claim["tx_hash"])
    assert int(str(claim["amount"])) == paid > 0
    # Oldest first, ids strictly increasing: the CSV order.
    ids = [int(str(r["id"])) for r in rows]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    summary = q.account_summary(index.engine, chain.alice.address)
    assert summary is not None and summary["activity_count"] == len(rows)
    assert summary["tx_count"] == len({r["tx_hash"] for r in rows if r["tx_hash"]})


def test_node_operators_see_votes_stakes_and_registrations(chain: Chain, index: ExplorerIndex) -> None:
    operator_rows = _history(index, chain.operator.address)
    received = {(r["kind"], r["role"], r["counterparty"]) for r in operator_rows}
    assert ("vote", "node", chain.alice.address) in received and ("unvote", "node", chain.alice.address) in received
    bob_rows = _history(index, chain.bob.address)
    assert ("register_node", "sender") in {(r["kind"], r["role"]) for r in bob_rows}
    # bob staking on his own node is one row (sender), not a second one as the node.
    assert [r["role"] for r in bob_rows if r["kind"] == "stake"] == ["sender"]
    carol_rows = _history(index, chain.carol.address)
    assert [(r["kind"], r["code"] != 0) for r in carol_rows] == [("receive", False), ("send", True)]


def test_nodes_uptime_and_production(chain: Chain, index: ExplorerIndex) -> None:
    with chain.node.app.read() as state:
        consensus = {
            op: consensus_address(require_node(state, op).consensus_pubkey)
            for op in (chain.operator.address, chain.bob.address)
        }
    nodes, bars = q.node_activity(index.engine, list(consensus.values()), recent=100)
    by_operator = {n["operator"]: n for n in nodes}
    # Only the nodes asked for: a page of the explorer's node list reads its own rows, not every node's.
    only_bob, only_bobs_bars = q.node_activity(index.engine, [consensus[chain.bob.address]], recent=100)
    assert [n["operator"] for n in only_bob] == [chain.bob.address] and set(only_bobs_bars) <= {
        consensus[chain.bob.address]
    }
    genesis = by_operator[chain.operator.address]
    height = chain.node.app.height
    assert genesis["moniker"] == "devnet-node" and genesis["registered_height"] == 0
    assert genesis["blocks_proposed"] == height
    # Block h carries the signatures of h - 1: blocks 1..height-1 are signed, all by the single devnet node.
    assert genesis["blocks_signed"] == genesis["blocks_expected"] == height - 1
    bar = bars[genesis["consensus_address"]]
    assert len(bar) == min(100, height - 1) and all(signed for _, signed in bar)
    bob = by_operator[chain.bob.address]
    assert bob["moniker"] == "bob-node" and bob["registered_height"] > 0 and bob["blocks_expected"] == 0
    assert q.find_node_by_moniker(index.engine, "BOB-NODE") == chain.bob.address
    assert q.find_node_by_consensus(index.engine, genesis["consensus_address"]) == chain.operator.address


def test_events_are_json_with_their_transaction(chain: Chain, index: ExplorerIndex) -> None:
    page = q.list_events(index.engine, 100, kind="transfer")
    assert page.total == len(page.rows) > 0
    send = next(r for r in page.rows if r["tx_hash"] == chain.txs["send_carol"])
    assert json.loads(send["attributes"]) == {
        "sender": chain.alice.address,
        "recipient": chain.carol.address,
        "denom": "ugos",
        "amount": str(3 * GOS),
    }
    mints = q.list_events(index.engine, 5, kind="mint")
    assert mints.total == chain.node.app.height and all(r["tx_index"] is None for r in mints.rows)


def test_account_stats_match_rows(index: ExplorerIndex) -> None:
    with index.engine.connect() as conn:
        stats = {r.address: r.activity_count for r in conn.execute(select(account_stats))}
        counted = dict(
            conn.execute(select(account_activity.c.address, func.count()).group_by(account_activity.c.address)).all()
        )
        by_kind = {(r.address, r.kind): r.count for r in conn.execute(select(account_kind_stats))}
        kind_columns = (account_activity.c.address, account_activity.c.kind)
        counted_by_kind = {
            (address, kind): count
            for address, kind, count in conn.execute(select(*kind_columns, func.count()).group_by(*kind_columns))
        }
    assert stats == counted
    assert by_kind == counted_by_kind and len(by_kind) > len(stats)
