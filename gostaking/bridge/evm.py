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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import coincurve
from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import TransactionNotFound

from gostaking.bridge.attester import (
    DepositBatch,
    ObservedDeposit,
    block_cursor,
    parse_block_cursor,
    require_on_best_chain,
)
from gostaking.bridge.errors import RpcError, ScriptError
from gostaking.bridge.store import TrackedWithdrawal, write_atomically
from gostaking.wallet.keys import PrivateKey

log = logging.getLogger(__name__)

_T = TypeVar("_T")

ETH_TOKEN = "0x0000000000000000000000000000000000000000"
"""Token address the vault uses for ether."""

_DOMAIN_TYPE = b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
_REDEEM_TYPE = b"Redeem(address token,address to,uint256 amount,uint256 nonce)"
_RELEASE_TYPE = b"Release(address to,uint256 amount,uint256 nonce)"
_UPDATE_TYPE = b"UpdateCustodians(address[] custodians,uint256 threshold,uint256 nonce)"
_HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0
"""secp256k1 n / 2: the contracts refuse signatures with a larger s."""


def gateway_abi(contract: str) -> list[dict[str, Any]]:
    """The parts of `contract`'s ABI the gateway uses, from gostaking/bridge/abi/<contract>.json: shipped with the
    package so that a gateway needs no build step; tests check them against the compiled contracts."""
    abi: list[dict[str, Any]] = json.loads((Path(__file__).with_name("abi") / f"{contract}.json").read_text())
    return abi


def gateway_contract(w3: Web3, contract: str, address: str) -> Contract:
    """The lock contract `contract` (e.g. 'GoStakingVault') at `address`, with the gateway's ABI."""
    return w3.eth.contract(address=to_checksum_address(address), abi=gateway_abi(contract))


VAULT_ABI = gateway_abi("GoStakingVault")
"""The gateway's part of GoStakingVault's ABI."""


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


def sign_contract_call(w3: Web3, key: PrivateKey, call: ContractFunction, gas: int) -> tuple[str, bytes]:
    """Sign `call` with `key` after its pending transactions: (transaction hash hex, raw transaction)."""
    account = eth_address(key)
    tx = call.build_transaction(
        {
            "from": account,
            "nonce": w3.eth.get_transaction_count(account, "pending"),  # type: ignore[arg-type]
            "gas": gas,
            "chainId": w3.eth.chain_id,
        }
    )
    signed = w3.eth.account.sign_transaction(tx, key.secret)
    return "0x" + bytes(signed.hash).hex(), bytes(signed.raw_transaction)


class LockEventWatcher:
    """Reads one event of a lock contract by block range, only from blocks with enough confirmations, and reports
    each one as a deposit. A subclass names the contract and the event and reads a deposit out of each.

    The cursor is '<height>:<hash>' of the last block scanned. A reorganization shallower than `confirmations`
    never reaches a scanned block, so it needs nothing: a deposit reorged out before it was final was never read,
    one moved to another block is read there. One as deep or deeper can replace the cursor's block, and deposits that
    may already be attested: the watcher then raises DeepReorgError at every scan, naming the block it read and the
    node's block at that height, until an operator has looked and moved the cursor (the BTC watcher does the
    same). A cursor of an older gateway (the bare height) is taken as it is, once, and saved with its hash."""

    CONTRACT: ClassVar[str]
    """The contract watched, e.g. 'GoStakingVault'."""
    EVENT: ClassVar[str]
    """Its event that reports a deposit, e.g. 'Deposited'."""

    def __init__(
        self,
        w3: Web3,
        address: str,
        *,
        hosted_chain: str = "ethereum",
        confirmations: int = 12,
        start_block: int = 0,
        max_range: int = 2_000,
    ) -> None:
        """Watch the contract at `address`, from `start_block` (its deployment block) when no cursor is saved."""
        self.w3 = w3
        self.contract = gateway_contract(w3, self.CONTRACT, address)
        self.hosted_chain = hosted_chain
        self.confirmations = max(confirmations, 1)
        self.start_block = start_block
        self.max_range = max_range

    @property
    def name(self) -> str:
        """Cursor name: the hosted chain and the contract address."""
        return f"{self.hosted_chain}:{self.contract.address.lower()}"

    def scan(self, cursor: str | None) -> DepositBatch:
        """Deposits in (cursor, newest block with `confirmations`], at most `max_range` blocks per call."""
        last, read_hash = parse_block_cursor(cursor) if cursor is not None else (self.start_block - 1, "")
        head = self._node_call("reading the block number", lambda: int(self.w3.eth.block_number))
        end = min(head - (self.confirmations - 1), last + self.max_range)
        if end <= last:
            self._check_still_on_chain(last, read_hash, head)
            # Nothing new: the cursor stays (an old one gains its block's hash; none yet stays without one).
            kept_hash = read_hash or (self._hash_or_empty(last, head) if cursor is not None else "")
            return DepositBatch([], block_cursor(last, kept_hash))
        # The end block's hash is read before its logs and the cursor's block is checked after them: a
        # reorganization at any moment in between that reaches a block already scanned is caught now or next scan.
        end_hash = self._block_hash(end)
        try:
            logs = self.contract.events[self.EVENT]().get_logs(from_block=last + 1, to_block=end)
        except Exception as error:  # web3 raises many transport-specific types
            raise RpcError(f"reading {self.EVENT} events {last + 1}..{end}: {error}") from error
        self._check_still_on_chain(last, read_hash, head)
        deposits: list[ObservedDeposit] = []
        notes: list[str] = []
        for entry in logs:
            observed = self.observe(entry)
            if isinstance(observed, str):
                notes.append(observed)
            else:
                deposits.append(observed)
        return DepositBatch(deposits, block_cursor(end, end_hash), notes)

    def observe(self, entry: Any) -> ObservedDeposit | str:
        """The deposit an event reports, or a note saying why it is not attested."""
        raise NotImplementedError

    def _check_still_on_chain(self, height: int, read_hash: str, head: int) -> None:
        require_on_best_chain((height, read_hash), head, self._block_hash, self.hosted_chain, self.confirmations)

    def _block_hash(self, height: int) -> str:
        block = self._node_call(f"reading block {height}", lambda: self.w3.eth.get_block(height))
        return "0x" + bytes(block["hash"]).hex()

    def _hash_or_empty(self, height: int, head: int) -> str:
        """The hash of block `height` for a new cursor, '' when there is no such block (yet)."""
        return self._block_hash(height) if 0 <= height <= head else ""

    @staticmethod
    def _node_call(what: str, call: Callable[[], _T]) -> _T:
        try:
            return call()
        except Exception as error:  # web3 raises many transport-specific types
            raise RpcError(f"{what}: {error}") from error


