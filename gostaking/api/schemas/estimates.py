"""An account's expected earnings at the chain's current figures, now and with a prospective vote, stake or lock."""

from pydantic import BaseModel, Field

from .common import AssetAmount, GosAmount, HashPower


class EarningsFigures(BaseModel):
    """What some hash power earns a day and a year at today's emission, hash power and prices (an estimate)."""

    hash_power: HashPower
    network_hash_power: HashPower
    share_of_network: str = Field(description="hash_power over network_hash_power, exact to 4 decimals")
    gos_per_day: GosAmount = Field(
        description="users' share of the next day's emission (blocks_per_day blocks), times share_of_network "
        "(rounded down to the ugos)"
    )
    position_value: GosAmount = Field(description="bonded GOS plus locked assets at their pool prices")
    apr: str = Field(description="gos_per_day × 365 over position_value, as a percentage exact to 4 decimals ('2482%')")
    apr_ppm: int = Field(description="the APR in parts per million, rounded down")


class EstimateAddition(BaseModel):
    """One prospective move: what would go into a hash-power pool."""

    pool: str = Field(description="'vote', 'stake' or 'lock:<denom>'")
    amount: AssetAmount


class EarningsEstimateResponse(EarningsFigures):
    """The account's figures now (the top-level fields) and, when additions were asked for, with them and of them
    alone. The network grows by the added hash power, so the held positions' share shrinks a little."""

    address: str
    height: int
    blocks_per_day: int = Field(description="the chain's day: blocks at its 30 s target, whatever a devnet's pace")
    additions: list[EstimateAddition] = Field(description="the vote, stake and locks asked for (empty if none)")
    with_additions: EarningsFigures | None = Field(
        description="the account's positions plus the additions (null without additions)"
    )
    additions_alone: EarningsFigures | None = Field(
        description="the additions' own hash power, value, earnings and APR in the grown network (null without)"
    )
