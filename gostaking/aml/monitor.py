"""The AML monitor: follows the explorer index, runs the rules, stores alerts and cases with an audit trail.

It reads `account_activity` rows of the indexer (successful transfers in and out: the `TRANSFER_OUT` and
`TRANSFER_IN` rows, named by the indexer's roles and activity kinds), and the order book's fills (`book_fills`,
with the transaction that placed each order from `book_orders`) of the addresses active in a block, and keeps its
own tables
(aml_*) in the same database, with its own cursor committed together with the alerts of each batch — so a
restart resumes where it stopped and never raises an alert twice (alerts are also unique per rule, address and
height). Cases group an address's alerts; closing one records a decision, and a freeze decision yields the
compliance council action to sign (freezes happen on chain, by the council).
"""

from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    func,
    insert,
    or_,
    select,
    update,
)

from gostaking.aml.rules import Alert, Direction, Fill, RuleConfig, Transfer, evaluate, evaluate_trades
from gostaking.chain.types.compliance import FreezeAction
from gostaking.chain.types.tx import MsgSendCoins
from gostaking.indexer.extract import ACTIVITY_RECEIVE, ROLE_RECIPIENT, ROLE_SENDER, message_kind
from gostaking.indexer.schema import (
    ROW_ID_SHIFT,
    account_activity,
    address_column,
    book_fills,
    book_orders,
    height_column,
    index_cursor,
)

metadata = MetaData()

aml_cursor = Table(
    "aml_cursor",
    metadata,
    Column("id", Integer, primary_key=True),
    height_column(),
)

aml_alerts = Table(
    "aml_alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule", String(32), nullable=False),
    address_column("address", index=True),
    Column("severity", String(16), nullable=False),
    height_column("first_height"),
    height_column("last_height"),
    Column("tx_hashes", Text, nullable=False),
    Column("details", Text, nullable=False),
    Column("case_id", Integer, nullable=False),
    UniqueConstraint("rule", "address", "last_height", name="uq_aml_alert"),
)

aml_cases = Table(
    "aml_cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    address_column("address", index=True),
    Column("status", String(16), nullable=False),
    height_column("opened_height"),
    Column("decision", String(32), nullable=False, default=""),
)

aml_case_log = Table(
    "aml_case_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, nullable=False, index=True),
    height_column(),
    Column("actor", String(90), nullable=False),
    Column("action", String(32), nullable=False),
    Column("note", Text, nullable=False),
)
"""Everything that happened to a case, by whom: the audit trail."""

DECISIONS = ("dismissed", "reported", "freeze_requested")
BATCH_HEIGHTS = 500
TRANSFER_OUT = (ROLE_SENDER, message_kind(MsgSendCoins))
"""(role, kind) of the history row of a transfer sent: the sender's row of a send message."""
TRANSFER_IN = (ROLE_RECIPIENT, ACTIVITY_RECEIVE)
"""(role, kind) of the history row of a transfer received."""


class AmlError(ValueError):
    """A case operation that cannot be done (unknown case, closed case, bad decision)."""


@dataclass(frozen=True)
class ScanResult:
    """What one scan did."""

    from_height: int
    to_height: int
    alerts: int


def _load_transfers(conn: Connection, address: str, since: int, until: int) -> list[Transfer]:
    rows = conn.execute(
        select(account_activity)
        .where(
            account_activity.c.address == address,
            account_activity.c.height > since,
            account_activity.c.height <= until,
            account_activity.c.code == 0,
            or_(
                *(
                    and_(account_activity.c.role == role, account_activity.c.kind == kind)
                    for role, kind in (TRANSFER_OUT, TRANSFER_IN)
                )
            ),
        )
        .order_by(account_activity.c.id)
    )
    out = []
    for row in rows:
        try:
            amount = int(row.amount)
        except ValueError:
            continue
        direction: Direction = "out" if row.role == ROLE_SENDER else "in"
        out.append(Transfer(address, row.counterparty, direction, row.denom, amount, row.height, row.tx_hash or ""))
    return out


def _load_fills(conn: Connection, address: str, height: int) -> list[Fill]:
    """The address's fills in block `height` (the trade rules look at one auction at a time): the ids of a block's
    rows are `height << ROW_ID_SHIFT | n`, so the (owner, id) index serves the range."""
    first_id, next_block_id = height << ROW_ID_SHIFT, (height + 1) << ROW_ID_SHIFT
    rows = conn.execute(
        select(book_fills, book_orders.c.tx_hash)
        .outerjoin(book_orders, book_orders.c.order_id == book_fills.c.order_id)
        .where(book_fills.c.owner == address, book_fills.c.id >= first_id, book_fills.c.id < next_block_id)
        .order_by(book_fills.c.id)
    )
    return [
        Fill(
            address,
            row.market,
            "buy" if row.side == "buy" else "sell",
            int(row.quantity),
            row.notional_ugos,
            row.height,
            row.order_id,
            row.tx_hash or "",
        )
        for row in rows
    ]


