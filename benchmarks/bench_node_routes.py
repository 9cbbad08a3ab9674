"""The node process's own cost of its per-request routes, without HTTP: the CPU time of one request to /status,
/explorer/index, an account, its rewards and a transaction, called straight into the API's ASGI app (its
middleware, FastAPI's routing, dependencies and validation, the route, the JSON), on the node of
bench_explorer_api.py (explorer_node_state.py: 100 nodes, 100,000 accounts, 2,000 real transactions in 40 blocks).

Run from the repository root: python benchmarks/bench_node_routes.py [--requests N] [--rounds R] [--baseline DIR]
(about 40 s, most of it the node's setup). Each checkout is measured in a child process of its own; `--baseline DIR`
measures another checkout too (e.g. `git worktree add --detach /tmp/base HEAD` before a change), at the same time
(one child per core of a 2-core machine), and gives the ratio: one after the other, the machine's speed drifted
between the two by up to 20%. Per route and round: N requests (default 2,000) after 200 warm-up ones, their paths
drawn as the explorer benchmark draws them (accounts among the index's 10,000 addresses and the 1,000 that sent
the transactions); CPU ms per request (process time; the machine's noise moves wall time more), the least of R
rounds (default 3) that go through every route in turn. The HTTP server (uvicorn) and the client are left out:
bench_explorer_api.py measures the whole.
"""

import argparse
import asyncio
import functools
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

# A child runs the code of the checkout in BENCH_SOURCE_TREE (the baseline's, for --baseline).
sys.path.insert(0, os.environ.get("BENCH_SOURCE_TREE") or str(Path(__file__).resolve().parent.parent))

SOURCE_TREE_ENV = "BENCH_SOURCE_TREE"
WARM_UP = 200
NODE_ROUTES = ("status", "index status", "account state", "account rewards", "tx by hash (node)")
"""The node process's per-request routes, by their names in bench_explorer_api.explorer_endpoints."""


def route_paths(setup: dict[str, Any]) -> dict[str, Callable[[], str]]:
    """The measured routes, each request's path drawn as bench_explorer_api.py draws it for the same server."""
    from bench_explorer_api import ADDRESSES, explorer_endpoints
    from explorer_node_state import account_address

    served = SimpleNamespace(setup=setup)  # what an endpoint reads of its server: the node's setup
    addresses = [account_address(i) for i in range(ADDRESSES)]  # the index's, as build_index names them
    endpoints = dict(explorer_endpoints(0, addresses, []))  # the node's routes read neither count nor sample
    return {name: functools.partial(endpoints[name], served) for name in NODE_ROUTES}


async def call(api: Any, path: str) -> int:
    """One GET of `path` through the ASGI app; its status."""
    route, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await api(scope, receive, send)
    return status


def measure(requests: int, rounds: int) -> dict[str, float]:
    """Child: set up the node, then the CPU ms per request of each route (the least of `rounds`)."""
    from explorer_node_state import prepare

    from gostaking.api.main import create_api
    from gostaking.node.runtime import open_devnet
    from gostaking.node.settings import DevnetSettings

    home = Path(tempfile.mkdtemp(prefix="bench-node-routes-"))
    node = open_devnet(DevnetSettings(home=home / "node", block_time_s=0.2))
    setup = prepare(node)
    gc.collect()
    gc.freeze()  # as a node does once its state is loaded (gostaking/node/abci/runner.py)
    api = create_api(node, f"sqlite:///{home}/index.sqlite")
    results: dict[str, float] = {}

    async def run() -> None:
        for _ in range(rounds):
            for name, path in route_paths(setup).items():
                for _ in range(WARM_UP):
                    await call(api, path())
                started = time.process_time()
                statuses = [await call(api, path()) for _ in range(requests)]
                cost = (time.process_time() - started) * 1000 / requests
                results[name] = min(cost, results.get(name, cost))
                if set(statuses) != {200}:
                    raise SystemExit(f"{name}: answers {sorted(set(statuses))}, not all 200")

    asyncio.run(run())
    node.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout to measure too")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.requests, args.rounds)))
        return
    if args.requests < 1 or args.rounds < 1:
        parser.error("--requests and --rounds must be at least 1")
    if args.baseline is not None and not (args.baseline / "gostaking").is_dir():
        parser.error(f"--baseline {args.baseline} is not a checkout of this repository")
    trees = {"this": Path(__file__).resolve().parent.parent}
    if args.baseline is not None:
        trees = {"before": args.baseline.resolve(), **trees}
    command = [sys.executable, __file__, "--measure", "--requests", str(args.requests), "--rounds", str(args.rounds)]
    children = {
        name: subprocess.Popen(
            command,
            env={**os.environ, SOURCE_TREE_ENV: str(tree)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, tree in trees.items()
    }
    measured: dict[str, dict[str, float]] = {}
    for name, child in children.items():
        out, err = child.communicate()
        if child.returncode != 0:
            raise SystemExit(f"the {name} checkout failed:\n{err[-2000:]}")
        measured[name] = json.loads(out.splitlines()[-1])
    print(
        f"CPU ms per request, in-process (the least of {args.rounds} rounds of {args.requests} requests per route "
        f"after {WARM_UP} warm-up; the checkouts measured side by side)"
    )
    print(f"{'route':<20} " + " ".join(f"{name:>8}" for name in trees) + ("    ratio" if len(trees) > 1 else ""))
    for route in measured["this"]:
        row = " ".join(f"{measured[name].get(route, float('nan')):>8.3f}" for name in trees)
        ratio = f"   {measured['before'][route] / measured['this'][route]:>6.2f}x" if "before" in measured else ""
        print(f"{route:<20} {row}{ratio}")


if __name__ == "__main__":
    main()
