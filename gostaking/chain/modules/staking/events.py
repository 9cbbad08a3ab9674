"""Events of the staking module: votes, stakes, their redemption and completion, claims and slashing."""

from gostaking.chain.events import ChainEvent


class BondEvent(ChainEvent, frozen=True):
    """GOS bonded to or redeemed from a node (`shares` of the burn index)."""

    address: str
    node: str
    amount: int
    shares: int


class VoteEvent(BondEvent, frozen=True, tag="vote"):
    """GOS voted for a node."""


class StakeEvent(BondEvent, frozen=True, tag="stake"):
    """GOS staked on a node."""


class UnbondEvent(BondEvent, frozen=True):
    """Votes or stake redeemed; the GOS returns at height `completes`."""

    completes: int


class UnvoteEvent(UnbondEvent, frozen=True, tag="unvote"):
    """Votes redeemed."""


class UnstakeEvent(UnbondEvent, frozen=True, tag="unstake"):
    """Stake redeemed."""


class ClaimEvent(ChainEvent, frozen=True, tag="claim"):
    """Every pending reward of the account was paid (`shares` of GOS)."""

    address: str
    shares: int


class UnbondingCompletedEvent(ChainEvent, frozen=True, tag="unbonding_completed"):
    """Redeemed votes or stake returned to their owner."""

    address: str
    node: str
    kind: str
    shares: int
    due_height: int


class NodeSlashedEvent(ChainEvent, frozen=True, tag="node_slashed"):
    """A double signer's stake lost `burned` ugos (of which `burned_unbonding` from stake that had left it), and
    the node was tombstoned."""

    node: str
    evidence: str
    infraction_height: int
    burned: int
    burned_unbonding: int
