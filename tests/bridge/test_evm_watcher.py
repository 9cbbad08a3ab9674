"""EvmDepositWatcher: block ranges, confirmations, unlisted tokens, ERC-20 deposits, its cursor (height and hash)."""

import pytest
from gateway_harness import ALICE, CUSTODIANS, Evm

from gostaking.bridge.attester import parse_block_cursor
from gostaking.bridge.errors import RpcError
from gostaking.bridge.evm import ETH_TOKEN, EvmDepositWatcher, eth_address


def test_scans_in_bounded_ranges_behind_the_confirmation_depth(evm: Evm) -> None:
    vault = evm.deploy("GoStakingVault", [eth_address(k) for k in CUSTODIANS], 2)
    listed = evm.deploy("TestToken", "Wrapped", "WX", False)
    unlisted = evm.deploy("TestToken", "Other", "OT", False)
    user = evm.w3.eth.accounts[2]
    start = evm.w3.eth.block_number
    for token in (listed, unlisted):
        evm.w3.eth.wait_for_transaction_receipt(token.functions.mint(user, 100).transact({"from": user}))
        evm.w3.eth.wait_for_transaction_receipt(token.functions.approve(vault.address, 100).transact({"from": user}))
        evm.w3.eth.wait_for_transaction_receipt(
            vault.functions.depositToken(token.address, 40, ALICE.address).transact({"from": user})
        )
    evm.w3.eth.wait_for_transaction_receipt(
        vault.functions.depositETH(ALICE.address).transact({"from": user, "value": 7})
    )
    watcher = EvmDepositWatcher(
        evm.w3, vault.address, {listed.address: "wx"}, confirmations=2, start_block=start, max_range=3
    )
    head = evm.w3.eth.block_number
    found, notes, cursor = [], [], None
    while True:
        batch = watcher.scan(cursor)
        if batch.cursor == cursor:
            break
        assert parse_block_cursor(batch.cursor)[0] - (parse_block_cursor(cursor)[0] if cursor else start - 1) <= 3
        found += batch.deposits
        notes += batch.notes
        cursor = batch.cursor
    # The newest block has one confirmation only; the cursor names the last block scanned by height and hash.
    assert cursor == f"{head - 1}:0x{bytes(evm.w3.eth.get_block(head - 1)['hash']).hex()}"
    assert [(d.denom, d.amount) for d in found] == [("wx", 40)]
    assert len(notes) == 1 and unlisted.address.lower() in notes[0]
    evm.mine(1)
    (eth_deposit,) = watcher.scan(cursor).deposits
    assert (eth_deposit.denom, eth_deposit.amount, eth_deposit.recipient) == ("eth", 7, ALICE.address)
    assert eth_deposit.from_address == user.lower()
    assert eth_deposit.external_tx_id.startswith("0x") and eth_deposit.external_tx_id.count(":") == 1
    assert watcher.tokens[ETH_TOKEN] == "eth"


def test_a_cursor_that_is_not_a_block_is_refused_in_one_line_and_an_old_one_gains_its_hash(evm: Evm) -> None:
    vault = evm.deploy("GoStakingVault", [eth_address(k) for k in CUSTODIANS], 2)
    watcher = EvmDepositWatcher(evm.w3, vault.address, {}, confirmations=2)
    with pytest.raises(RpcError, match=r"^watcher cursor 'ten:0xab' is neither '<height>:<hash>' nor a block height$"):
        watcher.scan("ten:0xab")
    head = evm.w3.eth.block_number
    # A cursor as gateways saved it before they kept hashes (the bare height), with nothing new to scan yet.
    kept = watcher.scan(str(head - 1))
    assert kept.deposits == [] and kept.cursor == f"{head - 1}:0x{bytes(evm.w3.eth.get_block(head - 1)['hash']).hex()}"
