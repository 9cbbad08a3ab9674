"""Transactions and messages. Encoded canonically with msgpack; a message is a tagged struct."""

import msgspec

from gostaking.chain.types.compliance import ComplianceAction
from gostaking.chain.types.gov import ProposalContent, VoteOption


class MsgSendCoins(msgspec.Struct, frozen=True, tag="send", forbid_unknown_fields=True):
    """Transfer `amount` base units of `denom` (ugos for GOS) to `to`."""

    to: str
    denom: str
    amount: int


class MsgLockAsset(msgspec.Struct, frozen=True, tag="lock", forbid_unknown_fields=True):
    """Lock an external asset for hash power = amount × price × weight."""

    denom: str
    amount: int


class MsgUnlockAsset(msgspec.Struct, frozen=True, tag="unlock", forbid_unknown_fields=True):
    """Unlock a locked external asset back to the balance (hash power stops at once)."""

    denom: str
    amount: int


class MsgVoteNode(msgspec.Struct, frozen=True, tag="vote", forbid_unknown_fields=True):
    """Vote `amount` ugos for a node: ×1 hash power."""

    node: str
    amount: int


class MsgUnvoteNode(msgspec.Struct, frozen=True, tag="unvote", forbid_unknown_fields=True):
    """Redeem votes; the GOS returns after the vote unbonding period."""

    node: str
    amount: int


class MsgStakeNode(msgspec.Struct, frozen=True, tag="stake", forbid_unknown_fields=True):
    """Stake `amount` ugos on a node: ×3 hash power."""

    node: str
    amount: int


class MsgUnstakeNode(msgspec.Struct, frozen=True, tag="unstake", forbid_unknown_fields=True):
    """Redeem stake; the GOS returns after the stake unbonding period."""

    node: str
    amount: int


class MsgRegisterNode(msgspec.Struct, frozen=True, tag="register_node", forbid_unknown_fields=True):
    """Register the sender as a node operator with a consensus (ed25519) public key."""

    consensus_pubkey: bytes
    moniker: str


class MsgUnjailNode(msgspec.Struct, frozen=True, tag="unjail", forbid_unknown_fields=True):
    """Return the sender's node, jailed for downtime, to the election once its jail time has passed."""


class PriceQuote(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One asset's price in ugos per whole unit."""

    denom: str
    price_ugos: int


class MsgSubmitPrices(msgspec.Struct, frozen=True, tag="submit_prices", forbid_unknown_fields=True):
    """A mining node operator's price quotes for this oracle period (a later quote in the period replaces)."""

    quotes: list[PriceQuote]


class MsgAttestDeposit(msgspec.Struct, frozen=True, tag="attest_deposit", forbid_unknown_fields=True):
    """A custodian vouches that `amount` of `denom` arrived in custody on `hosted_chain` in `external_tx_id`."""

    hosted_chain: str
    external_tx_id: str
    from_address: str
    recipient: str
    denom: str
    amount: int


class MsgRequestWithdrawal(msgspec.Struct, frozen=True, tag="request_withdrawal", forbid_unknown_fields=True):
    """Escrow wrapped units and ask the custodians to send them to `external_address` on the hosted chain."""

    denom: str
    amount: int
    external_address: str


class MsgConfirmWithdrawal(msgspec.Struct, frozen=True, tag="confirm_withdrawal", forbid_unknown_fields=True):
    """A custodian vouches that withdrawal `withdrawal_id` was paid out in `external_tx_id`."""

    withdrawal_id: int
    external_tx_id: str


class SanctionUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Add (listed=True) or remove an external address from the sanctions list."""

    hosted_chain: str
    address: str
    listed: bool
    source: str = "OFAC-SDN"


class MsgUpdateSanctions(msgspec.Struct, frozen=True, tag="update_sanctions", forbid_unknown_fields=True):
    """A council member's approval of a batch of sanctions list changes (e.g. from an OFAC SDN import); the batch
    applies when council_threshold members sent the same one."""

    updates: list[SanctionUpdate]


class MsgResolveHold(msgspec.Struct, frozen=True, tag="resolve_hold", forbid_unknown_fields=True):
    """A council member's approval to release (credit / send) or reject (do not credit / refund) a held transfer;
    it executes when council_threshold members approved the same outcome.

    `deposit` is 'hosted_chain:external_tx_id'; a withdrawal is named by its id in `withdrawal_id`."""

    release: bool
    deposit: str = ""
    withdrawal_id: int = -1


class MsgSubmitProposal(msgspec.Struct, frozen=True, tag="submit_proposal", forbid_unknown_fields=True):
    """Open a proposal with a deposit (refunded when the vote reaches quorum)."""

    title: str
    description: str
    content: ProposalContent
    deposit: int


class MsgVoteProposal(msgspec.Struct, frozen=True, tag="vote_proposal", forbid_unknown_fields=True):
    """Vote with bonded GOS (voted + staked) plus `escrow` liquid ugos locked until the vote ends. Voting again
    changes the option and adds to the escrow."""

    proposal_id: int
    option: VoteOption
    escrow: int = 0


class MsgRatifyProposal(msgspec.Struct, frozen=True, tag="ratify_proposal", forbid_unknown_fields=True):
    """A committee member (operator of a mining node when the vote passed) ratifies a passed proposal."""

    proposal_id: int


class MsgAttestKyc(msgspec.Struct, frozen=True, tag="attest_kyc", forbid_unknown_fields=True):
    """A KYC provider attests `address` at `level` until `expires_height`; only a hash of the evidence is stored."""

    address: str
    level: int
    expires_height: int
    evidence_hash: bytes


class MsgRevokeKyc(msgspec.Struct, frozen=True, tag="revoke_kyc", forbid_unknown_fields=True):
    """A KYC provider withdraws its attestation of `address`."""

    address: str


class MsgApproveComplianceAction(msgspec.Struct, frozen=True, tag="approve_compliance", forbid_unknown_fields=True):
    """A council member proposes (action_id = -1, with `action`) or approves (action_id ≥ 0) a freeze/unfreeze."""

    action_id: int = -1
    action: ComplianceAction | None = None


class MsgAddLiquidity(msgspec.Struct, frozen=True, tag="add_liquidity", forbid_unknown_fields=True):
    """Deposit `asset_amount` of `denom` and the matching GOS (at most `max_gos`) into the denom/GOS pool. The
    first provider sets the price with exactly `max_gos`."""

    denom: str
    asset_amount: int
    max_gos: int


class MsgRemoveLiquidity(msgspec.Struct, frozen=True, tag="remove_liquidity", forbid_unknown_fields=True):
    """Withdraw `lp_units` of liquidity: the pool's asset and GOS in proportion."""

    denom: str
    lp_units: int


class MsgSwap(msgspec.Struct, frozen=True, tag="swap", forbid_unknown_fields=True):
    """Swap `amount_in` of `denom_in` (ugos or a listed asset) on the asset/GOS pool; fails below `min_out`."""

    pair: str
    """The listed asset of the pool (its counterpart is GOS)."""
    denom_in: str
    amount_in: int
    min_out: int


class MsgClaimRewards(msgspec.Struct, frozen=True, tag="claim", forbid_unknown_fields=True):
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


class TxBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the sender signs."""

    chain_id: str
    sender: str
    sequence: int
    fee: int
    """Fee in ugos, paid even if the messages fail (it buys the inclusion)."""
    msgs: list[Msg]
    memo: str = ""


class Tx(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A signed transaction: body plus a 65-byte recoverable secp256k1 signature over sha256(encode(body))."""

    body: TxBody
    signature: bytes
