"""The OpenAPI document lists the answers the API really gives.

FastAPI documents a 422 with its own validation body for every operation with parameters, but this API answers a
malformed or out-of-range parameter or body with 400 and the error body `{error, code, message}` (see errors.py).
`NodeApi.openapi` replaces those 422 entries and adds the answers any operation may give: 400 where it takes
input, 413 where it takes a body (see limits.py) and 503 (the node is busy committing a block, its index or
CometBFT is unavailable, or the server is at its connection cap). Routes document their own 404, 429… with
`error_responses`.
"""

from typing import Any

from fastapi import FastAPI

from .limits import MAX_BODY_BYTES
from .schemas.common import ErrorResponse

BAD_REQUEST = "a parameter or the body is malformed or out of range (`message` says which)"
TOO_LARGE = f"the request body is larger than {MAX_BODY_BYTES} bytes"
UNAVAILABLE = (
    "the node is busy committing a block, its explorer index or CometBFT is unavailable, or the server has reached "
    "its connection cap: retry (after `Retry-After` seconds when given)"
)
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}}
_ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def _answer(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}}
    if headers:
        answer["headers"] = headers
    return answer


def with_error_answers(document: dict[str, Any]) -> dict[str, Any]:
    """`document` (FastAPI's OpenAPI document) with every 422 replaced by the API's 400, plus 413 and 503, each
    with the ErrorResponse body; FastAPI's validation schemas removed."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION:
        schemas.pop(name, None)
    schemas.setdefault("ErrorResponse", ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}"))
    for item in document.get("paths", {}).values():
        for operation in item.values():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            responses.pop("422", None)
            if operation.get("parameters") or "requestBody" in operation:
                responses.setdefault("400", _answer(BAD_REQUEST))
            if "requestBody" in operation:
                responses.setdefault("413", _answer(TOO_LARGE))
            responses.setdefault("503", _answer(UNAVAILABLE, _RETRY_AFTER))
            for status in ("429", "503"):
                if status in responses:
                    responses[status].setdefault("headers", _RETRY_AFTER)
            operation["responses"] = dict(sorted(responses.items()))
    return document


class NodeApi(FastAPI):
    """The node's FastAPI application, whose OpenAPI document lists the error answers it really gives."""

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document (built once): FastAPI's, with the API's error answers."""
        if self.openapi_schema is None:
            self.openapi_schema = with_error_answers(super().openapi())
        return self.openapi_schema
