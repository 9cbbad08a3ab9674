"""The GOS swap on an EVM chain: native GOS ↔ the GOS ERC-20 minted and burned by contracts/GosBridge.sol.

- Swap back to native: `GosSwapWatcher` reads `SwapToNative(from, gosAddress, amount)` events (the token is
  burned in the same call) and reports each as a deposit of `ugos` on the token's hosted chain: one token unit is
  one ugos (both have 6 decimals). The chain credits it with m-of-n attestations, never beyond the GOS bridged out.
- Swap out: `GosBridgePayer` pays a GoStaking withdrawal of `ugos` by minting tokens. Each custodian signs the
  EIP-712 `Release(to, amount, nonce = withdrawal id)` and posts it to the signature board; whoever holds m valid
  signatures of current custodians submits `release`. A withdrawal counts as paid once a `Released` event for its
  nonce, with the same destination and amount, has `confirmations` blocks on this custodian's own node; only then
  is it confirmed on GoStaking, which takes the escrowed GOS out of native supply.

Both follow the vault's patterns (evm.py): block-range cursors behind the confirmation depth, signatures shared
through a DirectorySignatureBoard, payouts screened by the Attester against the sanctions snapshot before
`pay` is called.
"""

import logging
from dataclasses import dataclass, field
from typing import Any

from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.contract import Contract

from gostaking.bridge.attester import DepositBatch, ObservedDeposit
from gostaking.bridge.errors import BridgeError, RpcError, ScriptError
from gostaking.bridge.evm import (
    DirectorySignatureBoard,
    confirmed_range,
    eth_address,
    log_id,
    order_signatures,
    payout_address,
    release_digest,
    send_contract_call,
    sign_digest,
    valid_signatures,
)
from gostaking.bridge.store import TrackedWithdrawal
from gostaking.chain.numeric import GOS_DENOM
from gostaking.wallet.keys import PrivateKey

log = logging.getLogger(__name__)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

