"""`gostaking compliance …` and `gostaking custody …` against a live devnet with blocks produced on demand."""

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cli_compliance_harness import (
    ALICE,
    BOB,
    COUNCIL,
    CUSTODIANS,
    OPERATOR,
    PROVIDER,
    OnDemandDevnet,
    assert_one_line_errors,
    cli,
    included,
    ok_json,
    open_on_demand_devnet,
)

from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.tx import MsgReportReclaim, MsgSendCoins

GOS = 10**6


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[OnDemandDevnet]:
    with open_on_demand_devnet(tmp_path) as running:
        running.produce(12)
        members = [PROVIDER, *CUSTODIANS, *COUNCIL]
        running.send(
            OPERATOR,
            *[MsgSendCoins(k.address, GOS_DENOM, GOS) for k in members],
            MsgSendCoins(ALICE.address, GOS_DENOM, 20 * GOS),
            MsgSendCoins(BOB.address, GOS_DENOM, 10 * GOS),
        )
        yield running


def test_kyc_is_attested_with_a_local_evidence_hash_and_revoked(devnet: OnDemandDevnet, tmp_path: Path) -> None:
    evidence = tmp_path / "alice-passport.pdf"
    evidence.write_bytes(b"%PDF- Alice's passport scan " * 1000)
    assert ok_json(devnet, "compliance providers")[0]["address"] == PROVIDER.address
    assert ok_json(devnet, "compliance kyc alice")["level"] == 0

    expires = devnet.node.app.height + 500
    command = f"compliance attest-kyc alice 2 --expires-height {expires} --from provider --evidence-file"
    result = included(devnet, command, str(evidence))
    sent = httpx.get(f"{devnet.url}/txs/{result['tx_hash']}", timeout=5).json()["body"]["msgs"]
    digest = hashlib.sha256(evidence.read_bytes()).hexdigest()
    assert sent == [  # only the hash left this machine
        {"type": "attest_kyc", "address": ALICE.address, "level": 2, "expires_height": expires, "evidence_hash": digest}
    ]
    status = ok_json(devnet, f"compliance kyc {ALICE.address}")
    assert status["level"] == 2 and status["attestation"]["evidence_hash"] == digest
    assert status["attestation"]["expires_height"] == expires

    included(devnet, "compliance revoke-kyc alice --from provider")
    assert ok_json(devnet, "compliance kyc alice")["attestation"] is None


