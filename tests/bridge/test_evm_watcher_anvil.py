"""EvmDepositWatcher on a real node (anvil) where a node's behaviour matters: reorganizations. Shallower than the
confirmation depth: a deposit reorged out before it is `confirmations` deep is never attested; one the reorg moves
to another block is attested once, from its new block. Deeper: a deposit already attested vanishes, and the watcher
(the vault's and the GOS swap's, which share LockEventWatcher) stops with DeepReorgError at every scan until an
operator moves its cursor. (The fast unit tests stay on eth-tester: test_evm_watcher.py.)"""

import pytest
from anvil_harness import Anvil, anvil
from eth_account import Account
from gateway_harness import ALICE, CUSTODIANS
from web3.contract import Contract

from gostaking.bridge.attester import parse_block_cursor
from gostaking.bridge.errors import DeepReorgError
from gostaking.bridge.evm import EvmDepositWatcher, LockEventWatcher, eth_address
from gostaking.bridge.gos_swap import GosSwapWatcher

__all__ = ["anvil"]

CONFIRMATIONS = 3
DEPOSITOR = Account.from_key((0xDE9051).to_bytes(32, "big"))


def vault_and_watcher(anvil: Anvil) -> tuple[Contract, EvmDepositWatcher]:
    vault = anvil.deploy("GoStakingVault", [eth_address(k) for k in CUSTODIANS], 2)
    anvil.fund(DEPOSITOR.address, 10**18)
    watcher = EvmDepositWatcher(
        anvil.w3, vault.address, {}, confirmations=CONFIRMATIONS, start_block=anvil.w3.eth.block_number + 1
    )
    return vault, watcher


def signed_deposit(anvil: Anvil, vault: Contract, wei: int) -> bytes:
    """A raw, signed depositETH of the depositor (so a reorg can put the very same transaction in another block)."""
    tx = vault.functions.depositETH(ALICE.address).build_transaction(
        {
            "from": DEPOSITOR.address,
            "value": wei,
            "nonce": anvil.w3.eth.get_transaction_count(DEPOSITOR.address),
            "gas": 100_000,
        }
    )
    return bytes(DEPOSITOR.sign_transaction(tx).raw_transaction)


def scan_all(watcher: LockEventWatcher, cursor: str | None) -> tuple[list[tuple[str, int]], str | None]:
    found = []
    while True:
        batch = watcher.scan(cursor)
        found += [(d.external_tx_id, d.amount) for d in batch.deposits]
        if batch.cursor == cursor:
            return found, cursor
        cursor = batch.cursor


def test_a_deposit_reorged_out_before_its_confirmations_is_never_attested(anvil: Anvil) -> None:
    vault, watcher = vault_and_watcher(anvil)
    anvil.send_raw(signed_deposit(anvil, vault, 5))
    anvil.mine(CONFIRMATIONS - 2)  # CONFIRMATIONS − 1 deep
    found, cursor = scan_all(watcher, None)
    assert found == []
    anvil.reorg(CONFIRMATIONS - 1)  # the deposit's block and the one after are replaced by empty blocks
    anvil.mine(CONFIRMATIONS)
    found, cursor = scan_all(watcher, cursor)
    assert found == [] and anvil.w3.eth.get_balance(vault.address) == 0
    anvil.send_raw(signed_deposit(anvil, vault, 7))
    anvil.mine(CONFIRMATIONS - 1)
    found, _ = scan_all(watcher, cursor)
    assert [amount for _, amount in found] == [7]


def test_a_deposit_moved_to_another_block_by_a_reorg_is_attested_once(anvil: Anvil) -> None:
    vault, watcher = vault_and_watcher(anvil)
    raw = signed_deposit(anvil, vault, 5)
    tx_hash = anvil.send_raw(raw)
    first_block = anvil.w3.eth.get_transaction_receipt(tx_hash)["blockNumber"]
    anvil.mine(1)
    found, cursor = scan_all(watcher, None)
    assert found == []  # two deep
    anvil.reorg(2, [(raw, 1)])  # both blocks are replaced; the deposit lands one block later, in the new chain
    moved = anvil.w3.eth.get_transaction_receipt(tx_hash)["blockNumber"]
    assert moved == first_block + 1
    anvil.mine(CONFIRMATIONS)
    found, cursor = scan_all(watcher, cursor)
    assert found == [(f"0x{bytes(tx_hash).hex()}:0", 5)]
    anvil.mine(CONFIRMATIONS)
    assert scan_all(watcher, cursor)[0] == []


def test_a_reorg_deeper_than_the_confirmations_stops_the_watcher_until_an_operator_moves_its_cursor(
    anvil: Anvil,
) -> None:
    vault, watcher = vault_and_watcher(anvil)
    tx_hash = anvil.send_raw(signed_deposit(anvil, vault, 5))
    deposit_block = anvil.w3.eth.get_transaction_receipt(tx_hash)["blockNumber"]
    anvil.mine(CONFIRMATIONS)
    found, cursor = scan_all(watcher, None)
    assert [amount for _, amount in found] == [5]  # final: attested
    assert cursor is not None
    height, read_hash = parse_block_cursor(cursor)
    assert (height, read_hash) == (deposit_block + 1, "0x" + bytes(anvil.w3.eth.get_block(height)["hash"]).hex())
    anvil.reorg(CONFIRMATIONS + 1)  # from the deposit's block on: it is gone, the vault holds nothing
    assert anvil.w3.eth.get_balance(vault.address) == 0
    current_hash = "0x" + bytes(anvil.w3.eth.get_block(height)["hash"]).hex()
    for more_blocks in (0, CONFIRMATIONS):  # a longer chain does not make it go on either
        anvil.mine(more_blocks)
        with pytest.raises(DeepReorgError) as stopped:
            watcher.scan(cursor)
        assert (stopped.value.height, stopped.value.read_hash, stopped.value.current_hash) == (
            height,
            read_hash,
            current_hash,
        )
        message = str(stopped.value)
        assert f"ethereum block {height} {read_hash}" in message and f"is now {current_hash}" in message
        assert f"as deep as the {CONFIRMATIONS} confirmations" in message
    # The operator, having dealt with the lost deposit, points the cursor at the new chain: a new deposit is seen.
    anvil.send_raw(signed_deposit(anvil, vault, 7))
    anvil.mine(CONFIRMATIONS - 1)
    found, _ = scan_all(watcher, f"{height}:{current_hash}")
    assert [amount for _, amount in found] == [7]


def test_the_gos_swap_watcher_stops_on_a_deep_reorg_too(anvil: Anvil) -> None:
    bridge = anvil.deploy("GosBridge", [eth_address(k) for k in CUSTODIANS], 2)
    watcher = GosSwapWatcher(
        anvil.w3, bridge.address, confirmations=CONFIRMATIONS, start_block=anvil.w3.eth.block_number + 1
    )
    anvil.mine(CONFIRMATIONS + 1)
    _, cursor = scan_all(watcher, None)
    assert cursor is not None
    height, read_hash = parse_block_cursor(cursor)
    assert height == anvil.w3.eth.block_number - CONFIRMATIONS + 1
    anvil.reorg(CONFIRMATIONS - 1)  # shallower than the confirmations: the scanned blocks stay
    assert scan_all(watcher, cursor)[1] == cursor
    anvil.reorg(CONFIRMATIONS)  # reaches the last block scanned
    with pytest.raises(DeepReorgError, match=f"ethereum block {height} {read_hash}"):
        watcher.scan(cursor)
