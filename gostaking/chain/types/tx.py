"""Transactions and the messages of the launch modules.

Wire format: canonical compact JSON (see codec.py). A message is a tagged struct (`{"type": "<tag>", …}`) derived
from `TxMsg`; a transaction may carry any message a registered module handles (`Module(handlers=...)`), and the
registry builds the decoder of exactly those. A later module declares its messages in its own folder.
"""

import msgspec

from gostaking.chain.types.compliance import ComplianceAction
from gostaking.chain.types.gov import ProposalContent, VoteOption


class TxMsg(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Base of every message: subclasses set `tag=` (the wire name) and declare the fields."""


class MsgSendCoins(TxMsg, frozen=True, tag="send"):
    """Transfer `amount` base units of `denom` (ugos for GOS) to `to`."""

    to: str
    denom: str
    amount: int


class AssetAmountMsg(TxMsg, frozen=True):
    """A message about an amount of one listed external asset."""

    denom: str
    amount: int


class MsgLockAsset(AssetAmountMsg, frozen=True, tag="lock"):
    """Lock an external asset for hash power = amount × price × weight."""


class MsgUnlockAsset(AssetAmountMsg, frozen=True, tag="unlock"):
    """Unlock a locked external asset back to the balance (hash power stops at once)."""


class BondMsg(TxMsg, frozen=True):
    """A message about `amount` ugos bonded to a node (named by its operator)."""

    node: str
    amount: int


class MsgVoteNode(BondMsg, frozen=True, tag="vote"):
    """Vote `amount` ugos for a node: ×1 hash power."""


class MsgUnvoteNode(BondMsg, frozen=True, tag="unvote"):
    """Redeem votes; the GOS returns after the vote unbonding period."""


class MsgStakeNode(BondMsg, frozen=True, tag="stake"):
    """Stake `amount` ugos on a node: ×3 hash power."""


class MsgUnstakeNode(BondMsg, frozen=True, tag="unstake"):
    """Redeem stake; the GOS returns after the stake unbonding period."""


class MsgRegisterNode(TxMsg, frozen=True, tag="register_node"):
    """Register the sender as a node operator with a consensus (ed25519) public key."""

    consensus_pubkey: bytes
    moniker: str


class MsgUnjailNode(TxMsg, frozen=True, tag="unjail"):
    """Return the sender's node, jailed for downtime, to the election once its jail time has passed."""


class PriceQuote(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One asset's price in ugos per whole unit."""

    denom: str
    price_ugos: int


class MsgSubmitPrices(TxMsg, frozen=True, tag="submit_prices"):
    """A mining node operator's price quotes for this oracle period (a later quote in the period replaces)."""

    quotes: list[PriceQuote]


class MsgAttestDeposit(TxMsg, frozen=True, tag="attest_deposit"):
    """A custodian vouches that `amount` of `denom` arrived in custody on `hosted_chain` in `external_tx_id`."""

    hosted_chain: str
    external_tx_id: str
    from_address: str
    recipient: str
    denom: str
    amount: int


class MsgRequestWithdrawal(TxMsg, frozen=True, tag="request_withdrawal"):
    """Escrow wrapped units and ask the custodians to send them to `external_address` on the hosted chain."""

    denom: str
    amount: int
    external_address: str


class MsgConfirmWithdrawal(TxMsg, frozen=True, tag="confirm_withdrawal"):
    """A custodian vouches that withdrawal `withdrawal_id` was paid out in `external_tx_id`."""

    withdrawal_id: int
    external_tx_id: str


class MsgReportReclaim(TxMsg, frozen=True, tag="report_reclaim"):
    """A custodian vouches that deposit `external_tx_id` on `hosted_chain` went back to its depositor (the lock's
    timelocked path) in `reclaim_tx_id`; m matching reports debit what the deposit credited."""

    hosted_chain: str
    external_tx_id: str
    reclaim_tx_id: str


class SanctionUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Add (listed=True) or remove an external address from the sanctions list."""

    hosted_chain: str
    address: str
    listed: bool
    source: str = "OFAC-SDN"


class MsgUpdateSanctions(TxMsg, frozen=True, tag="update_sanctions"):
    """A council member's approval of a batch of sanctions list changes (e.g. from an OFAC SDN import); the batch
    applies when council_threshold members sent the same one."""

    updates: list[SanctionUpdate]


class MsgResolveHold(TxMsg, frozen=True, tag="resolve_hold"):
    """A council member's approval to release (credit / send) or reject (do not credit / refund) a held transfer;
    it executes when council_threshold members approved the same outcome.

    `deposit` is 'hosted_chain:external_tx_id'; a withdrawal is named by its id in `withdrawal_id`."""

    release: bool
    deposit: str = ""
    withdrawal_id: int = -1


class MsgSubmitProposal(TxMsg, frozen=True, tag="submit_proposal"):
    """Open a proposal with a deposit (refunded when the vote reaches quorum)."""

    title: str
    description: str
    content: ProposalContent
    deposit: int


class MsgVoteProposal(TxMsg, frozen=True, tag="vote_proposal"):
    """Vote with bonded GOS (voted + staked) plus `escrow` liquid ugos locked until the vote ends. Voting again
    changes the option and adds to the escrow."""

    proposal_id: int
    option: VoteOption
    escrow: int = 0


class MsgRatifyProposal(TxMsg, frozen=True, tag="ratify_proposal"):
    """A committee member (operator of a mining node when the vote passed) ratifies a passed proposal."""

    proposal_id: int


class MsgAttestKyc(TxMsg, frozen=True, tag="attest_kyc"):
    """A KYC provider attests `address` at `level` until `expires_height`; only a hash of the evidence is stored."""

    address: str
    level: int
    expires_height: int
    evidence_hash: bytes


class MsgRevokeKyc(TxMsg, frozen=True, tag="revoke_kyc"):
    """A KYC provider withdraws its attestation of `address`."""

    address: str


class MsgApproveComplianceAction(TxMsg, frozen=True, tag="approve_compliance"):
    """A council member proposes (action_id = -1, with `action`) or approves (action_id ≥ 0) a freeze/unfreeze."""

    action_id: int = -1
    action: ComplianceAction | None = None


class MsgAddLiquidity(TxMsg, frozen=True, tag="add_liquidity"):
    """Deposit `asset_amount` of `denom` and the matching GOS (at most `max_gos`) into the denom/GOS pool. The
    first provider sets the price with exactly `max_gos`."""

    denom: str
    asset_amount: int
    max_gos: int


class MsgRemoveLiquidity(TxMsg, frozen=True, tag="remove_liquidity"):
    """Withdraw `lp_units` of liquidity: the pool's asset and GOS in proportion."""

    denom: str
    lp_units: int


class MsgSwap(TxMsg, frozen=True, tag="swap"):
    """Swap `amount_in` of `denom_in` (ugos or a listed asset) on the asset/GOS pool; fails below `min_out`."""

    pair: str
    """The listed asset of the pool (its counterpart is GOS)."""
    denom_in: str
    amount_in: int
    min_out: int


class MsgClaimRewards(TxMsg, frozen=True, tag="claim"):
    """Settle every hash-power position of the sender and pay the rewards into its balance."""


Msg = (
    MsgSendCoins
    | MsgLockAsset
    | MsgUnlockAsset
    | MsgVoteNode
    | MsgUnvoteNode
    | MsgStakeNode
    | MsgUnstakeNode
    | MsgRegisterNode
    | MsgUnjailNode
    | MsgSubmitPrices
    | MsgAttestDeposit
    | MsgRequestWithdrawal
    | MsgConfirmWithdrawal
    | MsgReportReclaim
    | MsgUpdateSanctions
    | MsgResolveHold
    | MsgSubmitProposal
    | MsgVoteProposal
    | MsgRatifyProposal
    | MsgAttestKyc
    | MsgRevokeKyc
    | MsgApproveComplianceAction
    | MsgAddLiquidity
    | MsgRemoveLiquidity
    | MsgSwap
    | MsgClaimRewards
)
"""The launch modules' messages: the static `Tx` type decodes exactly these. A transaction may also carry a later
module's messages (any `TxMsg` its registry knows), decoded by the registry (codec.decode_tx)."""


class TxBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the sender signs."""

    chain_id: str
    sender: str
    sequence: int
    fee: int
    """Fee in ugos, paid even if the messages fail (it buys the inclusion)."""
    msgs: list[Msg]
    memo: str = ""


MAX_MULTISIG_KEYS = 16
"""The most keys a multisig account may have (bounds the signature checks of one transaction)."""


class MultisigPubKey(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A k-of-n account key: any `threshold` of `pubkeys` sign for it (Cosmos' multisig accounts).

    `pubkeys` are distinct 33-byte compressed secp256k1 keys in ascending byte order, so a set of keys and a
    threshold name exactly one account (address: crypto.multisig_address).
    """

    threshold: int
    pubkeys: list[bytes]


class KeySignature(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One member's 65-byte recoverable signature over the same sign bytes a single key signs."""

    index: int
    """The signer's position in `MultisigPubKey.pubkeys`."""
    signature: bytes


class MultisigSignature(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The signatures of a multisig sender: its key (so the address can be checked) and `threshold` signatures,
    by distinct members in ascending index order."""

    pubkey: MultisigPubKey
    signatures: list[KeySignature]


class Tx(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """A signed transaction: body plus a 65-byte recoverable secp256k1 signature over sha256(encode(body)).

    A multisig sender's transaction has an empty `signature` and carries `multisig` instead. The field is omitted
    when absent, so a single-key transaction encodes (and hashes) exactly as before multisig existed.
    """

    body: TxBody
    signature: bytes
    multisig: MultisigSignature | None = None
