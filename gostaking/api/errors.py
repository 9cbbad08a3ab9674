"""Every failure becomes a JSON body `{"error": <ErrorClass>, "code": n, "message": ...}`.

Chain errors (a bad transaction, address, amount…) are 400 with the chain's error code; mempool errors use
the node codes (100+); other API errors carry their HTTP status as `code`.
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gostaking.chain.errors import ChainError
from gostaking.node.app import AppSequenceError, NodeBusyError
from gostaking.node.faucet import FaucetError, FaucetNotFundedYetError, FaucetRateLimitedError
from gostaking.node.runtime import RelayUnavailableError

from .schemas.common import ErrorResponse

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error with an HTTP status, a class-like name and a message for the client."""

    status = 400
    error = "BadRequest"
    headers: dict[str, str] | None = None
    """Headers of the answer (e.g. Retry-After), if any."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def code(self) -> int:
        """The `code` of the response body: the HTTP status unless a subclass knows better."""
        return self.status


class InvalidRequestError(ApiError):
    """A parameter or body field is malformed."""

    error = "InvalidRequest"


class NotFoundError(ApiError):
    """The thing asked for does not exist."""

    status = 404
    error = "NotFound"


class FaucetDisabledError(ApiError):
    """The node runs no faucet (only devnets do; CometBFT nodes never)."""

    status = 404
    error = "FaucetDisabled"


def error_body(error: str, code: int, message: str) -> dict[str, object]:
    """The JSON shape of every error response."""
    return {"error": error, "code": code, "message": message}


def error_responses(when: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """A route's `responses` for OpenAPI: each documented failure (HTTP status → when it happens) with the error
    body every failure has."""
    return {status: {"model": ErrorResponse, "description": description} for status, description in when.items()}


def _json(status: int, error: str, code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(error, code, message), status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into JSON error responses."""

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _json(exc.status, exc.error, exc.code, exc.message, exc.headers)

    @app.exception_handler(ChainError)
    async def chain_error(_: Request, exc: ChainError) -> JSONResponse:
        return _json(400, type(exc).__name__, exc.code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for item in exc.errors():
            where = ".".join(str(part) for part in item.get("loc", ()) if part not in ("body", "path", "query"))
            problems.append(f"{where or 'request'}: {item.get('msg', 'invalid')}")
        return _json(400, "InvalidRequest", 400, "; ".join(problems) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            message = f"no such endpoint: {request.method} {request.url.path}"
            return _json(404, "NotFound", 404, message)
        if exc.status_code == 405:
            return _json(405, "MethodNotAllowed", 405, f"{request.method} is not allowed on {request.url.path}")
        return _json(exc.status_code, "HTTPError", exc.status_code, str(exc.detail))

    @app.exception_handler(FaucetRateLimitedError)
    async def faucet_rate_limited(_: Request, exc: FaucetRateLimitedError) -> JSONResponse:
        headers = {"Retry-After": str(max(1, round(exc.retry_after_s)))}
        return _json(429, "FaucetRateLimitedError", 429, str(exc), headers)

    @app.exception_handler(FaucetNotFundedYetError)
    async def faucet_not_funded_yet(_: Request, exc: FaucetNotFundedYetError) -> JSONResponse:
        headers = {"Retry-After": str(max(1, round(exc.retry_after_s)))}
        return _json(503, "FaucetNotFundedYetError", 503, str(exc), headers)

    @app.exception_handler(FaucetError)
    async def faucet_error(_: Request, exc: FaucetError) -> JSONResponse:
        return _json(503, type(exc).__name__, 503, str(exc))

    @app.exception_handler(NodeBusyError)
    async def node_busy(_: Request, exc: NodeBusyError) -> JSONResponse:
        return _json(503, "NodeBusyError", 503, str(exc), {"Retry-After": "1"})

    @app.exception_handler(RelayUnavailableError)
    async def relay_unavailable(_: Request, exc: RelayUnavailableError) -> JSONResponse:
        return _json(503, "ConsensusUnavailable", 503, str(exc), {"Retry-After": "1"})

    @app.exception_handler(AppSequenceError)
    async def not_ready(_: Request, exc: AppSequenceError) -> JSONResponse:
        return _json(503, "NodeNotReady", 503, str(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _json(500, "InternalError", 500, "internal error; see the node log")
