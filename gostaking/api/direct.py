"""Answering a plain read route without FastAPI's per-request dependency solving.

FastAPI answers every request through `get_request_handler`: it solves the route's dependency tree (for each
level, the path, query, header and cookie parameters, looking again at each parameter's annotation to see whether
it is a sequence), sets up its telemetry and error context, then runs the endpoint and serialises its result. For
the node's short reads (/status, an account, its rewards, a transaction) that machinery cost 30–40% of the node's
CPU per request in-process: they take 1.4–1.7 × less without it (benchmarks/bench_node_routes.py, BENCHMARKS.md).

Most routes are plain: an endpoint of scalar path and query parameters, the `Request`, and dependencies that
are async functions of the request alone (the node, the explorer index). For those, `serve_directly` gives the route
a DirectApp, which takes the same steps, with what depends only on the route worked out once:

- each parameter is read from the path or the query string and validated by FastAPI's own field for it (the same
  pydantic validator, so the same values), an absent optional one takes its declared default;
- each dependency is awaited with the request;
- the endpoint's result is validated by the route's response field and serialised to JSON by it, as FastAPI does
  when no response class is set.

Anything else is FastAPI's to answer, so that what the client sees never differs: a parameter that is missing,
malformed or out of range (FastAPI builds the validation error the API turns into a 400), dependency overrides, a
request traced by FastAPI's telemetry. Such requests go to the route's usual app. A route with anything this
module does not handle (a body, headers, cookies, a `Response` or background-tasks parameter, a generator,
response-model options, a streaming or custom response class) keeps FastAPI's app for every request.
tests/api/test_direct_routes.py checks that both answer every route the same.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from inspect import isasyncgenfunction, iscoroutinefunction, isfunction, isgeneratorfunction, unwrap
from types import NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin

from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import ResponseValidationError
from fastapi.params import Path, Query
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.telemetry import get_telemetry_data
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

__all__ = ["DirectApp", "serve_directly"]

_IMMUTABLE_DEFAULTS = (int, str, bool, type(None))
"""Defaults of these types are used as they are; FastAPI deep-copies a default, which for them is the same value."""


@dataclass(frozen=True, slots=True)
class _Parameter:
    """A scalar path or query parameter: where it is read and how it is validated."""

    name: str
    """The endpoint's argument."""
    alias: str
    """Its name in the path or the query string."""
    field: Any
    """FastAPI's ModelField for it: validates the raw string as FastAPI does."""
    loc: tuple[str, str]
    """Where an error would be reported (FastAPI's `loc`), passed to the validator as FastAPI passes it."""
    required: bool
    default: Any


def _parameter(field: Any, where: str) -> _Parameter | None:
    """The parameter this handler reads, or None when FastAPI must read it (a sequence, a model of parameters,
    alias choices, a default that would need copying or validating)."""
    info = field.field_info
    if not isinstance(info, Path | Query) or info.validation_alias not in (None, field.alias) or info.validate_default:
        return None  # an AliasChoices or AliasPath is FastAPI's to read
    if not _scalar(info.annotation):  # a list or a model of parameters is FastAPI's to read
        return None
    required = info.is_required()
    if not required and not isinstance(info.default, _IMMUTABLE_DEFAULTS):
        return None
    return _Parameter(field.name, field.alias, field, (where, field.alias), required, info.default)


def _scalar(annotation: Any) -> bool:
    """True for the API's one-value parameter types: int, str, bool, a Literal of them, each optional or not."""
    origin = get_origin(annotation)
    if origin is Union or origin is UnionType:
        return all(_scalar(arg) for arg in get_args(annotation) if arg is not NoneType)
    if origin is Literal:
        return all(isinstance(arg, _IMMUTABLE_DEFAULTS) for arg in get_args(annotation))
    return annotation in (int, str, bool)


def _no_special_inputs(dependant: Dependant) -> bool:
    """True when the function takes none of what only FastAPI's solving provides: a body, headers, cookies, a
    WebSocket or connection, the `Response` to set headers on, background tasks, security scopes."""
    return not (
        dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or dependant.own_oauth_scopes
    )


def _request_only(dependant: Dependant) -> Callable[[Request], Awaitable[Any]] | None:
    """The dependency's function if it is an async function of the request alone, else None."""
    call = dependant.call
    plain = _no_special_inputs(dependant) and not (
        dependant.path_params or dependant.query_params or dependant.dependencies
    )
    if not plain or dependant.request_param_name is None or call is None or not iscoroutinefunction(call):
        return None
    return call


