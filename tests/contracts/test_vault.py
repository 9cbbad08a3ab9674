"""GoStakingVault: ETH/ERC-20 deposits, m-of-n redemptions (replay-proof, chain-bound), rotation, reentrancy."""

from collections.abc import Callable

import pytest
from eth_account.messages import encode_typed_data
from eth_tester.exceptions import TransactionFailed
from eth_utils import keccak
from evm_harness import CUSTODIANS, OUTSIDER, Evm, artifact, key, revert_data
from web3.contract import Contract
from web3.exceptions import ContractLogicError

from gostaking.bridge.evm import (
    ETH_TOKEN,
    VAULT_ABI,
    eth_address,
    order_signatures,
    redeem_digest,
    sign_digest,
    update_custodians_digest,
)
from gostaking.wallet.keys import PrivateKey

ALICE_GOS = "gos1qyqszqgpqyqszqgpqyqszqgpqyqszqgp6w4j3z"
ADDRESSES = [eth_address(k) for k in CUSTODIANS]


def deploy_vault(evm: Evm, threshold: int = 2) -> Contract:
    return evm.deploy("GoStakingVault", ADDRESSES, threshold)


def signatures(
    evm: Evm,
    vault: Contract,
    signers: list[PrivateKey],
    token: str,
    to: str,
    amount: int,
    nonce: int,
    chain_id: int | None = None,
) -> list[bytes]:
    digest = redeem_digest(chain_id or evm.chain_id, vault.address, token, to, amount, nonce)
    return order_signatures({eth_address(k): sign_digest(k, digest) for k in signers})


def redeem(evm: Evm, vault: Contract, token: str, to: str, amount: int, nonce: int, sigs: list[bytes]) -> None:
    tx = vault.functions.redeem(token, to, amount, nonce, sigs).transact({"from": evm.deployer})
    evm.w3.eth.wait_for_transaction_receipt(tx)


def reverts(call: Callable[[], object], error: str = "") -> None:
    """`call` reverts, with custom error `error` (a 0x-selector) when given."""
    with pytest.raises((ContractLogicError, TransactionFailed)) as caught:
        call()
    assert error in revert_data(caught.value), caught.value


def error_selector(name: str) -> str:
    return "0x" + keccak(text=name)[:4].hex()


def funded_vault(evm: Evm) -> Contract:
    vault = deploy_vault(evm)
    tx = vault.functions.depositETH(ALICE_GOS).transact({"from": evm.deployer, "value": 5 * 10**18})
    evm.w3.eth.wait_for_transaction_receipt(tx)
    return vault


def test_the_digest_is_standard_eip712(evm: Evm) -> None:
    vault = deploy_vault(evm)
    to = evm.w3.eth.accounts[5]
    typed = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Redeem": [
                {"name": "token", "type": "address"},
                {"name": "to", "type": "address"},
                {"name": "amount", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
            ],
        },
        "primaryType": "Redeem",
        "domain": {
            "name": "GoStakingVault",
            "version": "1",
            "chainId": evm.chain_id,
            "verifyingContract": vault.address,
        },
        "message": {"token": ETH_TOKEN, "to": to, "amount": 7, "nonce": 3},
    }
    message = encode_typed_data(full_message=typed)
    expected = keccak(b"\x19" + message.version + message.header + message.body)
    assert redeem_digest(evm.chain_id, vault.address, ETH_TOKEN, to, 7, 3) == expected


def test_eth_deposit_emits_the_recipient_and_plain_transfers_are_refused(evm: Evm) -> None:
    vault = funded_vault(evm)
    (event,) = vault.events.Deposited().get_logs(from_block=0)
    assert event["args"]["token"] == ETH_TOKEN
    assert event["args"]["from"] == evm.deployer
    assert event["args"]["amount"] == 5 * 10**18
    assert event["args"]["gosRecipient"] == ALICE_GOS
    assert evm.w3.eth.get_balance(vault.address) == 5 * 10**18
    reverts(
        lambda: evm.w3.eth.send_transaction({"from": evm.deployer, "to": vault.address, "value": 1}),
        error_selector("UseDepositETH()"),
    )
    reverts(lambda: vault.functions.depositETH("").transact({"from": evm.deployer, "value": 1}), "")
    reverts(lambda: vault.functions.depositETH(ALICE_GOS).transact({"from": evm.deployer, "value": 0}), "")


