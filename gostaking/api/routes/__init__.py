"""API routes, one module per resource."""

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from ..direct import serve_directly


def add_routes(api: FastAPI, router: APIRouter) -> None:
    """Serve `router`'s routes from `api`, each matched on its own.

    Not `api.include_router`: FastAPI 0.165 keeps an included router whole and matches every request against
    each router before the one that serves it, through its include-context bookkeeping, twice for the router that
    matches: up to ~40 µs of the node's CPU per request before a route's own work (11–37% of a short read's,
    benchmarks/bench_node_routes.py). A route made on an APIRouter already carries the router's prefix, tags,
    responses and dependencies (APIRouter.add_api_route merges them), so adding the routes themselves serves and
    documents the same API: tests/api/test_api_routes.py compares the OpenAPI document with include_router's."""
    for route in router.routes:
        if isinstance(route, APIRoute):
            serve_directly(route)  # plain reads skip FastAPI's per-request dependency solving (direct.py)
    api.router.routes.extend(router.routes)
