"""The cosigner's database (SQLAlchemy 2.x; SQLite or PostgreSQL): users, passkeys, pending approvals and
policy changes, and the spends that daily limits count. It holds no private key: each user's cosigner key is
derived from the operator's seed file by the user's id (service.py), and TOTP secrets are stored encrypted under a
key derived from the same seed.

Schema version 1 (recorded in the `cosigner_meta` table; `open_store` refuses a database of a newer version and
would run `_upgrade_from_N` steps for older ones when version 2 comes).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

SCHEMA_VERSION = 1


class StoreError(Exception):
    """The database cannot be used (wrong schema version, unreachable); the message says why."""


class Base(DeclarativeBase):
    """Declarative base of the cosigner's tables."""


class Meta(Base):
    """Key/value facts about the database itself (its schema version)."""

    __tablename__ = "cosigner_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


class User(Base):
    """One 2FA wallet. `id` is also the index of its cosigner key (service.cosigner_key)."""

    __tablename__ = "cosigner_users"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    address: Mapped[str] = mapped_column(String(64), unique=True)
    user_pubkey: Mapped[bytes] = mapped_column(LargeBinary(33))
    backup_pubkey: Mapped[bytes] = mapped_column(LargeBinary(33))
    cosigner_pubkey: Mapped[bytes] = mapped_column(LargeBinary(33))
    totp_secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(default=False)
    last_totp_step: Mapped[int] = mapped_column(BigInteger, default=-1)
    """The last accepted TOTP step: a code is accepted only for a later step (no replay)."""
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[int] = mapped_column(BigInteger, default=0)
    policy_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger)


class PendingPolicy(Base):
    """A loosening policy change, in force from `effective_at` unless cancelled."""

    __tablename__ = "cosigner_pending_policies"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("cosigner_users.id"), index=True)
    policy_json: Mapped[str] = mapped_column(Text)
    effective_at: Mapped[int] = mapped_column(BigInteger)


class Spend(Base):
    """Value a co-signed (or held) transaction took out, for the rolling 24-hour daily limits."""

    __tablename__ = "cosigner_spends"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("cosigner_users.id"))
    approval_id: Mapped[int] = mapped_column(ForeignKey("cosigner_approvals.id"))
    denom: Mapped[str] = mapped_column(String(64))
    amount: Mapped[str] = mapped_column(String(80))
    """Decimal text: amounts reach 2^256, beyond every SQL integer type."""
    at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_cosigner_spends_user_at", "user_id", "at"),)


class Approval(Base):
    """A transaction the user asked the cosigner to sign, and where it stands.

    status: `waiting` (for a passkey assertion), `held` (until `release_at`), `signed`, `cancelled`, `expired`.
    """

    __tablename__ = "cosigner_approvals"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    """A random name (128 bits) for the approval's page and status: a sequential id would let others guess it."""
    user_id: Mapped[int] = mapped_column(ForeignKey("cosigner_users.id"), index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    user_index: Mapped[int] = mapped_column()
    user_signature: Mapped[bytes] = mapped_column(LargeBinary(65))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[int] = mapped_column(BigInteger)
    release_at: Mapped[int] = mapped_column(BigInteger, default=0)
    challenge: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    cosigner_signature: Mapped[bytes | None] = mapped_column(LargeBinary(65), nullable=True)


class Passkey(Base):
    """A WebAuthn credential ("fingerprint") registered to a user; `sign_count` is the last counter seen."""

    __tablename__ = "cosigner_passkeys"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("cosigner_users.id"), index=True)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[int] = mapped_column(BigInteger)


class Registration(Base):
    """A passkey registration ceremony in progress: its challenge, valid until `expires_at`."""

    __tablename__ = "cosigner_registrations"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("cosigner_users.id"), index=True)
    challenge: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    done: Mapped[bool] = mapped_column(default=False)


def _enable_sqlite_foreign_keys(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _on_connect(connection, _record):  # type: ignore[no-untyped-def]
            connection.execute("PRAGMA foreign_keys = ON")


def open_store(url: str) -> sessionmaker[Session]:
    """A session factory on the database at `url` (sqlite:///… or postgresql+psycopg://…), its tables created on
    first use; StoreError for a database written by a newer cosigner or one that cannot be reached."""
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except Exception as error:  # SQLAlchemy raises ArgumentError/NoSuchModuleError for a bad URL
        raise StoreError(f"cannot use database {url!r}: {error}") from None
    _enable_sqlite_foreign_keys(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    try:
        Base.metadata.create_all(engine)
        with sessions.begin() as session:
            version = session.scalar(select(Meta.value).where(Meta.key == "schema_version"))
            if version is None:
                session.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
            elif int(version) > SCHEMA_VERSION:
                raise StoreError(
                    f"the database has schema version {version}; this cosigner knows up to {SCHEMA_VERSION}: upgrade "
                    "gostaking"
                )
    except StoreError:
        engine.dispose()
        raise
    except Exception as error:  # connection and permission failures come as DBAPI errors of each driver
        engine.dispose()
        raise StoreError(f"cannot open database {engine.url.render_as_string(hide_password=True)}: {error}") from None
    return sessions


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One database transaction: committed when the block ends, rolled back on an exception."""
    with sessions.begin() as session:
        yield session
