"""End to end on EVM: native GOS swapped out to the GOS ERC-20 (a GoStaking withdrawal of ugos released by 2 of
3 custodian gateways through GosBridge, then confirmed) and swapped back (a SwapToNative burn attested and
credited as native GOS) — with restarts, a late third custodian and sanctions screening."""

from pathlib import Path

from gateway_harness import ALICE, CUSTODIANS, GOS, Evm, GatewayNet
from web3.contract import Contract

from gostaking.bridge.attester import Attester, PassReport
from gostaking.bridge.evm import DirectorySignatureBoard, eth_address
from gostaking.bridge.gos_swap import GosBridgePayer, GosSwapWatcher
from gostaking.bridge.sanctions import SanctionedAddress, SanctionsSnapshot
from gostaking.bridge.store import StateStore
from gostaking.chain.modules.bank.queries import get_gos_supply_ugos
from gostaking.chain.types.tx import MsgRequestWithdrawal
from gostaking.wallet.keys import PrivateKey

CONFIRMATIONS = 3
FEE = 1_000


def deploy_bridge(evm: Evm) -> tuple[Contract, Contract]:
    """A GosBridge of the three custodians (2 of 3) and its GOS token."""
    bridge = evm.deploy("GosBridge", [eth_address(k) for k in CUSTODIANS], 2)
    token_abi = [
        {
            "type": "function",
            "name": name,
            "stateMutability": "view",
            "inputs": [{"name": "", "type": "address"}] if name == "balanceOf" else [],
            "outputs": [{"name": "", "type": "uint256"}],
        }
        for name in ("balanceOf", "totalSupply")
    ]
    return bridge, evm.w3.eth.contract(address=bridge.functions.token().call(), abi=token_abi)


def gateway(
    net: GatewayNet,
    evm: Evm,
    bridge: Contract,
    custodian: PrivateKey,
    tmp_path: Path,
    screen: SanctionsSnapshot | None = None,
    state: str = "",
) -> Attester:
    """One custodian's gateway: the SwapToNative watcher and the release payer, state in `tmp_path`."""
    chain = net.api().gos_token_chain()
    store = StateStore(tmp_path / (state or f"state-{custodian.address}.json"))
    watcher = GosSwapWatcher(evm.w3, bridge.address, hosted_chain=chain, confirmations=CONFIRMATIONS)
    board = DirectorySignatureBoard(tmp_path / "board")
    payer = GosBridgePayer(evm.w3, bridge.address, custodian, board, chain, CONFIRMATIONS)
    return Attester(store, net.sender(custodian), [watcher], [payer], screen)


def bridge_and_gateways(
    net: GatewayNet, evm: Evm, tmp_path: Path, screen: SanctionsSnapshot | None = None
) -> tuple[Contract, Contract, list[Attester]]:
    """A GosBridge, its GOS token and the gateways of two custodians: enough signatures to release."""
    bridge, token = deploy_bridge(evm)
    return bridge, token, [gateway(net, evm, bridge, c, tmp_path, screen) for c in CUSTODIANS[:2]]


def run_all(gateways: list[Attester]) -> list[PassReport]:
    """One pass of every gateway, in order."""
    return [g.run_once() for g in gateways]


def native(net: GatewayNet) -> tuple[int, int, int]:
    """(native GOS supply, GOS minted by rewards, GOS bridged out), in ugos."""
    with net.node.app.read() as state:
        supply = state.gos_supply.get()
        return get_gos_supply_ugos(state), supply.minted_ugos, supply.bridged_out_ugos


def request_swap_out(net: GatewayNet, amount: int, destination: str) -> None:
    tx = net.submit(ALICE, MsgRequestWithdrawal("ugos", amount, destination))
    net.produce()
    assert net.included(tx)["code"] == 0


def swap_to_native(evm: Evm, bridge: Contract, holder: str, amount: int, recipient: str) -> None:
    tx = bridge.functions.swapToNative(amount, recipient).transact({"from": holder})
    evm.w3.eth.wait_for_transaction_receipt(tx)


def withdrawal(net: GatewayNet, withdrawal_id: int) -> dict[str, object]:
    return dict(net.client.get(f"/custody/withdrawals/{withdrawal_id}").json())


def test_a_withdrawal_of_ugos_mints_the_erc20_and_leaves_native_supply(
    gateway_net: GatewayNet, evm: Evm, tmp_path: Path
) -> None:
    bridge, token, gateways = bridge_and_gateways(gateway_net, evm, tmp_path)
    destination = evm.w3.eth.accounts[7]
    alice_before = gateway_net.balance(ALICE.address, "ugos")
    request_swap_out(gateway_net, 2 * GOS, destination)
    assert gateway_net.balance(ALICE.address, "ugos") == alice_before - 2 * GOS - FEE  # escrowed
    gateways[0].run_once()  # signs and posts; one signature is not enough to submit
    assert not bridge.functions.released(0).call()
    gateways[1].run_once()  # second signature: submits the release
    assert bridge.functions.released(0).call()
    assert token.functions.balanceOf(destination).call() == 2 * GOS
    assert all(not g.run_once().paid for g in gateways)  # waiting for confirmations
    evm.mine(CONFIRMATIONS)
    reports = run_all(gateways)
    assert all(0 in r.paid for r in reports) and reports[0].paid[0] == reports[1].paid[0]
    supply, minted, bridged_out = native(gateway_net)
    assert bridged_out == 0
    gateway_net.produce()
    completed = withdrawal(gateway_net, 0)
    assert completed["status"] == "completed" and completed["external_tx_id"] == reports[0].paid[0]
    supply_after, minted_after, bridged_out_after = native(gateway_net)
    assert bridged_out_after == 2 * GOS
    assert supply_after - supply == (minted_after - minted) - 2 * GOS  # the block reward came in, the swap left
    for g in gateways:
        assert g.run_once().sent_txs == []
        assert 0 not in g.state.withdrawals  # completed on chain, forgotten locally
    assert token.functions.totalSupply().call() == 2 * GOS


