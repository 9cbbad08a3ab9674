"""Hash power and pending rewards.

Hash power is in micro-H/s: a vote of 1 ugos is 1 micro-H/s (1 GOS voted = 1 H/s), a stake ×3, and a lock
amount × price (in ugos per whole asset) × weight. Rewards are lazy: each pool keeps a cumulative reward per
unit, and a position's pending reward is units × (pool accumulator − the value it last settled at).
"""

from collections.abc import Mapping

from gostaking.chain.errors import UnknownAssetError, require_amount
from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, compute_ugos_to_shares_ceil, get_gos_index
from gostaking.chain.modules.emission.queries import compute_emitted_until
from gostaking.chain.modules.mining.tables import POOLS, POSITIONS
from gostaking.chain.numeric import ACC_ONE, PPM, mul_div
from gostaking.chain.params import get_params_section
from gostaking.chain.state import State
from gostaking.chain.types.mining import EarningsEstimate, HashRate, Pool, Position, ProspectiveEstimate
from gostaking.chain.types.params import BLOCKS_PER_DAY, EmissionParams, RewardSplitParams

DAYS_PER_YEAR = 365

_NO_POSITION = Position()


def compute_units_hash_power(pool: Pool | HashRate, units: int, gos_index: int) -> int:
    """Hash power (micro-H/s) of `units` of `pool` (or of a pool with that hash rate)."""
    if pool.gos_multiplier:
        return compute_shares_to_ugos(units, gos_index) * pool.gos_multiplier
    return mul_div(units * pool.price_ugos, pool.weight_ppm, 10**pool.decimals * PPM)


def get_hash_rate(pool: Pool) -> HashRate:
    """What the hash power of the pool's units depends on (see HashRate)."""
    return HashRate(pool.gos_multiplier, pool.price_ugos, pool.weight_ppm, pool.decimals)


def get_pool(state: State, pool_id: str) -> Pool | None:
    """A hash-power pool, or None."""
    return state[POOLS].get(pool_id)


def require_pool(state: State, pool_id: str) -> Pool:
    """The pool, or UnknownAssetError when no such pool exists."""
    pool = state[POOLS].get(pool_id)
    if pool is None:
        raise UnknownAssetError(f"no hash-power pool {pool_id!r}")
    return pool


def get_pool_hash_power(state: State, pool_id: str) -> int:
    """Total hash power of one pool."""
    pool = state[POOLS].get(pool_id)
    return 0 if pool is None else compute_units_hash_power(pool, pool.units, get_gos_index(state))


def get_pool_ids(state: State) -> list[str]:
    """Pool ids in canonical (sorted) order."""
    return state[POOLS].keys_sorted()


def get_total_hash_power(state: State) -> int:
    """Network hash power: the sum over all pools."""
    index = get_gos_index(state)
    return sum(compute_units_hash_power(pool, pool.units, index) for _, pool in state[POOLS].items_sorted())


def get_position(state: State, address: str, pool_id: str) -> Position:
    """The account's position in a pool (empty if none)."""
    return state[POSITIONS].get_or((address, pool_id), _NO_POSITION)


def compute_pending_shares(pool: Pool, position: Position) -> int:
    """Reward shares a position has earned since it last settled."""
    return position.units * (pool.acc_reward_per_unit - position.acc_settled) // ACC_ONE


def get_account_hash_power(state: State, address: str) -> dict[str, int]:
    """Hash power of an account per pool (only pools where it has units)."""
    index = get_gos_index(state)
    out: dict[str, int] = {}
    for pool_id, pool in state[POOLS].items_sorted():
        position = state[POSITIONS].get((address, pool_id))
        if position is not None and position.units:
            out[pool_id] = compute_units_hash_power(pool, position.units, index)
    return out


def get_pending_reward_shares(state: State, address: str) -> int:
    """All reward shares the account could claim now."""
    total = 0
    for pool_id, pool in state[POOLS].items_sorted():
        position = state[POSITIONS].get((address, pool_id))
        if position is not None:
            total += compute_pending_shares(pool, position)
    return total


def get_pending_rewards_by_pool(state: State, address: str) -> list[tuple[str, int]]:
    """(pool, reward shares the account could claim now) of every pool it has units in."""
    out = []
    for pool_id, pool in state[POOLS].items_sorted():
        position = state[POSITIONS].get((address, pool_id))
        if position is not None and position.units:
            out.append((pool_id, compute_pending_shares(pool, position)))
    return out


