"""EVM side of custody: EIP-712 digests and custodian signatures for the lock contracts (contracts/), the
deposit watcher of GoStakingVault, and the vault payer that redeems GoStaking withdrawals.

Digests match contracts/CustodianMultisig.sol: domain EIP712Domain(name, version "1", chainId,
verifyingContract); structs Redeem(address token,address to,uint256 amount,uint256 nonce) for the vault,
Release(address to,uint256 amount,uint256 nonce) for GosBridge, UpdateCustodians(address[] custodians,
uint256 threshold,uint256 nonce) for both. Signatures are 65 bytes r ‖ s ‖ v (v = 27/28, low s), passed to the
contracts sorted by signer address.
"""

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import coincurve
from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction

from gostaking.bridge.attester import DepositBatch, ObservedDeposit
from gostaking.bridge.errors import RpcError, ScriptError
from gostaking.bridge.store import TrackedWithdrawal, write_atomically
from gostaking.wallet.keys import PrivateKey

log = logging.getLogger(__name__)

ETH_TOKEN = "0x0000000000000000000000000000000000000000"
"""Token address the vault uses for ether."""

_DOMAIN_TYPE = b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
_REDEEM_TYPE = b"Redeem(address token,address to,uint256 amount,uint256 nonce)"
_RELEASE_TYPE = b"Release(address to,uint256 amount,uint256 nonce)"
_UPDATE_TYPE = b"UpdateCustodians(address[] custodians,uint256 threshold,uint256 nonce)"
_HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0
"""secp256k1 n / 2: the contracts refuse signatures with a larger s."""

# The parts of the contracts' ABIs the gateway uses, kept here so that a gateway needs no build step; a test
# checks them against the compiled contracts.
VAULT_ABI: list[dict[str, Any]] = [
    {
        "type": "event",
        "name": "Deposited",
        "anonymous": False,
        "inputs": [
            {"name": "token", "type": "address", "indexed": True},
            {"name": "from", "type": "address", "indexed": True},
            {"name": "amount", "type": "uint256", "indexed": False},
            {"name": "gosRecipient", "type": "string", "indexed": False},
        ],
    },
    {
        "type": "event",
        "name": "Redeemed",
        "anonymous": False,
        "inputs": [
            {"name": "nonce", "type": "uint256", "indexed": True},
            {"name": "token", "type": "address", "indexed": True},
            {"name": "to", "type": "address", "indexed": True},
            {"name": "amount", "type": "uint256", "indexed": False},
        ],
    },
    {
        "type": "function",
        "name": "redeem",
        "stateMutability": "nonpayable",
        "inputs": [
            {"name": "token", "type": "address"},
            {"name": "to", "type": "address"},
            {"name": "amount", "type": "uint256"},
            {"name": "nonce", "type": "uint256"},
            {"name": "signatures", "type": "bytes[]"},
        ],
        "outputs": [],
    },
    {
        "type": "function",
        "name": "redeemed",
        "stateMutability": "view",
        "inputs": [{"name": "", "type": "uint256"}],
        "outputs": [{"name": "", "type": "bool"}],
    },
    {
        "type": "function",
        "name": "threshold",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [{"name": "", "type": "uint256"}],
    },
    {
        "type": "function",
        "name": "isCustodian",
        "stateMutability": "view",
        "inputs": [{"name": "", "type": "address"}],
        "outputs": [{"name": "", "type": "bool"}],
    },
]


def eth_address(key: PrivateKey) -> str:
    """The Ethereum address (checksummed) of a secp256k1 key: custodians use one key on both chains."""
    public = coincurve.PrivateKey(key.secret).public_key.format(compressed=False)[1:]
    return to_checksum_address(keccak(public)[-20:])


def domain_separator(name: str, chain_id: int, contract: str) -> bytes:
    """EIP-712 domain separator of a lock contract."""
    return keccak(
        abi_encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [keccak(_DOMAIN_TYPE), keccak(name.encode()), keccak(b"1"), chain_id, contract],
        )
    )


def _digest(domain: bytes, struct_hash: bytes) -> bytes:
    return keccak(b"\x19\x01" + domain + struct_hash)


