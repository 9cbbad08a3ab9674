"""The API application factory."""

from fastapi import FastAPI

from gostaking.node.runtime import Node

from .errors import install_error_handlers
from .routes import accounts, blocks, faucet, hashpower, home, nodes, status, txs


def create_api(node: Node) -> FastAPI:
    """A FastAPI app serving `node`: REST endpoints, OpenAPI docs at /docs, a status page at /."""
    api = FastAPI(
        title="GoStaking node API",
        version="0.1.0",
        description=(
            "Read the chain and submit transactions. Amounts are integers in base units (1 GOS = 1,000,000 "
            "ugos) with exact decimal strings beside them; hash power is in micro-H/s with H/s strings. "
            "Errors are JSON: {error, code, message}."
        ),
    )
    api.state.node = node
    install_error_handlers(api)
    for module in (status, blocks, txs, accounts, nodes, hashpower, faucet, home):
        api.include_router(module.router)
    return api
