"""The same index on PostgreSQL (optional: skipped without psycopg or a server): identical rows to SQLite,
resumable, and readable through the queries the API uses."""

from pathlib import Path

import pytest
from indexer_harness import Chain, dump, sqlite_url
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError

from gostaking.indexer import open_index, open_index_reader
from gostaking.indexer import queries as q
from gostaking.indexer.schema import event_stats, metadata


def test_postgres_index_matches_sqlite(chain: Chain, postgres_url: str, tmp_path: Path) -> None:
    index = open_index(postgres_url, chain.node.app, batch_blocks=25)
    try:
        index.indexer.rebuild()
        assert index.backend == "postgresql"
        assert index.indexer.sync(max_blocks=30) == 30
        index.engine.dispose()
        resumed = open_index(postgres_url, chain.node.app)
        assert resumed.indexer.indexed_height == 30
        resumed.indexer.sync()
        reference = open_index(sqlite_url(tmp_path / "reference.sqlite"), chain.node.app)
        reference.indexer.sync()
        assert dump(resumed.engine) == dump(reference.engine)
        page = q.account_history(resumed.engine, chain.alice.address, 5)
        assert page.total == q.account_history(reference.engine, chain.alice.address, 5).total
        assert q.find_node_by_moniker(resumed.engine, "bob-node") == chain.bob.address
        reader = open_index_reader(postgres_url)  # what an API read worker opens
        assert q.account_history(reader.engine, chain.alice.address, 5).total == page.total
        with reader.engine.begin() as conn, pytest.raises(DBAPIError, match="read-only transaction"):
            conn.execute(insert(event_stats).values(kind="read-only-check", count=1))
        reader.close()
        resumed.engine.dispose()
    finally:
        with index.engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(text(f"DROP TABLE IF EXISTS {table.name}"))
        index.engine.dispose()