def redeem_digest(chain_id: int, vault: str, token: str, to: str, amount: int, nonce: int) -> bytes:
    """What custodians sign to let GoStakingVault pay `amount` of `token` to `to` once, under `nonce`."""
    struct = abi_encode(
        ["bytes32", "address", "address", "uint256", "uint256"], [keccak(_REDEEM_TYPE), token, to, amount, nonce]
    )
    return _digest(domain_separator("GoStakingVault", chain_id, vault), keccak(struct))


def release_digest(chain_id: int, bridge: str, to: str, amount: int, nonce: int) -> bytes:
    """What custodians sign to let GosBridge mint `amount` GOS tokens to `to` once, under `nonce`."""
    struct = abi_encode(["bytes32", "address", "uint256", "uint256"], [keccak(_RELEASE_TYPE), to, amount, nonce])
    return _digest(domain_separator("GosBridge", chain_id, bridge), keccak(struct))


def update_custodians_digest(
    name: str, chain_id: int, contract: str, custodians: Sequence[str], threshold: int, nonce: int
) -> bytes:
    """What the current custodians sign to replace the set of contract `name` ('GoStakingVault' or
    'GosBridge'); `nonce` is the contract's configNonce."""
    packed = b"".join(abi_encode(["address"], [a]) for a in custodians)
    struct = abi_encode(
        ["bytes32", "bytes32", "uint256", "uint256"], [keccak(_UPDATE_TYPE), keccak(packed), threshold, nonce]
    )
    return _digest(domain_separator(name, chain_id, contract), keccak(struct))


def sign_digest(key: PrivateKey, digest: bytes) -> bytes:
    """65-byte r ‖ s ‖ v signature (v = 27 or 28, low s) as the contracts' ecrecover expects."""
    signature = coincurve.PrivateKey(key.secret).sign_recoverable(digest, hasher=None)
    return signature[:64] + bytes([signature[64] + 27])


def recover_signer(digest: bytes, signature: bytes) -> str | None:
    """The lower-case address that made a `sign_digest` signature over `digest`, or None when it is malformed or
    has a high s (the contracts refuse both)."""
    if len(signature) != 65 or signature[64] not in (27, 28):
        return None
    if int.from_bytes(signature[32:64], "big") > _HALF_ORDER:
        return None
    try:
        public = coincurve.PublicKey.from_signature_and_message(
            signature[:64] + bytes([signature[64] - 27]), digest, hasher=None
        )
    except ValueError:
        return None
    return "0x" + keccak(public.format(compressed=False)[1:])[-20:].hex()


def valid_signatures(contract: Contract, posted: dict[str, bytes], digest: bytes) -> dict[str, bytes]:
    """The posted signatures (keyed by signer) that sign `digest` by their signer, a current custodian of
    `contract`: a stale, foreign or corrupt file must not make the whole call revert."""
    return {
        signer: signature
        for signer, signature in posted.items()
        if recover_signer(digest, signature) == signer.lower()
        and contract.functions.isCustodian(to_checksum_address(signer)).call()
    }


def order_signatures(signed: dict[str, bytes]) -> list[bytes]:
    """Signatures keyed by signer address, in the strictly ascending signer order the contracts require."""
    return [signed[a] for a in sorted(signed, key=lambda address: int(address, 16))]


def confirmed_range(
    w3: Web3, cursor: str | None, start_block: int, confirmations: int, max_range: int
) -> tuple[int, int] | None:
    """The next block range to scan after `cursor` (the last block scanned; None: start at `start_block`):
    blocks with at least `confirmations` confirmations, at most `max_range` of them; None when there is none."""
    start = int(cursor) + 1 if cursor is not None else start_block
    try:
        head = int(w3.eth.block_number)
    except Exception as error:  # web3 raises many transport-specific types
        raise RpcError(f"reading the block number: {error}") from error
    end = min(head - (max(confirmations, 1) - 1), start + max_range - 1)
    return (start, end) if end >= start else None


def log_id(entry: Any) -> str:
    """'0x<tx hash>:<log index>': a log's name as an external tx id (one transaction may hold several)."""
    return f"0x{bytes(entry['transactionHash']).hex()}:{entry['logIndex']}"


def payout_address(address: str) -> str:
    """The checksummed form of a withdrawal's EVM destination; ScriptError when it is not an EVM address (the
    chain accepts any printable text, so one bad withdrawal must not stop the payer's pass)."""
    try:
        return to_checksum_address(address)
    except ValueError:
        raise ScriptError(f"destination {address!r} is not an EVM address") from None


