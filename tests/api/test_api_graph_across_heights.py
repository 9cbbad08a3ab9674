"""/explorer/graph keeps its vertices and edges across heights while the bonds, nodes, index and pools it shows stay
the same (KeptParts in api/height_cache.py), and renders them again as soon as one of them changes."""

from typing import Any

import pytest
from api_harness import GOS, Devnet

from gostaking.api.height_cache import KeptParts
from gostaking.api.routes import explorer_views
from gostaking.chain.types.tx import MsgVoteNode


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The graphs rendered (not taken from the kept parts) from now on, counted on a fresh KeptParts."""
    monkeypatch.setattr(explorer_views, "GRAPH_PARTS", KeptParts())
    rendered: list[Any] = []
    render = explorer_views._render_graph

    def counted(inputs: Any) -> dict[str, Any]:
        rendered.append(inputs)
        return render(inputs)

    monkeypatch.setattr(explorer_views, "_render_graph", counted)
    return rendered


def test_a_graph_is_rendered_again_only_when_what_it_shows_changes(devnet: Devnet, renders: list[Any]) -> None:
    operator = devnet.operator.address
    devnet.produce(7)  # the operator's first GOS
    devnet.submit(devnet.operator, MsgVoteNode(operator, 5 * GOS))
    devnet.produce()

    def graph(**params: Any) -> dict[str, Any]:
        answer: dict[str, Any] = devnet.client.get("/explorer/graph", params=params).json()
        return answer

    def votes(answer: dict[str, Any]) -> list[str]:
        return [e["amount"]["gos"] for e in answer["edges"] if e["kind"] == "vote" and e["source"] == operator]

    first, whole = graph(operator=operator), graph()
    assert votes(first) == votes(whole) == ["5"] and len(renders) == 2

    height = devnet.produce(2)  # blocks that change no bond, node, index or pool
    later, later_whole = graph(operator=operator), graph()
    assert later["height"] == later_whole["height"] == height == first["height"] + 2
    assert {**later, "height": 0} == {**first, "height": 0} and {**later_whole, "height": 0} == {**whole, "height": 0}
    assert len(renders) == 2
    # The kept answer is the one a render gives.
    explorer_views.GRAPH_PARTS = KeptParts()
    devnet.produce()
    assert {**graph(operator=operator), "height": 0} == {**later, "height": 0} and len(renders) == 3

    devnet.submit(devnet.operator, MsgVoteNode(operator, 3 * GOS))  # a bond changes: rendered again
    devnet.produce()
    assert votes(graph(operator=operator)) == votes(graph()) == ["8"] and len(renders) == 5
    top, full = graph(operator=operator, limit=1), graph(operator=operator)  # limit 1: a key of its own
    assert top["edges"] == full["edges"] and top["truncated"] is False and len(renders) == 6