# The parts of GosBridge's ABI the gateway uses (a test checks them against the compiled contract).
GOS_BRIDGE_ABI: list[dict[str, Any]] = [
    {
        "type": "event",
        "name": "SwapToNative",
        "anonymous": False,
        "inputs": [
            {"name": "from", "type": "address", "indexed": True},
            {"name": "gosAddress", "type": "string", "indexed": False},
            {"name": "amount", "type": "uint256", "indexed": False},
        ],
    },
    {
        "type": "event",
        "name": "Released",
        "anonymous": False,
        "inputs": [
            {"name": "nonce", "type": "uint256", "indexed": True},
            {"name": "to", "type": "address", "indexed": True},
            {"name": "amount", "type": "uint256", "indexed": False},
        ],
    },
    {
        "type": "function",
        "name": "release",
        "stateMutability": "nonpayable",
        "inputs": [
            {"name": "to", "type": "address"},
            {"name": "amount", "type": "uint256"},
            {"name": "nonce", "type": "uint256"},
            {"name": "signatures", "type": "bytes[]"},
        ],
        "outputs": [],
    },
    {
        "type": "function",
        "name": "released",
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
    {
        "type": "function",
        "name": "token",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [{"name": "", "type": "address"}],
    },
]


def gos_bridge_contract(w3: Web3, address: str) -> Contract:
    """A GosBridge at `address` with the gateway's ABI."""
    return w3.eth.contract(address=to_checksum_address(address), abi=GOS_BRIDGE_ABI)


class GosSwapWatcher:
    """Reads SwapToNative events of a GosBridge by block range, only from blocks with enough confirmations.

    The cursor is the last block scanned. `hosted_chain` must be the chain's `params.custody.gos_token_chain`
    (the chain refuses an attestation of ugos naming another chain). Recipients are reported as emitted: the
    Attester records the ones that are not gos1 addresses instead of attesting them.
    """

    def __init__(
        self,
        w3: Web3,
        bridge: str,
        *,
        hosted_chain: str = "ethereum",
        confirmations: int = 12,
        start_block: int = 0,
        max_range: int = 2_000,
    ) -> None:
        """Watch the GosBridge at `bridge`, from `start_block` (its deployment block) when no cursor is saved."""
        self.w3 = w3
        self.bridge = gos_bridge_contract(w3, bridge)
        self.hosted_chain = hosted_chain
        self.confirmations = max(confirmations, 1)
        self.start_block = start_block
        self.max_range = max_range

    @property
    def name(self) -> str:
        """Cursor name: the hosted chain and the bridge address."""
        return f"{self.hosted_chain}:{self.bridge.address.lower()}"

    def scan(self, cursor: str | None) -> DepositBatch:
        """Swaps in (cursor, newest block with `confirmations`], at most `max_range` blocks per call."""
        span = confirmed_range(self.w3, cursor, self.start_block, self.confirmations, self.max_range)
        if span is None:
            return DepositBatch([], cursor if cursor is not None else str(self.start_block - 1))
        start, end = span
        try:
            logs = self.bridge.events.SwapToNative().get_logs(from_block=start, to_block=end)
        except Exception as error:  # web3 raises many transport-specific types
            raise RpcError(f"reading SwapToNative events {start}..{end}: {error}") from error
        deposits = [
            ObservedDeposit(
                hosted_chain=self.hosted_chain,
                external_tx_id=log_id(entry),
                from_address=str(entry["args"]["from"]).lower(),
                recipient=str(entry["args"]["gosAddress"]),
                denom=GOS_DENOM,
                amount=int(entry["args"]["amount"]),  # token units are ugos: both have 6 decimals
            )
            for entry in logs
        ]
        return DepositBatch(deposits, str(end))


@dataclass
class GosBridgePayer:
    """Pays GoStaking withdrawals of ugos by minting GOS tokens through a GosBridge (see the module docstring)."""

    w3: Web3
    bridge_address: str
    key: PrivateKey
    board: DirectorySignatureBoard
    hosted_chain: str = "ethereum"
    """Must be the chain's `params.custody.gos_token_chain`: the Attester routes ugos withdrawals by it."""
    confirmations: int = 12
    start_block: int = 0
    """Bridge deployment block: where Released events are searched from."""
    gas: int = 300_000
    submitted: dict[int, str] = field(default_factory=dict)
    """Releases this process submitted (in memory: after a restart a still-unmined release may be sent again;
    the second one reverts with NonceUsed and only costs gas)."""

    def __post_init__(self) -> None:
        self.bridge: Contract = gos_bridge_contract(self.w3, self.bridge_address)
        self.account = eth_address(self.key)
        self.namespace = f"{self.w3.eth.chain_id}-{self.bridge.address.lower()}"

    def serves(self, denom: str) -> bool:
        """Only native GOS is paid by the bridge."""
        return denom == GOS_DENOM

    def pay(self, withdrawal: TrackedWithdrawal) -> str | None:
        """Sign, maybe submit, and report the release transaction once it is final."""
        if withdrawal.denom != GOS_DENOM:
            return None
        to = payout_address(withdrawal.to)
        if to == ZERO_ADDRESS:
            # The token refuses to mint there (ZeroAddress): signing would only produce a release that reverts.
            raise ScriptError(f"withdrawal {withdrawal.id}: GOS tokens cannot be minted to the zero address")
        try:
            return self._advance(withdrawal, to)
        except BridgeError:
            raise
        except Exception as error:  # web3 raises many transport-specific types; the Attester goes on with others
            raise RpcError(f"release of withdrawal {withdrawal.id}: {error}") from error

    def _advance(self, withdrawal: TrackedWithdrawal, to: str) -> str | None:
        final = self._final_release(withdrawal.id, to, withdrawal.amount)
        if final is not None:
            return final
        if self.bridge.functions.released(withdrawal.id).call():
            return None  # released, waiting for confirmations
        digest = release_digest(self.w3.eth.chain_id, self.bridge.address, to, withdrawal.amount, withdrawal.id)
        self.board.publish(self.namespace, withdrawal.id, self.account, sign_digest(self.key, digest))
        if withdrawal.id not in self.submitted:
            valid = valid_signatures(self.bridge, self.board.collect(self.namespace, withdrawal.id), digest)
            if len(valid) >= int(self.bridge.functions.threshold().call()):
                call = self.bridge.functions.release(to, withdrawal.amount, withdrawal.id, order_signatures(valid))
                tx_hash = send_contract_call(self.w3, self.key, call, self.gas)
                self.submitted[withdrawal.id] = tx_hash
                log.info("submitted release of withdrawal %d in %s", withdrawal.id, tx_hash)
        return None

    def _final_release(self, nonce: int, to: str, amount: int) -> str | None:
        # Released is emitted by `release` in the same transaction as the token's mint (a revert undoes both),
        # so a Released event with the withdrawal's details is proof that the tokens exist.
        head = self.w3.eth.block_number
        for entry in self.bridge.events.Released().get_logs(
            from_block=self.start_block, argument_filters={"nonce": nonce}
        ):
            args = entry["args"]
            if (str(args["to"]).lower(), int(args["amount"])) != (to.lower(), amount):
                log.error("bridge nonce %d was released with other details than withdrawal %d", nonce, nonce)
                return None
            if head - entry["blockNumber"] + 1 >= self.confirmations:
                return "0x" + bytes(entry["transactionHash"]).hex()
        return None
