"""GET /blocks, /blocks/latest, /blocks/{height}."""

from typing import Annotated

from fastapi import APIRouter, Query

from ..deps import NodeDep
from ..errors import InvalidRequestError, NotFoundError, error_responses
from ..pages import MAX_INT, MAX_PAGE
from ..render import block_response, block_summary, gos_index_at
from ..schemas.blocks import BlockList, BlockResponse

router = APIRouter(tags=["blocks"])


@router.get("/blocks", response_model=BlockList, summary="Recent blocks, newest first")
def list_blocks(
    node: NodeDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="blocks per page")] = 20,
    before: Annotated[int | None, Query(ge=1, le=MAX_INT, description="only blocks below this height")] = None,
) -> BlockList:
    """A page of block summaries. Follow `next_before` for older blocks."""
    app = node.app
    height = app.height
    top = height if before is None else min(before - 1, height)
    bottom = max(top - limit + 1, 1)
    blocks = []
    for h in range(top, bottom - 1, -1):
        block = app.block(h)
        if block is not None:
            blocks.append(block_summary(block))
    return BlockList(height=height, blocks=blocks, next_before=bottom if bottom > 1 and blocks else None)


@router.get(
    "/blocks/latest",
    response_model=BlockResponse,
    responses=error_responses({404: "no block has been committed yet"}),
    summary="The last committed block",
)
def latest_block(node: NodeDep) -> BlockResponse:
    """The newest block with its transactions and events (claims also in GOS, at the block's GOS index)."""
    with node.app.read() as state:
        block = node.app.last_block
        if block is None:
            raise NotFoundError("no block has been committed yet")
        return block_response(block, gos_index_at(state, block.height))


@router.get(
    "/blocks/{height}",
    response_model=BlockResponse,
    responses=error_responses({400: "not a height (1 .. 2^63-1)", 404: "no block at that height yet"}),
    summary="A block by height",
)
def get_block(height: str, node: NodeDep) -> BlockResponse:
    """A committed block with its transactions, results, events and validator updates (claims also in GOS, at the
    block's GOS index)."""
    if not (height.isascii() and height.isdecimal() and len(height) <= 20) or not 1 <= int(height) <= MAX_INT:
        raise InvalidRequestError(f"height must be a positive integer up to 2^63-1 (or 'latest'), got {height!r}")
    with node.app.read() as state:
        block = node.app.block(int(height))
        if block is None:
            raise NotFoundError(f"no block at height {height} (latest is {node.app.height})")
        return block_response(block, gos_index_at(state, block.height))
