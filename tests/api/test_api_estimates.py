"""GET /accounts/{address}/estimate with a prospective vote, stake or lock: the figures the chain's mining query gives,
equal to what the account's own estimate shows once it really does it; bad additions get a 400 and change nothing."""

import pytest
from api_harness import GOS, Devnet

from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.tx import MsgLockAsset, MsgSendCoins, MsgStakeNode, MsgVoteNode
from gostaking.wallet.keys import PrivateKey

ALICE = PrivateKey((43).to_bytes(32, "big"))
BTC, ETH = 10**8, 10**18


def fund_alice(devnet: Devnet) -> None:
    """Mine until the operator has 60 GOS, then give Alice 50 GOS, 2 BTC and 20 ETH."""
    devnet.produce(7)
    devnet.submit(devnet.operator, MsgSendCoins(ALICE.address, GOS_DENOM, 50 * GOS))
    devnet.submit(
        devnet.faucet, MsgSendCoins(ALICE.address, "btc", 2 * BTC), MsgSendCoins(ALICE.address, "eth", 20 * ETH)
    )
    devnet.produce()


def estimate(devnet: Devnet, **params: object) -> dict[str, object]:
    response = devnet.client.get(f"/accounts/{ALICE.address}/estimate", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


FIGURES = ("hash_power", "network_hash_power", "share_of_network", "gos_per_day", "position_value", "apr", "apr_ppm")


def test_a_prospective_vote_stake_and_locks_are_what_the_account_gets_once_done(devnet: Devnet) -> None:
    fund_alice(devnet)
    network_before = devnet.client.get("/hashpower").json()["total"]["micro_hs"]
    asked = estimate(devnet, vote=3 * GOS, stake=2 * GOS, lock=["btc:50000000", "btc:50000000", f"eth:{20 * ETH}"])
    assert asked["hash_power"] == {"micro_hs": 0, "hs": "0"} and asked["apr_ppm"] == 0
    assert [(a["pool"], a["amount"]["display"], a["amount"]["display_denom"]) for a in asked["additions"]] == [
        ("lock:btc", "1", "btc"),  # the two half-BTC locks add up
        ("lock:eth", "20", "eth"),
        ("stake", "2", "gos"),
        ("vote", "3", "gos"),
    ]
    whole, alone = asked["with_additions"], asked["additions_alone"]
    assert isinstance(whole, dict) and isinstance(alone, dict)
    assert alone == whole  # nothing held yet: the additions are all of it
    assert whole["network_hash_power"]["micro_hs"] == network_before + whole["hash_power"]["micro_hs"]

    devnet.submit(
        ALICE,
        MsgLockAsset("btc", 1 * BTC),
        MsgLockAsset("eth", 20 * ETH),
        MsgVoteNode(devnet.operator.address, 3 * GOS),
        MsgStakeNode(devnet.operator.address, 2 * GOS),
    )
    devnet.produce()
    after = estimate(devnet)
    assert after["additions"] == [] and after["with_additions"] is None and after["additions_alone"] is None
    assert {name: after[name] for name in FIGURES} == {name: whole[name] for name in FIGURES}


def test_an_addition_to_held_positions_reports_the_whole_and_the_addition_alone(devnet: Devnet) -> None:
    fund_alice(devnet)
    devnet.submit(ALICE, MsgVoteNode(devnet.operator.address, 10 * GOS))
    devnet.produce()
    asked = estimate(devnet, stake=10 * GOS)
    whole, alone = asked["with_additions"], asked["additions_alone"]
    assert isinstance(whole, dict) and isinstance(alone, dict)
    assert asked["hash_power"]["hs"] == "10" and alone["hash_power"]["hs"] == "30"  # a stake counts three times
    assert whole["hash_power"]["hs"] == "40" and whole["position_value"]["gos"] == "20"
    assert alone["position_value"]["gos"] == "10" and alone["network_hash_power"] == whole["network_hash_power"]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"vote": 0}, "vote"),
        ({"stake": -1}, "stake"),
        ({"vote": "ten"}, "vote"),
        ({"lock": "btc"}, "denom:amount"),
        ({"lock": "btc:"}, "denom:amount"),
        ({"lock": ":5"}, "denom:amount"),
        ({"lock": "btc:1.5"}, "denom:amount"),
        ({"lock": "btc:0"}, "1..2^256-1"),
        ({"lock": f"btc:{2**256}"}, "1..2^256-1"),
        ({"lock": "doge:1"}, "lock:doge"),
        ({"lock": [f"btc:{n}" for n in range(1, 18)]}, "at most 16"),
    ],
)
def test_bad_additions_answer_400_with_a_clear_message(devnet: Devnet, params: dict[str, object], words: str) -> None:
    response = devnet.client.get(f"/accounts/{ALICE.address}/estimate", params=params)
    body = response.json()
    assert response.status_code == 400 and set(body) == {"error", "code", "message"}, body
    assert words in body["message"], body


def test_the_openapi_document_lists_the_additions(devnet: Devnet) -> None:
    operation = devnet.client.get("/openapi.json").json()["paths"]["/accounts/{address}/estimate"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert {"vote", "stake", "lock"} <= parameters.keys() and "400" in operation["responses"]
    assert parameters["lock"]["schema"]["anyOf"][0]["type"] == "array"


def test_the_whitepaper_alice_before_she_does_anything_on_a_devnet_set_up_like_her(devnet: Devnet) -> None:
    """Bob's 796 BTC are the rest of the whitepaper's network; Alice holds nothing yet and asks what 1 BTC, 20 ETH,
    100 DCR, 500 GOS voted and 500 GOS staked would earn: 4,000 of 800,000 H/s, 0.5%, 1,224 GOS a day."""
    bob = PrivateKey((44).to_bytes(32, "big"))
    devnet.produce(7)  # no premine: the operator mines Bob's fee
    devnet.submit(devnet.operator, MsgSendCoins(bob.address, GOS_DENOM, GOS))  # Bob's fee
    devnet.submit(devnet.faucet, MsgSendCoins(bob.address, "btc", 796 * BTC))
    devnet.produce()
    devnet.submit(bob, MsgLockAsset("btc", 796 * BTC))
    devnet.produce()
    locks = ["btc:100000000", f"eth:{20 * ETH}", "dcr:10000000000"]
    asked = estimate(devnet, vote=500 * GOS, stake=500 * GOS, lock=locks)
    whole = asked["with_additions"]
    assert isinstance(whole, dict)
    assert whole["hash_power"]["hs"] == "4000" and whole["network_hash_power"]["hs"] == "800000"
    assert whole["share_of_network"] == "0.5%" and whole["gos_per_day"]["gos"] == "1224"
    assert whole["position_value"]["gos"] == "18000" and whole["apr"] == "2482%"
