"""GET /custody/…: deposits attested by custodians, their reclaims, withdrawals, sanctions holds, parameters."""

import hashlib

from api_compliance_harness import (
    ALICE,
    BOB,
    COUNCIL,
    CUSTODIANS,
    PROVIDER,
    council_decides,
    fund_actors,
    get,
    ok,
    run,
)
from api_harness import Devnet

from gostaking.chain.types.tx import (
    MsgAttestDeposit,
    MsgAttestKyc,
    MsgConfirmWithdrawal,
    MsgReportReclaim,
    MsgRequestWithdrawal,
    MsgResolveHold,
    MsgSendCoins,
    MsgUpdateSanctions,
    SanctionUpdate,
)

BTC = 10**8


def _deposit(tx_id: str, sender: str = "bc1qsender", amount: int = BTC // 2) -> MsgAttestDeposit:
    """An attestation of a BTC deposit to Alice."""
    return MsgAttestDeposit("bitcoin", tx_id, sender, ALICE.address, "btc", amount)


def test_deposits_are_credited_by_two_custodians_and_sanctioned_ones_held(chain: Devnet) -> None:
    fund_actors(chain)
    params = get(chain, "/custody/params")
    assert params == {
        "enabled": True,
        "custodians": [k.address for k in CUSTODIANS],
        "threshold": 2,
        "council": [k.address for k in COUNCIL],
        "council_threshold": 2,
        "withdraw_min_kyc_level": 1,
    }
    btc_before = _btc(chain, ALICE.address)

    first = ok(chain, CUSTODIANS[0], _deposit("aa11"))["height"]
    pending = get(chain, "/custody/deposits", status="pending")
    assert pending["total"] == 1
    view = pending["deposits"][0]
    assert view["key"] == "bitcoin:aa11" and view["status"] == "pending" and view["attestations"] == "1/2"
    assert view["amount"] == {"denom": "btc", "amount": BTC // 2, "display": "0.5", "display_denom": "btc"}
    assert view["from_address"] == "bc1qsender" and view["recipient"] == ALICE.address
    assert view["first_seen_height"] == first and view["resolved_height"] is None

    credited_at = ok(chain, CUSTODIANS[1], _deposit("aa11"))["height"]
    deposit = get(chain, "/custody/deposits/bitcoin/aa11")
    assert deposit["status"] == "credited" and deposit["resolved_height"] == credited_at
    assert deposit["attesters"] == [CUSTODIANS[0].address, CUSTODIANS[1].address] and deposit["attestations"] == "2/2"
    assert _btc(chain, ALICE.address) == btc_before + BTC // 2
    conflicting = run(chain, CUSTODIANS[2], _deposit("aa11", amount=BTC))
    assert conflicting["code"] != 0 and "different details" in conflicting["log"]

    council_decides(
        chain,
        MsgUpdateSanctions([SanctionUpdate("bitcoin", "BC1QBAD", True), SanctionUpdate("ethereum", "0xdead", True)]),
    )
    sanctions = get(chain, "/custody/sanctions", hosted_chain="bitcoin")
    assert sanctions["total"] == 1
    assert sanctions["sanctions"][0] | {"listed_height": 0} == {
        "hosted_chain": "bitcoin",
        "address": "bc1qbad",
        "source": "OFAC-SDN",
        "listed_height": 0,
    }
    assert get(chain, "/custody/sanctions")["total"] == 2
    assert get(chain, "/custody/sanctions", limit=1, offset=1)["sanctions"][0]["hosted_chain"] == "ethereum"

    ok(chain, CUSTODIANS[0], _deposit("bb22", sender="bc1qBAD"))
    ok(chain, CUSTODIANS[2], _deposit("bb22", sender="bc1qBAD"))
    assert get(chain, "/custody/deposits/bitcoin/bb22")["status"] == "held"
    assert [d["key"] for d in get(chain, "/custody/deposits", status="held")["deposits"]] == ["bitcoin:bb22"]
    listed = get(chain, "/custody/deposits")
    assert [d["key"] for d in listed["deposits"]] == ["bitcoin:bb22", "bitcoin:aa11"]  # newest first
    assert [d["key"] for d in get(chain, "/custody/deposits", order="asc", limit=1)["deposits"]] == ["bitcoin:aa11"]

    council_decides(chain, MsgResolveHold(True, deposit="bitcoin:bb22"))
    assert get(chain, "/custody/deposits/bitcoin/bb22")["status"] == "credited"
    assert _btc(chain, ALICE.address) == btc_before + BTC


def test_withdrawals_need_kyc_and_are_confirmed_or_held_then_refunded(chain: Devnet) -> None:
    fund_actors(chain)
    council_decides(chain, MsgUpdateSanctions([SanctionUpdate("bitcoin", "bc1qbad", True)]))
    refused = run(chain, ALICE, MsgRequestWithdrawal("btc", BTC // 10, "bc1qdest"))
    assert refused["code"] != 0 and "requires KYC level 1" in refused["log"]
    expires = chain.node.app.height + 1_000
    ok(chain, PROVIDER, MsgAttestKyc(ALICE.address, 1, expires, hashlib.sha256(b"alice's passport").digest()))

    requested = ok(chain, ALICE, MsgRequestWithdrawal("btc", BTC // 10, "bc1qdest"))["height"]
    ok(chain, ALICE, MsgRequestWithdrawal("btc", BTC // 4, "bc1qbad"))
    pending = get(chain, "/custody/withdrawals", status="pending", order="asc")
    assert pending["total"] == 1
    view = pending["withdrawals"][0]
    assert view["id"] == 0 and view["owner"] == ALICE.address and view["hosted_chain"] == "bitcoin"
    assert view["amount"]["display"] == "0.1" and view["external_address"] == "bc1qdest"
    assert view["requested_height"] == requested and view["confirmations"] == "0/2" and view["external_tx_id"] == ""
    assert [w["id"] for w in get(chain, "/custody/withdrawals", owner=ALICE.address)["withdrawals"]] == [1, 0]
    assert get(chain, "/custody/withdrawals", owner=BOB.address)["total"] == 0
    assert get(chain, "/custody/withdrawals/1")["status"] == "held"

    ok(chain, CUSTODIANS[0], MsgConfirmWithdrawal(0, "payout-1"))
    half = get(chain, "/custody/withdrawals/0")
    assert half["status"] == "pending" and half["confirmations"] == "1/2" and half["external_tx_id"] == "payout-1"
    completed_at = ok(chain, CUSTODIANS[1], MsgConfirmWithdrawal(0, "payout-1"))["height"]
    done = get(chain, "/custody/withdrawals/0")
    assert done["status"] == "completed" and done["resolved_height"] == completed_at
    assert done["confirmers"] == [CUSTODIANS[0].address, CUSTODIANS[1].address]
    assert get(chain, "/custody/withdrawals", status="pending")["total"] == 0

    before = _btc(chain, ALICE.address)
    council_decides(chain, MsgResolveHold(False, withdrawal_id=1))
    assert get(chain, "/custody/withdrawals/1")["status"] == "refunded"
    assert _btc(chain, ALICE.address) == before + BTC // 4
    assert get(chain, "/custody/withdrawals", status="refunded")["withdrawals"][0]["id"] == 1


def test_a_reclaimed_deposit_shows_what_it_debited_and_what_moved_beyond_reach(chain: Devnet) -> None:
    fund_actors(chain)
    for custodian in CUSTODIANS[:2]:
        ok(chain, custodian, _deposit("bb22", amount=BTC))
    # Alice keeps a quarter of the deposit; the rest went to Bob, out of the chain's reach for this reclaim.
    ok(chain, ALICE, MsgSendCoins(BOB.address, "btc", _btc(chain, ALICE.address) - BTC // 4))
    first = ok(chain, CUSTODIANS[0], MsgReportReclaim("bitcoin", "bb22", "depositor-spend"))["height"]
    pending = get(chain, "/custody/reclaims/bitcoin/bb22")
    assert pending["status"] == "pending" and pending["reports"] == "1/2" and pending["resolved_height"] is None
    assert pending["liability"]["amount"] == 0 and pending["first_seen_height"] == first
    applied_at = ok(chain, CUSTODIANS[1], MsgReportReclaim("bitcoin", "bb22", "depositor-spend"))["height"]
    reclaim = get(chain, "/custody/reclaims/bitcoin/bb22")
    assert reclaim | {"liability": None, "debited": None, "shortfall": None} == {
        "deposit": "bitcoin:bb22",
        "hosted_chain": "bitcoin",
        "external_tx_id": "bb22",
        "recipient": ALICE.address,
        "reclaim_tx_id": "depositor-spend",
        "status": "applied",
        "reporters": [CUSTODIANS[0].address, CUSTODIANS[1].address],
        "reports": "2/2",
        "liability": None,
        "debited": None,
        "shortfall": None,
        "first_seen_height": first,
        "resolved_height": applied_at,
    }
    amounts = {field: reclaim[field]["amount"] for field in ("liability", "debited", "shortfall")}
    assert amounts == {"liability": BTC, "debited": BTC // 4, "shortfall": BTC - BTC // 4}
    assert reclaim["shortfall"]["display"] == "0.75" and reclaim["shortfall"]["denom"] == "btc"
    assert _btc(chain, ALICE.address) == 0
    assert get(chain, "/custody/deposits/bitcoin/bb22")["status"] == "reclaimed"
    listed = get(chain, "/custody/reclaims")
    assert (listed["total"], listed["reclaims"]) == (1, [reclaim])
    assert get(chain, "/custody/reclaims", order="asc", offset=1)["reclaims"] == []
    missing = get(chain, "/custody/reclaims/bitcoin/aa11", 404)
    assert missing["message"] == "no reclaim of deposit bitcoin:aa11 has been reported"


def test_custody_errors_are_json_400_and_404(chain: Devnet) -> None:
    chain.produce()
    missing = get(chain, "/custody/deposits/bitcoin/nope", 404)
    assert missing == {"error": "NotFound", "code": 404, "message": "no deposit bitcoin:nope has been attested"}
    assert get(chain, "/custody/withdrawals/3", 404)["message"] == "no withdrawal 3 (there are 0)"
    for path, params in (
        ("/custody/withdrawals/x", {}),
        ("/custody/withdrawals", {"owner": "gos1nope"}),
        ("/custody/withdrawals", {"status": "lost"}),
        ("/custody/withdrawals", {"order": "sideways"}),
        ("/custody/deposits", {"status": "stolen"}),
        ("/custody/deposits", {"limit": 1000}),
        ("/custody/reclaims", {"order": "sideways"}),
        ("/custody/sanctions", {"limit": 0}),
    ):
        body = get(chain, path, 400, **params)
        assert body["error"] in ("InvalidRequest", "InvalidAddressError"), (path, body)
    assert get(chain, "/custody/deposits")["deposits"] == []
    assert get(chain, "/custody/sanctions") == {"total": 0, "limit": 100, "offset": 0, "sanctions": []}


def _btc(chain: Devnet, address: str) -> int:
    """Liquid BTC base units of an account, from the API."""
    balances = get(chain, f"/accounts/{address}")["balances"]
    return sum(b["amount"] for b in balances if b["denom"] == "btc")
