"""A gateway pointed at a lying node refuses to pay: the withdrawal it would redeem from the vault (eth-tester) is
read again with Merkle proofs from the node (an in-process devnet behind its real API) and checked against an app
hash the trust anchor confirms. A node that rewrites the destination or the amount in its blocks, in its proofs,
or in a whole forged state with its own app hash gets no signature posted and nothing paid; the honest path still
pays, on one node or with a quorum of nodes. Sweeps get only deposits the proven state shows credited."""

from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from gateway_harness import ALICE, CUSTODIANS, Evm, GatewayNet
from lying_node import Lie, LyingNode, forwarding_client
from web3.contract import Contract

from gostaking.bridge.attester import Attester, SweepOutcome
from gostaking.bridge.errors import StateVerificationError, VerificationUnavailableError
from gostaking.bridge.evm import ETH_TOKEN, DirectorySignatureBoard, EvmDepositWatcher, VaultPayer, eth_address
from gostaking.bridge.node_client import MessageSender, NodeClient
from gostaking.bridge.proofs import VerifiedReader, withdrawal_key
from gostaking.bridge.store import StateStore, TrackedDeposit
from gostaking.bridge.trust import QuorumTrust, SingleNodeTrust, TrustAnchor
from gostaking.chain.types.tx import MsgAttestDeposit, MsgRequestWithdrawal
from gostaking.wallet.keys import PrivateKey

ETHER = 10**18
CONFIRMATIONS = 3
THIEF = "0x000000000000000000000000000000000000dEaD"


def gateway(
    net: GatewayNet,
    evm: Evm,
    vault: Contract,
    custodian: PrivateKey,
    tmp_path: Path,
    http: httpx.Client | None = None,
    anchor: TrustAnchor | None = None,
    name: str = "",
) -> Attester:
    """A custodian's gateway on the node behind `http` (the honest node by default), paying from the vault."""
    node = NodeClient(http=http or net.client)
    store = StateStore(tmp_path / f"state-{custodian.address}{name}.json")
    watcher = EvmDepositWatcher(evm.w3, vault.address, {}, confirmations=CONFIRMATIONS)
    board = DirectorySignatureBoard(tmp_path / "board")
    payer = VaultPayer(evm.w3, vault.address, custodian, board, {"eth": ETH_TOKEN}, confirmations=CONFIRMATIONS)
    verifier = VerifiedReader(node, anchor or SingleNodeTrust(node.url))
    return Attester(store, MessageSender(node, custodian), [watcher], [payer], verifier=verifier)


def signatures(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "board").rglob("*.sig"))


def fund_and_request(net: GatewayNet, evm: Evm, vault: Contract, tmp_path: Path) -> str:
    """2 ETH deposited and credited to Alice (two honest custodians attest), then Alice asks for 1 ETH at a fresh
    address: withdrawal 0. Returns that destination."""
    tx = vault.functions.depositETH(ALICE.address).transact({"from": evm.w3.eth.accounts[1], "value": 2 * ETHER})
    evm.w3.eth.wait_for_transaction_receipt(tx)
    evm.mine(CONFIRMATIONS)
    for custodian in CUSTODIANS[:2]:
        gateway(net, evm, vault, custodian, tmp_path, name="-attest").run_once()
    net.produce()
    assert net.balance(ALICE.address, "eth") == 2 * ETHER
    destination = evm.w3.eth.accounts[7]
    tx_hash = net.submit(ALICE, MsgRequestWithdrawal("eth", ETHER, destination))
    net.produce()
    assert net.included(tx_hash)["code"] == 0
    return destination


@pytest.fixture
def vault(evm: Evm) -> Contract:
    return evm.deploy("GoStakingVault", [eth_address(k) for k in CUSTODIANS], 2)


@pytest.mark.parametrize(
    ("lie", "amount", "reason"),
    [
        ("events", None, f"destination {THIEF!r} (announced)"),
        ("events", 2 * ETHER, "amount 2000000000000000000 (announced) ≠ 1000000000000000000"),
        ("proof_value", None, "does not lead to its own app hash"),
        ("app_hash", None, "does not lead to its own app hash"),
    ],
)
def test_a_gateway_refuses_to_pay_what_its_node_rewrote(
    gateway_net: GatewayNet, evm: Evm, vault: Contract, tmp_path: Path, lie: Lie, amount: int | None, reason: str
) -> None:
    destination = fund_and_request(gateway_net, evm, vault, tmp_path)
    liar = LyingNode(gateway_net.client, lie, THIEF, amount)
    fooled = gateway(gateway_net, evm, vault, CUSTODIANS[0], tmp_path, http=liar.client(), name="-liar")
    for _ in range(2):  # and again on the next pass: a refusal is not a one-off
        report = fooled.run_once()
        assert report.paid == {} and signatures(tmp_path) == []
        assert reason in report.refused_payouts[0], report.refused_payouts
    assert liar.lies > 0
    assert fooled.state.withdrawals[0].blocked == report.refused_payouts[0]
    # The honest custodians pay the real withdrawal, to the real destination, with no help from the fooled one.
    before = evm.w3.eth.get_balance(destination)
    for custodian in CUSTODIANS[1:]:
        assert gateway(gateway_net, evm, vault, custodian, tmp_path).run_once().refused_payouts == {}
    assert vault.functions.redeemed(0).call()
    assert evm.w3.eth.get_balance(destination) - before == ETHER
    assert evm.w3.eth.get_balance(THIEF) == 0


