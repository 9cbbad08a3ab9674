"""The history kinds the indexer writes are message types, published event kinds or the index's own names, and
the rows the AML monitor reads as transfers are the rows the indexer writes for them."""

import pytest
from indexer_harness import GOS, Chain, sqlite_url
from sqlalchemy import select

from gostaking.aml.monitor import TRANSFER_IN, TRANSFER_OUT
from gostaking.chain.state import registry_of
from gostaking.chain.types.params import TxParams
from gostaking.indexer import ExplorerIndex, open_index
from gostaking.indexer.extract import INDEX_ACTIVITY_KINDS, message_kind
from gostaking.indexer.schema import account_activity


@pytest.fixture(scope="module")
def index(chain: Chain, tmp_path_factory: pytest.TempPathFactory) -> ExplorerIndex:
    built = open_index(sqlite_url(tmp_path_factory.mktemp("index") / "index.sqlite"), chain.node.app)
    built.indexer.sync()
    return built


def test_every_history_kind_is_a_message_type_an_event_kind_or_the_indexs_own(index: ExplorerIndex) -> None:
    registry = registry_of(None)
    known = {message_kind(t) for t in registry.message_types} | set(registry.events) | set(INDEX_ACTIVITY_KINDS)
    with index.engine.connect() as conn:
        written = set(conn.execute(select(account_activity.c.kind).distinct()).scalars())
    assert written and written <= known
    assert set(INDEX_ACTIVITY_KINDS) - written <= {"tx"}  # only undecodable transactions write "tx"


def test_the_aml_transfer_rows_are_the_indexers(chain: Chain, index: ExplorerIndex) -> None:
    tx_hash = chain.txs["send_carol"]
    with index.engine.connect() as conn:
        rows = conn.execute(select(account_activity).where(account_activity.c.tx_hash == tx_hash)).all()
    pairs = {(row.address, (row.role, row.kind), row.amount) for row in rows}
    assert pairs == {
        (chain.alice.address, TRANSFER_OUT, str(3 * GOS)),
        (chain.carol.address, TRANSFER_IN, str(3 * GOS)),
        # Carol held no GOS before: Alice paid for her new balance, a cost of Alice's and not a transfer.
        (chain.alice.address, ("sender", "new_balance_fee"), str(TxParams().new_balance_fee_ugos)),
    }