def test_deposits_withdrawals_sanctions_and_holds(devnet: OnDemandDevnet, tmp_path: Path) -> None:
    for custodian in ("custodian1", "custodian2"):
        included(devnet, f"custody attest-deposit bitcoin:tx-1 0.5btc alice --sender bc1qsender --from {custodian}")
    deposit = ok_json(devnet, "custody deposits --status credited")["deposits"][0]
    assert (
        deposit["key"] == "bitcoin:tx-1" and deposit["amount"]["display"] == "0.5" and deposit["attestations"] == "2/2"
    )
    code, out = cli(devnet, "custody deposits --table")
    assert code == 0 and "bitcoin:tx-1" in out and "credited" in out

    sanctions = tmp_path / "sdn.json"
    updates = [
        {"hosted_chain": "bitcoin", "address": "bc1qBAD"},
        {"hosted_chain": "ethereum", "address": "0xdead", "source": "UN"},
        {"hosted_chain": "bitcoin", "address": "bc1qold", "listed": False},
    ]
    sanctions.write_text(json.dumps({"updates": updates}))
    code, out = cli(devnet, "custody update-sanctions --batch 2 --from council1 --json", str(sanctions))
    assert code == 0 and out.count('"status": "included"') == 2, out  # 3 updates in 2 transactions
    assert ok_json(devnet, "custody sanctions")["total"] == 0  # 1 of 2 approvals so far
    code, out = cli(devnet, "compliance council-approvals --table")
    assert code == 0 and out.count("sanctions:") == 2 and out.count("1/2") == 2, out
    code, out = cli(devnet, "custody update-sanctions --batch 2 --from council2 --json", str(sanctions))
    assert code == 0 and out.count('"status": "included"') == 2, out
    assert ok_json(devnet, "compliance council-approvals") == {"total": 0, "approvals": []}
    listed = ok_json(devnet, "custody sanctions")["sanctions"]
    assert [(s["hosted_chain"], s["address"], s["source"]) for s in listed] == [
        ("bitcoin", "bc1qbad", "OFAC-SDN"),
        ("ethereum", "0xdead", "UN"),
    ]

    code, out = cli(devnet, "custody request-withdrawal 0.1btc bc1qdest --from alice")
    assert code == 1 and "requires KYC level 1" in out.splitlines()[-1]
    evidence = tmp_path / "kyc.txt"
    evidence.write_text("checked")
    included(
        devnet, "compliance attest-kyc alice 1 --expires-height 100000 --from provider --evidence-file", str(evidence)
    )
    included(devnet, "custody request-withdrawal 0.1btc bc1qdest --from alice")
    included(devnet, "custody request-withdrawal 20000000sat BC1QBAD --from alice")
    pending = ok_json(devnet, "custody withdrawals --status pending --order asc")["withdrawals"]
    assert [(w["id"], w["amount"]["display"], w["external_address"]) for w in pending] == [(0, "0.1", "bc1qdest")]
    mine = ok_json(devnet, "custody withdrawals --owner alice")["withdrawals"]
    assert [(w["id"], w["status"]) for w in mine] == [(1, "held"), (0, "pending")]

    included(devnet, "custody confirm-withdrawal 0 payout-1 --from custodian1")
    included(devnet, "custody confirm-withdrawal 0 payout-1 --from custodian3")
    done = ok_json(devnet, "custody withdrawal 0")
    assert done["status"] == "completed" and done["external_tx_id"] == "payout-1" and done["confirmations"] == "2/2"
    included(devnet, "custody resolve-hold --withdrawal 1 --reject --from council1")
    assert ok_json(devnet, "custody withdrawal 1")["status"] == "held"
    included(devnet, "custody resolve-hold --withdrawal 1 --reject --from council3")
    assert ok_json(devnet, "custody withdrawal 1")["status"] == "refunded"
    code, out = cli(devnet, "custody withdrawals --table")
    assert code == 0 and "refunded" in out and "payout-1" in out

    for custodian in ("custodian2", "custodian3"):
        included(devnet, f"custody attest-deposit bitcoin:tx-2 1000sat bob --sender bc1qbad --from {custodian}")
    assert ok_json(devnet, "custody deposits --status held")["deposits"][0]["key"] == "bitcoin:tx-2"
    for member in ("council2", "council3"):
        included(devnet, f"custody resolve-hold --deposit bitcoin:tx-2 --release --from {member}")
    assert ok_json(devnet, "custody deposits --status held")["total"] == 0
    assert ok_json(devnet, "custody params")["threshold"] == 2

    # Bob's depositor takes the released deposit back on Bitcoin; two gateways report it and Bob is debited.
    for custodian in CUSTODIANS[1:]:
        devnet.send(custodian, MsgReportReclaim("bitcoin", "tx-2", "bob-spend"))
    (reclaim,) = ok_json(devnet, "custody reclaims")["reclaims"]
    assert (reclaim["deposit"], reclaim["status"], reclaim["reports"]) == ("bitcoin:tx-2", "applied", "2/2")
    assert reclaim["debited"]["display"] == "0.00001" and reclaim["shortfall"]["amount"] == 0
    assert ok_json(devnet, "custody deposits --status reclaimed")["deposits"][0]["key"] == "bitcoin:tx-2"
    code, out = cli(devnet, "custody reclaims --table")
    assert code == 0 and "bitcoin:tx-2" in out and "0.00001 btc" in out and "bob-spend" in out, out


def test_council_members_import_the_sdn_list_and_approve_the_same_batches(
    devnet: OnDemandDevnet, tmp_path: Path
) -> None:
    sdn = str(Path(__file__).resolve().parents[1] / "bridge" / "fixtures" / "sdn.xml")
    snapshot = tmp_path / "screen.json"
    command = f"bridge sanctions-import --snapshot {snapshot} --chain ethereum"
    listed = ["0x1111111111111111111111111111111111111111", "0x2222222222222222222222222222222222222222"]
    code, out = cli(devnet, f"{command} --from council1 --dry-run", sdn)
    assert code == 0 and out.splitlines() == [f"add ethereum {address}" for address in listed], out
    assert not snapshot.exists()  # a dry run records nothing

    code, out = cli(devnet, f"{command} --from council1", sdn)
    assert code == 0 and "sent 2 updates in tx" in out, out
    devnet.produce()
    assert ok_json(devnet, "custody sanctions")["total"] == 0  # 1 of 2 approvals
    code, out = cli(devnet, f"{command} --from council1", sdn)  # a re-run sends nothing twice
    assert code == 0 and "already approved by council1: 2 updates wait" in out and "sent" not in out, out
    code, out = cli(devnet, f"{command} --from council2", sdn)  # the same batch, diffed against the chain
    assert code == 0 and "sent 2 updates in tx" in out, out
    devnet.produce()
    sanctions = ok_json(devnet, "custody sanctions")["sanctions"]
    assert [(s["address"], s["source"]) for s in sanctions] == [(address, "OFAC-SDN") for address in listed]
    assert json.loads(snapshot.read_text())  # the gateway's screen holds the import
    code, out = cli(devnet, f"{command} --from council3 --dry-run", sdn)
    assert code == 0 and out.strip() == "", out  # the chain has it all