@pytest.mark.parametrize("returns_nothing", [False, True], ids=["standard-erc20", "no-return-erc20"])
def test_erc20_deposit_and_redeem(evm: Evm, returns_nothing: bool) -> None:
    vault = deploy_vault(evm)
    token = evm.deploy("TestToken", "Tether", "USDT", returns_nothing)
    user = evm.w3.eth.accounts[1]
    evm.w3.eth.wait_for_transaction_receipt(token.functions.mint(user, 1_000).transact({"from": user}))
    evm.w3.eth.wait_for_transaction_receipt(token.functions.approve(vault.address, 600).transact({"from": user}))
    evm.w3.eth.wait_for_transaction_receipt(
        vault.functions.depositToken(token.address, 600, ALICE_GOS).transact({"from": user})
    )
    (event,) = vault.events.Deposited().get_logs(from_block=0)
    assert (event["args"]["token"], event["args"]["from"], event["args"]["amount"]) == (token.address, user, 600)
    to = evm.w3.eth.accounts[4]
    redeem(evm, vault, token.address, to, 250, 1, signatures(evm, vault, CUSTODIANS[:2], token.address, to, 250, 1))
    assert token.functions.balanceOf(to).call() == 250
    assert token.functions.balanceOf(vault.address).call() == 350


def test_redeem_with_two_of_three_pays_once(evm: Evm) -> None:
    vault = funded_vault(evm)
    to = evm.w3.eth.accounts[6]
    before = evm.w3.eth.get_balance(to)
    sigs = signatures(evm, vault, [CUSTODIANS[2], CUSTODIANS[0]], ETH_TOKEN, to, 10**18, 42)
    redeem(evm, vault, ETH_TOKEN, to, 10**18, 42, sigs)
    assert evm.w3.eth.get_balance(to) - before == 10**18
    assert vault.functions.redeemed(42).call()
    (event,) = vault.events.Redeemed().get_logs(from_block=0)
    assert (event["args"]["nonce"], event["args"]["to"], event["args"]["amount"]) == (42, to, 10**18)
    # Replay of the same signed redemption: the nonce is spent.
    reverts(lambda: redeem(evm, vault, ETH_TOKEN, to, 10**18, 42, sigs), error_selector("NonceUsed(uint256)"))


def test_redeem_refuses_bad_signature_sets(evm: Evm) -> None:
    vault = funded_vault(evm)
    to = evm.w3.eth.accounts[6]
    one = signatures(evm, vault, CUSTODIANS[:1], ETH_TOKEN, to, 1, 1)
    reverts(
        lambda: redeem(evm, vault, ETH_TOKEN, to, 1, 1, one), error_selector("NotEnoughSignatures(uint256,uint256)")
    )
    duplicate = one + one
    reverts(lambda: redeem(evm, vault, ETH_TOKEN, to, 1, 1, duplicate), error_selector("SignersNotAscending()"))
    outsider = signatures(evm, vault, [CUSTODIANS[0], OUTSIDER], ETH_TOKEN, to, 1, 1)
    reverts(lambda: redeem(evm, vault, ETH_TOKEN, to, 1, 1, outsider), error_selector("NotACustodian(address)"))
    # Signed for nonce 1, submitted with nonce 2: recovers unknown signers.
    good = signatures(evm, vault, CUSTODIANS[:2], ETH_TOKEN, to, 1, 1)
    reverts(lambda: redeem(evm, vault, ETH_TOKEN, to, 1, 2, good), "")
    # Signed for another amount or destination.
    reverts(lambda: redeem(evm, vault, ETH_TOKEN, to, 2, 1, good), "")
    # Signed for another chain id: the domain separator binds the chain.
    other_chain = signatures(evm, vault, CUSTODIANS[:2], ETH_TOKEN, to, 1, 1, chain_id=evm.chain_id + 1)
    reverts(lambda: redeem(evm, vault, ETH_TOKEN, to, 1, 1, other_chain), "")
    # A high-s (malleated) copy of a valid signature is refused.
    order = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    sig = good[0]
    s = int.from_bytes(sig[32:64], "big")
    malleated = sig[:32] + (order - s).to_bytes(32, "big") + bytes([55 - sig[64]])
    reverts(
        lambda: redeem(evm, vault, ETH_TOKEN, to, 1, 1, [malleated, good[1]]), error_selector("MalformedSignature()")
    )
    redeem(evm, vault, ETH_TOKEN, to, 1, 1, good)  # the genuine set still works


