"""Explorer index: committed blocks, transactions, events and per-address history in SQL.

The chain never imports this package; it sits above the node (it reads StoredBlocks) and below the API.
`open_index(url, source)` gives an `ExplorerIndex`: the engine the API reads, the `Indexer` that writes and an
`IndexFollower` thread that keeps it current. SQLite (default, WAL) or PostgreSQL (`postgresql+psycopg://…`).
`open_index_reader(url)` gives only the reading side, read-only, for the API's read worker processes.
"""

from dataclasses import dataclass

from sqlalchemy import Engine

from .database import (
    IN_MEMORY_URL,
    IndexConfigError,
    default_index_url,
    open_engine,
    open_reader_engine,
    redact_url,
)
from .follower import IndexFollower
from .indexer import BlockSource, Indexer


@dataclass
class IndexReader:
    """An index database as the API reads it."""

    url: str
    engine: Engine

    @property
    def backend(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


@dataclass
class ExplorerIndex(IndexReader):
    """An index database with its writer and follower thread."""

    indexer: Indexer
    follower: IndexFollower

    def close(self) -> None:
        """Stop the follower and release the database connections."""
        self.follower.stop()
        super().close()


def open_index(url: str, source: BlockSource, batch_blocks: int | None = None) -> ExplorerIndex:
    """Open (creating tables if needed) the index at `url` fed from `source`. The follower is not started."""
    engine = open_engine(url)
    indexer = Indexer(engine, source) if batch_blocks is None else Indexer(engine, source, batch_blocks)
    return ExplorerIndex(url=url, engine=engine, indexer=indexer, follower=IndexFollower(indexer))


def open_index_reader(url: str) -> IndexReader:
    """Open the existing index at `url` read-only, without a writer (see open_reader_engine)."""
    return IndexReader(url=url, engine=open_reader_engine(url))


__all__ = [
    "IN_MEMORY_URL",
    "BlockSource",
    "ExplorerIndex",
    "IndexConfigError",
    "IndexFollower",
    "IndexReader",
    "Indexer",
    "default_index_url",
    "open_index",
    "open_index_reader",
    "redact_url",
]