def test_a_burn_right_after_the_release_is_credited_back_once(
    gateway_net: GatewayNet, evm: Evm, tmp_path: Path
) -> None:
    bridge, token, gateways = bridge_and_gateways(gateway_net, evm, tmp_path)
    holder = evm.w3.eth.accounts[6]
    request_swap_out(gateway_net, 2 * GOS, holder)
    run_all(gateways)
    assert token.functions.balanceOf(holder).call() == 2 * GOS
    # The holder swaps most of it back at once: the release and the burn reach the confirmation depth in the same
    # pass, and the credit needs the release confirmed first (it is capped by the GOS bridged out).
    swap_to_native(evm, bridge, holder, 1_500_000, ALICE.address)
    assert token.functions.totalSupply().call() == 500_000
    evm.mine(CONFIRMATIONS)
    alice = gateway_net.balance(ALICE.address, "ugos")
    reports = run_all(gateways)
    assert all(r.observed == 1 and 0 in r.paid for r in reports)
    gateway_net.produce()
    assert withdrawal(gateway_net, 0)["status"] == "completed"
    assert gateway_net.balance(ALICE.address, "ugos") == alice + 1_500_000
    assert native(gateway_net)[2] == 500_000  # bridged out: 2 GOS went, 1.5 came back
    (deposit,) = gateway_net.client.get("/custody/deposits").json()["deposits"]
    assert deposit["status"] == "credited" and deposit["hosted_chain"] == "ethereum"
    assert deposit["from_address"] == holder.lower() and deposit["recipient"] == ALICE.address

    # Restarted gateways send nothing again; a custodian that lost its state file re-attests and the chain
    # refuses; the third custodian attesting late is recorded without a second credit.
    restarted = [gateway(gateway_net, evm, bridge, c, tmp_path) for c in CUSTODIANS[:2]]
    assert all(r.run_once().sent_txs == [] for r in restarted)
    amnesiac = gateway(gateway_net, evm, bridge, CUSTODIANS[0], tmp_path, state="lost.json")
    assert amnesiac.run_once().observed == 1
    late = gateway(gateway_net, evm, bridge, CUSTODIANS[2], tmp_path)
    assert late.run_once().observed == 1
    gateway_net.produce()
    refused = amnesiac.run_once()
    assert any("refused by the chain" in note for note in refused.notes)
    assert late.run_once().sent_txs == []
    deposit = gateway_net.client.get("/custody/deposits").json()["deposits"][0]
    assert len(deposit["attesters"]) == 3
    assert gateway_net.balance(ALICE.address, "ugos") == alice + 1_500_000
    assert native(gateway_net)[2] == 500_000


def test_a_swap_back_to_an_invalid_gos_address_is_recorded_not_attested(
    gateway_net: GatewayNet, evm: Evm, tmp_path: Path
) -> None:
    bridge, token, gateways = bridge_and_gateways(gateway_net, evm, tmp_path)
    holder = evm.w3.eth.accounts[5]
    request_swap_out(gateway_net, GOS, holder)
    run_all(gateways)
    evm.mine(CONFIRMATIONS)
    run_all(gateways)
    gateway_net.produce()
    swap_to_native(evm, bridge, holder, 300_000, "gos1-not-an-address")
    swap_to_native(evm, bridge, holder, 200_000, ALICE.address.upper())  # bech32, but not the canonical spelling
    evm.mine(CONFIRMATIONS)
    report = gateways[0].run_once()
    assert report.observed == 0 and report.sent_txs == []
    assert len(report.notes) == 2 and all("is not a gos1 address" in n for n in report.notes)
    assert len(gateways[0].store.load().skipped) == 2  # persisted for the operators
    assert gateways[0].run_once().notes == []  # the cursor moved past them
    assert token.functions.totalSupply().call() == 500_000


def test_a_sanctioned_destination_is_not_released(gateway_net: GatewayNet, evm: Evm, tmp_path: Path) -> None:
    destination = evm.w3.eth.accounts[8]
    screen = SanctionsSnapshot(tmp_path / "sanctions.json")
    screen.replace({SanctionedAddress("ethereum", destination.lower())})
    bridge, token, gateways = bridge_and_gateways(gateway_net, evm, tmp_path, screen)
    request_swap_out(gateway_net, GOS, destination)
    for g in gateways:
        report = g.run_once()
        assert report.blocked_payouts == [0] and report.sent_txs == []
        assert g.state.withdrawals[0].status == "pending"  # the chain's list did not have it
        assert g.state.withdrawals[0].blocked
    payer = gateways[0].payers[0]
    assert isinstance(payer, GosBridgePayer)
    assert payer.board.collect(payer.namespace, 0) == {}  # nothing signed
    assert not bridge.functions.released(0).call()
    assert token.functions.balanceOf(destination).call() == 0
    assert withdrawal(gateway_net, 0)["status"] == "pending"
    assert native(gateway_net)[2] == 0
