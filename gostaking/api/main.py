"""The API application factory."""

import secrets

from fastapi import FastAPI

from gostaking.indexer import IN_MEMORY_URL
from gostaking.metrics import MeteredApp
from gostaking.node.metrics import node_registry
from gostaking.node.runtime import Node

from .errors import install_error_handlers
from .limits import RequestBodyLimit
from .openapi import NodeApi
from .routes import (
    accounts,
    add_routes,
    blocks,
    book,
    chain_facts,
    compliance,
    custody,
    dex,
    estimates,
    events,
    explorer,
    explorer_views,
    faucet,
    governance,
    hashpower,
    home,
    nodes,
    oracle,
    status,
    txs,
    wallet_app,
)
from .routes.liquid import router as liquid_router
from .routes.proofs import router as proofs_router
from .worker import read_workers as read_workers_plan

ROUTERS = (
    *(module.router for module in (status, blocks, txs, events, accounts, nodes, hashpower, faucet)),
    explorer.node_router,  # before explorer.router, as before the split: the OpenAPI document keeps its order
    *(module.router for module in (explorer, chain_facts, explorer_views, home)),
    *(module.router for module in (governance, custody, oracle, compliance, dex, book, estimates, wallet_app)),
    liquid_router,
    proofs_router,
)
"""The API's routers, in the order their routes are matched and documented."""


def create_api(node: Node, index_url: str | None = None, read_workers: int = 0) -> FastAPI:
    """A FastAPI app serving `node`: REST endpoints, OpenAPI docs at /docs, the block explorer at /, the browser
    wallet at /app.

    `index_url` is the explorer's SQL index (SQLite or PostgreSQL URL; default: a private in-memory one).
    Its follower thread is registered in `node.services`, which the devnet runtime (or, under CometBFT, the ABCI
    runner) starts. The same API serves both kinds of node: POST /txs goes through `node.submit`. Request bodies
    are limited to 1 MiB (limits.py); the OpenAPI document lists the error answers the API gives (openapi.py).

    `read_workers` processes (worker.py) serve the explorer's index reads when the node's API server starts this
    app (gostaking/node/apiserver.py); an in-memory index has none (no other process can open it).
    """
    api = NodeApi(
        title="GoStaking node API",
        version="0.1.0",
        description=(
            "Read the chain and submit transactions. Amounts are integers in base units (1 GOS = 1,000,000 "
            "ugos) with exact decimal strings beside them; hash power is in micro-H/s with H/s strings. "
            "Errors are JSON: {error, code, message}; a malformed or out-of-range parameter or body answers 400. "
            "Lists are pages (`limit`, with `offset` or a `before` cursor)."
        ),
    )
    api.state.node = node
    api.add_middleware(RequestBodyLimit)
    install_error_handlers(api)
    index = explorer.attach_index(api, node, index_url)
    if node.producer is not None:  # the devnet: its live streams send each block as it commits (explorer_views.py)
        api.state.block_bell = explorer_views.BlockBell()
        node.producer.after_commit.insert(0, api.state.block_bell.ring)
    # GET /metrics (Prometheus, docs/monitoring.md) and the request counts, outside every other middleware.
    registry, http_metrics = node_registry(node, lambda: index.indexer.indexed_height)
    api.add_middleware(MeteredApp, registry=registry, http=http_metrics)
    api.state.http_metrics = http_metrics  # read workers report the requests they answered (chain_facts.py)
    if read_workers > 0 and index_url not in (None, IN_MEMORY_URL):
        api.state.read_worker_token = secrets.token_urlsafe(24)
        api.state.read_workers = read_workers_plan(read_workers, index.url, api.state.read_worker_token)
    for router in ROUTERS:
        add_routes(api, router)
    return api
