"""GET /events/kinds: the chain's published event list, and the events blocks carry conform to it."""

from api_harness import GOS, Devnet

from gostaking.chain.modules.bank.events import TransferEvent
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.state import registry_of
from gostaking.chain.types.tx import MsgSendCoins, MsgVoteNode
from gostaking.wallet.keys import PrivateKey


def test_the_list_is_the_registrys(devnet: Devnet) -> None:
    kinds = devnet.client.get("/events/kinds").json()
    assert kinds == [
        {
            "kind": k.kind,
            "module": k.module,
            "attributes": [{"name": name, "type": type_name} for name, type_name in k.fields],
            "description": k.doc,
        }
        for k in registry_of(None).event_kinds()
    ]
    assert len({k["kind"] for k in kinds}) == len(kinds) > 40
    assert all(k["description"] and k["module"] for k in kinds)
    transfer = next(k for k in kinds if k["kind"] == TransferEvent.event_kind())
    assert transfer["module"] == "bank"
    assert transfer["attributes"] == [
        {"name": "sender", "type": "str"},
        {"name": "recipient", "type": "str"},
        {"name": "denom", "type": "str"},
        {"name": "amount", "type": "int"},
    ]


def test_the_events_of_blocks_and_transactions_are_listed_kinds(devnet: Devnet) -> None:
    devnet.produce(7)
    recipient = PrivateKey((7).to_bytes(32, "big")).address
    devnet.submit(devnet.operator, MsgSendCoins(recipient, GOS_DENOM, 5 * GOS))
    devnet.submit(devnet.operator, MsgVoteNode(devnet.operator.address, GOS))
    height = devnet.produce()
    listed = {k["kind"]: k for k in devnet.client.get("/events/kinds").json()}
    seen = []
    for h in range(1, height + 1):
        block = devnet.client.get(f"/blocks/{h}").json()
        seen += block["events"]
        for tx in block["txs"]:
            seen += devnet.client.get(f"/txs/{tx['hash']}").json()["events"]
    assert {"mint", "transfer", "vote"} <= {e["kind"] for e in seen}
    for event in seen:
        types = {a["name"]: a["type"] for a in listed[event["kind"]]["attributes"]}
        assert list(event["attributes"]) == [name for name in types if name in event["attributes"]]  # wire order
        for name, value in event["attributes"].items():
            assert types[name] != "int" or value.lstrip("-").isdigit(), (event, name)


def test_the_route_is_documented(devnet: Devnet) -> None:
    operation = devnet.client.get("/openapi.json").json()["paths"]["/events/kinds"]["get"]
    assert operation["tags"] == ["events"] and operation["summary"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["type"] == "array" and schema["items"]["$ref"].endswith("/EventKindView")
