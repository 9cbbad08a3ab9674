"""The read-only side of the explorer index (open_index_reader), what the API's read workers open: it reads what
the writer wrote, refuses to write, and refuses an index no other process can see."""

from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError

from gostaking.indexer import IN_MEMORY_URL, IndexConfigError, default_index_url, open_engine, open_index_reader
from gostaking.indexer.schema import event_stats


def test_a_reader_sees_the_writer_s_rows_and_cannot_write(tmp_path: Path) -> None:
    url = default_index_url(tmp_path)
    writer = open_engine(url)
    reader = open_index_reader(url)
    try:
        with writer.begin() as conn:
            conn.execute(insert(event_stats).values(kind="transfer", count=3))
        with reader.engine.connect() as conn:
            assert conn.execute(select(event_stats.c.kind, event_stats.c.count)).all() == [("transfer", 3)]
        with reader.engine.begin() as conn, pytest.raises(OperationalError, match="readonly"):
            conn.execute(insert(event_stats).values(kind="vote", count=1))
        assert reader.backend == "sqlite"
    finally:
        reader.close()
        writer.dispose()


def test_a_reader_needs_an_index_another_process_can_open(tmp_path: Path) -> None:
    with pytest.raises(IndexConfigError, match="in-memory index exists only in its own process"):
        open_index_reader(IN_MEMORY_URL)
    with pytest.raises(IndexConfigError, match="no index at"):
        open_index_reader(default_index_url(tmp_path / "missing"))
    with pytest.raises(IndexConfigError, match="must be sqlite"):
        open_index_reader("mysql://host/db")
