"""Events of the mining module: user rewards."""

from gostaking.chain.events import ChainEvent


class RewardPaidEvent(ChainEvent, frozen=True, tag="reward_paid"):
    """A position's pending reward (GOS shares) was paid into its holder's balance."""

    address: str
    pool: str
    shares: int


class UserRewardsEvent(ChainEvent, frozen=True, tag="user_rewards"):
    """The users' part of a block reward was shared among pools; the rest went to the community pool."""

    shares: int
    credited: int
    to_community_pool: int
