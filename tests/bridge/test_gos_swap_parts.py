"""GosSwapWatcher and GosBridgePayer on eth-tester alone, the gateway ABI against the compiled GosBridge, and
payer routing when the vault and the GOS bridge serve the same chain."""

from pathlib import Path

import pytest
from evm_harness import OUTSIDER, artifact
from gateway_harness import ALICE, CUSTODIANS, GOS, Evm, GatewayNet
from web3.contract import Contract

from gostaking.bridge.attester import Attester, parse_block_cursor
from gostaking.bridge.errors import ScriptError
from gostaking.bridge.evm import (
    ETH_TOKEN,
    DirectorySignatureBoard,
    VaultPayer,
    eth_address,
    order_signatures,
    release_digest,
    sign_digest,
)
from gostaking.bridge.gos_swap import GOS_BRIDGE_ABI, GosBridgePayer, GosSwapWatcher
from gostaking.bridge.store import StateStore, TrackedWithdrawal
from gostaking.chain.types.tx import MsgRequestWithdrawal
from gostaking.wallet.keys import PrivateKey


def deploy(evm: Evm) -> Contract:
    return evm.deploy("GosBridge", [eth_address(k) for k in CUSTODIANS], 2)


def release(evm: Evm, bridge: Contract, to: str, amount: int, nonce: int) -> None:
    digest = release_digest(evm.chain_id, bridge.address, to, amount, nonce)
    sigs = order_signatures({eth_address(k): sign_digest(k, digest) for k in CUSTODIANS[:2]})
    evm.w3.eth.wait_for_transaction_receipt(
        bridge.functions.release(to, amount, nonce, sigs).transact({"from": evm.deployer})
    )


def payer(evm: Evm, bridge: Contract, key: PrivateKey, tmp_path: Path) -> GosBridgePayer:
    return GosBridgePayer(evm.w3, bridge.address, key, DirectorySignatureBoard(tmp_path / "board"), confirmations=2)


def test_the_gateway_abi_matches_the_compiled_bridge() -> None:
    compiled = {(e["type"], e.get("name")): e for e in artifact("GosBridge")["abi"]}
    for entry in GOS_BRIDGE_ABI:
        found = compiled[(entry["type"], entry["name"])]
        assert [(i["name"], i["type"]) for i in found["inputs"]] == [(i["name"], i["type"]) for i in entry["inputs"]]
        if entry["type"] == "event":
            assert [i["indexed"] for i in found["inputs"]] == [i["indexed"] for i in entry["inputs"]]


def test_the_watcher_scans_bounded_ranges_behind_the_confirmation_depth(evm: Evm) -> None:
    bridge = deploy(evm)
    user = evm.w3.eth.accounts[2]
    start = evm.w3.eth.block_number
    release(evm, bridge, user, 100, 1)
    receipts = []
    for amount in (10, 20, 30):
        tx = bridge.functions.swapToNative(amount, ALICE.address).transact({"from": user})
        receipts.append(evm.w3.eth.wait_for_transaction_receipt(tx))
    watcher = GosSwapWatcher(evm.w3, bridge.address, hosted_chain="ethereum", confirmations=2, start_block=start)
    watcher.max_range = 2
    head = evm.w3.eth.block_number
    found, cursor = [], None
    while True:
        batch = watcher.scan(cursor)
        if batch.cursor == cursor:
            break
        assert parse_block_cursor(batch.cursor)[0] - (parse_block_cursor(cursor)[0] if cursor else start - 1) <= 2
        found += batch.deposits
        cursor = batch.cursor
    assert cursor == f"{head - 1}:0x{bytes(evm.w3.eth.get_block(head - 1)['hash']).hex()}"  # one confirmation
    assert [d.amount for d in found] == [10, 20]
    first = found[0]
    assert (first.hosted_chain, first.denom, first.recipient, first.from_address) == (
        "ethereum",
        "ugos",
        ALICE.address,
        user.lower(),
    )
    # Named by transaction and log index, as the vault's deposits: the token's burn Transfer comes first.
    (swap_log,) = [entry for entry in receipts[0]["logs"] if entry["address"] == bridge.address]
    assert first.external_tx_id == f"0x{bytes(receipts[0]['transactionHash']).hex()}:{swap_log['logIndex']}"
    assert len({d.key for d in found}) == 2
    evm.mine(1)
    assert [d.amount for d in watcher.scan(cursor).deposits] == [30]
    assert watcher.name == f"ethereum:{bridge.address.lower()}"


def test_the_payer_ignores_forged_and_foreign_signatures(evm: Evm, tmp_path: Path) -> None:
    bridge = deploy(evm)
    to = evm.w3.eth.accounts[3]
    withdrawal = TrackedWithdrawal(4, ALICE.address, "ugos", 7 * GOS, to.lower(), "pending")
    first, second = payer(evm, bridge, CUSTODIANS[0], tmp_path), payer(evm, bridge, CUSTODIANS[1], tmp_path)
    # A custodian's signature over other details and an outsider's signature sit on the board: passing either to
    # the contract would make the release revert, so neither may count.
    other = release_digest(evm.chain_id, bridge.address, to, 8 * GOS, 4)
    first.board.publish(first.namespace, 4, eth_address(CUSTODIANS[2]), sign_digest(CUSTODIANS[2], other))
    right = release_digest(evm.chain_id, bridge.address, to, 7 * GOS, 4)
    first.board.publish(first.namespace, 4, eth_address(OUTSIDER), sign_digest(OUTSIDER, right))
    assert first.pay(withdrawal) is None
    assert not bridge.functions.released(4).call()  # one valid signature of two
    assert second.pay(withdrawal) is None
    assert bridge.functions.released(4).call()
    assert first.pay(withdrawal) is None and second.pay(withdrawal) is None  # one confirmation of two
    evm.mine(1)
    paid = first.pay(withdrawal)
    assert paid is not None and paid == second.pay(withdrawal) and paid.startswith("0x")


