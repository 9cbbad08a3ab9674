"""POST /txs/simulate: a signed transaction's outcome in the next block, with nothing kept."""

from pathlib import Path

from api_compliance_harness import ALICE, compliance_params, open_compliance_devnet
from api_harness import GOS, Devnet
from msgspec.structs import replace

from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.tx import Msg, MsgClaimRewards, MsgSendCoins, MsgUnvoteNode, MsgVoteNode
from gostaking.wallet.keys import PrivateKey

RECIPIENT = PrivateKey((43).to_bytes(32, "big"))
NOT_A_NODE = PrivateKey((44).to_bytes(32, "big")).address


def _fund_operator(devnet: Devnet) -> None:
    devnet.produce(7)  # the operator mines its first GOS


def _account(devnet: Devnet, address: str) -> dict[str, object]:
    document: dict[str, object] = devnet.client.get(f"/accounts/{address}").json()
    return document


def test_a_valid_transaction_reports_its_events_and_fee_and_changes_nothing(devnet: Devnet) -> None:
    _fund_operator(devnet)
    before = _account(devnet, devnet.operator.address)
    signed = devnet.sign(devnet.operator, MsgSendCoins(RECIPIENT.address, GOS_DENOM, 5 * GOS), fee=2_000)
    response = devnet.client.post("/txs/simulate", json={"tx": signed})
    assert response.status_code == 200, response.text
    simulated = response.json()
    assert simulated["code"] == 0 and simulated["error"] == "" and simulated["accepted"] is True
    assert simulated["height"] == devnet.node.app.height and simulated["sender"] == devnet.operator.address
    assert simulated["fee"] == {"ugos": 2_000, "gos": "0.002"}
    transfer = next(event for event in simulated["events"] if event["kind"] == "transfer")
    assert transfer["attributes"]["amount"] == str(5 * GOS) and transfer["attributes"]["recipient"] == RECIPIENT.address
    assert _account(devnet, devnet.operator.address) == before
    assert _account(devnet, RECIPIENT.address)["gos"] == {"ugos": 0, "gos": "0"}
    assert devnet.node.app.mempool.get(bytes.fromhex(simulated["tx_hash"])) is None
    # the very same bytes are still valid afterwards: the simulation used no sequence
    assert devnet.client.post("/txs", json={"tx": signed}).status_code == 202
    devnet.produce()
    assert _account(devnet, RECIPIENT.address)["gos"] == {"ugos": 5 * GOS, "gos": "5"}


def test_a_message_that_fails_in_the_block_shows_its_error_and_the_fee_it_would_cost(devnet: Devnet) -> None:
    _fund_operator(devnet)
    balance = _account(devnet, devnet.operator.address)["gos"]
    assert isinstance(balance, dict)
    too_much = balance["ugos"] + GOS
    cases: dict[str, Msg] = {
        "InsufficientFundsError": MsgSendCoins(RECIPIENT.address, GOS_DENOM, too_much),
        "UnknownNodeError": MsgVoteNode(NOT_A_NODE, GOS),
        "InsufficientDelegationError": MsgUnvoteNode(devnet.operator.address, GOS),
    }
    for expected, msg in cases.items():
        simulated = devnet.client.post("/txs/simulate", json={"tx": devnet.sign(devnet.operator, msg)}).json()
        assert simulated["code"] != 0 and simulated["accepted"] is True, simulated
        assert simulated["log"] == f"{simulated['error']}: {simulated['message']}"
        assert simulated["events"] == [] and simulated["fee"]["ugos"] == 1_000
        assert simulated["error"] == expected, simulated
    assert _account(devnet, devnet.operator.address)["gos"] == balance


def test_a_transaction_refused_before_the_block_pays_no_fee(devnet: Devnet) -> None:
    _fund_operator(devnet)
    sequence = _account(devnet, devnet.operator.address)["next_sequence"]
    assert isinstance(sequence, int)
    stale = devnet.sign(devnet.operator, MsgSendCoins(RECIPIENT.address, GOS_DENOM, GOS), sequence=sequence + 5)
    simulated = devnet.client.post("/txs/simulate", json={"tx": stale}).json()
    assert simulated["error"] == "BadSequenceError" and simulated["accepted"] is False
    assert simulated["fee"]["ugos"] == 0 and simulated["sender"] == devnet.operator.address
    poor = devnet.sign(RECIPIENT, MsgSendCoins(devnet.operator.address, GOS_DENOM, GOS), sequence=0)
    simulated = devnet.client.post("/txs/simulate", json={"tx": poor}).json()
    assert simulated["error"] == "InsufficientFundsError" and simulated["accepted"] is False


