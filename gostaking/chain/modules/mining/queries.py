"""Hash power and pending rewards.

Hash power is in micro-H/s: a vote of 1 ugos is 1 micro-H/s (1 GOS voted = 1 H/s), a stake ×3, and a lock
amount × price (in ugos per whole asset) × weight. Rewards are lazy: each pool keeps a cumulative reward per
unit, and a position's pending reward is units × (pool accumulator − the value it last settled at).
"""

from gostaking.chain.errors import UnknownAssetError
from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index
from gostaking.chain.modules.emission.queries import compute_emitted_until
from gostaking.chain.modules.mining.tables import POOLS, POSITIONS
from gostaking.chain.numeric import ACC_ONE, PPM, mul_div
from gostaking.chain.params import get_params_section
from gostaking.chain.state import State
from gostaking.chain.types.mining import EarningsEstimate, Pool, Position
from gostaking.chain.types.params import BLOCKS_PER_DAY, EmissionParams, RewardSplitParams

DAYS_PER_YEAR = 365

_NO_POSITION = Position()


def compute_units_hash_power(pool: Pool, units: int, gos_index: int) -> int:
    """Hash power (micro-H/s) of `units` of `pool`."""
    if pool.gos_multiplier:
        return compute_shares_to_ugos(units, gos_index) * pool.gos_multiplier
    return mul_div(units * pool.price_ugos, pool.weight_ppm, 10**pool.decimals * PPM)


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


def compute_earnings_estimate(state: State, address: str) -> EarningsEstimate:
    """The account's expected rewards over the next BLOCKS_PER_DAY blocks (the emission schedule's reward of those
    blocks, the users' share of it, split by hash power as today) and the yearly rate that makes on the value of its
    positions. An estimate: it holds while the network's hash power and prices stay as they are."""
    index = get_gos_index(state)
    power = value = 0
    for pool_id, pool in state[POOLS].items_sorted():
        position = state[POSITIONS].get((address, pool_id))
        if position is not None and position.units:
            power += compute_units_hash_power(pool, position.units, index)
            value += compute_units_value_ugos(pool, position.units, index)
    network = get_total_hash_power(state)
    height = state.height.get()
    emission: EmissionParams = get_params_section(state, "emission")
    split: RewardSplitParams = get_params_section(state, "rewards")
    minted = compute_emitted_until(emission, height + BLOCKS_PER_DAY) - compute_emitted_until(emission, height)
    users = minted * split.users_ppm // PPM
    per_day = mul_div(users, power, network) if network else 0
    apr_ppm = mul_div(per_day * DAYS_PER_YEAR, PPM, value) if value else 0
    return EarningsEstimate(power, network, per_day, value, apr_ppm)
