"""The wallet's ether and ERC-20 tokens: balances, sends and custody deposits into GoStakingVault, from the seed's
first Ethereum key (`m/44'/60'/0'/0/0`), through any node's JSON-RPC (web3.py; eth-account signs).

Every transaction is EIP-1559 (type 2): max priority fee from the node (`eth_maxPriorityFeePerGas`), max fee twice
the latest base fee plus that tip (room for six full blocks of base-fee rise), gas from `eth_estimateGas`. What it
may cost (value + gas × max fee, and the token amount for a token) is checked against the balances before anything
is signed; a refused check sends nothing.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_typing import ChecksumAddress
from eth_utils.address import is_checksum_address, to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction

from gostaking.chain.numeric import format_units
from gostaking.wallet.hd import DerivedKey, eth_key
from gostaking.wallet.onchain import WalletChainError

ETH_DECIMALS = 18
_HEX_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
RECEIPT_TIMEOUT_S = 120.0


def _abi(name: str) -> list[dict[str, Any]]:
    """A contract ABI shipped beside this module (the parts the wallet calls; tests check them against the
    compiled contracts)."""
    abi: list[dict[str, Any]] = json.loads((Path(__file__).with_name("abi") / f"{name}.json").read_text())
    return abi


ERC20_ABI = _abi("ERC20")
VAULT_DEPOSIT_ABI = _abi("VaultDeposit")


def parse_eth_address(text: str, what: str = "address") -> ChecksumAddress:
    """The checksummed form of an Ethereum address. A mixed-case address must carry a valid EIP-55 checksum (a
    typo in it is caught); an all-lower or all-upper one has none to check."""
    value = text.strip()
    if not _HEX_ADDRESS.fullmatch(value):
        raise WalletChainError(f"{what} {text!r} is not an Ethereum address (0x and 40 hex digits)")
    body = value[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(value):
        raise WalletChainError(f"{what} {value} has a wrong EIP-55 checksum: a character is mistyped")
    return to_checksum_address(value)


@dataclass(frozen=True)
class Token:
    """An ERC-20 the wallet holds: its contract, symbol and decimals (read from the contract)."""

    contract: Contract
    symbol: str
    decimals: int

    @property
    def address(self) -> str:
        """The token contract's checksummed address."""
        return str(self.contract.address)


@dataclass(frozen=True)
class SentTx:
    """A transaction the wallet signed and the node accepted, mined with success."""

    tx_hash: str
    block: int
    fee_wei: int


@dataclass(frozen=True)
class PreparedTx:
    """An EIP-1559 transaction filled in and checked against the balance, not yet signed."""

    fields: dict[str, Any]
    what: str

    @property
    def max_fee_wei(self) -> int:
        """The most its gas may cost."""
        return int(self.fields["gas"]) * int(self.fields["maxFeePerGas"])


