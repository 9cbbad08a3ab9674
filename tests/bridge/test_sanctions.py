"""OFAC SDN import: CSV (with comment continuations), sdn.xml and SDN_ADVANCED.xml → MsgUpdateSanctions batches
diffed against the chain's list, approved by the council members; and the chain holding a deposit from an
imported address."""

from pathlib import Path

import httpx
import pytest
from gateway_harness import ALICE, COUNCIL, CUSTODIANS, GatewayNet

from gostaking.bridge.errors import SanctionsFormatError
from gostaking.bridge.node_client import NodeClient
from gostaking.bridge.proofs import VerifiedReader
from gostaking.bridge.sanctions import (
    SanctionedAddress,
    SanctionsSnapshot,
    batches,
    diff,
    load_sdn,
    parse_sdn_csv,
    parse_sdn_xml,
    plan_import,
    restrict,
)
from gostaking.bridge.trust import SingleNodeTrust
from gostaking.chain.types.tx import MsgAttestDeposit, MsgUpdateSanctions, SanctionUpdate

FIXTURES = Path(__file__).parent / "fixtures"
MIXER_XBT = SanctionedAddress("bitcoin", "1synthtestaddr1111111111111111111")
MIXER_ETH = SanctionedAddress("ethereum", "0x1111111111111111111111111111111111111111")


def test_csv_remarks_and_comment_continuations() -> None:
    entries = load_sdn(FIXTURES / "sdn.csv", FIXTURES / "sdn_comments.csv")
    assert {MIXER_XBT, MIXER_ETH} <= entries
    assert SanctionedAddress("bitcoin", "bc1qcontinuedincomments000000000000000000") in entries  # sdn_comments
    assert SanctionedAddress("ethereum", "0x2222222222222222222222222222222222222222") in entries  # USDT by form
    assert SanctionedAddress("tron", "tsynthtronaddress0000000000000000") in entries
    assert SanctionedAddress("monero", "4synthmoneroaddr") in entries
    without_comments = load_sdn(FIXTURES / "sdn.csv")
    assert SanctionedAddress("bitcoin", "bc1qcontinuedincomments000000000000000000") not in without_comments
    assert len(entries) == 10


def test_xml_and_advanced_xml() -> None:
    assert load_sdn(FIXTURES / "sdn.xml") == {
        MIXER_XBT,
        MIXER_ETH,
        SanctionedAddress("ethereum", "0x2222222222222222222222222222222222222222"),
    }
    assert load_sdn(FIXTURES / "sdn_advanced.xml") == {
        MIXER_XBT,
        MIXER_ETH,
        SanctionedAddress("bitcoin", "bc1qsynthetic0000000000000000000000000000"),
    }


def test_malformed_files_are_reported() -> None:
    with pytest.raises(SanctionsFormatError, match="12 columns"):
        parse_sdn_csv('1,"NAME",-0-\n')
    with pytest.raises(SanctionsFormatError, match="well-formed"):
        parse_sdn_xml(b"<sdnList><sdnEntry>")
    with pytest.raises(SanctionsFormatError, match="sdnList"):
        parse_sdn_xml(b"<other/>")


def test_diff_sends_removals_and_additions_in_bounded_batches(tmp_path: Path) -> None:
    previous = load_sdn(FIXTURES / "sdn_previous.csv")
    current = restrict(load_sdn(FIXTURES / "sdn.csv", FIXTURES / "sdn_comments.csv"), {"bitcoin", "ethereum"})
    updates = diff(previous, current)
    removed = [u for u in updates if not u.listed]
    assert [(u.hosted_chain, u.address) for u in removed] == [("bitcoin", "1synthdelisted999999999999999999")]
    assert {(u.hosted_chain, u.address) for u in updates if u.listed} == {
        (e.hosted_chain, e.address) for e in current - previous
    }
    assert all(u.source == "OFAC-SDN" for u in updates)
    big = {SanctionedAddress("ethereum", f"0x{i:040x}") for i in range(2_345)}
    sizes = [len(m.updates) for m in batches(diff(set(), big))]
    assert sizes == [1_000, 1_000, 345]
    snapshot = SanctionsSnapshot(tmp_path / "snapshot.json")
    snapshot.replace(current)
    reloaded = SanctionsSnapshot(tmp_path / "snapshot.json")
    assert reloaded.entries == current
    assert reloaded.is_listed("ethereum", "0x1111111111111111111111111111111111111111".upper().replace("X", "x"))
    assert diff(reloaded.entries, current) == []


def import_as(
    gateway_net: GatewayNet, member: int, entries: set[SanctionedAddress], node: NodeClient | None = None
) -> tuple[int, int]:
    """One council member's import against the chain, reading through `node` (the honest one by default), its
    answers checked by proofs: (batches sent, batches skipped as already approved)."""
    node = node or gateway_net.api()
    reader = VerifiedReader(node, SingleNodeTrust(node.url))
    plan = plan_import(entries, node.sanctions(), {"bitcoin", "ethereum"}, COUNCIL[member].address, reader)
    sender = gateway_net.sender(COUNCIL[member])
    hashes = [sender.send([message]) for message in plan.to_send]
    gateway_net.produce()
    assert [gateway_net.included(h)["code"] for h in hashes] == [0] * len(hashes)
    return len(plan.to_send), len(plan.approved_already)


