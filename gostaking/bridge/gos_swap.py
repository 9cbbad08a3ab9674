"""The GOS swap on an EVM chain: native GOS ↔ the GOS ERC-20 minted and burned by contracts/GosBridge.sol.

- Swap back to native: `GosSwapWatcher` reads `SwapToNative(from, gosAddress, amount)` events (the token is
  burned in the same call) and reports each as a deposit of `ugos` on the token's hosted chain: one token unit is
  one ugos (both have 6 decimals). The chain credits it with m-of-n attestations, never beyond the GOS bridged out.
- Swap out: `GosBridgePayer` pays a GoStaking withdrawal of `ugos` by minting tokens. Each custodian signs the
  EIP-712 `Release(to, amount, nonce = withdrawal id)` and posts it to the signature board; whoever holds m valid
  signatures of current custodians submits `release`. A withdrawal counts as paid once a `Released` event for its
  nonce, with the same destination and amount, has `confirmations` blocks on this custodian's own node; only then
  is it confirmed on GoStaking, which takes the escrowed GOS out of native supply.

Both are the vault's machinery (evm.py: LockEventWatcher, MultisigPayer) applied to GosBridge: block-range
cursors behind the confirmation depth, signatures shared through a DirectorySignatureBoard, payouts screened by
the Attester against the sanctions snapshot before `pay` is called.
"""

from dataclasses import dataclass
from typing import Any

from web3 import Web3

from gostaking.bridge.attester import ObservedDeposit
from gostaking.bridge.errors import BridgeError, RpcError, ScriptError
from gostaking.bridge.evm import (
    DirectorySignatureBoard,
    LockEventWatcher,
    MultisigPayer,
    gateway_abi,
    gateway_contract,
    log_id,
    payout_address,
    release_digest,
)
from gostaking.bridge.store import TrackedWithdrawal
from gostaking.chain.numeric import GOS_DENOM
from gostaking.wallet.keys import PrivateKey

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

GOS_BRIDGE_ABI = gateway_abi("GosBridge")
"""The gateway's part of GosBridge's ABI."""


class GosSwapWatcher(LockEventWatcher):
    """Reads SwapToNative events of a GosBridge (see LockEventWatcher).

    `hosted_chain` must be the chain's `params.custody.gos_token_chain` (the chain refuses an attestation of ugos
    naming another chain). Recipients are reported as emitted: the Attester records the ones that are not gos1
    addresses instead of attesting them.
    """

    CONTRACT = "GosBridge"
    EVENT = "SwapToNative"

    def observe(self, entry: Any) -> ObservedDeposit:
        """The swap as a deposit of ugos."""
        return ObservedDeposit(
            hosted_chain=self.hosted_chain,
            external_tx_id=log_id(entry),
            from_address=str(entry["args"]["from"]).lower(),
            recipient=str(entry["args"]["gosAddress"]),
            denom=GOS_DENOM,
            amount=int(entry["args"]["amount"]),  # token units are ugos: both have 6 decimals
        )


@dataclass
class GosBridgePayer(MultisigPayer):
    """Pays GoStaking withdrawals of ugos by minting GOS tokens through a GosBridge (see the module docstring).

    Released is emitted by `release` in the same transaction as the token's mint (a revert undoes both), so a
    Released event with the withdrawal's details is proof that the tokens exist.
    """

    PAY_FUNCTION = "release"
    PAID_VIEW = "released"
    PAID_EVENT = "Released"

    w3: Web3
    bridge_address: str
    key: PrivateKey
    board: DirectorySignatureBoard
    hosted_chain: str = "ethereum"
    """Must be the chain's `params.custody.gos_token_chain`: the Attester routes ugos withdrawals by it."""
    confirmations: int = 12
    start_block: int = 0
    gas: int = 300_000

    def __post_init__(self) -> None:
        self._attach(gateway_contract(self.w3, "GosBridge", self.bridge_address))

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
            return self._advance(withdrawal.id, {"to": to, "amount": withdrawal.amount})
        except BridgeError:
            raise
        except Exception as error:  # web3 raises many transport-specific types; the Attester goes on with others
            raise RpcError(f"release of withdrawal {withdrawal.id}: {error}") from error

    def _payout_digest(self, nonce: int, terms: dict[str, Any]) -> bytes:
        return release_digest(self.w3.eth.chain_id, self.contract.address, nonce=nonce, **terms)