class AmlMonitor:
    """Runs the rules over newly indexed blocks and manages alerts and cases."""

    def __init__(self, engine: Engine, config: RuleConfig | None = None) -> None:
        self.engine = engine
        self.config = config or RuleConfig()
        metadata.create_all(engine)

    @property
    def _lookback(self) -> int:
        c = self.config
        return max(c.structuring_window, c.velocity_window, c.pass_through_window)

    def cursor(self) -> int:
        """Last height scanned."""
        with self.engine.connect() as conn:
            height = conn.execute(select(aml_cursor.c.height).where(aml_cursor.c.id == 1)).scalar()
        return int(height or 0)

    def scan(self) -> ScanResult:
        """Evaluate every height indexed since the last scan, in batches; returns what was done."""
        start = self.cursor()
        with self.engine.connect() as conn:
            indexed = int(conn.execute(select(index_cursor.c.height).where(index_cursor.c.id == 1)).scalar() or 0)
        done, alerts = start, 0
        while done < indexed:
            upto = min(done + BATCH_HEIGHTS, indexed)
            with self.engine.begin() as conn:
                alerts += self._scan_range(conn, done + 1, upto)
                if conn.execute(update(aml_cursor).values(height=upto)).rowcount == 0:
                    conn.execute(insert(aml_cursor).values(id=1, height=upto))
            done = upto
        return ScanResult(start + 1, done, alerts)

    def _scan_range(self, conn: Connection, first: int, last: int) -> int:
        active = conn.execute(
            select(account_activity.c.address, account_activity.c.height)
            .where(account_activity.c.height.between(first, last), account_activity.c.code == 0)
            .distinct()
        ).all()
        count = 0
        for address, height in sorted(active, key=lambda row: (row[1], row[0])):
            transfers = _load_transfers(conn, address, height - self._lookback, height)
            fills = _load_fills(conn, address, height)
            for alert in evaluate(transfers, height, self.config) + evaluate_trades(fills, height, self.config):
                count += self._record(conn, alert, height)
        return count

    def _record(self, conn: Connection, alert: Alert, height: int) -> int:
        exists = conn.execute(
            select(aml_alerts.c.id).where(
                aml_alerts.c.rule == alert.rule,
                aml_alerts.c.address == alert.address,
                aml_alerts.c.last_height == alert.last_height,
            )
        ).first()
        if exists is not None:
            return 0
        case_id = conn.execute(
            select(aml_cases.c.id).where(aml_cases.c.address == alert.address, aml_cases.c.status == "open")
        ).scalar()
        if case_id is None:
            inserted = conn.execute(
                insert(aml_cases).values(address=alert.address, status="open", opened_height=height, decision="")
            ).inserted_primary_key
            if inserted is None:
                raise AmlError("the database did not return the new case's id")
            case_id = inserted[0]
            self._log(conn, int(case_id), height, "monitor", "opened", f"opened by a {alert.rule} alert")
        conn.execute(
            insert(aml_alerts).values(
                rule=alert.rule,
                address=alert.address,
                severity=alert.severity,
                first_height=alert.first_height,
                last_height=alert.last_height,
                tx_hashes=",".join(alert.tx_hashes),
                details=alert.details,
                case_id=case_id,
            )
        )
        self._log(conn, int(case_id), height, "monitor", "alert", f"{alert.rule}: {alert.details}")
        return 1

    @staticmethod
    def _log(conn: Connection, case_id: int, height: int, actor: str, action: str, note: str) -> None:
        conn.execute(insert(aml_case_log).values(case_id=case_id, height=height, actor=actor, action=action, note=note))

    def alerts(self, address: str | None = None, limit: int = 100) -> list[dict[str, object]]:
        """Newest alerts first, optionally of one address."""
        query = select(aml_alerts).order_by(aml_alerts.c.id.desc()).limit(limit)
        if address:
            query = query.where(aml_alerts.c.address == address)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def cases(self, status: str | None = None) -> list[dict[str, object]]:
        """Cases with their alert counts, newest first."""
        counts = select(aml_alerts.c.case_id, func.count().label("alerts")).group_by(aml_alerts.c.case_id).subquery()
        query = (
            select(aml_cases, func.coalesce(counts.c.alerts, 0).label("alerts"))
            .outerjoin(counts, counts.c.case_id == aml_cases.c.id)
            .order_by(aml_cases.c.id.desc())
        )
        if status:
            query = query.where(aml_cases.c.status == status)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def case_log(self, case_id: int) -> list[dict[str, object]]:
        """The audit trail of a case, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(aml_case_log).where(aml_case_log.c.case_id == case_id).order_by(aml_case_log.c.id)
            )
            return [dict(row._mapping) for row in rows]

    def note(self, case_id: int, actor: str, note: str) -> None:
        """Add an analyst's note to an open case."""
        with self.engine.begin() as conn:
            self._require_open(conn, case_id)
            self._log(conn, case_id, self._height(conn), actor, "note", note)

    def close(self, case_id: int, actor: str, decision: str, note: str) -> FreezeAction | None:
        """Close a case with a decision; 'freeze_requested' returns the council action to propose on chain."""
        if decision not in DECISIONS:
            raise AmlError(f"decision must be one of {', '.join(DECISIONS)}")
        with self.engine.begin() as conn:
            address = self._require_open(conn, case_id)
            conn.execute(update(aml_cases).where(aml_cases.c.id == case_id).values(status="closed", decision=decision))
            self._log(conn, case_id, self._height(conn), actor, f"closed:{decision}", note)
        if decision == "freeze_requested":
            return FreezeAction(address, note[:256] or "AML case decision", f"aml-{case_id}")
        return None

    def _require_open(self, conn: Connection, case_id: int) -> str:
        row = conn.execute(select(aml_cases.c.address, aml_cases.c.status).where(aml_cases.c.id == case_id)).first()
        if row is None:
            raise AmlError(f"no AML case {case_id}")
        if row.status != "open":
            raise AmlError(f"AML case {case_id} is {row.status}")
        return str(row.address)

    def _height(self, conn: Connection) -> int:
        return int(conn.execute(select(aml_cursor.c.height).where(aml_cursor.c.id == 1)).scalar() or 0)
