"""Offset pages of the list routes: the `limit` and `offset` query parameters. (The pages themselves come from the
chain's page queries, which read only the rows a page shows.)"""

from typing import Annotated

from fastapi import Query

MAX_PAGE = 100
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="rows per page")]
Offset = Annotated[int, Query(ge=0, description="rows to skip")]