def get_pending_reward_ugos(state: State, address: str) -> int:
    """All rewards the account could claim now, in ugos."""
    return compute_shares_to_ugos(get_pending_reward_shares(state, address), get_gos_index(state))


def compute_units_value_ugos(pool: Pool, units: int, gos_index: int) -> int:
    """What `units` of `pool` are worth in ugos: bonded GOS as such, a locked asset at the pool's price."""
    if pool.gos_multiplier:
        return compute_shares_to_ugos(units, gos_index)
    return mul_div(units, pool.price_ugos, 10**pool.decimals)


def compute_users_ugos_per_day(state: State) -> int:
    """The users' share of the emission of the next BLOCKS_PER_DAY blocks (what hash power splits in a day)."""
    height = state.height.get()
    emission: EmissionParams = get_params_section(state, "emission")
    split: RewardSplitParams = get_params_section(state, "rewards")
    minted = compute_emitted_until(emission, height + BLOCKS_PER_DAY) - compute_emitted_until(emission, height)
    return minted * split.users_ppm // PPM


def _estimate(users_per_day: int, power: int, network: int, value: int) -> EarningsEstimate:
    """Hash power `power` of `network` earns its share of `users_per_day`; the APR is that over `value`. Both
    round down (integer division)."""
    per_day = mul_div(users_per_day, power, network) if network else 0
    apr_ppm = mul_div(per_day * DAYS_PER_YEAR, PPM, value) if value else 0
    return EarningsEstimate(power, network, per_day, value, apr_ppm)


def compute_earnings_estimate(state: State, address: str) -> EarningsEstimate:
    """The account's expected rewards over the next BLOCKS_PER_DAY blocks (the emission schedule's reward of those
    blocks, the users' share of it, split by hash power as today) and the yearly rate that makes on the value of its
    positions. An estimate: it holds while the network's hash power and prices stay as they are."""
    return compute_prospective_estimate(state, address, {}).now


def compute_added_units(pool: Pool, amount: int, gos_index: int) -> int:
    """Pool units that moving `amount` into `pool` gives, as the chain gives them: GOS pools take ugos as shares
    rounded up (staking.mutations.bond), lock pools take the asset's base units as they are."""
    return compute_ugos_to_shares_ceil(amount, gos_index) if pool.gos_multiplier else amount


def compute_prospective_estimate(state: State, address: str, additions: Mapping[str, int]) -> ProspectiveEstimate:
    """compute_earnings_estimate for the account now, and as if it also moved additions[pool id] into each pool
    (ugos for the vote and stake pools, asset base units for a lock pool). The added units get hash power and value
    from the pools' own conversion (vote ×1, stake ×3, lock amount × price × weight), on each pool's total as the
    chain values it, so the network grows by exactly the power a real vote, stake or lock would add. The additions
    alone earn their share of the grown network. Raises UnknownAssetError for an unknown pool and
    InvalidAmountError for an amount outside 1..2^256-1; balances are not checked (it is a what-if)."""
    index = get_gos_index(state)
    added_units: dict[str, int] = {}
    for pool_id, amount in sorted(additions.items()):
        pool = require_pool(state, pool_id)
        require_amount(amount)
        added_units[pool_id] = compute_added_units(pool, amount, index)
    power = value = network = 0
    power_after = value_after = network_after = 0
    for pool_id, pool in state[POOLS].items_sorted():
        held = get_position(state, address, pool_id).units
        added = added_units.get(pool_id, 0)
        power += compute_units_hash_power(pool, held, index)
        value += compute_units_value_ugos(pool, held, index)
        network += compute_units_hash_power(pool, pool.units, index)
        power_after += compute_units_hash_power(pool, held + added, index)
        value_after += compute_units_value_ugos(pool, held + added, index)
        network_after += compute_units_hash_power(pool, pool.units + added, index)
    users_per_day = compute_users_ugos_per_day(state)
    return ProspectiveEstimate(
        now=_estimate(users_per_day, power, network, value),
        with_additions=_estimate(users_per_day, power_after, network_after, value_after),
        additions=_estimate(users_per_day, power_after - power, network_after, value_after - value),
    )
