"""Bad input always gets a clear 400 in the API's error shape, never a 500: every integer parameter of every
operation (found in the OpenAPI document, so a new one is covered too) is sent 2^63, 2^64, 10^30 and -1, on a
seeded chain so that the other parameters name real rows. And the OpenAPI document lists the error answers the
API really gives: 400 (not FastAPI's 422), 413 for bodies, 503, and each route's 404/429."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from api_book_harness import BOOK_MODULES
from api_compliance_harness import open_compliance_devnet
from api_harness import Devnet
from api_seeded_harness import Seeded, seed, valid_values

from gostaking.api.pages import MAX_INT
from gostaking.chain.errors import MAX_AMOUNT

HUGE_AND_NEGATIVE = (2**63, 2**64, 10**30, -1)
AMOUNTS = {"amount_in", "min_out"}
"""Integer parameters that are amounts: any 1 .. 2^256-1 is meaningful (wei amounts pass 2^63), so 2^63, 2^64
and 10^30 get a quote or a clear 400 (an empty pool, a wrong denom), never a 500."""
ERROR_KEYS = {"error", "code", "message"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Devnet, Seeded]]:
    with open_compliance_devnet(tmp_path_factory.mktemp("bounds"), modules=BOOK_MODULES) as chain:
        yield chain, seed(chain)


@pytest.fixture(scope="module")
def document(seeded: tuple[Devnet, Seeded]) -> dict[str, Any]:
    openapi: dict[str, Any] = seeded[0].client.get("/openapi.json").json()
    return openapi


def _types(schema: dict[str, Any]) -> set[str]:
    return {schema.get("type", ""), *(option.get("type", "") for option in schema.get("anyOf", ()))}


def _bound(schema: dict[str, Any], key: str) -> int | None:
    for candidate in (schema, *schema.get("anyOf", ())):
        if key in candidate:
            value: int = candidate[key]
            return value
    return None


def integer_parameters(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, parameter) of every integer parameter of the document."""
    return [
        (method, path, parameter)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", ())
        if "integer" in _types(parameter["schema"])
    ]


def _request(
    chain: Devnet, document: dict[str, Any], method: str, path: str, values: dict[str, Any], tested: str
) -> tuple[int, Any]:
    """Send `method path` with the path filled from `values`, the required query parameters and `tested`."""
    url = path
    query = {}
    for parameter in document["paths"][path][method].get("parameters", ()):
        name = parameter["name"]
        if parameter["in"] == "path":
            url = url.replace("{" + name + "}", str(values[name]))
        elif parameter.get("required") or name == tested:
            query[name] = values[name]
    response = chain.client.request(method.upper(), url, params=query)
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
    return response.status_code, body


def test_every_integer_parameter_has_bounds_in_the_document(document: dict[str, Any]) -> None:
    found = integer_parameters(document)
    assert len(found) >= 40, len(found)
    for method, path, parameter in found:
        schema, name = parameter["schema"], parameter["name"]
        ceiling = MAX_AMOUNT if name in AMOUNTS else MAX_INT
        maximum, minimum = _bound(schema, "maximum"), _bound(schema, "minimum")
        assert maximum is not None and maximum <= ceiling, (method, path, name, schema)
        assert minimum is not None and minimum >= 0, (method, path, name, schema)


def test_integers_of_2_63_and_more_or_negative_answer_400_never_500(
    seeded: tuple[Devnet, Seeded], document: dict[str, Any]
) -> None:
    chain, rows = seeded
    base = valid_values(rows)
    answers: dict[tuple[str, str, str, int], int] = {}
    for method, path, parameter in integer_parameters(document):
        name = parameter["name"]
        for value in HUGE_AND_NEGATIVE:
            status, body = _request(chain, document, method, path, {**base, name: value}, name)
            answers[(method, path, name, value)] = status
            assert status != 500, (method, path, name, value, body)
            if name in AMOUNTS and value > 0:
                assert status in (200, 400), (method, path, name, value, body)
            else:
                assert status == 400, (method, path, name, value, body)
            if status == 400:
                assert set(body) == ERROR_KEYS and body["code"] == 400 and body["message"], (path, name, value)
                if body["error"] == "InvalidRequest":
                    assert name in body["message"], (path, name, value, body)
    assert len(answers) == 4 * len(integer_parameters(document))
    quote = chain.client.get("/dex/quote", params={"pair": "btc", "denom_in": "ugos", "amount_in": 2**64})
    assert quote.status_code == 200 and quote.json()["amount_in"]["amount"] == 2**64  # an amount, not an overflow
    too_much = chain.client.get("/dex/quote", params={"pair": "btc", "denom_in": "ugos", "amount_in": 2**256})
    assert too_much.status_code == 400 and "amount_in" in too_much.json()["message"]


