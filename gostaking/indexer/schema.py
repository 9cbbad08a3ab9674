"""SQL tables of the explorer index (SQLAlchemy Core; the same DDL runs on SQLite and PostgreSQL).

Row ids are computed, not auto-incremented: `height << ROW_ID_SHIFT | n` with `n` the row's position in its
block. Ids therefore follow chain order (newest first is `ORDER BY id DESC`, a keyset cursor is an id), and
indexing the same block twice produces the same ids, so a repeated insert fails on the primary key instead of
duplicating rows. Amounts of external assets can exceed 64 bits (wei), so asset amounts are decimal strings;
GOS amounts (fees, rewards, supply) fit in BIGINT because the total supply is capped at 3.024 × 10^13 ugos.
"""

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, Text

SCHEMA_VERSION = "1"
"""Bumped when the tables change; an index built with another version is rebuilt from height 1."""

ROW_ID_SHIFT = 24
"""Room for 16.7 million rows of one kind per block."""

metadata = MetaData()

index_meta = Table(
    "index_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
"""Identity of the indexed chain (chain id, genesis hash) and the schema version."""

index_cursor = Table(
    "index_cursor",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("height", BigInteger, nullable=False),
    Column("block_hash", String(64), nullable=False),
    Column("gos_index", String(80), nullable=False),
    Column("minted_ugos", BigInteger, nullable=False),
    Column("burned_ugos", BigInteger, nullable=False),
    Column("txs_total", BigInteger, nullable=False),
    Column("events_total", BigInteger, nullable=False),
    Column("activity_total", BigInteger, nullable=False),
    Column("validators", Text, nullable=False),
    Column("pending_validator_updates", Text, nullable=False),
)
"""One row (id 1): the last indexed block and the running totals, written in the same transaction as the rows."""

blocks = Table(
    "blocks",
    metadata,
    Column("height", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
    Column("time_ms", BigInteger, nullable=False),
    Column("proposer", String(64), nullable=False),
    Column("num_txs", Integer, nullable=False),
    Column("num_failed_txs", Integer, nullable=False),
    Column("num_events", Integer, nullable=False),
    Column("fees_ugos", BigInteger, nullable=False),
    Column("reward_ugos", BigInteger, nullable=False),
    Column("supply_ugos", BigInteger, nullable=False),
    Column("burned_ugos", BigInteger, nullable=False),
    Column("app_hash", String(64), nullable=False),
    Index("ix_blocks_hash", "hash"),
)

txs = Table(
    "txs",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
    Column("height", BigInteger, nullable=False),
    Column("idx", Integer, nullable=False),
    Column("time_ms", BigInteger, nullable=False),
    Column("sender", String(90), nullable=False),
    Column("fee_ugos", BigInteger, nullable=False),
    Column("code", Integer, nullable=False),
    Column("log", Text, nullable=False),
    Column("msg_types", String(255), nullable=False),
    Column("num_msgs", Integer, nullable=False),
    Column("memo", Text, nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Index("ix_txs_hash", "hash"),
    Index("ix_txs_sender_id", "sender", "id"),
)

events = Table(
    "events",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("height", BigInteger, nullable=False),
    Column("tx_index", Integer, nullable=True),
    Column("tx_hash", String(64), nullable=True),
    Column("kind", String(64), nullable=False),
    Column("attributes", Text, nullable=False),
    Index("ix_events_kind_id", "kind", "id"),
)
"""Every event: block-level ones (tx_index NULL) and those of successful transactions."""

account_activity = Table(
    "account_activity",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("address", String(90), nullable=False),
    Column("height", BigInteger, nullable=False),
    Column("time_ms", BigInteger, nullable=False),
    Column("tx_hash", String(64), nullable=True),
    Column("tx_index", Integer, nullable=True),
    Column("msg_index", Integer, nullable=True),
    Column("role", String(16), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("counterparty", String(90), nullable=False),
    Column("denom", String(32), nullable=False),
    Column("amount", String(80), nullable=False),
    Column("fee_ugos", BigInteger, nullable=False),
    Column("code", Integer, nullable=False),
    Index("ix_activity_address_id", "address", "id"),
)
"""Per-address history: which transaction or block event touched the address, in what role, for how much."""

account_stats = Table(
    "account_stats",
    metadata,
    Column("address", String(90), primary_key=True),
    Column("activity_count", BigInteger, nullable=False),
    Column("tx_count", BigInteger, nullable=False),
    Column("first_height", BigInteger, nullable=False),
    Column("last_height", BigInteger, nullable=False),
)
"""Totals per address, so a history page knows its length without counting rows."""

event_stats = Table(
    "event_stats",
    metadata,
    Column("kind", String(64), primary_key=True),
    Column("count", BigInteger, nullable=False),
)
"""Events per kind, so a filtered event list knows its total without counting rows."""

consensus_nodes = Table(
    "consensus_nodes",
    metadata,
    Column("consensus_address", String(64), primary_key=True),
    Column("operator", String(90), nullable=False),
    Column("moniker", String(128), nullable=False),
    Column("registered_height", BigInteger, nullable=False),
    Column("blocks_proposed", BigInteger, nullable=False),
    Column("blocks_signed", BigInteger, nullable=False),
    Column("blocks_expected", BigInteger, nullable=False),
    Column("last_signed_height", BigInteger, nullable=False),
    Index("ix_consensus_nodes_operator", "operator"),
)
"""Nodes by consensus address (genesis and registrations) with their block production and signing counts."""

signatures = Table(
    "signatures",
    metadata,
    Column("consensus_address", String(64), primary_key=True),
    Column("height", BigInteger, primary_key=True, autoincrement=False),
    Column("signed", Boolean, nullable=False),
    Column("expected", Boolean, nullable=False),
)
"""Who signed each recent block (from the next block's signers); kept for SIGNATURE_WINDOW heights."""

SIGNATURE_WINDOW = 10_000
"""Heights of per-block signature rows kept for uptime bars; the counts in consensus_nodes cover all history."""
