"""An account's expected earnings at the chain's current figures."""

from pydantic import BaseModel, Field

from .common import GosAmount, HashPower


class EarningsEstimateResponse(BaseModel):
    """What an account earns a day and a year at today's emission, hash power and prices (an estimate)."""

    address: str
    height: int
    hash_power: HashPower
    network_hash_power: HashPower
    share_of_network: str = Field(description="the account's hash power over the network's, exact to 4 decimals")
    gos_per_day: GosAmount = Field(
        description="users' share of the next day's emission (blocks_per_day blocks), times share_of_network"
    )
    position_value: GosAmount = Field(description="bonded GOS plus locked assets at their pool prices")
    apr: str = Field(description="gos_per_day × 365 over position_value, as a percentage exact to 4 decimals ('2482%')")
    apr_ppm: int
    blocks_per_day: int = Field(description="the chain's day: blocks at its 30 s target, whatever a devnet's pace")