def send_contract_call(w3: Web3, key: PrivateKey, call: ContractFunction, gas: int) -> str:
    """Sign `call` with `key` at its next nonce and broadcast it; the transaction hash (hex)."""
    account = eth_address(key)
    tx = call.build_transaction(
        {
            "from": account,
            "nonce": w3.eth.get_transaction_count(account),  # type: ignore[arg-type]
            "gas": gas,
            "chainId": w3.eth.chain_id,
        }
    )
    signed = w3.eth.account.sign_transaction(tx, key.secret)
    return "0x" + bytes(w3.eth.send_raw_transaction(signed.raw_transaction)).hex()


class EvmDepositWatcher:
    """Reads Deposited events of a GoStakingVault by block range, only from blocks with enough confirmations.

    The cursor is the last block scanned. Tokens the chain does not list (not in `tokens`) are reported, not
    attested: their value cannot be credited until governance lists them.
    """

    def __init__(
        self,
        w3: Web3,
        vault: str,
        tokens: dict[str, str],
        *,
        hosted_chain: str = "ethereum",
        eth_denom: str | None = "eth",
        confirmations: int = 12,
        start_block: int = 0,
        max_range: int = 2_000,
    ) -> None:
        """Watch `vault`; `tokens` maps ERC-20 addresses to GoStaking denoms, `eth_denom` is ether's denom."""
        self.w3 = w3
        self.vault: Contract = w3.eth.contract(address=to_checksum_address(vault), abi=VAULT_ABI)
        self.tokens = {t.lower(): d for t, d in tokens.items()}
        if eth_denom is not None:
            self.tokens[ETH_TOKEN] = eth_denom
        self.hosted_chain = hosted_chain
        self.confirmations = max(confirmations, 1)
        self.start_block = start_block
        self.max_range = max_range

    @property
    def name(self) -> str:
        """Cursor name: the hosted chain and the vault address."""
        return f"{self.hosted_chain}:{self.vault.address.lower()}"

    def scan(self, cursor: str | None) -> DepositBatch:
        """Deposits in (cursor, newest block with `confirmations`], at most `max_range` blocks per call."""
        span = confirmed_range(self.w3, cursor, self.start_block, self.confirmations, self.max_range)
        if span is None:
            return DepositBatch([], cursor if cursor is not None else str(self.start_block - 1))
        start, end = span
        try:
            logs = self.vault.events.Deposited().get_logs(from_block=start, to_block=end)
        except Exception as error:  # web3 raises many transport-specific types
            raise RpcError(f"reading Deposited events {start}..{end}: {error}") from error
        deposits: list[ObservedDeposit] = []
        notes: list[str] = []
        for entry in logs:
            tx_id = log_id(entry)
            token = str(entry["args"]["token"]).lower()
            denom = self.tokens.get(token)
            if denom is None:
                notes.append(f"{self.hosted_chain}:{tx_id}: token {token} is not listed; not attested")
                continue
            deposits.append(
                ObservedDeposit(
                    hosted_chain=self.hosted_chain,
                    external_tx_id=tx_id,
                    from_address=str(entry["args"]["from"]).lower(),
                    recipient=str(entry["args"]["gosRecipient"]),
                    denom=denom,
                    amount=int(entry["args"]["amount"]),
                )
            )
        return DepositBatch(deposits, str(end), notes)


class DirectorySignatureBoard:
    """Where custodians exchange redemption signatures: one file per (contract, nonce, signer) under a shared
    directory (a mounted volume or a synced store in production). Files are written atomically and are
    harmless to leak: a signature only authorises the payout the chain already decided."""

    def __init__(self, root: Path) -> None:
        """A board rooted at `root`."""
        self.root = root

    def _dir(self, namespace: str, nonce: int) -> Path:
        return self.root / namespace / str(nonce)

    def publish(self, namespace: str, nonce: int, signer: str, signature: bytes) -> None:
        """Post `signer`'s signature for `nonce`."""
        write_atomically(self._dir(namespace, nonce) / f"{signer.lower()}.sig", signature.hex().encode())

    def collect(self, namespace: str, nonce: int) -> dict[str, bytes]:
        """All signatures posted for `nonce`, keyed by lower-case signer address."""
        directory = self._dir(namespace, nonce)
        if not directory.is_dir():
            return {}
        found = {}
        for path in sorted(directory.glob("*.sig")):
            try:
                found[path.stem] = bytes.fromhex(path.read_text().strip())
            except (OSError, ValueError):
                log.warning("ignoring unreadable signature file %s", path)
        return found


