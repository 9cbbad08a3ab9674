"""Tables of the mining module: hash-power pools, positions in them and reward totals."""

from gostaking.chain.tables import SingletonSpec, TableSpec
from gostaking.chain.types.mining import Pool, Position, RewardTotals

POOLS = TableSpec("pools", str, Pool, doc="pool id ('vote', 'stake', 'lock:<denom>') → pool.", resident=True)
POSITIONS = TableSpec("positions", tuple[str, str], Position, doc="(address, pool id) → position.")
REWARD_TOTALS = SingletonSpec("reward_totals", RewardTotals, RewardTotals)
