"""The wallet's ether and ERC-20 on a real dev node (anvil): EIP-1559 sends with the node's fees, token transfers,
and bad input (a mistyped checksum, another chain's address, an amount over balance) refused with nothing signed."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from anvil_harness import Anvil
from wallet_harness import SEED, WALLET, cli, cli_json, make_keyring
from web3.contract import Contract

from gostaking.wallet.hd import eth_key
from gostaking.wallet.onchain import WalletChainError
from gostaking.wallet.onchain.eth import EthWallet, parse_eth_address

ETHER = 10**18
RECEIVER = "0x8ba1f109551bD432803012645Ac136ddd64DBA72"
"""An EIP-55 checksummed address (mixed case) with no key in these tests."""


def wallet_address() -> str:
    return parse_eth_address(eth_key(SEED).address)


def mint_token(anvil: Anvil, to: str, amount: int) -> Contract:
    token = anvil.deploy("TestToken", "Test USD", "TUSD", False)
    anvil.w3.eth.wait_for_transaction_receipt(token.functions.mint(to, amount).transact({"from": anvil.funder}))  # type: ignore[typeddict-item]
    return token


def test_ether_is_sent_with_eip1559_fees_from_the_node(anvil: Anvil, tmp_path: Path) -> None:
    keyring = make_keyring(tmp_path / "keys")
    anvil.fund(wallet_address(), 10 * ETHER)
    base = int(anvil.w3.eth.get_block("latest")["baseFeePerGas"])
    tip = int(anvil.w3.eth.max_priority_fee)
    sent = cli_json(
        keyring, "wallet", "send", "eth", RECEIVER, "1.5eth", "--from", WALLET, "--yes", "--eth-rpc", anvil.url
    )
    tx = anvil.w3.eth.get_transaction(sent["hash"])
    assert tx["type"] == 2 and tx["maxPriorityFeePerGas"] == tip and tx["maxFeePerGas"] == 2 * base + tip
    receipt = anvil.w3.eth.get_transaction_receipt(sent["hash"])
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert Decimal(sent["fee_eth"]) * ETHER == fee
    assert anvil.w3.eth.get_balance(RECEIVER) == 3 * ETHER // 2  # type: ignore[arg-type]
    assert anvil.w3.eth.get_balance(wallet_address()) == 10 * ETHER - 3 * ETHER // 2 - fee  # type: ignore[arg-type]


def test_tokens_are_sent_and_shown(anvil: Anvil, tmp_path: Path) -> None:
    keyring = make_keyring(tmp_path / "keys")
    anvil.fund(wallet_address(), ETHER)
    token = mint_token(anvil, wallet_address(), 100 * ETHER)
    args = ["--from", WALLET, "--yes", "--eth-rpc", anvil.url, "--token", token.address]
    cli_json(keyring, "wallet", "send", "eth", RECEIVER, "12.5tusd", *args)
    assert token.functions.balanceOf(RECEIVER).call() == 25 * ETHER // 2
    # Without a GoStaking node (nothing listens on port 9) the GOS part is named as missing, the rest shown.
    balance = ["wallet", "balance", WALLET, "--api", "http://127.0.0.1:9", "--eth-rpc", anvil.url, "--json"]
    result = cli(keyring, *balance, "--erc20", token.address)
    assert result.exit_code == 1 and result.stderr.startswith("error: GOS (node API http://127.0.0.1:9): ")
    shown = json.loads(result.stdout)
    assert shown["eth"]["address"] == wallet_address()
    assert shown["eth"]["balances"][1] == f"87.5 TUSD ({token.address})"
    assert shown["eth"]["balances"][0].endswith(" eth") and Decimal(shown["eth"]["balances"][0][:-4]) < 1


@pytest.mark.parametrize(
    ("to", "amount", "token", "message"),
    [
        (RECEIVER.replace("8ba1", "8bA1"), "1eth", False, "wrong EIP-55 checksum"),
        ("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", "1eth", False, "is not an Ethereum address"),
        ("0x8ba1f109551bd432803012645ac136ddd64dba7", "1eth", False, "is not an Ethereum address"),
        (RECEIVER, "2eth", False, "amount over balance"),
        (RECEIVER, "0.999999eth", False, "amount over balance"),  # the value fits, value + gas does not
        (RECEIVER, "0.0000000000000000001eth", False, "more decimal places"),
        (RECEIVER, "101tusd", True, "amount over balance: 101 TUSD, but the wallet holds 100 TUSD"),
        (RECEIVER, "1gos", False, "'1gos' is not an amount of eth"),
        (RECEIVER, "1btc", True, "unknown unit 'btc' in '1btc'"),
    ],
)
def test_bad_input_is_refused_in_one_line_and_nothing_is_signed(
    anvil: Anvil, tmp_path: Path, to: str, amount: str, token: bool, message: str
) -> None:
    keyring = make_keyring(tmp_path / "keys")
    anvil.fund(wallet_address(), ETHER)
    contract = mint_token(anvil, wallet_address(), 100 * ETHER)
    nonce = anvil.w3.eth.get_transaction_count(wallet_address())  # type: ignore[arg-type]
    extra = ["--token", contract.address] if token else []
    result = cli(
        keyring, "wallet", "send", "eth", to, amount, "--from", WALLET, "--yes", "--eth-rpc", anvil.url, *extra
    )
    assert result.exit_code == 1 and message in result.output, result.output
    assert result.output.count("\n") == 1 and result.output.startswith("error: ")
    assert anvil.w3.eth.get_transaction_count(wallet_address(), "pending") == nonce  # type: ignore[arg-type]


def test_addresses_are_checksummed_and_checked() -> None:
    assert parse_eth_address(RECEIVER.lower()) == RECEIVER  # no checksum to check: accepted, checksummed
    with pytest.raises(WalletChainError, match="wrong EIP-55 checksum"):
        parse_eth_address(RECEIVER.replace("Ac1", "AC1"))


def test_a_token_that_is_not_a_contract_is_named(anvil: Anvil) -> None:
    with pytest.raises(WalletChainError, match="is not an ERC-20 token contract"):
        EthWallet(SEED, anvil.w3).token(RECEIVER)
