"""Offset pages of the list routes: the `limit` and `offset` query parameters, and the page they answer with. (The
pages themselves come from the chain's page queries, which read only the rows a page shows.)"""

from typing import Annotated, Any, TypeVar

from fastapi import Query

from gostaking.chain.state import State

from .schemas.common import OffsetPage

MAX_PAGE = 100
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="rows per page")]
Offset = Annotated[int, Query(ge=0, description="rows to skip")]

PageT = TypeVar("PageT", bound=OffsetPage)


def offset_page(page: type[PageT], state: State, total: int, limit: int, offset: int, **rows: list[Any]) -> PageT:
    """The response of a list route: `rows` (the page's one list field, by its name), `limit` from `offset` of the
    `total` matching, as of the state's height."""
    return page(height=state.height.get(), total=total, limit=limit, offset=offset, **rows)