class EthWallet:
    """The seed's first Ethereum account on the chain behind `w3`. Each action is prepared (filled in and checked,
    WalletChainError when refused) before `send` signs it, so a caller can show it and ask first."""

    def __init__(self, seed: bytes, w3: Web3, *, account: int = 0) -> None:
        """The account `m/44'/60'/account'/0/0` of `seed`."""
        self.w3 = w3
        self._key: DerivedKey = eth_key(seed, account)
        self.address = parse_eth_address(self._key.address)

    def token(self, address: str) -> Token:
        """The ERC-20 at `address` (WalletChainError when no contract answers there)."""
        contract = self.w3.eth.contract(address=parse_eth_address(address, "token"), abi=ERC20_ABI)
        try:
            return Token(contract, str(contract.functions.symbol().call()), int(contract.functions.decimals().call()))
        except Exception:  # web3 raises several types for a call to no contract or a reverting one
            raise WalletChainError(f"{address} is not an ERC-20 token contract on this chain") from None

    def eth_balance(self) -> int:
        """Ether held, in wei."""
        return int(self.w3.eth.get_balance(self.address))

    def token_balance(self, token: Token) -> int:
        """Token held, in its base units."""
        return int(token.contract.functions.balanceOf(self.address).call())

    def prepare_eth(self, to: str, wei: int) -> PreparedTx:
        """A payment of `wei` to `to`."""
        recipient = parse_eth_address(to, "recipient")
        return self._prepare({"to": recipient, "value": wei}, f"{format_units(wei, ETH_DECIMALS)} ETH")

    def prepare_token_transfer(self, token: Token, to: str, amount: int) -> PreparedTx:
        """A transfer of `amount` base units of `token` to `to`."""
        recipient = parse_eth_address(to, "recipient")
        self.require_token(token, amount)
        return self._prepare_call(token.contract.functions.transfer(recipient, amount))

    def prepare_deposit_eth(self, vault: str, wei: int, gos_recipient: str) -> PreparedTx:
        """Locking `wei` in the vault for `gos_recipient` on GoStaking (`depositETH`)."""
        return self._prepare_call(self.vault(vault).functions.depositETH(gos_recipient), value=wei)

    def deposit_token(self, vault: str, token: Token, amount: int, gos_recipient: str) -> list[SentTx]:
        """Lock `amount` of `token` in the vault for `gos_recipient`: an `approve` first unless the vault may
        already take that much, then `depositToken` (whose gas can only be estimated once the approval is mined).
        Returns the transactions sent; check `require_token` before asking the user."""
        contract = self.vault(vault)
        self.require_token(token, amount)
        sent = []
        if int(token.contract.functions.allowance(self.address, contract.address).call()) < amount:
            sent.append(self.send(self._prepare_call(token.contract.functions.approve(contract.address, amount))))
        deposit = contract.functions.depositToken(token.address, amount, gos_recipient)
        sent.append(self.send(self._prepare_call(deposit)))
        return sent

    def vault(self, address: str) -> Contract:
        """The GoStakingVault at `address`, with the depositor's part of its ABI."""
        vault = parse_eth_address(address, "vault")
        if not self.w3.eth.get_code(vault):
            raise WalletChainError(f"no contract at vault address {vault} on this chain")
        return self.w3.eth.contract(address=vault, abi=VAULT_DEPOSIT_ABI)

    def require_token(self, token: Token, amount: int) -> None:
        """WalletChainError unless the wallet holds `amount` of `token`."""
        held = self.token_balance(token)
        if amount > held:
            raise WalletChainError(
                f"amount over balance: {format_units(amount, token.decimals)} {token.symbol}, but the wallet holds "
                f"{format_units(held, token.decimals)} {token.symbol}"
            )

    def send(self, prepared: PreparedTx) -> SentTx:
        """Sign a prepared transaction at the account's next nonce, send it and wait until it is mined."""
        fields = {**prepared.fields, "nonce": self.w3.eth.get_transaction_count(self.address, "pending")}
        signed = Account.sign_transaction(fields, self._key.secret)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_TIMEOUT_S)
        hash_hex = "0x" + bytes(tx_hash).hex()
        if int(receipt["status"]) != 1:
            raise WalletChainError(f"{prepared.what} was mined but failed (transaction {hash_hex})")
        fee = int(receipt["gasUsed"]) * int(receipt["effectiveGasPrice"])
        return SentTx(hash_hex, int(receipt["blockNumber"]), fee)

    def _prepare_call(self, call: ContractFunction, value: int = 0) -> PreparedTx:
        try:
            data = call._encode_transaction_data()
        except Exception as error:  # web3's encoding errors (a value out of range)
            raise WalletChainError(f"cannot encode {call.fn_name}: {error}") from None
        return self._prepare({"to": call.address, "value": value, "data": data}, call.fn_name)

    def _prepare(self, fields: dict[str, Any], what: str) -> PreparedTx:
        """Fill in EIP-1559 fees and gas, and check the most it may cost against the balance."""
        tip = int(self.w3.eth.max_priority_fee)
        base = int(self.w3.eth.get_block("latest").get("baseFeePerGas", 0))
        tx: dict[str, Any] = {
            **fields,
            "chainId": self.w3.eth.chain_id,
            "type": 2,
            "maxPriorityFeePerGas": tip,
            "maxFeePerGas": 2 * base + tip,
        }
        balance, value = self.eth_balance(), int(tx["value"])
        held = f"the wallet holds {format_units(balance, ETH_DECIMALS)} ETH"
        if value > balance:
            raise WalletChainError(f"amount over balance: {what} needs {format_units(value, ETH_DECIMALS)} ETH, {held}")
        try:
            tx["gas"] = int(self.w3.eth.estimate_gas({**tx, "from": self.address}))  # type: ignore[typeddict-item]
        except Exception as error:  # the node says it would revert
            raise WalletChainError(f"{what} would fail on chain: {str(error).splitlines()[0]}") from None
        prepared = PreparedTx(tx, what)
        if value + prepared.max_fee_wei > balance:
            cost = format_units(value + prepared.max_fee_wei, ETH_DECIMALS)
            raise WalletChainError(f"amount over balance: {what} costs up to {cost} ETH with gas, {held}")
        return prepared
