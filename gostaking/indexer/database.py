"""Opening the index database: SQLite by default (a file in the devnet home, WAL mode), PostgreSQL by URL."""

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.pool import StaticPool

from .schema import metadata

log = logging.getLogger(__name__)

INDEX_FILE_NAME = "index.sqlite"
IN_MEMORY_URL = "sqlite://"
"""A private in-memory index (tests, or an API started without an index file)."""


class IndexConfigError(ValueError):
    """The index URL is malformed or names a database this installation cannot open."""


def default_index_url(home: Path) -> str:
    """The devnet's index: `<home>/index.sqlite`."""
    return f"sqlite:///{(home / INDEX_FILE_NAME).as_posix()}"


def redact_url(url: str) -> str:
    """The URL with any password hidden, for logs and status pages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"


def _parse_index_url(url: str) -> URL:
    """`url` parsed; IndexConfigError when it is not a URL or names a backend other than SQLite and PostgreSQL.
    One check for the node's writer and the API's read workers, so that both accept the same URLs with the same
    errors."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise IndexConfigError(f"bad index URL {url!r}: {exc}") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise IndexConfigError(f"index URL must be sqlite:///… or postgresql+psycopg://…, got {backend!r}")
    return parsed


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets API readers run while the indexer writes; NORMAL sync is safe with WAL (a crash loses at most the
    # last transactions, never consistency, and the cursor lives in the same transaction as the rows).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def open_engine(url: str) -> Engine:
    """An engine for `url` with the index tables created. Raises IndexConfigError for a bad or unsupported URL."""
    parsed = _parse_index_url(url)
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
            # One shared connection: an in-memory SQLite database exists only inside its connection.
            engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False}, future=True)
        elif backend == "sqlite":
            Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30}, pool_size=8, max_overflow=8)
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise IndexConfigError(
            f"cannot open {redact_url(url)}: {exc} (for PostgreSQL install the 'postgres' extra: psycopg)"
        ) from None
    try:
        metadata.create_all(engine)
    except OperationalError as exc:
        engine.dispose()
        raise IndexConfigError(f"cannot open the index database {redact_url(url)}: {exc.orig}") from None
    return engine


def _sqlite_reader_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")  # the writer's WAL checkpoint may hold the file a moment
    cursor.close()


def open_reader_engine(url: str) -> Engine:
    """A read-only engine for an index that a writer (the node's follower) already created at `url`: what an API
    read worker process opens. SQLite opens the file with `mode=ro` (its WAL lets it read while the writer
    writes); PostgreSQL sessions are read-only transactions. Tables are not created: a missing file or database is
    an IndexConfigError, as is a private in-memory URL (no other process can see that database)."""
    parsed = _parse_index_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise IndexConfigError("an in-memory index exists only in its own process: give the index a file")
        path = Path(parsed.database or "").resolve()
        if not path.is_file():
            raise IndexConfigError(f"no index at {path}: the node creates it before its read workers start")
        engine = create_engine(
            f"sqlite:///file:{path.as_posix()}?mode=ro&uri=true", connect_args={"timeout": 30}, pool_size=8
        )
        event.listen(engine, "connect", _sqlite_reader_pragmas)
        return engine
    try:
        return create_engine(
            url,
            pool_size=8,
            max_overflow=8,
            pool_pre_ping=True,
            connect_args={"options": "-c default_transaction_read_only=on"},
        )
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise IndexConfigError(f"cannot open {redact_url(url)}: {exc}") from None