def test_a_self_consistent_forgery_fools_only_a_gateway_that_trusts_its_one_node(
    gateway_net: GatewayNet, evm: Evm, vault: Contract, tmp_path: Path
) -> None:
    fund_and_request(gateway_net, evm, vault, tmp_path)
    liar = LyingNode(gateway_net.client, "forged_state", THIEF)
    keys = [withdrawal_key(0)]
    # What a devnet gateway trusts is that node: a forgery consistent with a forged app hash passes its checks
    # (docs/gateway-verification.md says so, and the gateway logs it at start).
    trusting = VerifiedReader(NodeClient(http=liar.client()), SingleNodeTrust("http://lying-node"))
    forged = trusting.read(keys).withdrawal(0)
    assert forged is not None and forged.external_address == THIEF
    # A quorum of other nodes does not report that app hash: refused, and nothing is paid.
    honest = [NodeClient(http=forwarding_client(gateway_net.client, f"http://node-{i}")) for i in range(2)]
    quorum = QuorumTrust(honest, 2, wait_s=0)
    with pytest.raises(StateVerificationError, match="only 0 of the 2 nodes required agree"):
        VerifiedReader(NodeClient(http=liar.client()), quorum).read(keys)
    fooled = gateway(gateway_net, evm, vault, CUSTODIANS[0], tmp_path, http=liar.client(), anchor=quorum, name="-q")
    report = fooled.run_once()
    assert report.paid == {} and signatures(tmp_path) == []
    assert "only 0 of the 2 nodes required agree" in report.refused_payouts[0], report.refused_payouts


def test_the_honest_path_pays_with_a_quorum_of_nodes(
    gateway_net: GatewayNet, evm: Evm, vault: Contract, tmp_path: Path
) -> None:
    destination = fund_and_request(gateway_net, evm, vault, tmp_path)
    before = evm.w3.eth.get_balance(destination)
    for index, custodian in enumerate(CUSTODIANS[:2]):
        others = [NodeClient(http=forwarding_client(gateway_net.client, f"http://node-{index}-{i}")) for i in range(3)]
        anchor = QuorumTrust(others, 2, wait_s=0)
        report = gateway(gateway_net, evm, vault, custodian, tmp_path, anchor=anchor).run_once()
        assert report.refused_payouts == {} and not any("not paid" in note for note in report.notes), report
    assert vault.functions.redeemed(0).call()
    assert evm.w3.eth.get_balance(destination) - before == ETHER


def test_a_quorum_that_cannot_answer_in_time_defers_the_payout(
    gateway_net: GatewayNet, evm: Evm, vault: Contract, tmp_path: Path
) -> None:
    fund_and_request(gateway_net, evm, vault, tmp_path)
    down = [NodeClient("http://127.0.0.1:9"), NodeClient(http=gateway_net.client)]
    anchor = QuorumTrust(down, 2, wait_s=0)
    with pytest.raises(VerificationUnavailableError, match="only 1 of the 2 nodes required confirmed"):
        anchor.confirm(gateway_net.node.app.height, gateway_net.node.app.info().app_hash)
    report = gateway(gateway_net, evm, vault, CUSTODIANS[0], tmp_path, anchor=anchor).run_once()
    assert report.paid == {} and signatures(tmp_path) == []
    assert report.refused_payouts == {}
    assert any("withdrawals 0 not paid yet" in note for note in report.notes), report.notes


@dataclass
class RecordingSweeper:
    """A Bitcoin sweeper that records which deposits it was asked to sweep."""

    hosted_chain: str = "bitcoin"
    given: list[list[TrackedDeposit]] = field(default_factory=list)

    def sweep(self, deposits: list[TrackedDeposit]) -> SweepOutcome:
        self.given.append(deposits)
        return SweepOutcome()


def test_only_deposits_the_proven_state_shows_credited_are_swept_with_the_credited_amount(
    gateway_net: GatewayNet, tmp_path: Path
) -> None:
    credited = MsgAttestDeposit("bitcoin", "aa" * 32 + ":0", "bc1qsender", ALICE.address, "btc", 50_000)
    pending = MsgAttestDeposit("bitcoin", "bb" * 32 + ":1", "bc1qsender", ALICE.address, "btc", 70_000)
    gateway_net.submit(CUSTODIANS[0], credited, pending)
    gateway_net.produce()
    gateway_net.submit(CUSTODIANS[1], credited)  # the second attestation credits it; `pending` has one
    gateway_net.produce()
    sweeper = RecordingSweeper()
    store = StateStore(tmp_path / "state.json")
    gateway = Attester(store, gateway_net.sender(CUSTODIANS[2]), sweepers=[sweeper])
    gateway.run_once()
    assert sweeper.given == [[TrackedDeposit("bitcoin", credited.external_tx_id, 50_000)]]
    # What the node's blocks announced is only a lead: a "credit" of the pending deposit, a credit of another amount
    # and one learned without its amount (a released hold) are checked against the proven deposits.
    tracked = gateway.state.deposits
    tracked["bitcoin:" + pending.external_tx_id] = TrackedDeposit("bitcoin", pending.external_tx_id, 70_000)
    tracked["bitcoin:" + credited.external_tx_id] = TrackedDeposit("bitcoin", credited.external_tx_id, 9)
    report = gateway.run_once()
    assert len(sweeper.given) == 1  # nothing to sweep this time
    assert any("a credit of 9, the chain's state" in note and "refusing to sweep" in note for note in report.notes), (
        report.notes
    )
    assert any(f"{pending.external_tx_id}: not credited at height" in note for note in report.notes)
    tracked["bitcoin:" + credited.external_tx_id] = TrackedDeposit("bitcoin", credited.external_tx_id, 0)
    gateway.run_once()
    assert sweeper.given[-1] == [TrackedDeposit("bitcoin", credited.external_tx_id, 50_000)]
