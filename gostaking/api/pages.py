"""Offset pages of the list routes: the `limit` and `offset` query parameters, and the walk over the records the
chain numbers 0, 1, 2… (proposals, withdrawals, council actions)."""

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Query

from gostaking.chain.tables import Table

MAX_PAGE = 100
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="rows per page")]
Offset = Annotated[int, Query(ge=0, description="rows to skip")]

V = TypeVar("V")


def numbered_rows(
    table: Table[int, V], count: int, keep: Callable[[V], bool], *, newest_first: bool = True
) -> list[tuple[int, V]]:
    """(id, record) for the ids below `count` whose record `keep` accepts, newest (highest id) first unless
    `newest_first` is False; an id without a record is skipped."""
    ids = range(count)
    rows = []
    for record_id in reversed(ids) if newest_first else ids:
        record = table.get(record_id)
        if record is not None and keep(record):
            rows.append((record_id, record))
    return rows
