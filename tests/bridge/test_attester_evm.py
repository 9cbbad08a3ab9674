"""End to end on EVM: vault deposits on eth-tester become credited wrapped ETH on an in-process GoStaking node
(2 of 3 custodian attesters), and a GoStaking withdrawal is redeemed from the vault and confirmed — with
persisted cursors, crash recovery and sanctions screening. The redemption runs on a real node (anvil): there the
payers' transactions get the node's EIP-1559 fees and pending nonces, and confirmations are real blocks."""

import json
from pathlib import Path

import pytest
from anvil_harness import Anvil, anvil
from gateway_harness import ALICE, CUSTODIANS, Evm, GatewayNet
from web3.contract import Contract

from gostaking.bridge.attester import Attester
from gostaking.bridge.errors import DeepReorgError, NodeApiError
from gostaking.bridge.evm import ETH_TOKEN, DirectorySignatureBoard, EvmDepositWatcher, VaultPayer, eth_address
from gostaking.bridge.sanctions import SanctionedAddress, SanctionsSnapshot
from gostaking.bridge.store import StateStore
from gostaking.chain.types.tx import MsgRequestWithdrawal
from gostaking.wallet.keys import PrivateKey

__all__ = ["anvil"]

ETHER = 10**18
CONFIRMATIONS = 3


def deploy_vault(evm: Evm | Anvil) -> Contract:
    return evm.deploy("GoStakingVault", [eth_address(k) for k in CUSTODIANS], 2)


def deposit(evm: Evm | Anvil, vault: Contract, wei: int, recipient: str = ALICE.address) -> None:
    tx = vault.functions.depositETH(recipient).transact({"from": evm.w3.eth.accounts[1], "value": wei})
    evm.w3.eth.wait_for_transaction_receipt(tx)


def attester(
    net: GatewayNet,
    evm: Evm | Anvil,
    vault: Contract,
    custodian: PrivateKey,
    tmp_path: Path,
    board: DirectorySignatureBoard | None = None,
    screen: SanctionsSnapshot | None = None,
) -> Attester:
    store = StateStore(tmp_path / f"state-{custodian.address}.json")
    watcher = EvmDepositWatcher(evm.w3, vault.address, {}, confirmations=CONFIRMATIONS)
    payers = []
    if board is not None:
        payers.append(
            VaultPayer(evm.w3, vault.address, custodian, board, {"eth": ETH_TOKEN}, confirmations=CONFIRMATIONS)
        )
    return Attester(store, net.sender(custodian), [watcher], payers, screen)


def test_two_custodians_credit_a_deposit_once_and_restarts_do_not_resend(
    gateway_net: GatewayNet, evm: Evm, tmp_path: Path
) -> None:
    vault = deploy_vault(evm)
    deposit(evm, vault, 2 * ETHER)
    first = attester(gateway_net, evm, vault, CUSTODIANS[0], tmp_path)
    assert first.run_once().sent_keys == []  # not yet confirmed enough
    evm.mine(CONFIRMATIONS)
    report = first.run_once()
    assert report.observed == 1 and len(report.sent_txs) == 1
    gateway_net.produce()
    assert gateway_net.balance(ALICE.address, "eth") == 0  # one attestation of two
    second = attester(gateway_net, evm, vault, CUSTODIANS[1], tmp_path)
    assert len(second.run_once().sent_txs) == 1
    gateway_net.produce()
    assert gateway_net.balance(ALICE.address, "eth") == 2 * ETHER
    # Nothing is sent again: not on the next pass, not after a restart from the state file.
    assert first.run_once().sent_txs == []
    restarted = attester(gateway_net, evm, vault, CUSTODIANS[0], tmp_path)
    assert restarted.run_once().sent_txs == []
    deposit(evm, vault, ETHER)
    evm.mine(CONFIRMATIONS)
    assert restarted.run_once().observed == 1
    final = evm.w3.eth.block_number - CONFIRMATIONS + 1
    final_hash = "0x" + bytes(evm.w3.eth.get_block(final)["hash"]).hex()
    assert restarted.state.cursors[restarted.watchers[0].name] == f"{final}:{final_hash}"


