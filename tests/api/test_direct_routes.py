"""The plain read routes are answered without FastAPI's dependency solving (gostaking/api/direct.py), and what a
client gets is the same as FastAPI's own answer: for every directly served route of the seeded chain, with good
parameters, optional ones set, bad or missing ones and repeated ones, the status, headers and body bytes are
compared with those of the route's FastAPI app on the same request."""

import contextlib
from collections.abc import Iterator
from typing import Any, Literal, get_args, get_origin

import pytest
from api_book_harness import BOOK_MODULES
from api_compliance_harness import open_compliance_devnet
from api_harness import Devnet
from api_seeded_harness import Seeded, seed, valid_values
from fastapi.routing import APIRoute
from starlette.types import Receive, Scope, Send

from gostaking.api.direct import DirectApp, serve_directly
from gostaking.api.main import create_api


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Devnet, Seeded]]:
    with open_compliance_devnet(tmp_path_factory.mktemp("direct"), modules=BOOK_MODULES) as chain:
        yield chain, seed(chain)


def direct_routes(chain: Devnet) -> list[APIRoute]:
    routes = chain.client.app.router.routes  # type: ignore[attr-defined]
    return [route for route in routes if isinstance(route, APIRoute) and isinstance(route.app, DirectApp)]


def _example(annotation: Any, name: str, values: dict[str, Any]) -> str:
    """A valid value for an optional query parameter."""
    if name in values:
        return str(values[name])
    options = [arg for arg in get_args(annotation) if arg is not type(None)] or [annotation]
    first = options[0]
    if get_origin(first) is Literal:
        return str(get_args(first)[-1])
    return {int: "1", bool: "true"}.get(first, "1")


def _is_int(annotation: Any) -> bool:
    return annotation is int or int in get_args(annotation)


Request = tuple[str, list[tuple[str, str]], bool | None]
"""A path, its query and whether it is valid (None: depends on the parameter)."""


def requests_for(route: APIRoute, values: dict[str, Any]) -> list[Request]:
    """The requests sent to `route`: good ones and bad ones."""
    dependant = route.dependant
    path = route.path_format
    for field in dependant.path_params:
        assert field.alias in values, f"valid_values has no {field.alias} for {route.path}"
        path = path.replace("{" + field.alias + "}", str(values[field.alias]))
    required = [
        (field.alias, str(values[field.alias])) for field in dependant.query_params if field.field_info.is_required()
    ]
    optional = [field for field in dependant.query_params if not field.field_info.is_required()]
    found: list[Request] = [(path, required, True)]
    for field in optional:
        example = _example(field.field_info.annotation, field.alias, values)
        found.append((path, [*required, (field.alias, example)], True))
        # Repeated: a bad value then a good one, and the other way round (the last one counts, in both apps).
        found.append((path, [*required, (field.alias, "x"), (field.alias, example)], True))
        last_bad = False if _is_int(field.field_info.annotation) else None  # "x" is a fair string
        found.append((path, [*required, (field.alias, example), (field.alias, "x")], last_bad))
    for field in dependant.query_params:
        others = [pair for pair in required if pair[0] != field.alias]
        if _is_int(field.field_info.annotation):
            found += [(path, [*others, (field.alias, bad)], False) for bad in ("x", "", "-1")]
            found.append((path, [*others, (field.alias, str(2**64))], None))  # past MAX_INT, a fair amount
        if field.field_info.is_required():
            found.append((path, others, False))
    for field in dependant.path_params:
        bad_path = route.path_format
        for other in dependant.path_params:
            given = "nope" if other is field else str(values[other.alias])
            bad_path = bad_path.replace("{" + other.alias + "}", given)
        found.append((bad_path, required, False))
    return found


@contextlib.contextmanager
def fastapi_answers(route: APIRoute) -> Iterator[None]:
    """Within: `route` is answered by FastAPI's own app."""
    direct = route.app
    assert isinstance(direct, DirectApp)
    route.app = direct.fastapi_app
    try:
        yield
    finally:
        route.app = direct


@contextlib.contextmanager
def counted_fallbacks(route: APIRoute) -> Iterator[list[str]]:
    """Within: the requests the route's DirectApp hands to FastAPI's app are listed."""
    direct = route.app
    assert isinstance(direct, DirectApp)
    fastapi_app, handed = direct.fastapi_app, []

    async def counting(scope: Scope, receive: Receive, send: Send) -> None:
        handed.append(scope["path"])
        await fastapi_app(scope, receive, send)

    direct.fastapi_app = counting
    try:
        yield handed
    finally:
        direct.fastapi_app = fastapi_app


def test_direct_routes_answer_every_request_as_fastapi_does(seeded: tuple[Devnet, Seeded]) -> None:
    chain, rows = seeded
    # A static file of the explorer and of the browser app; no liquid-staking ticket exists (404 both ways).
    values = {**valid_values(rows), "path": "js/app.js", "ticket_id": 1}
    routes = direct_routes(chain)
    assert len(routes) >= 60, [route.path for route in routes]  # the plain reads: most GET routes
    served_directly = compared = 0
    for route in routes:
        for path, query, valid in requests_for(route, values):
            with counted_fallbacks(route) as handed:
                direct = chain.client.get(path, params=query)
            with fastapi_answers(route):
                fastapi = chain.client.get(path, params=query)
            where = (route.path, path, query)
            assert direct.status_code == fastapi.status_code, (*where, direct.text, fastapi.text)
            assert direct.content == fastapi.content, where
            assert direct.headers.items() == fastapi.headers.items(), where
            assert direct.status_code != 500, (*where, direct.text)
            compared += 1
            if valid and direct.status_code == 200:
                assert handed == [], where  # a good request is answered directly, not handed on
                served_directly += 1
            if valid is False:
                assert direct.status_code in (400, 404), (*where, direct.text)
    assert compared > 500 and served_directly > 170, (compared, served_directly)


def test_the_node_routes_are_served_directly(seeded: tuple[Devnet, Seeded]) -> None:
    paths = {route.path for route in direct_routes(seeded[0])}
    hot = {"/status", "/accounts/{address}", "/accounts/{address}/rewards", "/txs/{tx_hash}", "/explorer/index"}
    assert hot <= paths, hot - paths
    assert "/txs" not in paths  # a body: FastAPI's to read


def test_a_route_is_made_direct_once_however_many_apps_serve_it(seeded: tuple[Devnet, Seeded]) -> None:
    chain = seeded[0]
    create_api(chain.node)  # adds the same module-level routes again
    for route in direct_routes(chain):
        assert isinstance(route.app, DirectApp) and not isinstance(route.app.fastapi_app, DirectApp), route.path
        assert serve_directly(route)
        assert not isinstance(route.app.fastapi_app, DirectApp), route.path
