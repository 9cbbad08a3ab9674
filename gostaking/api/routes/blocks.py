"""GET /blocks, /blocks/latest, /blocks/{height}."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from gostaking.node.app import GoStakingApp
from gostaking.node.runtime import Node

from ..deps import NodeDep
from ..errors import ApiError, InvalidRequestError, NotFoundError, error_responses
from ..height_cache import HeightAnswers
from ..pages import MAX_INT, MAX_PAGE
from ..render import block_response, block_summary, gos_index_at
from ..schemas.blocks import BlockList, BlockResponse

router = APIRouter(tags=["blocks"])
BLOCK_ANSWERS = HeightAnswers()


class BlockPrunedError(ApiError):
    """The block is below the earliest one this node keeps (pruned, or before the snapshot it was restored from):
    it existed, but this node no longer has it. An archive node (pruning.keep_recent_blocks = 0) has it."""

    status = 410
    error = "Pruned"


def not_kept_reason(app: GoStakingApp, height: int) -> str | None:
    """Why this node has no block at `height` although the chain has one (None: it should have it, or the height
    is not reached yet)."""
    earliest = app.earliest_block_height
    if not 1 <= height < earliest:
        return None
    if height < app.pruned_below:
        return f"block {height} is pruned: this node keeps blocks from height {earliest} (pruned below {earliest})"
    return f"block {height} is not stored: this node's history starts at height {earliest} (restored by state sync)"


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
    earliest = max(app.earliest_block_height, 1)  # nothing older is kept: no page points below it
    bottom = max(top - limit + 1, earliest)
    blocks = []
    for h in range(top, bottom - 1, -1):
        block = app.block(h)
        if block is not None:
            blocks.append(block_summary(block))
    return BlockList(height=height, blocks=blocks, next_before=bottom if bottom > earliest and blocks else None)


@router.get(
    "/blocks/latest",
    response_model=BlockResponse,
    responses=error_responses({404: "no block has been committed yet"}),
    summary="The last committed block",
)
def latest_block(node: NodeDep) -> BlockResponse:
    """The newest block with its transactions and events (claims also in GOS, at the block's GOS index)."""
    with node.app.read_committed() as state:
        block = node.app.block(state.height.get())  # the block of the state read, though the next may be committing
        if block is None:
            raise NotFoundError("no block has been committed yet")
        return block_response(block, gos_index_at(state, block.height))


@router.get(
    "/blocks/{height}",
    response_model=BlockResponse,
    responses=error_responses(
        {
            400: "not a height (1 .. 2^63-1)",
            404: "no block at that height yet",
            410: "this node no longer keeps the block: pruned below the height the message names (Pruned)",
        }
    ),
    summary="A block by height",
)
async def get_block(height: str, node: NodeDep) -> Response:
    """A committed block with its transactions, results, events and validator updates (claims also in GOS, at the
    block's GOS index)."""
    if not (height.isascii() and height.isdecimal() and len(height) <= 20) or not 1 <= int(height) <= MAX_INT:
        raise InvalidRequestError(f"height must be a positive integer up to 2^63-1 (or 'latest'), got {height!r}")
    # Once per block until pruning (height_cache.py): a block's answer decodes and shows all its txs, and never
    # changes once the block is committed (its amounts are at the GOS index of its own height, gos_index_at).
    stamp = (node.app.earliest_block_height,)
    return await BLOCK_ANSWERS.answer(node.app, stamp, int(height), lambda: _block(node, int(height)))


def _block(node: Node, height: int) -> BlockResponse:
    with node.app.read_committed() as state:
        block = node.app.block(height)
        if block is None:
            reason = not_kept_reason(node.app, height)
            if reason is not None:
                raise BlockPrunedError(reason)
            raise NotFoundError(f"no block at height {height} (latest is {node.app.height})")
        return block_response(block, gos_index_at(state, block.height))
