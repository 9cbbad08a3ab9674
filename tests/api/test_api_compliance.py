"""GET /compliance/…: KYC attestations by the provider, freezes by the council, the audit trail."""

import hashlib

from api_compliance_harness import (
    ALICE,
    BOB,
    COUNCIL,
    NEWCOMER,
    PROVIDER,
    PROVIDER_NAME,
    fund_actors,
    get,
    ok,
    run,
)
from api_harness import GOS, Devnet

from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.compliance import FreezeAction, UnfreezeAction
from gostaking.chain.types.tx import MsgApproveComplianceAction, MsgAttestKyc, MsgRevokeKyc, MsgSendCoins

EVIDENCE = hashlib.sha256(b"passport scan, kept by the provider").digest()


def test_kyc_attest_expire_and_revoke(chain: Devnet) -> None:
    fund_actors(chain)
    providers = get(chain, "/compliance/providers")
    assert providers == [{"address": PROVIDER.address, "name": PROVIDER_NAME, "admitted_height": 0}]
    none = get(chain, f"/compliance/kyc/{ALICE.address}")
    assert none == {
        "address": ALICE.address,
        "level": 0,
        "as_of_height": chain.node.app.height + 1,
        "attestation": None,
    }

    expires = chain.node.app.height + 100
    attested_at = ok(chain, PROVIDER, MsgAttestKyc(ALICE.address, 2, expires, EVIDENCE))["height"]
    status = get(chain, f"/compliance/kyc/{ALICE.address}")
    assert status["level"] == 2
    assert status["attestation"] == {
        "provider": PROVIDER.address,
        "provider_name": PROVIDER_NAME,
        "provider_admitted": True,
        "level": 2,
        "expires_height": expires,
        "expired": False,
        "evidence_hash": EVIDENCE.hex(),
        "attested_height": attested_at,
    }

    short = chain.node.app.height + 3
    ok(chain, PROVIDER, MsgAttestKyc(BOB.address, 3, short, EVIDENCE))
    assert get(chain, f"/compliance/kyc/{BOB.address}")["level"] == 3
    chain.produce(short - chain.node.app.height - 1)  # the next block is the expiry height
    expired = get(chain, f"/compliance/kyc/{BOB.address}")
    assert expired["level"] == 0 and expired["attestation"]["expired"] is True and expired["as_of_height"] == short

    ok(chain, PROVIDER, MsgRevokeKyc(ALICE.address))
    assert get(chain, f"/compliance/kyc/{ALICE.address}")["attestation"] is None
    refused = run(chain, ALICE, MsgAttestKyc(ALICE.address, 3, expires, EVIDENCE))
    assert refused["code"] != 0 and "not an admitted KYC provider" in refused["log"]


def test_council_freezes_and_unfreezes_with_an_audit_trail(chain: Devnet) -> None:
    fund_actors(chain)
    assert get(chain, "/compliance/params") == {
        "lock_min_kyc_level": 0,
        "withdraw_min_kyc_level": 1,
        "trade_min_kyc_level": 0,
        "council": [k.address for k in COUNCIL],
        "council_threshold": 2,
    }
    proposed_at = ok(chain, COUNCIL[0], MsgApproveComplianceAction(action=FreezeAction(BOB.address, "mixer", "AML-7")))[
        "height"
    ]
    trail = get(chain, "/compliance/actions", status="pending")
    assert trail["total"] == 1
    assert trail["actions"][0] == {
        "id": 0,
        "kind": "freeze",
        "address": BOB.address,
        "reason": "mixer",
        "case_id": "AML-7",
        "status": "pending",
        "approvers": [COUNCIL[0].address],
        "approvals": "1/2",
        "proposed_height": proposed_at,
        "executed_height": None,
    }
    assert get(chain, "/compliance/frozen") == []
    outsider = run(chain, ALICE, MsgApproveComplianceAction(0))
    assert outsider["code"] != 0 and "not on the compliance council" in outsider["log"]

    frozen_at = ok(chain, COUNCIL[2], MsgApproveComplianceAction(0))["height"]
    assert get(chain, "/compliance/frozen") == [
        {"address": BOB.address, "reason": "mixer", "case_id": "AML-7", "frozen_height": frozen_at, "action_id": 0}
    ]
    action = get(chain, "/compliance/actions/0")
    assert action["status"] == "executed" and action["executed_height"] == frozen_at and action["approvals"] == "2/2"
    rejected = chain.client.post("/txs", json={"tx": chain.sign(BOB, MsgSendCoins(ALICE.address, GOS_DENOM, GOS))})
    assert rejected.status_code == 400 and rejected.json()["error"] == "AccountFrozenError"
    assert "AML-7" in rejected.json()["message"]

    ok(chain, COUNCIL[1], MsgApproveComplianceAction(action=UnfreezeAction(BOB.address, "cleared", "AML-7")))
    ok(chain, COUNCIL[0], MsgApproveComplianceAction(1))
    assert get(chain, "/compliance/frozen") == []
    everything = get(chain, "/compliance/actions")
    assert [(a["id"], a["kind"], a["status"]) for a in everything["actions"]] == [
        (1, "unfreeze", "executed"),
        (0, "freeze", "executed"),
    ]
    assert get(chain, "/compliance/actions", address=BOB.address, limit=1, offset=1)["actions"][0]["id"] == 0
    assert get(chain, "/compliance/actions", address=ALICE.address)["total"] == 0
    assert get(chain, "/compliance/actions", status="pending")["actions"] == []
    ok(chain, BOB, MsgSendCoins(ALICE.address, GOS_DENOM, GOS))  # Bob can move funds again


def test_compliance_errors_are_json_400_and_404(chain: Devnet) -> None:
    chain.produce()
    bad = get(chain, "/compliance/kyc/gos1nope", 400)
    assert bad["error"] == "InvalidAddressError" and "gos1nope" in bad["message"]
    assert get(chain, f"/compliance/kyc/{NEWCOMER.address}")["level"] == 0
    assert get(chain, "/compliance/actions/4", 404) == {
        "error": "NotFound",
        "code": 404,
        "message": "no compliance action 4",
    }
    for path, params in (
        ("/compliance/actions", {"status": "done"}),
        ("/compliance/actions", {"limit": 0}),
        ("/compliance/actions", {"address": "bob"}),
        ("/compliance/actions/-2", {}),
    ):
        assert get(chain, path, 400, **params)["code"] in (400, 8), (path, params)
    assert get(chain, "/compliance/actions")["total"] == 0
