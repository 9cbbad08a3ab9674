"""GOS ERC-20 and GosBridge: release from native by m-of-n signatures, swap back to native by burning."""

from evm_harness import CUSTODIANS, OUTSIDER, Evm, artifact, key
from test_vault import error_selector, reverts
from web3.contract import Contract

from gostaking.bridge.evm import eth_address, order_signatures, release_digest, sign_digest, update_custodians_digest
from gostaking.wallet.keys import PrivateKey

GOS_ADDRESS = "gos1qyqszqgpqyqszqgpqyqszqgpqyqszqgp6w4j3z"
ADDRESSES = [eth_address(k) for k in CUSTODIANS]


def deploy(evm: Evm) -> tuple[Contract, Contract]:
    bridge = evm.deploy("GosBridge", ADDRESSES, 2)
    token = evm.w3.eth.contract(address=bridge.functions.token().call(), abi=artifact("GOS")["abi"])
    return bridge, token


def release(evm: Evm, bridge: Contract, signers: list[PrivateKey], to: str, amount: int, nonce: int) -> None:
    digest = release_digest(evm.chain_id, bridge.address, to, amount, nonce)
    sigs = order_signatures({eth_address(k): sign_digest(k, digest) for k in signers})
    evm.w3.eth.wait_for_transaction_receipt(
        bridge.functions.release(to, amount, nonce, sigs).transact({"from": evm.deployer})
    )


def test_the_token_is_gos_with_six_decimals_minted_only_by_its_bridge(evm: Evm) -> None:
    bridge, token = deploy(evm)
    assert (token.functions.name().call(), token.functions.symbol().call()) == ("GoStaking", "GOS")
    assert token.functions.decimals().call() == 6
    assert token.functions.bridge().call() == bridge.address
    user = evm.w3.eth.accounts[1]
    reverts(lambda: token.functions.mint(user, 1).transact({"from": user}), error_selector("OnlyBridge()"))
    reverts(lambda: token.functions.burn(user, 0).transact({"from": user}), error_selector("OnlyBridge()"))


def test_release_mints_once_with_two_of_three(evm: Evm) -> None:
    bridge, token = deploy(evm)
    user = evm.w3.eth.accounts[2]
    release(evm, bridge, CUSTODIANS[1:], user, 5_000_000, 1)
    assert token.functions.balanceOf(user).call() == 5_000_000
    assert token.functions.totalSupply().call() == 5_000_000
    reverts(lambda: release(evm, bridge, CUSTODIANS[1:], user, 5_000_000, 1), error_selector("NonceUsed(uint256)"))
    reverts(
        lambda: release(evm, bridge, CUSTODIANS[:1], user, 1, 2), error_selector("NotEnoughSignatures(uint256,uint256)")
    )
    reverts(
        lambda: release(evm, bridge, [CUSTODIANS[0], OUTSIDER], user, 1, 2), error_selector("NotACustodian(address)")
    )


def test_swap_to_native_burns_and_emits_the_gos_address(evm: Evm) -> None:
    bridge, token = deploy(evm)
    user = evm.w3.eth.accounts[3]
    release(evm, bridge, CUSTODIANS[:2], user, 3_000_000, 9)
    evm.w3.eth.wait_for_transaction_receipt(
        bridge.functions.swapToNative(1_250_000, GOS_ADDRESS).transact({"from": user})
    )
    assert token.functions.balanceOf(user).call() == 1_750_000
    assert token.functions.totalSupply().call() == 1_750_000
    (event,) = bridge.events.SwapToNative().get_logs(from_block=0)
    assert (event["args"]["from"], event["args"]["gosAddress"], event["args"]["amount"]) == (
        user,
        GOS_ADDRESS,
        1_250_000,
    )
    reverts(
        lambda: bridge.functions.swapToNative(2_000_000, GOS_ADDRESS).transact({"from": user}),
        error_selector("InsufficientBalance()"),
    )
    reverts(lambda: bridge.functions.swapToNative(1, "").transact({"from": user}), error_selector("InvalidSwap()"))


def test_erc20_transfers_and_allowances(evm: Evm) -> None:
    bridge, token = deploy(evm)
    alice, bob, carol = evm.w3.eth.accounts[1:4]
    release(evm, bridge, CUSTODIANS[:2], alice, 100, 1)
    evm.w3.eth.wait_for_transaction_receipt(token.functions.transfer(bob, 30).transact({"from": alice}))
    evm.w3.eth.wait_for_transaction_receipt(token.functions.approve(carol, 50).transact({"from": alice}))
    evm.w3.eth.wait_for_transaction_receipt(token.functions.transferFrom(alice, carol, 40).transact({"from": carol}))
    assert [token.functions.balanceOf(a).call() for a in (alice, bob, carol)] == [30, 30, 40]
    assert token.functions.allowance(alice, carol).call() == 10
    reverts(
        lambda: token.functions.transferFrom(alice, carol, 11).transact({"from": carol}),
        error_selector("InsufficientAllowance()"),
    )


def test_bridge_custodians_rotate_like_the_vault(evm: Evm) -> None:
    bridge, token = deploy(evm)
    new_keys = [key(7), key(8)]
    new_set = [eth_address(k) for k in new_keys]
    digest = update_custodians_digest("GosBridge", evm.chain_id, bridge.address, new_set, 2, 0)
    sigs = order_signatures({eth_address(k): sign_digest(k, digest) for k in CUSTODIANS[:2]})
    evm.w3.eth.wait_for_transaction_receipt(
        bridge.functions.updateCustodians(new_set, 2, sigs).transact({"from": evm.deployer})
    )
    user = evm.w3.eth.accounts[4]
    reverts(lambda: release(evm, bridge, CUSTODIANS[:2], user, 1, 3), error_selector("NotACustodian(address)"))
    release(evm, bridge, new_keys, user, 1, 3)
    assert token.functions.balanceOf(user).call() == 1