@pytest.mark.parametrize("height", ["9223372036854775808", "18446744073709551616", "1" + "0" * 30, "-1", "0"])
def test_block_heights_out_of_range_answer_400(seeded: tuple[Devnet, Seeded], height: str) -> None:
    response = seeded[0].client.get(f"/blocks/{height}")
    assert response.status_code == 400 and "positive integer" in response.json()["message"]
    assert set(response.json()) == ERROR_KEYS
    assert seeded[0].client.get("/blocks/9223372036854775807").status_code == 404


@pytest.mark.parametrize("query", ["9223372036854775808", "1" + "0" * 30, "-1", "1" * 128])
def test_searching_huge_numbers_is_not_found_not_a_crash(seeded: tuple[Devnet, Seeded], query: str) -> None:
    response = seeded[0].client.get("/explorer/search", params={"q": query})
    assert response.status_code == 404 and set(response.json()) == ERROR_KEYS


def test_openapi_lists_400_not_422_and_the_other_real_answers(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    assert '"422"' not in text and "HTTPValidationError" not in text and "ValidationError" not in text
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
    assert set(document["components"]["schemas"]["ErrorResponse"]["properties"]) == ERROR_KEYS
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            where = f"{method.upper()} {path}"
            for status, answer in responses.items():
                if status.startswith(("4", "5")):
                    assert answer["content"]["application/json"]["schema"] == error_ref, (where, status)
            if operation.get("parameters") or "requestBody" in operation:
                assert "400" in responses, where
            if "requestBody" in operation:
                assert "413" in responses, where
            assert "503" in responses and "Retry-After" in responses["503"]["headers"], where
    faucet = document["paths"]["/faucet"]["post"]["responses"]
    assert {"400", "404", "413", "429", "503"} <= set(faucet) and "Retry-After" in faucet["429"]["headers"]
    for path in ("/txs/{tx_hash}", "/blocks/{height}", "/nodes/{operator}", "/governance/proposals/{proposal_id}"):
        assert "404" in document["paths"][path]["get"]["responses"], path
    assert document["paths"]["/status"]["get"]["responses"].keys() == {"200", "503"}


def test_every_documented_400_is_what_a_bad_parameter_gets(seeded: tuple[Devnet, Seeded]) -> None:
    client = seeded[0].client
    for path, params in (
        ("/governance/proposals/-1", {}),
        ("/governance/proposals", {"limit": "many"}),
        ("/compliance/frozen", {"limit": 501}),
        ("/custody/sanctions", {"offset": 2**63}),
        ("/explorer/blocks", {"before": 2**64}),
    ):
        response = client.get(path, params=params)
        assert response.status_code == 400 and response.json()["error"] == "InvalidRequest", (path, params)


def test_a_huge_offset_is_an_empty_page_not_an_error(seeded: tuple[Devnet, Seeded]) -> None:
    client = seeded[0].client
    for path, field in (
        ("/custody/withdrawals", "withdrawals"),
        ("/custody/reclaims", "reclaims"),
        ("/governance/proposals", "proposals"),
        ("/nodes", "nodes"),
        ("/governance/report", "proposals"),
    ):
        page = client.get(path, params={"offset": MAX_INT})
        assert page.status_code == 200 and page.json()[field] == [], path
    listed = client.get("/compliance/frozen", params={"offset": MAX_INT})
    assert listed.json() == [] and listed.headers["x-total-count"] == "1"
