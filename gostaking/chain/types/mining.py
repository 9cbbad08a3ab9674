"""Hash-power pools and positions with lazy reward accumulators."""

import msgspec

POOL_VOTE = "vote"
POOL_STAKE = "stake"
LOCK_POOL_PREFIX = "lock:"


class Pool(msgspec.Struct, frozen=True, array_like=True):
    """One source of hash power (votes, stakes, or locks of one asset).

    `units` are GOS shares for vote/stake pools and asset base units for lock pools. Hash power of the pool is
    units valued by `valuation` (see mining.queries.get_pool_hash_power). `acc_reward_per_unit` is the
    cumulative GOS-share reward per unit, scaled by ACC_ONE.
    """

    units: int = 0
    acc_reward_per_unit: int = 0
    gos_multiplier: int = 0
    """For vote/stake pools: H/s per GOS (1 or 3). Zero for lock pools."""
    price_ugos: int = 0
    """For lock pools: price of one whole asset in ugos (the GOS index)."""
    weight_ppm: int = 0
    """For lock pools: the asset's value weight."""
    decimals: int = 0
    """For lock pools: asset base units per whole asset = 10 ** decimals."""


class HashRate(msgspec.Struct, frozen=True):
    """The part of a pool that the hash power of its units depends on: the pool without its units and reward
    accumulator, which change with every bond and block, while these change only with the pool's price or weight."""

    gos_multiplier: int
    price_ugos: int
    weight_ppm: int
    decimals: int


class Position(msgspec.Struct, frozen=True, array_like=True):
    """An account's units in one pool and the accumulator value its rewards were last settled at."""

    units: int = 0
    acc_settled: int = 0


class RewardTotals(msgspec.Struct, frozen=True, array_like=True):
    """Running totals of user rewards, for invariants and the explorer."""

    distributed_shares: int = 0
    """Shares credited to the rewards module account for pools (claimable by holders)."""
    paid_shares: int = 0
    """Shares paid out of the rewards module account to holders."""
    dust_shares: int = 0
    """Shares that could not be distributed (no hash power, rounding) and went to the community pool."""


class EarningsEstimate(msgspec.Struct, frozen=True):
    """What an account's hash power earns at today's figures (mining.queries.compute_earnings_estimate)."""

    hash_power: int
    """The account's hash power (micro-H/s)."""
    network_hash_power: int
    ugos_per_day: int
    """Users' share of the next BLOCKS_PER_DAY blocks' emission, times the account's share of the network."""
    position_value_ugos: int
    """What the account's positions are worth in ugos: bonded GOS, and locked assets at their pool prices."""
    apr_ppm: int
    """ugos_per_day × 365 over position_value_ugos, in ppm (0 without positions)."""


class ProspectiveEstimate(msgspec.Struct, frozen=True):
    """An account's earnings now, with hypothetical additions, and of the additions alone
    (mining.queries.compute_prospective_estimate)."""

    now: EarningsEstimate
    with_additions: EarningsEstimate
    """The account's whole positions plus the additions, against a network that grew by the added hash power."""
    additions: EarningsEstimate
    """The additions alone: their hash power, their share of the grown network's rewards and their value."""