def test_it_runs_after_the_senders_pending_transactions(devnet: Devnet) -> None:
    _fund_operator(devnet)
    balance = _account(devnet, devnet.operator.address)["gos"]
    assert isinstance(balance, dict)
    half = balance["ugos"] // 2
    pending = devnet.sign(devnet.operator, MsgSendCoins(RECIPIENT.address, GOS_DENOM, GOS))
    assert devnet.client.post("/txs", json={"tx": pending}).status_code == 202  # pending, not yet in a block
    simulated = devnet.client.post("/txs/simulate", json={"tx": pending}).json()
    assert simulated["error"] == "DuplicateTxError" and simulated["accepted"] is False, simulated
    next_one = devnet.sign(devnet.operator, MsgSendCoins(RECIPIENT.address, GOS_DENOM, half))
    simulated = devnet.client.post("/txs/simulate", json={"tx": next_one}).json()
    assert simulated["code"] == 0 and simulated["accepted"] is True, simulated
    # the pending fee counts against the balance: all of it minus the pending fee is one fee too much
    everything = devnet.sign(devnet.operator, MsgSendCoins(RECIPIENT.address, GOS_DENOM, balance["ugos"] - 1_000))
    simulated = devnet.client.post("/txs/simulate", json={"tx": everything}).json()
    assert simulated["error"] == "InsufficientFundsError", simulated
    assert devnet.node.app.mempool.pending_fees(devnet.operator.address) == 1_000
    devnet.produce()
    simulated = devnet.client.post("/txs/simulate", json={"tx": pending}).json()
    assert simulated["error"] == "AlreadyIncludedError" and simulated["accepted"] is False, simulated


def test_bodies_that_are_not_transactions_are_400(devnet: Devnet) -> None:
    devnet.produce()
    for body, error in (
        ({"tx": "zz"}, "InvalidRequest"),
        ({"tx": "00ff00ff"}, "DecodeError"),
        ({}, "InvalidRequest"),
    ):
        response = devnet.client.post("/txs/simulate", json=body)
        assert response.status_code in (400, 422), response.text
        assert response.json()["error"] in (error, "ValidationError"), response.text


def test_claims_show_the_gos_they_paid_at_the_index_of_their_block(tmp_path: Path) -> None:
    """A claim is recorded in GOS shares; GET /txs shows the GOS it paid, which is what the balance gained, and a
    claim from before a burn keeps its GOS after the burn moved the index."""
    params = compliance_params()
    burns = replace(params.emission, burn_start_height=14, burn_interval_blocks=4, burn_count=2)  # at 14 and 18
    with open_compliance_devnet(tmp_path, replace(params, emission=burns)) as devnet:
        devnet.produce(7)
        devnet.submit(devnet.operator, MsgSendCoins(ALICE.address, GOS_DENOM, 20 * GOS))
        devnet.produce()
        devnet.submit(ALICE, MsgVoteNode(devnet.operator.address, 10 * GOS))
        devnet.produce(2)

        def claim() -> dict[str, str]:
            before = _account(devnet, ALICE.address)["gos"]
            tx_hash = devnet.submit(ALICE, MsgClaimRewards())
            devnet.produce()
            gained = _account(devnet, ALICE.address)["gos"]
            assert isinstance(before, dict) and isinstance(gained, dict)
            included = devnet.client.get(f"/txs/{tx_hash}").json()
            attributes: dict[str, str] = next(e for e in included["events"] if e["kind"] == "claim")["attributes"]
            # balances are shares shown rounded down, and the fee takes its shares rounded up: after a burn (index
            # below 1) the balance's gain may differ from the claim's own rounding by a ugos each
            change = gained["ugos"] - before["ugos"] + included["fee"]["ugos"]
            assert int(attributes["amount"]) > 0 and abs(int(attributes["amount"]) - change) <= 2, (attributes, change)
            assert attributes["gos"] == _gos_text(int(attributes["amount"]))
            block = devnet.client.get(f"/blocks/{included['height']}").json()
            in_block = next(tx for tx in block["txs"] if tx["hash"] == tx_hash)
            assert next(e for e in in_block["events"] if e["kind"] == "claim")["attributes"] == attributes
            return {**attributes, "tx_hash": tx_hash, "change": str(change)}

        early = claim()
        assert devnet.node.app.height < 14 and early["amount"] == early["shares"]  # no burn yet: 1 share = 1 ugos
        assert early["amount"] == early["change"]  # and at index 1 there is no rounding at all
        devnet.produce(20 - devnet.node.app.height)  # both burns
        late = claim()
        assert int(late["amount"]) < int(late["shares"])  # after the burns a share is worth less than 1 ugos
        again = devnet.client.get(f"/txs/{early['tx_hash']}").json()
        claimed = next(e for e in again["events"] if e["kind"] == "claim")["attributes"]
        assert claimed["amount"] == early["amount"] and claimed["gos"] == early["gos"]
        block = devnet.client.get(f"/blocks/{again['height']}").json()
        in_block = next(tx for tx in block["txs"] if tx["hash"] == early["tx_hash"])
        assert next(e for e in in_block["events"] if e["kind"] == "claim")["attributes"] == claimed


def _gos_text(ugos: int) -> str:
    whole, fraction = divmod(ugos, GOS)
    return f"{whole}.{fraction:06d}".rstrip("0").rstrip(".")