def chain_list(gateway_net: GatewayNet) -> set[tuple[str, str, str]]:
    return {(r["hosted_chain"], r["address"], r["source"]) for r in gateway_net.api().sanctions(page=2)}


def test_council_members_importing_the_same_file_approve_the_same_batches(gateway_net: GatewayNet) -> None:
    entries = restrict(load_sdn(FIXTURES / "sdn.csv", FIXTURES / "sdn_comments.csv"), {"bitcoin", "ethereum"})
    other_source = MsgUpdateSanctions([SanctionUpdate("ethereum", "0x" + "e" * 40, True, "EU")])
    for member in COUNCIL:
        gateway_net.submit(member, other_source)
    gateway_net.produce()
    assert import_as(gateway_net, 0, entries) == (1, 0)
    assert import_as(gateway_net, 0, entries) == (0, 1)  # waiting for the other member: nothing sent twice
    assert len(chain_list(gateway_net)) == 1
    assert import_as(gateway_net, 1, entries) == (1, 0)  # the same batch: it applies
    listed = chain_list(gateway_net)
    assert {(a.hosted_chain, a.address, "OFAC-SDN") for a in entries} | {("ethereum", "0x" + "e" * 40, "EU")} == listed
    assert import_as(gateway_net, 0, entries) == (0, 0)  # the chain has it all
    # A later file without one address: both members remove it; the EU entry is not the import's to remove.
    assert import_as(gateway_net, 1, entries - {MIXER_ETH}) == (1, 0)
    assert import_as(gateway_net, 0, entries - {MIXER_ETH}) == (1, 0)
    assert ("ethereum", MIXER_ETH.address, "OFAC-SDN") not in chain_list(gateway_net)
    assert ("ethereum", "0x" + "e" * 40, "EU") in chain_list(gateway_net)
    assert gateway_net.api().pending_council_approvals() == []


def test_a_node_that_lies_about_the_list_cannot_make_the_import_skip_or_remove_an_address(
    gateway_net: GatewayNet,
) -> None:
    entries = restrict(load_sdn(FIXTURES / "sdn.csv", FIXTURES / "sdn_comments.csv"), {"bitcoin", "ethereum"})
    invented = SanctionedAddress("bitcoin", "1notlistedanywhere00000000000000")
    claimed = [
        {"hosted_chain": a.hosted_chain, "address": a.address, "source": "OFAC-SDN", "listed_height": 1}
        for a in sorted(entries | {invented})
    ]

    def claim_everything_listed(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/custody/sanctions":
            return httpx.Response(200, json={"total": len(claimed), "sanctions": claimed})
        answer = gateway_net.client.request(request.method, request.url.raw_path.decode(), content=request.content)
        return httpx.Response(answer.status_code, content=answer.content, headers=answer.headers)

    liar = NodeClient(http=httpx.Client(transport=httpx.MockTransport(claim_everything_listed), base_url="http://liar"))
    # The liar says the file's addresses are all listed already (nothing to add) and lists one the file lacks (to
    # be removed): the proofs show none is listed, so every address is added and nothing removed.
    node = gateway_net.api()
    reader = VerifiedReader(liar, SingleNodeTrust("http://liar"))
    plan = plan_import(entries, liar.sanctions(), {"bitcoin", "ethereum"}, COUNCIL[0].address, reader)
    assert [u.listed for m in plan.to_send for u in m.updates] == [True] * len(entries)
    assert {SanctionedAddress(u.hosted_chain, u.address) for m in plan.to_send for u in m.updates} == entries
    assert import_as(gateway_net, 0, entries, liar) == (1, 0)
    # Its approval now pending on chain (proven), the same member sends nothing again, whatever the liar lists.
    assert import_as(gateway_net, 0, entries, liar) == (0, 1)
    assert node.pending_council_approvals()[0]["approvers"] == [COUNCIL[0].address]


def test_imported_addresses_make_the_chain_hold_deposits(gateway_net: GatewayNet) -> None:
    entries = restrict(load_sdn(FIXTURES / "sdn.csv", FIXTURES / "sdn_comments.csv"), {"bitcoin", "ethereum"})
    for member in COUNCIL:
        hashes = [gateway_net.sender(member).send([message]) for message in batches(diff(set(), entries), size=3)]
        gateway_net.produce()
        assert [gateway_net.included(h)["code"] for h in hashes] == [0, 0, 0]
    # A deposit from a listed ETH address is attested as usual and held by the chain.
    deposit = MsgAttestDeposit(
        "ethereum", "0xfeed:0", "0x1111111111111111111111111111111111111111", ALICE.address, "eth", 10**18
    )
    for custodian in CUSTODIANS[:2]:
        gateway_net.submit(custodian, deposit)
    gateway_net.produce()
    assert gateway_net.balance(ALICE.address, "eth") == 0
    block = gateway_net.client.get("/blocks/latest").json()
    kinds = [e["kind"] for tx in block["txs"] for e in tx["events"]]
    assert "deposit_held" in kinds
