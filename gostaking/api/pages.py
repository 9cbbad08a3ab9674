"""Pages of the list routes: the `limit` and `offset` query parameters, the page they answer with, and the bound on
every integer parameter. (The pages themselves come from the chain's page queries, which read only the rows a page
shows.)

Every list a route returns is bounded, so that no request costs more than a few milliseconds: lists that grow with
use are pages (`limit` ≤ MAX_PAGE rows of rich views, ≤ MAX_LIST of small rows; more with `offset` or a cursor), and
the lists that are not paged grow only with what governance adds one by one (listed assets and their pools, prices
and hash-power pools) or are bounded by parameters (the mining set)."""

from typing import Annotated, Any, TypeVar

from fastapi import Query, Response

from gostaking.chain.state import State

from .schemas.common import OffsetPage

MAX_INT = 2**63 - 1
"""The largest value of an integer parameter (heights, ids, offsets, cursors): what a signed 64-bit integer, and so
the index's SQL columns, hold. Larger values answer 400 like any malformed parameter."""
MAX_PAGE = 100
"""Rows per page of the rich views (nodes, blocks, transactions, proposals…)."""
MAX_LIST = 500
"""Rows per page of the small views (addresses with a name or a reason) that clients read whole."""
TOTAL_HEADER = "X-Total-Count"
"""Response header of the routes that answer a bare JSON array: how many rows match in all."""

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="rows per page")]
Offset = Annotated[int, Query(ge=0, le=MAX_INT, description="rows to skip")]
ListLimit = Annotated[int, Query(ge=1, le=MAX_LIST, description=f"rows per page (at most {MAX_LIST})")]

PageT = TypeVar("PageT", bound=OffsetPage)
RowT = TypeVar("RowT")

COUNTED_LIST: dict[int | str, dict[str, Any]] = {
    200: {
        "description": f"a page of the list; the `{TOTAL_HEADER}` header says how many rows there are in all",
        "headers": {TOTAL_HEADER: {"description": "rows in all (page with offset)", "schema": {"type": "integer"}}},
    }
}
"""`responses` of a route answering a bare array page (with `counted`)."""


def offset_page(page: type[PageT], state: State, total: int, limit: int, offset: int, **rows: list[Any]) -> PageT:
    """The response of a list route: `rows` (the page's one list field, by its name), `limit` from `offset` of the
    `total` matching, as of the state's height."""
    return page(height=state.height.get(), total=total, limit=limit, offset=offset, **rows)


def counted(response: Response, total: int, rows: list[RowT]) -> list[RowT]:
    """`rows`, a page of a route that answers a bare JSON array, with the total in the X-Total-Count header."""
    response.headers[TOTAL_HEADER] = str(total)
    return rows
