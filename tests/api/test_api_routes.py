"""The API adds its routers' routes to the app one by one (routes.add_routes) instead of FastAPI's include_router,
which would match every request through each included router in turn. The API must stay the same: the OpenAPI
document of an app that includes the same routers, the routes served, and the 404/405 answers."""

import json

from api_harness import Devnet
from fastapi.routing import APIRoute
from starlette.routing import Route

from gostaking.api.main import ROUTERS
from gostaking.api.openapi import NodeApi


def test_the_openapi_document_is_the_one_of_the_included_routers(devnet: Devnet) -> None:
    api = devnet.client.app
    assert isinstance(api, NodeApi)
    included = NodeApi(title=api.title, version=api.version, description=api.description)
    for router in ROUTERS:
        included.include_router(router)
    # Compared as text: the order of the paths and of their fields is part of the document.
    assert json.dumps(api.openapi()) == json.dumps(included.openapi())


def test_every_route_of_every_router_is_matched_on_its_own(devnet: Devnet) -> None:
    routes = devnet.client.app.routes
    assert all(type(route) in (APIRoute, Route) for route in routes)  # no router wrapping others
    served = [id(route) for route in routes]
    ours = [id(route) for router in ROUTERS for route in router.routes]
    assert served[-len(ours) :] == ours  # after FastAPI's own (/openapi.json, /docs…), in the routers' order


def test_the_last_routers_answer_and_wrong_paths_and_methods_get_the_api_s_errors(devnet: Devnet) -> None:
    client = devnet.client
    devnet.produce()
    assert client.get("/liquid/params").status_code == 200
    proved = client.get("/proofs/state", params={"key": 'params/""'})
    assert proved.status_code == 200 and proved.json()["height"] == 1
    wrong_method = client.post("/status")
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {
        "error": "MethodNotAllowed",
        "code": 405,
        "message": "POST is not allowed on /status",
    }
    unknown = client.get("/proofs/nothing-here")
    assert unknown.status_code == 404
    assert unknown.json()["message"] == "no such endpoint: GET /proofs/nothing-here"