@dataclass
class VaultPayer:
    """Pays GoStaking withdrawals from a GoStakingVault.

    Each custodian signs Redeem(token, to, amount, nonce = withdrawal id) and posts it to the board; whoever
    holds `threshold` signatures of current custodians submits `redeem`. A withdrawal counts as paid once a
    Redeemed event for its nonce, with the same token, destination and amount, has `confirmations` blocks;
    every custodian checks that on its own node before confirming on GoStaking.
    """

    w3: Web3
    vault_address: str
    key: PrivateKey
    board: DirectorySignatureBoard
    tokens: dict[str, str]
    """GoStaking denom → ERC-20 address (ether: ETH_TOKEN)."""
    hosted_chain: str = "ethereum"
    confirmations: int = 12
    start_block: int = 0
    """Vault deployment block: where Redeemed events are searched from."""
    gas: int = 300_000
    submitted: dict[int, str] = field(default_factory=dict)
    """Redeems this process submitted (in memory: after a restart a still-unmined redeem may be sent again;
    the second one reverts with NonceUsed and only costs gas)."""

    def __post_init__(self) -> None:
        self.vault: Contract = self.w3.eth.contract(address=to_checksum_address(self.vault_address), abi=VAULT_ABI)
        self.account = eth_address(self.key)
        self.namespace = f"{self.w3.eth.chain_id}-{self.vault.address.lower()}"

    def serves(self, denom: str) -> bool:
        """True for the denoms whose token this vault holds."""
        return denom in self.tokens

    def pay(self, withdrawal: TrackedWithdrawal) -> str | None:
        """Sign, maybe submit, and report the redeem transaction once it is final."""
        token = self.tokens.get(withdrawal.denom)
        if token is None:
            return None
        to = payout_address(withdrawal.to)
        final = self._final_redeem(withdrawal.id, token, to, withdrawal.amount)
        if final is not None:
            return final
        if self.vault.functions.redeemed(withdrawal.id).call():
            return None  # redeemed, waiting for confirmations
        digest = redeem_digest(self.w3.eth.chain_id, self.vault.address, token, to, withdrawal.amount, withdrawal.id)
        self.board.publish(self.namespace, withdrawal.id, self.account, sign_digest(self.key, digest))
        if withdrawal.id not in self.submitted:
            valid = valid_signatures(self.vault, self.board.collect(self.namespace, withdrawal.id), digest)
            if len(valid) >= int(self.vault.functions.threshold().call()):
                self.submitted[withdrawal.id] = self._submit(token, to, withdrawal.amount, withdrawal.id, valid)
        return None

    def _submit(self, token: str, to: str, amount: int, nonce: int, signatures: dict[str, bytes]) -> str:
        call = self.vault.functions.redeem(token, to, amount, nonce, order_signatures(signatures))
        tx_hash = send_contract_call(self.w3, self.key, call, self.gas)
        log.info("submitted redeem of withdrawal %d in %s", nonce, tx_hash)
        return tx_hash

    def _final_redeem(self, nonce: int, token: str, to: str, amount: int) -> str | None:
        head = self.w3.eth.block_number
        for entry in self.vault.events.Redeemed().get_logs(
            from_block=self.start_block, argument_filters={"nonce": nonce}
        ):
            args = entry["args"]
            if (str(args["token"]).lower(), str(args["to"]).lower(), int(args["amount"])) != (
                token.lower(),
                to.lower(),
                amount,
            ):
                log.error("vault nonce %d was redeemed with other details than withdrawal %d", nonce, nonce)
                return None
            if head - entry["blockNumber"] + 1 >= self.confirmations:
                return "0x" + bytes(entry["transactionHash"]).hex()
        return None


def load_artifact(build_dir: Path, name: str) -> tuple[list[dict[str, Any]], str]:
    """(abi, bytecode) of a contract compiled by contracts/compile.js into `build_dir`."""
    path = build_dir / f"{name}.json"
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise RpcError(f"{path} is missing: compile the contracts first (`make contracts`)") from None
    return document["abi"], document["bytecode"]


def default_build_dir() -> Path:
    """contracts/build of a source checkout, or $GOSTAKING_CONTRACTS_BUILD."""
    override = os.environ.get("GOSTAKING_CONTRACTS_BUILD")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "contracts" / "build"
