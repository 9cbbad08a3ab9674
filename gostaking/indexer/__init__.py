"""Explorer index: committed blocks, transactions, events and per-address history in SQL.

The chain never imports this package; it sits above the node (it reads StoredBlocks) and below the API.
`open_index(url, source)` gives an `ExplorerIndex`: the engine the API reads, the `Indexer` that writes and an
`IndexFollower` thread that keeps it current. SQLite (default, WAL) or PostgreSQL (`postgresql+psycopg://…`).
"""

from dataclasses import dataclass

from sqlalchemy import Engine

from .database import IN_MEMORY_URL, IndexConfigError, default_index_url, open_engine, redact_url
from .follower import IndexFollower
from .indexer import BlockSource, Indexer


@dataclass
class ExplorerIndex:
    """An index database with its writer and follower thread."""

    url: str
    engine: Engine
    indexer: Indexer
    follower: IndexFollower

    @property
    def backend(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Stop the follower and release the database connections."""
        self.follower.stop()
        self.engine.dispose()


def open_index(url: str, source: BlockSource, batch_blocks: int | None = None) -> ExplorerIndex:
    """Open (creating tables if needed) the index at `url` fed from `source`. The follower is not started."""
    engine = open_engine(url)
    indexer = Indexer(engine, source) if batch_blocks is None else Indexer(engine, source, batch_blocks)
    return ExplorerIndex(url=url, engine=engine, indexer=indexer, follower=IndexFollower(indexer))


__all__ = [
    "IN_MEMORY_URL",
    "BlockSource",
    "ExplorerIndex",
    "IndexConfigError",
    "IndexFollower",
    "Indexer",
    "default_index_url",
    "open_index",
    "redact_url",
]
