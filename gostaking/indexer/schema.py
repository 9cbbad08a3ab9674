"""SQL tables of the explorer index (SQLAlchemy Core; the same DDL runs on SQLite and PostgreSQL).

Row ids are computed, not auto-incremented: `height << ROW_ID_SHIFT | n` with `n` the row's position in its
block. Ids therefore follow chain order (newest first is `ORDER BY id DESC`, a keyset cursor is an id), and
indexing the same block twice produces the same ids, so a repeated insert fails on the primary key instead of
duplicating rows. Amounts of external assets can exceed 64 bits (wei), so asset amounts are decimal strings;
GOS amounts (fees, rewards, supply) fit in BIGINT because the total supply is capped at 3.024 × 10^13 ugos.
"""

from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table, Text

SCHEMA_VERSION = "4"
"""Bumped when the tables or their indexes change; an index built with another version is rebuilt from height 1.
(3: the order book's orders, trades, fills, candles and counts; 4: covering indexes for the history and
sender pages.)"""

ROW_ID_SHIFT = 24
"""Room for 16.7 million rows of one kind per block."""

metadata = MetaData()

# Columns of one meaning are declared once, so every table (and the AML tables beside them) gives an address, a
# hash or an amount the same SQL type. Each call makes a new Column: a Column belongs to one table.


def row_id_column() -> Column[Any]:
    """The primary key of a per-block row kind: computed (`height << ROW_ID_SHIFT | n`), never auto-incremented."""
    return Column("id", BigInteger, primary_key=True, autoincrement=False)


def height_column(name: str = "height") -> Column[Any]:
    """A block height."""
    return Column(name, BigInteger, nullable=False)


def time_column() -> Column[Any]:
    """Block time, in milliseconds since the Unix epoch."""
    return Column("time_ms", BigInteger, nullable=False)


def hash_column(name: str, *, nullable: bool = False) -> Column[Any]:
    """A sha256 hash (block, transaction, app state) in hex."""
    return Column(name, String(64), nullable=nullable)


def address_column(name: str, **options: Any) -> Column[Any]:
    """An account address (gos1…, bech32's 90 characters at most) or, as a counterparty, an external one."""
    return Column(name, String(90), nullable=False, **options)


def ugos_column(name: str) -> Column[Any]:
    """A GOS amount in ugos (BIGINT suffices: the supply is capped)."""
    return Column(name, BigInteger, nullable=False)


def decimal_column(name: str) -> Column[Any]:
    """An integer that may exceed 64 bits (wei amounts, the GOS index), as a decimal string."""
    return Column(name, String(80), nullable=False)


def count_column(name: str) -> Column[Any]:
    """A running count (rows, transactions, blocks)."""
    return Column(name, BigInteger, nullable=False)


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
    height_column(),
    hash_column("block_hash"),
    decimal_column("gos_index"),
    ugos_column("minted_ugos"),
    ugos_column("burned_ugos"),
    count_column("txs_total"),
    count_column("events_total"),
    count_column("activity_total"),
    Column("validators", Text, nullable=False),
    Column("pending_validator_updates", Text, nullable=False),
)
"""One row (id 1): the last indexed block and the running totals, written in the same transaction as the rows."""

blocks = Table(
    "blocks",
    metadata,
    Column("height", BigInteger, primary_key=True, autoincrement=False),
    hash_column("hash"),
    time_column(),
    Column("proposer", String(64), nullable=False),
    Column("num_txs", Integer, nullable=False),
    Column("num_failed_txs", Integer, nullable=False),
    Column("num_events", Integer, nullable=False),
    ugos_column("fees_ugos"),
    ugos_column("reward_ugos"),
    ugos_column("supply_ugos"),
    ugos_column("burned_ugos"),
    hash_column("app_hash"),
    Index("ix_blocks_hash", "hash"),
)

