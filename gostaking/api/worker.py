"""An API read worker: a process that answers the explorer's index reads, beside the node process that produces
and commits blocks, so that neither waits for the other's GIL (README.md, "The block explorer").

The node's API server starts N of these (`read_workers`, gostaking/node/apiserver.py) on the listening socket of the
API's address, and moves its own server to a private 127.0.0.1 port. A worker serves the routes of `explorer.router`
(blocks, transactions, events, account history and its CSV, search) from the index, opened read-only, and passes
every other request, byte for byte and streamed both ways, to the node (node_link.py: h11 over kept connections).
The chain facts those routes need beside the index (height, asset decimals, node operators) come from the node's
POST /explorer/chain-facts, polled in the background, so a request never waits for the node either; a search the
index cannot answer (a transaction committed but not indexed yet, a height past the last poll) goes to the node,
whose answer is the chain's. Each poll carries the requests the worker answered since the last one, which the node's
/metrics counts with its own (gostaking_api_requests_total and _request_seconds stay whole). Answers a worker made
carry `X-Read-Worker: <its pid>`.

Run by the server as `python -m gostaking.api.worker --listen-fd FD --ready-fd FD --node-url URL --limits JSON`
with the index URL and the token of the chain-facts route in the environment (off the command line: the URL may
hold a password, and the token keeps others from reporting requests).
"""

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import time
from typing import Any

import httpx
import uvloop
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gostaking.indexer import open_index_reader
from gostaking.metrics import UNMATCHED_ROUTE
from gostaking.node.apiserver import ReadWorkers, ServerLimits, server_config

from .errors import install_error_handlers
from .node_link import NodeLink
from .routes import add_routes, chain_facts, explorer

log = logging.getLogger(__name__)

INDEX_URL_ENV = "GOSTAKING_READ_WORKER_INDEX_URL"
TOKEN_ENV = "GOSTAKING_READ_WORKER_TOKEN"
FORWARDED = "gostaking.forwarded"
"""Set in a request's scope when the node answered it for the worker (the node counts it, not the worker)."""
MAX_UNREPORTED = 100_000
"""Requests a worker keeps for its next report while the node does not take them (then the oldest are dropped)."""
WORKER_HEADER = "x-read-worker"
FACTS_POLL_S = 0.2
"""How often a worker asks the node for its chain facts (one small answer, computed once per height)."""
FACTS_STALE_WARNING_S = 3.0
"""How long the node may not answer for its facts before a worker says so (it restarts or stops meanwhile)."""
PARENT_CHECK_S = 0.2
"""How often a worker checks that the process that started it still runs: it exits with it, and frees the API's
port at once for a node started again (a kill -9 of the node alone sends the workers nothing)."""


def read_workers(count: int, index_url: str, token: str) -> ReadWorkers:
    """The plan the API app names for `count` read workers of the index at `index_url`, reporting to the node's
    chain-facts route with `token`."""
    env = {INDEX_URL_ENV: index_url, TOKEN_ENV: token}
    return ReadWorkers(count=count, command=(sys.executable, "-m", "gostaking.api.worker"), env=env)


class AskTheNodeError(Exception):
    """The index cannot answer this request yet: the node answers it."""


class PublishedFacts:
    """ChainFacts (routes/chain_facts.py) as the node last published them at POST /explorer/chain-facts, and the
    requests this worker answered that the node has not counted yet."""

    def __init__(self, node: httpx.AsyncClient, token: str) -> None:
        """Facts fetched from the node behind `node` (a client on its private URL) with the route's `token`."""
        self.node = node
        self.token = token
        self.unreported: list[tuple[str, str, int, float]] = []
        self._height = 0
        self._decimals: dict[str, int] | None = None
        self._operators: frozenset[str] = frozenset()

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request in the next report."""
        if len(self.unreported) >= MAX_UNREPORTED:
            del self.unreported[: MAX_UNREPORTED // 10]
        self.unreported.append((method, route, status, seconds))

    async def refresh(self) -> None:
        """Report the requests answered since the last report and fetch the node's current facts."""
        report, self.unreported = self.unreported, []
        try:
            answer = await self.node.post(
                chain_facts.CHAIN_FACTS_PATH,
                json={"observed": report},
                headers={chain_facts.READ_WORKER_TOKEN_HEADER: self.token},
            )
            answer.raise_for_status()
        except httpx.HTTPError:
            room = max(MAX_UNREPORTED - len(self.unreported), 0)
            self.unreported[:0] = report[len(report) - room :] if room else []  # the newest, for the next report
            raise
        facts = answer.json()
        self._height = int(facts["height"])
        self._decimals = {str(denom): int(places) for denom, places in facts["asset_decimals"].items()}
        self._operators = frozenset(facts["node_operators"])

    async def follow(self, interval_s: float = FACTS_POLL_S) -> None:
        """Refresh every `interval_s` until cancelled; failures for FACTS_STALE_WARNING_S are logged once, until
        the node answers again (not the moment of a stop, when the node's server ends before its workers)."""
        failing_since: float | None = None
        warned = False
        while True:
            try:
                await self.refresh()
                failing_since, warned = None, False
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                now = time.monotonic()
                failing_since = failing_since or now
                if not warned and now - failing_since >= FACTS_STALE_WARNING_S:
                    log.warning("read worker %d: cannot read the node's chain facts: %s", os.getpid(), exc)
                    warned = True
            await asyncio.sleep(interval_s)

    def height(self) -> int:
        """The node's height at the last poll."""
        return self._height

    def has_tx(self, tx_hash: bytes) -> bool:
        """Never known here: a hash the index lacks goes to the node (`not_found`)."""
        return False

    async def asset_decimals(self) -> dict[str, int]:
        """Decimals of every denomination at the last poll (before the first one, the node answers)."""
        if self._decimals is None:
            raise AskTheNodeError("no chain facts yet")
        return self._decimals

    async def node_operators(self) -> frozenset[str]:
        """Node operators at the last poll (before the first one, the node answers)."""
        if self._decimals is None:
            raise AskTheNodeError("no chain facts yet")
        return self._operators

    def not_found(self, message: str) -> Exception:
        """The node decides: its chain may hold what the index does not yet."""
        return AskTheNodeError(message)


