"""EvmDepositWatcher on a real node (anvil) where a node's behaviour matters: reorganizations shallower than the
confirmation depth. A deposit reorged out before it is `confirmations` deep is never attested; one the reorg moves
to another block is attested once, from its new block. (The fast unit tests stay on eth-tester:
test_evm_watcher.py.)"""

from anvil_harness import Anvil, anvil
from eth_account import Account
from gateway_harness import ALICE, CUSTODIANS
from web3.contract import Contract

from gostaking.bridge.evm import EvmDepositWatcher, eth_address

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


def scan_all(watcher: EvmDepositWatcher, cursor: str | None) -> tuple[list[tuple[str, int]], str | None]:
    found = []
    while True:
        batch = watcher.scan(cursor)
        found += [(d.external_tx_id, d.amount) for d in batch.deposits]
        if batch.cursor == cursor:
            return found, cursor
        cursor = batch.cursor


def test_a_deposit_reorged_out_before_its_confirmations_is_never_attested(anvil: Anvil) -> None:
    vault, watcher = vault_and_watcher(anvil)
    anvil.w3.eth.send_raw_transaction(signed_deposit(anvil, vault, 5))
    anvil.mine(CONFIRMATIONS - 2)  # CONFIRMATIONS − 1 deep
    found, cursor = scan_all(watcher, None)
    assert found == []
    anvil.reorg(CONFIRMATIONS - 1)  # the deposit's block and the one after are replaced by empty blocks
    anvil.mine(CONFIRMATIONS)
    found, cursor = scan_all(watcher, cursor)
    assert found == [] and anvil.w3.eth.get_balance(vault.address) == 0
    anvil.w3.eth.send_raw_transaction(signed_deposit(anvil, vault, 7))
    anvil.mine(CONFIRMATIONS - 1)
    found, _ = scan_all(watcher, cursor)
    assert [amount for _, amount in found] == [7]


def test_a_deposit_moved_to_another_block_by_a_reorg_is_attested_once(anvil: Anvil) -> None:
    vault, watcher = vault_and_watcher(anvil)
    raw = signed_deposit(anvil, vault, 5)
    tx_hash = anvil.w3.eth.send_raw_transaction(raw)
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
