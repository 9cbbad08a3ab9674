"""Parameters of the liquid module."""

from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.numeric import PPM
from gostaking.chain.types.liquid import LOCKED_MINIMUM, LiquidParams

MAX_INSTANT_FEE_PPM = 100_000
"""The instant fee never exceeds 10% (Marinade's cap)."""
MAX_TREASURY_CUT_PPM = 750_000


def validate_liquid_params(params: LiquidParams) -> None:
    """Positive intervals and bounds, fees 0 ≤ min ≤ max ≤ 10%, shares within 0..100%, first deposits above the
    locked minimum."""
    rules = (
        (params.rebalance_interval_blocks >= 1, "rebalance_interval_blocks must be ≥ 1"),
        (0 <= params.protocol_fee_ppm <= PPM, "protocol_fee_ppm must be within 0..1000000"),
        (1 <= params.max_nodes <= 100, "max_nodes must be within 1..100"),
        (0 < params.max_node_share_ppm <= PPM, "max_node_share_ppm must be within 1..1000000"),
        (params.max_moves_per_rebalance >= 1, "max_moves_per_rebalance must be ≥ 1"),
        (params.max_ticket_payouts_per_block >= 1, "max_ticket_payouts_per_block must be ≥ 1"),
        (params.min_first_stake_ugos > LOCKED_MINIMUM, f"min_first_stake_ugos must exceed {LOCKED_MINIMUM}"),
        (params.min_first_liquidity_ugos > LOCKED_MINIMUM, f"min_first_liquidity_ugos must exceed {LOCKED_MINIMUM}"),
        (
            0 <= params.min_fee_ppm <= params.max_fee_ppm <= MAX_INSTANT_FEE_PPM,
            f"instant fees must satisfy 0 ≤ min_fee_ppm ≤ max_fee_ppm ≤ {MAX_INSTANT_FEE_PPM}",
        ),
        (params.target_liquidity_ugos >= 1, "target_liquidity_ugos must be ≥ 1"),
        (0 <= params.treasury_cut_ppm <= MAX_TREASURY_CUT_PPM, "treasury_cut_ppm must be within 0..750000"),
        (1 <= params.rate_history_points <= 10_000, "rate_history_points must be within 1..10000"),
    )
    for ok, rule in rules:
        require(ok, InvalidGenesisError, rule)
