"""Chain facts beside the explorer index: what the index routes need from the chain's state (committed height,
whether a transaction is committed, asset decimals, node operators), read from the app in the node process and
published to the API's read workers (gostaking/api/worker.py), which have no chain state of their own.

POST /explorer/chain-facts is the workers' own route (a token they are started with; left out of the OpenAPI
document): each poll brings the requests the worker answered, which the node's /metrics counts as its own.
"""

import hmac
import weakref
from collections.abc import Callable
from typing import Annotated, Generic, Protocol, TypeVar

import msgspec
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from gostaking.chain.modules.lock.queries import get_assets
from gostaking.chain.modules.nodes.queries import get_operators_by_registration
from gostaking.chain.numeric import GOS_DECIMALS, GOS_DENOM
from gostaking.chain.state import State
from gostaking.metrics import HttpMetrics
from gostaking.node.app import GoStakingApp

from ..deps import node_of
from ..errors import InvalidRequestError, NotFoundError

router = APIRouter(tags=["explorer"])
FactT = TypeVar("FactT")


class PerHeight(Generic[FactT]):
    """A fact computed from the committed chain state (asset decimals, who runs a node), kept per app until its
    next block commits: the hot routes read it from memory instead of reading the state for each request, and on
    the event loop only a new height's first read goes to a worker thread (computing it may take milliseconds)."""

    def __init__(self, compute: Callable[[State], FactT]) -> None:
        """Keep what `compute` returns for the state of each height."""
        self.compute = compute
        self._seen: weakref.WeakKeyDictionary[GoStakingApp, tuple[int, FactT]] = weakref.WeakKeyDictionary()

    def get(self, app: GoStakingApp) -> FactT:
        """The fact at the app's committed height (reads the committed state once per height)."""
        seen = self._seen.get(app)
        if seen is not None and seen[0] == app.committed_height:
            return seen[1]
        with app.read_committed() as state:
            fact = (state.height.get(), self.compute(state))
        self._seen[app] = fact
        return fact[1]

    async def on_loop(self, app: GoStakingApp) -> FactT:
        """`get` for a route on the event loop."""
        seen = self._seen.get(app)
        if seen is not None and seen[0] == app.committed_height:
            return seen[1]
        return await run_in_threadpool(self.get, app)


def _asset_decimals(state: State) -> dict[str, int]:
    decimals = {denom: asset.decimals for denom, asset in get_assets(state)}
    decimals[GOS_DENOM] = GOS_DECIMALS
    return decimals


ASSET_DECIMALS = PerHeight(_asset_decimals)
"""Decimals of every denomination (GOS: 6), to show history amounts in whole units."""
NODE_OPERATORS = PerHeight(lambda state: frozenset(get_operators_by_registration(state)))
"""The addresses that run a registered node."""


class ChainFacts(Protocol):
    """What the index routes need from the chain's state beside the index: read from the app in the node process
    (NodeFacts), from the node's last published facts in a read worker (worker.PublishedFacts)."""

    def height(self) -> int:
        """The chain's committed height."""

    def has_tx(self, tx_hash: bytes) -> bool:
        """Whether the chain has committed the transaction (it may not be indexed yet)."""

    async def asset_decimals(self) -> dict[str, int]:
        """Decimals of every denomination (GOS: 6)."""

    async def node_operators(self) -> frozenset[str]:
        """The addresses that run a registered node."""

    def not_found(self, message: str) -> Exception:
        """What a search that found nothing raises: NotFoundError where the facts are the chain's own, else an
        error that hands the request to the node (whose chain may have what the index lacks)."""


class NodeFacts:
    """ChainFacts read from the app of the node process."""

    def __init__(self, app: GoStakingApp) -> None:
        """Facts of `app`."""
        self.app = app

    def height(self) -> int:
        """The app's committed height."""
        return self.app.height

    def has_tx(self, tx_hash: bytes) -> bool:
        """Whether the app's tx index has the transaction."""
        return self.app.tx_location(tx_hash) is not None

    async def asset_decimals(self) -> dict[str, int]:
        """ASSET_DECIMALS at the committed height."""
        return await ASSET_DECIMALS.on_loop(self.app)

    async def node_operators(self) -> frozenset[str]:
        """NODE_OPERATORS at the committed height."""
        return await NODE_OPERATORS.on_loop(self.app)

    def not_found(self, message: str) -> Exception:
        """A 404."""
        return NotFoundError(message)


async def get_chain_facts(request: Request) -> ChainFacts:
    """The chain facts of this API: its read worker's (`app.state.chain_facts`), else its node's."""
    facts: ChainFacts | None = getattr(request.app.state, "chain_facts", None)
    return facts if facts is not None else NodeFacts(node_of(request).app)


FactsDep = Annotated[ChainFacts, Depends(get_chain_facts)]


CHAIN_FACTS_PATH = "/explorer/chain-facts"
READ_WORKER_TOKEN_HEADER = "x-read-worker-token"


class WorkerReport(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a read worker sends with each poll: the requests it answered since its last report, as (method, route
    template, status, seconds)."""

    observed: list[tuple[str, str, int, float]] = []


@router.post(CHAIN_FACTS_PATH, include_in_schema=False)
async def chain_facts(request: Request) -> Response:
    """For the API's read workers only (the token they were started with; anyone else gets the 404 of an unknown
    path, and the OpenAPI document leaves it out): the chain facts they serve the index routes with (committed
    height, asset decimals, node operators; read from the state once per height), in exchange for the requests
    they answered, which this node's /metrics then counts as its own."""
    token = getattr(request.app.state, "read_worker_token", None)
    if token is None or not hmac.compare_digest(request.headers.get(READ_WORKER_TOKEN_HEADER, ""), token):
        raise StarletteHTTPException(404)
    try:
        report = msgspec.json.decode(await request.body(), type=WorkerReport)
    except msgspec.DecodeError as exc:
        raise InvalidRequestError(f"a read worker's report: {exc}") from None
    metrics: HttpMetrics | None = getattr(request.app.state, "http_metrics", None)
    if metrics is not None:
        for method, route, status, seconds in report.observed:
            metrics.observe(method, route, status, seconds)
    app = node_of(request).app
    height = app.height
    body = {
        "height": height,
        "asset_decimals": await ASSET_DECIMALS.on_loop(app),
        "node_operators": sorted(await NODE_OPERATORS.on_loop(app)),
    }
    return Response(msgspec.json.encode(body), media_type="application/json")