class EvmDepositWatcher(LockEventWatcher):
    """Reads Deposited events of a GoStakingVault (see LockEventWatcher).

    Tokens the chain does not list (not in `tokens`) are reported, not attested: their value cannot be credited
    until governance lists them.
    """

    CONTRACT = "GoStakingVault"
    EVENT = "Deposited"

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
        super().__init__(
            w3,
            vault,
            hosted_chain=hosted_chain,
            confirmations=confirmations,
            start_block=start_block,
            max_range=max_range,
        )
        self.tokens = {t.lower(): d for t, d in tokens.items()}
        if eth_denom is not None:
            self.tokens[ETH_TOKEN] = eth_denom

    def observe(self, entry: Any) -> ObservedDeposit | str:
        """The deposit of a listed token; a note for any other token."""
        tx_id = log_id(entry)
        token = str(entry["args"]["token"]).lower()
        denom = self.tokens.get(token)
        if denom is None:
            return f"{self.hosted_chain}:{tx_id}: token {token} is not listed; not attested"
        return ObservedDeposit(
            hosted_chain=self.hosted_chain,
            external_tx_id=tx_id,
            from_address=str(entry["args"]["from"]).lower(),
            recipient=str(entry["args"]["gosRecipient"]),
            denom=denom,
            amount=int(entry["args"]["amount"]),
        )


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

    def record_submission(self, namespace: str, nonce: int, submitter: str, tx_hash: str) -> None:
        """Note that `submitter` sent the payout of `nonce` in `tx_hash` (written before it is broadcast)."""
        write_atomically(self._dir(namespace, nonce) / f"{submitter.lower()}.submitted", tx_hash.encode())

    def submission(self, namespace: str, nonce: int, submitter: str) -> str | None:
        """The transaction hash `submitter` last recorded for the payout of `nonce`, if any."""
        path = self._dir(namespace, nonce) / f"{submitter.lower()}.submitted"
        try:
            return path.read_text().strip() or None
        except FileNotFoundError:
            return None

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


def _folded(value: Any) -> Any:
    # Events carry checksummed addresses, withdrawals any spelling: addresses compare case-insensitively.
    return value.lower() if isinstance(value, str) else value


