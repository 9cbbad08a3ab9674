"""Counter writes."""

from gostaking.chain.state import State

from .tables import BLOCK_BUMPS, COUNTS, TOTAL


def add_bump(state: State, address: str) -> int:
    """Count one bump of `address`; returns its new count."""
    count = state[COUNTS].get_or(address, 0) + 1
    state[COUNTS].put(address, count)
    state[TOTAL].set(state[TOTAL].get() + 1)
    state[BLOCK_BUMPS].set(state[BLOCK_BUMPS].get() + 1)
    return count


def take_block_bumps(state: State) -> int:
    """This block's bumps, and start counting the next block's."""
    bumps = state[BLOCK_BUMPS].get()
    state[BLOCK_BUMPS].set(0)
    return bumps
