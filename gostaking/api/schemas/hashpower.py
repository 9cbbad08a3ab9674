"""Hash power pools and assets."""

from pydantic import BaseModel, Field

from .common import GosAmount, HashPower


class PoolView(BaseModel):
    """One source of hash power."""

    pool: str
    kind: str = Field(description="vote, stake or lock")
    hash_power: HashPower
    share: str
    units: int = Field(description="GOS shares for vote/stake pools, asset base units for lock pools")
    multiplier: int | None = Field(description="H/s per GOS for vote (1) and stake (3)")
    denom: str | None = None
    price: GosAmount | None = Field(default=None, description="price of one whole asset")
    weight: str | None = Field(default=None, description="value weight, e.g. '0.1'")
    locked: str | None = Field(default=None, description="whole units locked")


class HashPowerResponse(BaseModel):
    """Network hash power, per pool. Units: micro-H/s exact, H/s as decimal strings."""

    height: int
    total: HashPower
    pools: list[PoolView]


class AssetView(BaseModel):
    """An external asset that can be locked for hash power."""

    denom: str
    decimals: int
    hosted_chain: str
    weight: str
    weight_ppm: int
    price: GosAmount = Field(description="price of one whole asset in GOS")
    supply: str = Field(description="whole units on chain")
    locked: str = Field(description="whole units locked")