def test_signatures_for_another_vault_are_refused(evm: Evm) -> None:
    vault = funded_vault(evm)
    other = deploy_vault(evm)
    to = evm.w3.eth.accounts[6]
    for_other = signatures(evm, other, CUSTODIANS[:2], ETH_TOKEN, to, 1, 1)
    reverts(lambda: redeem(evm, vault, ETH_TOKEN, to, 1, 1, for_other), "")


def test_custodian_rotation_needs_the_current_set_and_is_replay_proof(evm: Evm) -> None:
    vault = funded_vault(evm)
    new_keys = [CUSTODIANS[2], key(4), key(5), key(6)]
    new_set = [eth_address(k) for k in new_keys]

    def rotation_sigs(signers: list[PrivateKey], nonce: int) -> list[bytes]:
        digest = update_custodians_digest("GoStakingVault", evm.chain_id, vault.address, new_set, 3, nonce)
        return order_signatures({eth_address(k): sign_digest(k, digest) for k in signers})

    lone = rotation_sigs(CUSTODIANS[:1], 0)
    reverts(
        lambda: vault.functions.updateCustodians(new_set, 3, lone).transact({"from": evm.deployer}),
        error_selector("NotEnoughSignatures(uint256,uint256)"),
    )
    sigs = rotation_sigs(CUSTODIANS[:2], 0)
    evm.w3.eth.wait_for_transaction_receipt(
        vault.functions.updateCustodians(new_set, 3, sigs).transact({"from": evm.deployer})
    )
    assert vault.functions.custodians().call() == new_set
    assert vault.functions.threshold().call() == 3
    assert vault.functions.configNonce().call() == 1
    assert not vault.functions.isCustodian(ADDRESSES[0]).call()
    reverts(lambda: vault.functions.updateCustodians(new_set, 3, sigs).transact({"from": evm.deployer}), "")
    to = evm.w3.eth.accounts[7]
    old = signatures(evm, vault, CUSTODIANS[:2], ETH_TOKEN, to, 1, 5)
    reverts(lambda: redeem(evm, vault, ETH_TOKEN, to, 1, 5, old), "")
    two_new = signatures(evm, vault, new_keys[:2], ETH_TOKEN, to, 1, 5)
    reverts(
        lambda: redeem(evm, vault, ETH_TOKEN, to, 1, 5, two_new), error_selector("NotEnoughSignatures(uint256,uint256)")
    )
    redeem(evm, vault, ETH_TOKEN, to, 1, 5, signatures(evm, vault, new_keys[1:], ETH_TOKEN, to, 1, 5))
    # Invalid sets are refused even when properly signed.
    for bad_set, bad_threshold in [([], 1), (new_set, 0), (new_set, 5), ([new_set[0], new_set[0]], 1)]:
        digest = update_custodians_digest("GoStakingVault", evm.chain_id, vault.address, bad_set, bad_threshold, 1)
        bad_sigs = order_signatures({eth_address(k): sign_digest(k, digest) for k in new_keys[:3]})
        reverts(
            lambda s=bad_set, t=bad_threshold, g=bad_sigs: vault.functions.updateCustodians(s, t, g).transact(
                {"from": evm.deployer}
            ),
            error_selector("InvalidCustodianSet()"),
        )


def test_a_reentrant_recipient_cannot_redeem_twice(evm: Evm) -> None:
    vault = funded_vault(evm)
    attacker = evm.deploy("ReentrantReceiver", vault.address)
    second = signatures(evm, vault, CUSTODIANS[:2], ETH_TOKEN, attacker.address, 10**18, 8)
    evm.w3.eth.wait_for_transaction_receipt(attacker.functions.arm(8, second).transact({"from": evm.deployer}))
    first = signatures(evm, vault, CUSTODIANS[:2], ETH_TOKEN, attacker.address, 10**18, 7)
    reverts(
        lambda: redeem(evm, vault, ETH_TOKEN, attacker.address, 10**18, 7, first), error_selector("TransferFailed()")
    )
    assert not vault.functions.redeemed(7).call()
    assert not vault.functions.redeemed(8).call()
    assert evm.w3.eth.get_balance(vault.address) == 5 * 10**18


def test_the_gateway_abi_matches_the_compiled_vault() -> None:
    compiled = {(e["type"], e.get("name")): e for e in artifact("GoStakingVault")["abi"]}
    for entry in VAULT_ABI:
        found = compiled[(entry["type"], entry["name"])]
        assert [(i["name"], i["type"]) for i in found["inputs"]] == [(i["name"], i["type"]) for i in entry["inputs"]]
        if entry["type"] == "event":
            assert [i["indexed"] for i in found["inputs"]] == [i["indexed"] for i in entry["inputs"]]
