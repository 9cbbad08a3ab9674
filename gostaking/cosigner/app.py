"""The cosigner's HTTP API (FastAPI): a thin shell over CosignerService; docs/cosigner.md lists the endpoints.

Bytes travel as hex; a refusal is `{"error": <class>, "message": <one line>}` with the status of its class.
"""

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CollectorRegistry
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from gostaking.cosigner.errors import BadRequestError, CosignerError
from gostaking.cosigner.pages import CEREMONY_PAGE
from gostaking.cosigner.policy import encode_policy
from gostaking.cosigner.service import ApprovalView, CosignerService, PolicyView
from gostaking.cosigner.totp import qr_svg
from gostaking.metrics import HttpMetrics, MeteredApp

HEX = r"^([0-9a-fA-F]{2})*$"


class EnrolRequest(BaseModel):
    """The user's two public keys, and the user key's signature over the enrolment digest."""

    user_pubkey: str = Field(pattern=HEX, min_length=66, max_length=66)
    backup_pubkey: str = Field(pattern=HEX, min_length=66, max_length=66)
    signature: str = Field(pattern=HEX, min_length=130, max_length=130)


class CodeRequest(BaseModel):
    """A TOTP code."""

    code: str = Field(max_length=16)


class CosignRequest(BaseModel):
    """A transaction body (canonical JSON bytes, hex), the user's signature over it, and a code (omitted for a
    passkey approval)."""

    body: str = Field(pattern=HEX, max_length=200_000)
    user_signature: str = Field(pattern=HEX, min_length=130, max_length=130)
    code: str = Field(default="", max_length=16)


class SignedRequest(BaseModel):
    """A user key's signature over the request's digest (protocol.request_digest)."""

    signature: str = Field(pattern=HEX, min_length=130, max_length=130)
    code: str = Field(default="", max_length=16)


class PolicyRequest(SignedRequest):
    """A new policy (Policy's fields), signed over its canonical JSON, and a code."""

    policy: dict[str, Any]


def create_app(service: CosignerService, cors_origins: tuple[str, ...] = ()) -> FastAPI:
    """The cosigner's API and its two ceremony pages (passkey registration and approval). Pages of the
    `cors_origins` (e.g. the browser wallet served by a node) may call the API from their own origin; no other
    site's page can read its answers."""
    app = FastAPI(title="GoStaking 2FA cosigner", version="1")
    registry = CollectorRegistry()  # GET /metrics: the request counts by route and status (docs/monitoring.md)
    app.add_middleware(MeteredApp, registry=registry, http=HttpMetrics(registry, "cosigner"))
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST", "PUT"],
            allow_headers=["Content-Type"],
        )

    @app.exception_handler(CosignerError)
    async def refused(_request: Request, error: CosignerError) -> JSONResponse:
        return JSONResponse({"error": type(error).__name__, "message": str(error)}, status_code=error.status)

    @app.post("/v1/enrol")
    def enrol(request: EnrolRequest) -> dict[str, Any]:
        enrolment = service.enrol(_hex(request.user_pubkey), _hex(request.backup_pubkey), _hex(request.signature))
        return {
            "address": enrolment.address,
            "threshold": enrolment.key.threshold,
            "pubkeys": [key.hex() for key in enrolment.key.pubkeys],
            "cosigner_pubkey": enrolment.cosigner_pubkey.hex(),
            "otpauth_uri": enrolment.otpauth_uri,
            "qr_svg": qr_svg(enrolment.otpauth_uri),
        }

    @app.post("/v1/wallets/{address}/activate")
    def activate(address: str, request: CodeRequest) -> dict[str, Any]:
        service.activate(address, request.code)
        return {"address": address, "active": True}

    @app.get("/v1/wallets/{address}")
    def wallet(address: str) -> dict[str, Any]:
        user, passkey_count = service.wallet(address)
        return {
            "address": user.address,
            "pubkeys": {
                "user": user.user_pubkey.hex(),
                "backup": user.backup_pubkey.hex(),
                "cosigner": user.cosigner_pubkey.hex(),
            },
            "active": user.active,
            "passkeys": passkey_count,
            "locked_until": user.locked_until,
        }

    @app.post("/v1/wallets/{address}/cosign")
    def cosign(address: str, request: CosignRequest) -> dict[str, Any]:
        view = service.cosign_with_code(address, _hex(request.body), _hex(request.user_signature), request.code)
        return _approval(view)

    @app.post("/v1/wallets/{address}/approvals")
    def request_approval(address: str, request: CosignRequest) -> dict[str, Any]:
        view = service.request_passkey_approval(address, _hex(request.body), _hex(request.user_signature))
        return _approval(view)

    @app.get("/v1/approvals/{token}")
    def approval(token: str) -> dict[str, Any]:
        return _approval(service.approval(token))

    @app.post("/v1/approvals/{token}/cancel")
    def cancel(token: str, request: SignedRequest) -> dict[str, Any]:
        return _approval(service.cancel(token, _hex(request.signature)))

    @app.get("/v1/approvals/{token}/options")
    def approval_options(token: str) -> Response:
        return Response(service.passkey_approval_options(token), media_type="application/json")

    @app.post("/v1/approvals/{token}/assertion")
    async def assertion(token: str, request: Request) -> dict[str, Any]:
        credential = (await request.body()).decode()
        return _approval(await run_in_threadpool(service.finish_passkey_approval, token, credential))

    @app.get("/v1/wallets/{address}/policy")
    def policy(address: str) -> dict[str, Any]:
        return _policy(service.policy(address))

    @app.put("/v1/wallets/{address}/policy")
    def set_policy(address: str, request: PolicyRequest) -> dict[str, Any]:
        raw = json.dumps(request.policy).encode()
        return _policy(service.set_policy(address, raw, request.code, _hex(request.signature)))

    @app.post("/v1/wallets/{address}/passkeys")
    def begin_registration(address: str, request: SignedRequest) -> dict[str, Any]:
        token = service.begin_passkey_registration(address, request.code, _hex(request.signature))
        return {"token": token, "page": f"/passkey/{token}"}

    @app.get("/v1/registrations/{token}/options")
    def registration_options(token: str) -> Response:
        return Response(service.passkey_registration_options(token), media_type="application/json")

    @app.post("/v1/registrations/{token}")
    async def finish_registration(token: str, request: Request) -> dict[str, Any]:
        credential = (await request.body()).decode()
        count = await run_in_threadpool(service.finish_passkey_registration, token, credential)
        return {"passkeys": count}

    @app.get("/approve/{token}", response_class=HTMLResponse)
    def approve_page(token: str) -> str:
        return CEREMONY_PAGE

    @app.get("/passkey/{token}", response_class=HTMLResponse)
    def passkey_page(token: str) -> str:
        return CEREMONY_PAGE

    return app


def _hex(text: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise BadRequestError("expected hexadecimal bytes") from None


def _approval(view: ApprovalView) -> dict[str, Any]:
    return {
        "token": view.token,
        "address": view.address,
        "status": view.status,
        "release_at": view.release_at,
        "cosigner_index": view.cosigner_index,
        "cosigner_signature": view.cosigner_signature.hex() if view.cosigner_signature else None,
        "body": view.body.hex(),
        "page": f"/approve/{view.token}",
    }


def _policy(view: PolicyView) -> dict[str, Any]:
    return {
        "policy": json.loads(encode_policy(view.policy)),
        "pending": json.loads(encode_policy(view.pending)) if view.pending is not None else None,
        "pending_effective_at": view.pending_effective_at,
    }