txs = Table(
    "txs",
    metadata,
    row_id_column(),
    hash_column("hash"),
    height_column(),
    Column("idx", Integer, nullable=False),
    time_column(),
    address_column("sender"),
    ugos_column("fee_ugos"),
    Column("code", Integer, nullable=False),
    Column("log", Text, nullable=False),
    Column("msg_types", String(255), nullable=False),
    Column("num_msgs", Integer, nullable=False),
    Column("memo", Text, nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Index("ix_txs_hash", "hash"),
)

events = Table(
    "events",
    metadata,
    row_id_column(),
    height_column(),
    Column("tx_index", Integer, nullable=True),
    hash_column("tx_hash", nullable=True),
    Column("kind", String(64), nullable=False),
    Column("attributes", Text, nullable=False),
    Index("ix_events_kind_id", "kind", "id"),
)
"""Every event: block-level ones (tx_index NULL) and those of successful transactions."""

account_activity = Table(
    "account_activity",
    metadata,
    row_id_column(),
    address_column("address"),
    height_column(),
    time_column(),
    hash_column("tx_hash", nullable=True),
    Column("tx_index", Integer, nullable=True),
    Column("msg_index", Integer, nullable=True),
    Column("role", String(16), nullable=False),
    Column("kind", String(64), nullable=False),
    address_column("counterparty"),
    Column("denom", String(32), nullable=False),
    decimal_column("amount"),
    ugos_column("fee_ugos"),
    Column("code", Integer, nullable=False),
    # A page of one kind reads only that kind's rows, however rare the kind is in the address's history.
    Index("ix_activity_address_kind_id", "address", "kind", "id"),
)
"""Per-address history: which transaction or block event touched the address, in what role, for how much."""


def covering_index(name: str, table: Table, *leading: str) -> Index:
    """An index on the `leading` columns that carries every other column of `table` too, so that a page read
    along it (an address's history, a sender's transactions: rows scattered over the whole table) never
    visits the table: on SQLite it reads the index's adjacent entries instead of one table lookup per row,
    about half the time of a page, for about 45% more disk."""
    rest = [column for column in table.columns if column.name not in leading]
    return Index(name, *(table.c[column] for column in leading), *rest)


covering_index("ix_activity_address_page", account_activity, "address", "id")
# A transaction's log and memo are unbounded text, beyond what a PostgreSQL index entry holds (about 2.7 kB):
# there the sender's page reads the narrow index and the table.
covering_index("ix_txs_sender_page", txs, "sender", "id").ddl_if(dialect="sqlite")
Index("ix_txs_sender_id", txs.c.sender, txs.c.id).ddl_if(dialect="postgresql")

account_stats = Table(
    "account_stats",
    metadata,
    address_column("address", primary_key=True),
    count_column("activity_count"),
    count_column("tx_count"),
    height_column("first_height"),
    height_column("last_height"),
)
"""Totals per address, so a history page knows its length without counting rows."""

account_kind_stats = Table(
    "account_kind_stats",
    metadata,
    address_column("address", primary_key=True),
    Column("kind", String(64), primary_key=True),
    count_column("count"),
)
"""History rows per (address, kind), so a history page filtered by kind knows its length without counting rows."""

event_stats = Table(
    "event_stats",
    metadata,
    Column("kind", String(64), primary_key=True),
    count_column("count"),
)
"""Events per kind, so a filtered event list knows its total without counting rows."""

consensus_nodes = Table(
    "consensus_nodes",
    metadata,
    Column("consensus_address", String(64), primary_key=True),
    address_column("operator"),
    Column("moniker", String(128), nullable=False),
    height_column("registered_height"),
    count_column("blocks_proposed"),
    count_column("blocks_signed"),
    count_column("blocks_expected"),
    height_column("last_signed_height"),
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


def denom_column(name: str) -> Column[Any]:
    """A denomination (a market's base denom: btc, usgos…)."""
    return Column(name, String(32), nullable=False)


book_orders = Table(
    "book_orders",
    metadata,
    Column("order_id", BigInteger, primary_key=True, autoincrement=False),
    address_column("owner"),
    denom_column("market"),
    Column("side", String(4), nullable=False),
    decimal_column("price"),
    decimal_column("quantity"),
    Column("time_in_force", String(16), nullable=False),
    height_column("expiry_height"),
    height_column(),
    time_column(),
    hash_column("tx_hash", nullable=True),
)
"""Every order placed (`order_placed` events), with the transaction that placed it: what a fill or an AML alert
points back to. Open orders and their remainders are chain state (GET /book/orders/{id})."""

book_trades = Table(
    "book_trades",
    metadata,
    row_id_column(),
    denom_column("market"),
    height_column(),
    time_column(),
    decimal_column("price"),
    decimal_column("volume"),
    ugos_column("notional_ugos"),
    Column("fills", Integer, nullable=False),
    Index("ix_book_trades_market_id", "market", "id"),
)
"""One row per auction that cleared volume in a market (`auction_cleared`): its uniform price (ugos per whole unit
of the base), the base units traded and their GOS. Prices and base amounts are decimal strings: base units of an
18-decimal asset pass 64 bits."""

book_fills = Table(
    "book_fills",
    metadata,
    row_id_column(),
    Column("order_id", BigInteger, nullable=False),
    address_column("owner"),
    denom_column("market"),
    Column("side", String(4), nullable=False),
    height_column(),
    time_column(),
    decimal_column("price"),
    decimal_column("quantity"),
    ugos_column("notional_ugos"),
    ugos_column("fee_ugos"),
    Column("maker", Boolean, nullable=False),
    decimal_column("remaining"),
    Index("ix_book_fills_owner_id", "owner", "id"),
    Index("ix_book_fills_market_height", "market", "height"),
)
"""One row per order filled in an auction (`order_filled`): its part of the trade at the clearing price."""

book_candles = Table(
    "book_candles",
    metadata,
    denom_column("market"),
    Column("period", String(4), nullable=False),
    Column("start_ms", BigInteger, nullable=False),
    decimal_column("open"),
    decimal_column("high"),
    decimal_column("low"),
    decimal_column("close"),
    decimal_column("volume"),
    decimal_column("notional_ugos"),
    count_column("trades"),
    height_column("first_height"),
    height_column("last_height"),
    PrimaryKeyConstraint("market", "period", "start_ms"),
)
"""OHLCV of a market's auctions per period of block time (`start_ms` a multiple of the period since the epoch, UTC);
periods without an auction have no row."""

book_counts = Table(
    "book_counts",
    metadata,
    address_column("key", primary_key=True),
    Column("scope", String(16), primary_key=True),
    count_column("count"),
)
"""Rows per market (scope `trades`) and per owner (scope `fills`), so a page knows its total without counting rows.
(The key comes first: a batch reads the counts of the keys it touches only.)"""