def test_the_council_freezes_and_unfreezes(devnet: OnDemandDevnet) -> None:
    included(devnet, "compliance freeze bob --reason 'mixer deposits' --case AML-7 --from council1")
    action = ok_json(devnet, "compliance actions --status pending")["actions"][0]
    assert (action["id"], action["kind"], action["approvals"], action["address"]) == (0, "freeze", "1/2", BOB.address)
    included(devnet, "compliance approve 0 --from council2")
    frozen = ok_json(devnet, "compliance frozen")
    assert [(f["address"], f["case_id"], f["action_id"]) for f in frozen] == [(BOB.address, "AML-7", 0)]
    code, out = cli(devnet, "compliance frozen --table")
    assert code == 0 and "AML-7" in out and "mixer deposits" in out
    code, out = cli(devnet, "tx send alice 1gos --from bob")
    assert code == 1 and "AccountFrozenError" in out and out.count("\n") == 1

    included(devnet, "compliance unfreeze bob --reason cleared --case AML-7 --from council3")
    included(devnet, "compliance approve 1 --from council1")
    assert ok_json(devnet, "compliance frozen") == []
    trail = ok_json(devnet, "compliance actions --address bob")["actions"]
    assert [(a["id"], a["kind"], a["status"]) for a in trail] == [
        (1, "unfreeze", "executed"),
        (0, "freeze", "executed"),
    ]
    code, out = cli(devnet, "compliance actions --table")
    assert code == 0 and "unfreeze" in out and "2/2" in out
    assert ok_json(devnet, "compliance params")["council_threshold"] == 2
    included(devnet, "tx send alice 1gos --from bob")


def test_compliance_and_custody_mistakes_get_one_line_errors(devnet: OnDemandDevnet, tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json")
    wrong_shape = tmp_path / "shape.json"
    wrong_shape.write_text(json.dumps([{"hosted_chain": "bitcoin"}]))
    missing = tmp_path / "missing"
    cases = [
        (f"compliance attest-kyc alice 1 --expires-height 9 --evidence-file {missing} --from provider",
         "cannot read evidence file"),
        ("compliance kyc gos1nope", "not a valid gos1… address"),
        ("compliance approve x --from council1", "action id must be a non-negative integer"),
        ("compliance actions --status done", "status"),
        ("custody attest-deposit tx-1 1btc alice --sender s --from custodian1", "HOSTED_CHAIN:EXTERNAL_TXID"),
        ("custody attest-deposit bitcoin:t 1gos alice --sender s --from custodian1", "external assets only"),
        (f"custody update-sanctions {bad_json} --from council1", "is not valid JSON"),
        (f"custody update-sanctions {wrong_shape} --from council1", "address"),
        (f"custody update-sanctions {missing} --from council1", "cannot read"),
        ("custody resolve-hold --withdrawal 1 --from council1", "--release or --reject"),
        ("custody resolve-hold --release --from council1", "exactly one of --deposit"),
        ("custody withdrawal 5", "NotFound: no withdrawal 5"),
        ("custody withdrawals --owner gos1nope", "not a valid gos1… address"),
    ]  # fmt: skip
    assert_one_line_errors(devnet, cases)
    code, out = cli(devnet, "compliance attest-kyc alice 4 --expires-height 9 --evidence-file f --from provider")
    assert code == 2  # usage error: the level must be within 1..3
    code, out = cli(devnet, "compliance freeze bob --reason r --case c --from alice")
    assert code == 1 and "not on the compliance council" in out.splitlines()[-1]