def test_a_crash_before_submission_resends_and_after_submission_does_not(
    gateway_net: GatewayNet, evm: Evm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = deploy_vault(evm)
    deposit(evm, vault, ETHER)
    evm.mine(CONFIRMATIONS)
    crashing = attester(gateway_net, evm, vault, CUSTODIANS[0], tmp_path)

    def crash(raw: bytes) -> str:
        raise NodeApiError("connection reset")

    monkeypatch.setattr(crashing.node, "submit", crash)
    with pytest.raises(NodeApiError):
        crashing.run_once()
    assert len(crashing.store.load().inflight) == 1  # the write-ahead record survived the crash
    recovered = attester(gateway_net, evm, vault, CUSTODIANS[0], tmp_path)
    assert len(recovered.run_once().sent_txs) == 1  # unknown to the node: sent (once)
    gateway_net.produce()
    # Crash after submission: the state still lists the tx in flight; the node knows it, nothing is resent.
    again = attester(gateway_net, evm, vault, CUSTODIANS[0], tmp_path)
    assert again.run_once().sent_txs == []
    assert again.state.inflight == [] and again.state.outbox == []
    sequence = gateway_net.client.get(f"/accounts/{CUSTODIANS[0].address}").json()["sequence"]
    assert sequence == 1  # exactly one transaction was paid for


def test_an_old_cursor_gains_its_block_hash_and_a_deeper_reorg_then_stops_the_gateway(
    gateway_net: GatewayNet, anvil: Anvil, tmp_path: Path
) -> None:
    vault = deploy_vault(anvil)
    name = f"ethereum:{vault.address.lower()}"
    for custodian in CUSTODIANS[:2]:
        # A state file as gateways wrote it before they kept block hashes: the cursor is the bare height.
        old = {"cursors": {name: str(anvil.w3.eth.block_number)}}
        (tmp_path / f"state-{custodian.address}.json").write_text(json.dumps(old))
    deposit(anvil, vault, ETHER)
    anvil.mine(CONFIRMATIONS)
    gateways = [attester(gateway_net, anvil, vault, c, tmp_path) for c in CUSTODIANS[:2]]
    assert [g.run_once().observed for g in gateways] == [1, 1]
    gateway_net.produce()
    assert gateway_net.balance(ALICE.address, "eth") == ETHER
    final = anvil.w3.eth.block_number - CONFIRMATIONS + 1
    saved = f"{final}:0x{bytes(anvil.w3.eth.get_block(final)['hash']).hex()}"
    assert [StateStore(tmp_path / f"state-{c.address}.json").load().cursors[name] for c in CUSTODIANS[:2]] == [
        saved,
        saved,
    ]
    # The deposit's block and those after it are replaced: the ether is gone, GoStaking still shows it credited.
    anvil.reorg(CONFIRMATIONS + 1)
    assert anvil.w3.eth.get_balance(vault.address) == 0
    for gateway in [gateways[0], attester(gateway_net, anvil, vault, CUSTODIANS[0], tmp_path)]:  # also restarted
        with pytest.raises(DeepReorgError, match=f"ethereum block {saved.replace(':', ' ')}, the last one"):
            gateway.run_once()
    assert StateStore(tmp_path / f"state-{CUSTODIANS[0].address}.json").load().cursors[name] == saved


def test_a_withdrawal_is_redeemed_by_two_custodians_and_confirmed(
    gateway_net: GatewayNet, anvil: Anvil, tmp_path: Path
) -> None:
    for custodian in CUSTODIANS:
        anvil.fund(eth_address(custodian), ETHER)  # gas for the redeem
    vault = deploy_vault(anvil)
    board = DirectorySignatureBoard(tmp_path / "board")
    gateways = [attester(gateway_net, anvil, vault, c, tmp_path, board) for c in CUSTODIANS[:2]]
    deposit(anvil, vault, 3 * ETHER)
    anvil.mine(CONFIRMATIONS)
    for gateway in gateways:
        gateway.run_once()
    gateway_net.produce()
    assert gateway_net.balance(ALICE.address, "eth") == 3 * ETHER
    destination = anvil.w3.eth.accounts[7]
    before = anvil.w3.eth.get_balance(destination)
    tx = gateway_net.submit(ALICE, MsgRequestWithdrawal("eth", ETHER, destination))
    gateway_net.produce()
    assert gateway_net.included(tx)["code"] == 0
    gateways[0].run_once()  # signs and posts; one signature is not enough to submit
    assert not vault.functions.redeemed(0).call()
    gateways[1].run_once()  # second signature: submits the redeem
    assert vault.functions.redeemed(0).call()
    assert anvil.w3.eth.get_balance(destination) - before == ETHER
    assert all(not g.run_once().paid for g in gateways)  # waiting for confirmations
    anvil.mine(CONFIRMATIONS)
    reports = [g.run_once() for g in gateways]
    assert all(0 in r.paid for r in reports) and reports[0].paid[0] == reports[1].paid[0]
    gateway_net.produce()
    for gateway in gateways:
        gateway.run_once()
    assert all(0 not in g.state.withdrawals for g in gateways)  # completed on chain, forgotten locally
    assert gateway_net.balance(ALICE.address, "eth") == 2 * ETHER


def test_the_gateway_refuses_to_pay_a_sanctioned_destination_the_chain_let_through(
    gateway_net: GatewayNet, evm: Evm, tmp_path: Path
) -> None:
    vault = deploy_vault(evm)
    board = DirectorySignatureBoard(tmp_path / "board")
    destination = evm.w3.eth.accounts[8]
    screen = SanctionsSnapshot(tmp_path / "sanctions.json")
    screen.replace({SanctionedAddress("ethereum", destination.lower())})
    gateways = [attester(gateway_net, evm, vault, c, tmp_path, board, screen) for c in CUSTODIANS[:2]]
    deposit(evm, vault, ETHER)
    evm.mine(CONFIRMATIONS)
    for gateway in gateways:
        gateway.run_once()
    gateway_net.produce()
    gateway_net.submit(ALICE, MsgRequestWithdrawal("eth", ETHER, destination))
    gateway_net.produce()
    for gateway in gateways:
        report = gateway.run_once()
        assert report.blocked_payouts == [0]
        assert gateway.state.withdrawals[0].status == "pending"  # the chain's list did not have it
        assert gateway.state.withdrawals[0].blocked
    assert board.collect(gateways[0].payers[0].namespace, 0) == {}  # type: ignore[attr-defined]
    assert not vault.functions.redeemed(0).call()
