"""The emission schedule: block rewards with halvings, and the monthly burns after the last halving."""

from gostaking.chain.modules.emission.tables import EMISSION
from gostaking.chain.state import State
from gostaking.chain.types.params import EmissionParams


def compute_block_reward(params: EmissionParams, height: int) -> int:
    """Reward in ugos minted at `height`: initial at 1..interval, halved each interval, 0 after the last era."""
    if height < 1:
        return 0
    era = (height - 1) // params.halving_interval_blocks
    if era >= params.reward_eras:
        return 0
    return params.initial_reward_ugos >> era


def compute_emission_eras(params: EmissionParams) -> list[tuple[int, int, int]]:
    """(first height, last height, reward in ugos per block) of every era with a reward."""
    interval = params.halving_interval_blocks
    return [
        (era * interval + 1, (era + 1) * interval, params.initial_reward_ugos >> era)
        for era in range(params.reward_eras)
    ]


def compute_burn_heights(params: EmissionParams) -> list[int]:
    """The height of every burn of the schedule."""
    return [params.burn_start_height + number * params.burn_interval_blocks for number in range(params.burn_count)]


def compute_total_emission(params: EmissionParams) -> int:
    """Every ugos the schedule will ever mint (30,240,000 GOS with the default parameters)."""
    return sum((last - first + 1) * reward for first, last, reward in compute_emission_eras(params))


def compute_emitted_until(params: EmissionParams, height: int) -> int:
    """Ugos minted by blocks 1..height, in O(eras)."""
    total = 0
    for era in range(params.reward_eras):
        first = era * params.halving_interval_blocks + 1
        if height < first:
            break
        blocks = min(height, first + params.halving_interval_blocks - 1) - first + 1
        total += blocks * (params.initial_reward_ugos >> era)
    return total


def compute_burn_number(params: EmissionParams, height: int) -> int:
    """1-based number of the burn carried out at `height`, or 0 when `height` is not a burn height."""
    if height < params.burn_start_height:
        return 0
    offset = height - params.burn_start_height
    if offset % params.burn_interval_blocks:
        return 0
    number = offset // params.burn_interval_blocks + 1
    return number if number <= params.burn_count else 0


def compute_next_halving_height(params: EmissionParams, height: int) -> int | None:
    """First height with a smaller reward after `height`, or None when emission has ended."""
    era = max(height - 1, 0) // params.halving_interval_blocks
    if era >= params.reward_eras:
        return None
    return (era + 1) * params.halving_interval_blocks + 1


def compute_next_burn_height(params: EmissionParams, height: int) -> int | None:
    """First burn height strictly after `height`, or None when every burn is done."""
    return next((burn_height for burn_height in compute_burn_heights(params) if burn_height > height), None)


def get_burns_done(state: State) -> int:
    """How many of the schedule's burns have happened."""
    return state[EMISSION].get().burns_done
