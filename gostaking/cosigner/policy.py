"""A 2FA wallet's spending policy and the value a transaction takes out of the account (pure functions).

What counts as leaving the account (docs/cosigner.md, "Policy"):
- `send`: its amount, to its recipient; `request_withdrawal`: its amount, to its external address;
- `swap`: `amount_in` of `denom_in` (a swap with a low `min_out` can give value away), no recipient;
- `submit_proposal`: its deposit in ugos (lost if the vote fails its quorum), no recipient;
- the fee, in ugos.
Messages that keep the value in the account (lock/unlock, vote/unvote, stake/unstake, claim, vote_proposal,
add/remove liquidity, and liquid staking's stake/unstake/claim ticket/instant unstake/pool deposit and withdrawal,
which exchange GOS, sGOS and pool units inside the account) count nothing. Any other message (node operation,
custodian, council, KYC provider, later modules) is refused: a 2FA wallet is a user's wallet, and the cosigner
signs only what it can reason about.
"""

from dataclasses import dataclass

import msgspec

from gostaking.chain.types.liquid import (
    MsgLiquidAddLiquidity,
    MsgLiquidClaimTicket,
    MsgLiquidInstantUnstake,
    MsgLiquidRemoveLiquidity,
    MsgLiquidStake,
    MsgLiquidUnstake,
)
from gostaking.chain.types.tx import (
    MsgAddLiquidity,
    MsgClaimRewards,
    MsgLockAsset,
    MsgRemoveLiquidity,
    MsgRequestWithdrawal,
    MsgSendCoins,
    MsgStakeNode,
    MsgSubmitProposal,
    MsgSwap,
    MsgUnlockAsset,
    MsgUnstakeNode,
    MsgUnvoteNode,
    MsgVoteNode,
    MsgVoteProposal,
    TxBody,
)

GOS_DENOM = "ugos"
DAY_SECONDS = 86_400
DEFAULT_DELAY_SECONDS = DAY_SECONDS
MAX_ALLOWLIST = 100
MAX_RECIPIENT_LENGTH = 128
VALUE_KEEPING_MESSAGES = (
    MsgLockAsset,
    MsgUnlockAsset,
    MsgVoteNode,
    MsgUnvoteNode,
    MsgStakeNode,
    MsgUnstakeNode,
    MsgClaimRewards,
    MsgVoteProposal,
    MsgAddLiquidity,
    MsgRemoveLiquidity,
    # Liquid staking: GOS becomes sGOS (or a ticket, or pool units) and back, always the sender's; the instant
    # unstake's slippage bound is the chain's, and its fee is the price of leaving at once, like a stake's wait.
    MsgLiquidStake,
    MsgLiquidUnstake,
    MsgLiquidClaimTicket,
    MsgLiquidInstantUnstake,
    MsgLiquidAddLiquidity,
    MsgLiquidRemoveLiquidity,
)


class PolicyError(ValueError):
    """A transaction or a policy is refused by the policy rules; the message says which rule, in one line."""


class Policy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A user's spending rules. Amounts are base units (ugos for GOS) per denom.

    - `daily_limits`: at most this much of a denom leaves the account in any 24 hours (a denom not listed: no limit);
    - `allowlist`: when not empty, sends and withdrawals go only to these recipients;
    - `delay_thresholds`: a transaction taking out more than this of a denom is held `delay_seconds` before the
      cosigner signs it (the user can cancel it meanwhile); a loosening of the policy waits the same delay.
    """

    daily_limits: dict[str, int] = {}
    allowlist: list[str] = []
    delay_thresholds: dict[str, int] = {}
    delay_seconds: int = DEFAULT_DELAY_SECONDS


_policy_encoder = msgspec.json.Encoder(order="sorted")


def encode_policy(policy: Policy) -> bytes:
    """Canonical JSON of a policy (sorted keys): what a policy change's request signature covers."""
    return _policy_encoder.encode(policy)


def decode_policy(raw: bytes) -> Policy:
    """A policy from JSON, validated (PolicyError naming the problem)."""
    try:
        policy = msgspec.json.decode(raw, type=Policy)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise PolicyError(f"the policy is malformed: {error}") from None
    validate_policy(policy)
    return policy


