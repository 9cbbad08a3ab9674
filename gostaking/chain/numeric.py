"""Integer arithmetic for the chain: base units, fixed-point scales and rounding helpers.

Every quantity on chain is an integer. Rounding direction is always explicit so that the module
accounts that pay out rewards can never be asked for more than they hold.
"""

GOS_DECIMALS = 6
UGOS_PER_GOS = 10**GOS_DECIMALS
"""1 GOS = 10^6 ugos (the base unit)."""

GOS_DENOM = "ugos"

PPM = 10**6
"""Parts per million: weights and ratios (e.g. a value weight of 0.1 is 100_000 ppm)."""

INDEX_ONE = 10**18
"""Scale of the global GOS share index; the index starts at INDEX_ONE and each burn multiplies it by 9/10."""

ACC_ONE = 10**30
"""Scale of cumulative reward-per-unit accumulators (large so per-block increments never round to zero)."""

MICRO_HASH_PER_HASH = 10**6
"""Hash power is kept in micro-H/s: 1 ugos voted = 1 micro-H/s, so 1 GOS voted = 1 H/s."""


def mul_div(a: int, b: int, c: int) -> int:
    """Return floor(a * b / c) for non-negative a, b and positive c."""
    return a * b // c


def mul_div_ceil(a: int, b: int, c: int) -> int:
    """Return ceil(a * b / c) for non-negative a, b and positive c."""
    return -(-(a * b) // c)


def ceil_div(a: int, b: int) -> int:
    """Return ceil(a / b) for non-negative a and positive b."""
    return -(-a // b)


def format_units(amount: int, decimals: int) -> str:
    """Base units as an exact decimal string of whole units, without floats: format_units(150, 2) == '1.5',
    format_units(-5, 1) == '-0.5'. The one rendering of amounts for every shell (API, CLI, wallets, node)."""
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10**decimals)
    if decimals == 0 or fraction == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{fraction:0{decimals}d}".rstrip("0")


def format_gos(ugos: int) -> str:
    """An ugos amount as a decimal GOS string (1500000 -> '1.5')."""
    return format_units(ugos, GOS_DECIMALS)