class NodeAnswer(Response):
    """The node's answer to the request, as an exception handler returns it (passed on by `link`, streamed)."""

    def __init__(self, link: NodeLink) -> None:
        super().__init__()
        self.link = link

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.link.forward(scope, receive, send)


def create_worker_app(index_url: str, node: NodeLink, facts: PublishedFacts) -> ASGIApp:
    """The worker's ASGI app: explorer.router on the read-only index, everything else passed to the node by
    `node`."""
    api = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    install_error_handlers(api)
    add_routes(api, explorer.router)
    api.state.explorer_index = open_index_reader(index_url)
    api.state.chain_facts = facts

    async def ask_the_node(request: Request, _exc: Exception) -> Response:
        request.scope[FORWARDED] = True
        return NodeAnswer(node)

    api.add_exception_handler(AskTheNodeError, ask_the_node)
    routes = list(api.routes)
    # A path none of the routes' literal beginnings starts is the node's without matching each route.
    beginnings = tuple(getattr(route, "path", "/").split("{")[0] for route in routes)
    pid = str(os.getpid()).encode()

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await api(scope, receive, send)
        elif not scope["path"].startswith(beginnings) or not any(
            route.matches(scope)[0] is Match.FULL for route in routes
        ):
            await node.forward(scope, receive, send)
        else:
            started = time.perf_counter()

            async def marked(message: Message) -> None:
                if message["type"] == "http.response.start":
                    if not scope.get(FORWARDED):  # as MeteredApp counts the node's own requests
                        template = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
                        seconds = time.perf_counter() - started
                        facts.observe(scope["method"], template, int(message["status"]), seconds)
                    message = {**message, "headers": [*message.get("headers", ()), (WORKER_HEADER.encode(), pid)]}
                await send(message)

            await api(scope, receive, marked)

    return serve


async def _exit_with_parent(server: Any) -> None:
    parent = os.getppid()
    while os.getppid() == parent:
        await asyncio.sleep(PARENT_CHECK_S)
    server.should_exit = True


async def run_worker(
    listener: socket.socket, ready_fd: int, node_url: str, index_url: str, token: str, limits: ServerLimits
) -> None:
    """Serve on `listener` until told to exit (SIGTERM, SIGINT) or the parent process is gone; write a byte to
    `ready_fd` once serving."""
    import uvicorn  # imported here, as in apiserver: only processes that serve the API need it

    address = httpx.URL(node_url)
    # Kept connections are dropped a second before the node's server would close them.
    idle_s = max(limits.keep_alive_s - 1.0, limits.keep_alive_s / 2)
    link = NodeLink(address.host, address.port or 80, limits.max_connections, idle_s)
    async with httpx.AsyncClient(base_url=node_url, timeout=10.0) as facts_client:
        facts = PublishedFacts(facts_client, token)
        host, port = listener.getsockname()[:2]
        server = uvicorn.Server(server_config(create_worker_app(index_url, link, facts), host, port, limits))
        background = [asyncio.create_task(facts.follow()), asyncio.create_task(_exit_with_parent(server))]
        serving = asyncio.create_task(server.serve(sockets=[listener]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.01)
        with contextlib.suppress(OSError):
            if server.started:
                os.write(ready_fd, b"1")
            os.close(ready_fd)
        try:
            await serving
        finally:
            for task in background:
                task.cancel()
            link.close()


def main(argv: list[str] | None = None) -> None:
    """Entry point of `python -m gostaking.api.worker` (started by the API server, not by hand)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen-fd", type=int, required=True, help="the API's listening socket, inherited")
    parser.add_argument("--ready-fd", type=int, required=True, help="a pipe to write one byte to once serving")
    parser.add_argument("--node-url", required=True, help="the node process's private API URL")
    parser.add_argument("--limits", required=True, help="the ServerLimits, as JSON")
    args = parser.parse_args(argv)
    index_url, token = os.environ.get(INDEX_URL_ENV), os.environ.get(TOKEN_ENV)
    if not index_url or not token:
        parser.error(f"{INDEX_URL_ENV} must name the explorer index and {TOKEN_ENV} hold the chain-facts token")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # uvicorn re-raises the signal that stopped it once it has finished: exit cleanly then.
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, lambda _signum, _frame: sys.exit(0))
    listener = socket.socket(fileno=args.listen_fd)
    limits = ServerLimits(**json.loads(args.limits))
    # On uvloop, as uvicorn runs the node process's own server: a request passed to the node costs the worker
    # markedly less CPU than on asyncio's loop (/status through one worker: ~25% more requests a second,
    # BENCHMARKS.md, "seventh session").
    uvloop.run(run_worker(listener, args.ready_fd, args.node_url, index_url, token, limits))


if __name__ == "__main__":
    main()