def _plain_route(route: APIRoute) -> bool:
    """True when the route's answer is built as this module builds it: a function's result as JSON, no options."""
    dependant = route.dependant
    return (
        route.methods is not None
        and route.methods <= {"GET", "HEAD"}
        and dependant.call is not None
        and isfunction(dependant.call)  # a plain (or async) function, not a wrapper, a partial or a class
        and unwrap(dependant.call) is dependant.call
        and getattr(dependant, "concurrency", None) is None
        and not isgeneratorfunction(dependant.call)
        and not isasyncgenfunction(dependant.call)
        and isinstance(route.response_class, DefaultPlaceholder)
        and route.response_class.value is JSONResponse
        and route.body_field is None
        and route.max_body_size is None
        and route.status_code in (None, 200)  # so the answer is a 200, as a Response's by default
        and route.stream_item_field is None
        and not route.is_json_stream
        and route.response_model_include is None
        and route.response_model_exclude is None
        and route.response_model_by_alias
        and not (
            route.response_model_exclude_unset
            or route.response_model_exclude_defaults
            or route.response_model_exclude_none
        )
        and _no_special_inputs(dependant)
    )


def serve_directly(route: APIRoute) -> bool:
    """Answer `route` through a DirectApp from now on if it is plain; True if it is (now or already). The routers
    are module-level, so every API app built adds the same route objects: the route's app is replaced once."""
    if isinstance(route.app, DirectApp):
        return True
    if not _plain_route(route):
        return False
    dependant = route.dependant
    path_parameters = [_parameter(field, "path") for field in dependant.path_params]
    query_parameters = [_parameter(field, "query") for field in dependant.query_params]
    dependencies = [(sub.name, _request_only(sub)) for sub in dependant.dependencies]
    if None in path_parameters or None in query_parameters or any(None in pair for pair in dependencies):
        return False
    # No None is left in them (refused above), which mypy cannot follow through `in`.
    route.app = DirectApp(route, path_parameters, query_parameters, dependencies)  # type: ignore[arg-type]
    return True


class DirectApp:
    """The ASGI app of a plain route (see the module docstring); FastAPI's own app answers what it does not."""

    def __init__(
        self,
        route: APIRoute,
        path_parameters: list[_Parameter],
        query_parameters: list[_Parameter],
        dependencies: list[tuple[str, Callable[[Request], Awaitable[Any]]]],
    ) -> None:
        self.fastapi_app = route.app
        self._path_parameters = path_parameters
        self._query_parameters = query_parameters
        self._dependencies = dependencies
        self._request_name = route.dependant.request_param_name
        assert route.dependant.call is not None
        self._endpoint = route.dependant.call
        self._on_event_loop = iscoroutinefunction(self._endpoint)
        self._response_field = route.response_field
        self._overrides_provider = route.dependency_overrides_provider

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        values = None
        overridden = getattr(self._overrides_provider, "dependency_overrides", None)
        if not overridden and get_telemetry_data() is None:
            values = self._read_parameters(request)
        if values is None:
            await self.fastapi_app(scope, receive, send)
            return
        response = await self._answer(request, values)
        await response(scope, receive, send)

    def _read_parameters(self, request: Request) -> dict[str, Any] | None:
        """The endpoint's parameters, or None if one is missing or invalid (FastAPI then says what is wrong)."""
        values: dict[str, Any] = {}
        for parameters, given in (
            (self._path_parameters, request.path_params),
            (self._query_parameters, request.query_params if self._query_parameters else {}),
        ):
            for parameter in parameters:
                raw = given.get(parameter.alias)
                if raw is None:
                    if parameter.required:
                        return None
                    values[parameter.name] = parameter.default
                    continue
                value, errors = parameter.field.validate(raw, values, loc=parameter.loc)
                if errors:
                    return None
                values[parameter.name] = value
        return values

    async def _answer(self, request: Request, values: dict[str, Any]) -> Response:
        for name, call in self._dependencies:
            values[name] = await call(request)
        if self._request_name is not None:
            values[self._request_name] = request
        if self._on_event_loop:
            return self._response(await self._endpoint(**values))
        # A plain function may block (FastAPI runs it on a worker thread); its answer is built there too, in one
        # hand-over (FastAPI validates it on a second one and serialises it on the event loop).
        return await run_in_threadpool(lambda: self._response(self._endpoint(**values)))

    def _response(self, result: Any) -> Response:
        """The endpoint's result as FastAPI answers it: a Response as it is, else its JSON."""
        if isinstance(result, Response):
            return result
        field = self._response_field
        if field is None:
            return JSONResponse(jsonable_encoder(result))
        value, errors = field.validate(result, {}, loc=("response",))
        if errors:
            raise ResponseValidationError(errors=errors, body=result)
        return Response(field.serialize_json(value), media_type="application/json")
