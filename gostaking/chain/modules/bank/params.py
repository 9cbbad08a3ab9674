"""Parameters the bank module checks: transaction limits and the minimum fee (section `tx`)."""

from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.types.params import TxParams


def validate_tx_params(params: TxParams) -> None:
    """Fees are never negative, a tx carries at least one message and may be at least 256 bytes."""
    require(
        params.min_fee_ugos >= 0
        and params.new_balance_fee_ugos >= 0
        and params.max_msgs >= 1
        and params.max_tx_bytes >= 256,
        InvalidGenesisError,
        "bad tx limits",
    )