def validate_policy(policy: Policy) -> None:
    """PolicyError unless every amount is a non-negative integer, the delay is within 0..30 days and the allow-list
    has at most MAX_ALLOWLIST distinct, non-empty recipients."""
    for what, table in (("daily limit", policy.daily_limits), ("delay threshold", policy.delay_thresholds)):
        for denom, amount in table.items():
            if not denom or amount < 0:
                raise PolicyError(f"the {what} of {denom!r} must be a denom with a non-negative amount")
    if not 0 <= policy.delay_seconds <= 30 * DAY_SECONDS:
        raise PolicyError("the delay must be between 0 seconds and 30 days")
    if len(policy.allowlist) > MAX_ALLOWLIST or len(set(policy.allowlist)) != len(policy.allowlist):
        raise PolicyError(f"the allow-list must have at most {MAX_ALLOWLIST} distinct recipients")
    for recipient in policy.allowlist:
        if not recipient or len(recipient) > MAX_RECIPIENT_LENGTH or recipient.strip() != recipient:
            raise PolicyError(f"allow-list entry {recipient!r} is not a recipient address")


@dataclass(frozen=True)
class Outflow:
    """What a transaction takes out of the account: base units per denom, and the recipients it pays."""

    amounts: dict[str, int]
    recipients: tuple[str, ...]


def outflow_of(body: TxBody) -> Outflow:
    """The value `body` takes out of its sender's account (module docstring), or PolicyError for a message the
    cosigner does not sign."""
    amounts: dict[str, int] = {}
    recipients: list[str] = []

    def add(denom: str, amount: int) -> None:
        amounts[denom] = amounts.get(denom, 0) + amount

    if body.fee:
        add(GOS_DENOM, body.fee)
    for msg in body.msgs:
        if isinstance(msg, MsgSendCoins):
            add(msg.denom, msg.amount)
            recipients.append(msg.to)
        elif isinstance(msg, MsgRequestWithdrawal):
            add(msg.denom, msg.amount)
            recipients.append(msg.external_address)
        elif isinstance(msg, MsgSwap):
            add(msg.denom_in, msg.amount_in)
        elif isinstance(msg, MsgSubmitProposal):
            add(GOS_DENOM, msg.deposit)
        elif not isinstance(msg, VALUE_KEEPING_MESSAGES):
            tag = type(msg).__struct_config__.tag
            raise PolicyError(f"the cosigner does not co-sign {tag!r} messages (a 2FA wallet is a user wallet)")
    return Outflow(amounts=amounts, recipients=tuple(recipients))


def check_outflow(policy: Policy, outflow: Outflow, spent_today: dict[str, int]) -> bool:
    """Whether the transaction must be held for `policy.delay_seconds` (True) or may be signed now (False);
    PolicyError when it breaks the allow-list or a daily limit (`spent_today`: what left in the last 24 hours)."""
    if policy.allowlist:
        for recipient in outflow.recipients:
            if recipient not in policy.allowlist:
                raise PolicyError(f"recipient {recipient} is not on your allow-list")
    for denom, amount in sorted(outflow.amounts.items()):
        limit = policy.daily_limits.get(denom)
        spent = spent_today.get(denom, 0)
        if limit is not None and spent + amount > limit:
            raise PolicyError(
                f"daily limit of {limit} {denom} exceeded: {spent} {denom} left in the last 24 hours, "
                f"{max(limit - spent, 0)} {denom} remain, this transaction takes {amount} {denom}"
            )
    return any(
        amount > policy.delay_thresholds[denom]
        for denom, amount in outflow.amounts.items()
        if denom in policy.delay_thresholds
    )


def loosens(old: Policy, new: Policy) -> bool:
    """True when `new` allows something `old` did not: a higher or removed limit or threshold, a shorter delay,
    or an allow-list that admits a recipient the old one did not (an empty list admits everyone)."""
    for old_table, new_table in ((old.daily_limits, new.daily_limits), (old.delay_thresholds, new.delay_thresholds)):
        for denom, amount in old_table.items():
            if denom not in new_table or new_table[denom] > amount:
                return True
    if new.delay_seconds < old.delay_seconds:
        return True
    if old.allowlist:
        return not new.allowlist or not set(new.allowlist) <= set(old.allowlist)
    return False
