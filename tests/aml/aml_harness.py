"""Index databases for the AML tests: transfers recorded as the indexer records them, and the indexer's cursor."""

from sqlalchemy import Connection, Engine, create_engine, func, insert, select, update

from gostaking.indexer.schema import account_activity, index_cursor
from gostaking.indexer.schema import metadata as index_metadata


def index_engine(url: str) -> Engine:
    """An engine on an empty index database (its tables created) at `url`."""
    engine = create_engine(url)
    index_metadata.create_all(engine)
    return engine


def _activity(
    conn: Connection, address: str, role: str, kind: str, counterparty: str, amount: int, height: int
) -> None:
    row_id = (conn.scalar(select(func.max(account_activity.c.id))) or 0) + 1
    conn.execute(
        insert(account_activity).values(
            id=row_id,
            address=address,
            height=height,
            time_ms=height * 1000,
            tx_hash=f"h{height}-{amount}",
            tx_index=0,
            msg_index=0,
            role=role,
            kind=kind,
            counterparty=counterparty,
            denom="ugos",
            amount=str(amount),
            fee_ugos=0,
            code=0,
        )
    )


def transfer(conn: Connection, sender: str, recipient: str, amount: int, height: int) -> None:
    """A successful send of `amount` ugos at `height`: one activity row for each side."""
    _activity(conn, sender, "sender", "send", recipient, amount, height)
    _activity(conn, recipient, "recipient", "receive", sender, amount, height)


def set_indexed(conn: Connection, height: int) -> None:
    """Move the indexer's cursor to `height`, with running totals that match the activity rows."""
    totals = {
        "txs_total": conn.scalar(select(func.count(func.distinct(account_activity.c.tx_hash)))),
        "activity_total": conn.scalar(select(func.count()).select_from(account_activity)),
    }
    if conn.execute(update(index_cursor).values(height=height, **totals)).rowcount == 0:
        conn.execute(
            insert(index_cursor).values(
                id=1,
                height=height,
                block_hash="",
                gos_index="1",
                minted_ugos=0,
                burned_ugos=0,
                events_total=0,
                validators="",
                pending_validator_updates="",
                **totals,
            )
        )
