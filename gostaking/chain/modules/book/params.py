"""Parameters of the book module."""

from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.modules.book.queries import MAX_FEE_PPM
from gostaking.chain.types.book import BookParams


def validate_book_params(params: BookParams) -> None:
    """Positive bounds, default fees within 0 ≤ maker ≤ taker ≤ 10%."""
    rules = (
        (params.max_open_orders_per_account >= 1, "max_open_orders_per_account must be ≥ 1"),
        (params.max_orders_per_block >= 1, "max_orders_per_block must be ≥ 1"),
        (params.max_expiries_per_block >= 1, "max_expiries_per_block must be ≥ 1"),
        (
            0 <= params.default_maker_fee_ppm <= params.default_taker_fee_ppm <= MAX_FEE_PPM,
            f"default fees must satisfy 0 ≤ maker ≤ taker ≤ {MAX_FEE_PPM}",
        ),
    )
    for ok, rule in rules:
        require(ok, InvalidGenesisError, rule)