def test_the_payer_refuses_what_it_cannot_mint(evm: Evm, tmp_path: Path) -> None:
    bridge = deploy(evm)
    own = payer(evm, bridge, CUSTODIANS[0], tmp_path)
    assert own.serves("ugos") and not own.serves("eth")
    assert own.pay(TrackedWithdrawal(1, ALICE.address, "eth", 5, evm.w3.eth.accounts[1], "pending")) is None
    with pytest.raises(ScriptError, match="not an EVM address"):
        own.pay(TrackedWithdrawal(2, ALICE.address, "ugos", 5, "bc1qnotevm", "pending"))
    with pytest.raises(ScriptError, match="zero address"):
        own.pay(TrackedWithdrawal(3, ALICE.address, "ugos", 5, "0x" + "0" * 40, "pending"))
    # The nonce was released with other details (by hand, say): never reported as this withdrawal's payout.
    release(evm, bridge, evm.w3.eth.accounts[2], 5, 6)
    evm.mine(3)
    assert own.pay(TrackedWithdrawal(6, ALICE.address, "ugos", 5, evm.w3.eth.accounts[1], "pending")) is None
    assert own.board.collect(own.namespace, 6) == {}


def test_vault_and_bridge_payers_share_a_chain(gateway_net: GatewayNet, evm: Evm, tmp_path: Path) -> None:
    bridge = deploy(evm)
    vault = evm.deploy("GoStakingVault", [eth_address(k) for k in CUSTODIANS], 2)
    board = DirectorySignatureBoard(tmp_path / "board")

    def gateway(custodian: PrivateKey, with_bridge: bool) -> Attester:
        payers: list[VaultPayer | GosBridgePayer] = [
            VaultPayer(evm.w3, vault.address, custodian, board, {"eth": ETH_TOKEN}, confirmations=1)
        ]
        if with_bridge:
            payers.append(GosBridgePayer(evm.w3, bridge.address, custodian, board, confirmations=1))
        store = StateStore(tmp_path / f"{custodian.address}-{with_bridge}.json")
        return Attester(store, gateway_net.sender(custodian), [], payers)

    vault_only = gateway(CUSTODIANS[2], False)
    both = [gateway(c, True) for c in CUSTODIANS[:2]]
    gateway_net.submit(ALICE, MsgRequestWithdrawal("ugos", GOS, evm.w3.eth.accounts[4]))
    gateway_net.produce()
    vault_only.run_once()
    assert vault_only.state.withdrawals == {}  # nobody there pays ugos: not even tracked
    for g in both:
        g.run_once()
    assert not vault.functions.redeemed(0).call() and bridge.functions.released(0).call()
    reports = [g.run_once() for g in both]  # one confirmation is enough here: final on the next pass
    assert all(list(r.paid) == [0] for r in reports)
    gateway_net.produce()
    assert gateway_net.client.get("/custody/withdrawals/0").json()["status"] == "completed"


def test_a_restarted_payer_does_not_resend_a_pending_payout_but_resends_one_the_node_lost(
    evm: Evm, tmp_path: Path
) -> None:
    bridge = deploy(evm)
    to = evm.w3.eth.accounts[3]
    withdrawal = TrackedWithdrawal(9, ALICE.address, "ugos", 3 * GOS, to.lower(), "pending")
    first = payer(evm, bridge, CUSTODIANS[0], tmp_path)
    assert first.pay(withdrawal) is None  # one signature of two: nothing to send yet
    evm.tester.disable_auto_mine_transactions()
    try:
        second = payer(evm, bridge, CUSTODIANS[1], tmp_path)
        account = second.account
        assert second.pay(withdrawal) is None  # the threshold: it sends, and the release waits in the mempool
        sent = second.board.submission(second.namespace, 9, account)
        assert sent is not None and not bridge.functions.released(9).call()
        pending_nonce = evm.w3.eth.get_transaction_count(account, "pending")
        restarted = payer(evm, bridge, CUSTODIANS[1], tmp_path)  # a new process over the same board
        assert restarted.pay(withdrawal) is None
        assert evm.w3.eth.get_transaction_count(account, "pending") == pending_nonce  # not sent twice
    finally:
        evm.tester.enable_auto_mine_transactions()
    evm.mine(1)
    assert bridge.functions.released(9).call()
    assert evm.w3.eth.get_transaction_receipt(sent)["status"] == 1  # type: ignore[arg-type]

    # A recorded payout the node does not know (dropped, or lost in a crash before the broadcast) is sent again.
    lost = TrackedWithdrawal(11, ALICE.address, "ugos", 2 * GOS, to.lower(), "pending")
    assert first.pay(lost) is None
    first.board.record_submission(first.namespace, 11, second.account, "0x" + "ab" * 32)
    assert second.pay(lost) is None
    assert bridge.functions.released(11).call()
    assert second.board.submission(second.namespace, 11, second.account) != "0x" + "ab" * 32