class MultisigPayer:
    """Pays GoStaking withdrawals through a lock contract's m-of-n payout function.

    Each custodian signs the payout of a withdrawal (nonce = withdrawal id) and posts it to the board; whoever
    holds `threshold` signatures of current custodians submits it. A withdrawal counts as paid once the payout
    event for its nonce, with the same terms, has `confirmations` blocks; every custodian checks that on its own
    node before confirming on GoStaking. A subclass (a dataclass with these fields) names the contract's payout
    function, which takes (terms…, nonce, signatures), its view of used nonces and its event, which names the
    same terms.
    """

    PAY_FUNCTION: ClassVar[str]
    """The contract function that pays out, e.g. 'redeem'."""
    PAID_VIEW: ClassVar[str]
    """True for a nonce already paid out, e.g. 'redeemed'."""
    PAID_EVENT: ClassVar[str]
    """Emitted by the payout, e.g. 'Redeemed'."""

    w3: Web3
    key: PrivateKey
    board: DirectorySignatureBoard
    confirmations: int
    start_block: int
    """Contract deployment block: where payout events are searched from."""
    gas: int

    def _attach(self, contract: Contract) -> None:
        self.contract = contract
        self.account = eth_address(self.key)
        self.namespace = f"{self.w3.eth.chain_id}-{contract.address.lower()}"

    def _payout_digest(self, nonce: int, terms: dict[str, Any]) -> bytes:
        """What custodians sign to let the contract pay `terms` once, under `nonce`."""
        raise NotImplementedError

    def _advance(self, nonce: int, terms: dict[str, Any]) -> str | None:
        """Sign, maybe submit, and report the payout transaction once it is final."""
        final = self._final_payout(nonce, terms)
        if final is not None:
            return final
        if self.contract.functions[self.PAID_VIEW](nonce).call():
            return None  # paid, waiting for confirmations
        digest = self._payout_digest(nonce, terms)
        self.board.publish(self.namespace, nonce, self.account, sign_digest(self.key, digest))
        if self._own_payout_in_flight(nonce):
            return None
        valid = valid_signatures(self.contract, self.board.collect(self.namespace, nonce), digest)
        if len(valid) >= int(self.contract.functions.threshold().call()):
            call = self.contract.functions[self.PAY_FUNCTION](*terms.values(), nonce, order_signatures(valid))
            tx_hash, raw = sign_contract_call(self.w3, self.key, call, self.gas)
            # Write-ahead: after a crash between these two lines the next pass finds the hash and asks the node.
            self.board.record_submission(self.namespace, nonce, self.account, tx_hash)
            self.w3.eth.send_raw_transaction(raw)
            log.info("submitted %s of withdrawal %d in %s", self.PAY_FUNCTION, nonce, tx_hash)
        return None

    def _own_payout_in_flight(self, nonce: int) -> bool:
        """True while this custodian's recorded payout of `nonce` is waiting in the node's mempool or was mined
        successfully: sending another would only revert and cost gas. A payout the node dropped (or never got,
        after a crash) or one that reverted may be sent again."""
        tx_hash = self.board.submission(self.namespace, nonce, self.account)
        if tx_hash is None:
            return False
        try:
            return int(self.w3.eth.get_transaction_receipt(tx_hash)["status"]) == 1  # type: ignore[arg-type]
        except TransactionNotFound:
            pass  # not mined: pending, or unknown to the node
        try:
            self.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            return False
        return True

    def _final_payout(self, nonce: int, terms: dict[str, Any]) -> str | None:
        head = self.w3.eth.block_number
        expected = {name: _folded(value) for name, value in terms.items()}
        for entry in self.contract.events[self.PAID_EVENT]().get_logs(
            from_block=self.start_block, argument_filters={"nonce": nonce}
        ):
            if {name: _folded(entry["args"][name]) for name in terms} != expected:
                log.error("nonce %d was %s with other details than withdrawal %d", nonce, self.PAID_VIEW, nonce)
                return None
            if head - entry["blockNumber"] + 1 >= self.confirmations:
                return "0x" + bytes(entry["transactionHash"]).hex()
        return None


@dataclass
class VaultPayer(MultisigPayer):
    """Pays GoStaking withdrawals from a GoStakingVault: custodians sign Redeem(token, to, amount, nonce =
    withdrawal id) and the vault pays on `redeem` (see MultisigPayer)."""

    PAY_FUNCTION = "redeem"
    PAID_VIEW = "redeemed"
    PAID_EVENT = "Redeemed"

    w3: Web3
    vault_address: str
    key: PrivateKey
    board: DirectorySignatureBoard
    tokens: dict[str, str]
    """GoStaking denom → ERC-20 address (ether: ETH_TOKEN)."""
    hosted_chain: str = "ethereum"
    confirmations: int = 12
    start_block: int = 0
    gas: int = 300_000

    def __post_init__(self) -> None:
        self._attach(gateway_contract(self.w3, "GoStakingVault", self.vault_address))

    def serves(self, denom: str) -> bool:
        """True for the denoms whose token this vault holds."""
        return denom in self.tokens

    def pay(self, withdrawal: TrackedWithdrawal) -> str | None:
        """Sign, maybe submit, and report the redeem transaction once it is final."""
        token = self.tokens.get(withdrawal.denom)
        if token is None:
            return None
        to = payout_address(withdrawal.to)
        return self._advance(withdrawal.id, {"token": token, "to": to, "amount": withdrawal.amount})

    def _payout_digest(self, nonce: int, terms: dict[str, Any]) -> bytes:
        return redeem_digest(self.w3.eth.chain_id, self.contract.address, nonce=nonce, **terms)
