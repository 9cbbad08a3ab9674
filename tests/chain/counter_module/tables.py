"""Tables of the counter module."""

from gostaking.chain.tables import SingletonSpec, TableSpec

from .types import CounterParams

COUNTS = TableSpec("counter_counts", str, int, doc="address → bumps so far.")
TOTAL = SingletonSpec("counter_total", int, lambda: 0)
BLOCK_BUMPS = SingletonSpec("counter_block_bumps", int, lambda: 0)
PARAMS = SingletonSpec("counter_params", CounterParams, CounterParams)
