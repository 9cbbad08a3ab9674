"""Exchange: the asset/GOS pools, their liquidity providers, swap quotes and the exchange parameters."""

from pydantic import BaseModel, Field

from .common import AssetAmount, GosAmount


class DenomView(BaseModel):
    """A denomination of the bank and how its amounts are written."""

    denom: str = Field(description="base unit on chain", examples=["usgos"])
    decimals: int = Field(description="decimal places of the whole unit over the base unit", examples=[6])
    whole_unit: str = Field(description="name of the whole unit ('gos' for ugos, 'sgos' for usgos)", examples=["sgos"])


class DexPoolView(BaseModel):
    """One asset's constant-product pool against GOS (empty until its first liquidity)."""

    denom: str
    decimals: int
    asset_reserve: AssetAmount = Field(description="the asset held by the pool")
    gos_reserve: GosAmount = Field(description="the GOS held by the pool (its shares at the current GOS index)")
    price: GosAmount | None = Field(
        description="price of one whole asset implied by the reserves, rounded down; null for an empty pool"
    )
    lp_units: int = Field(description="liquidity units outstanding")
    feeds_oracle: bool = Field(
        description="true when the GOS reserve reaches min_oracle_liquidity, so the pool price joins the oracle median"
    )


class DexPoolsResponse(BaseModel):
    """The pool of every listed asset and of every other denom with a pool."""

    height: int
    pools: list[DexPoolView]


class LpPositionView(BaseModel):
    """One provider's liquidity in a pool and what removing all of it would return now."""

    address: str
    units: int
    share: str = Field(description="share of the pool's units", examples=["25%"])
    asset: AssetAmount = Field(description="the asset removing these units would return now")
    gos: GosAmount = Field(description="the GOS removing these units would return now")


class DexPoolDetail(DexPoolView):
    """A pool with its liquidity providers (largest first)."""

    height: int
    providers: list[LpPositionView] = Field(description="a page of the providers, largest first")
    providers_total: int = Field(description="liquidity providers in all")
    limit: int
    offset: int


class SwapQuoteView(BaseModel):
    """What a swap of `amount_in` would return if it were the next transaction on the pool."""

    height: int
    pair: str = Field(description="the listed asset of the pool (its counterpart is GOS)")
    amount_in: AssetAmount
    amount_out: AssetAmount = Field(description="output after the fee, rounded down (what min_out is checked against)")
    fee: AssetAmount = Field(description="part of amount_in kept in the pool for its providers, rounded down")
    swap_fee_ppm: int
    price: GosAmount = Field(description="pool price of one whole asset before the swap")
    effective_price: GosAmount | None = Field(
        description="price of one whole asset this swap pays or gets, fee included; null when it returns nothing"
    )
    price_impact_ppm: int = Field(
        description="how much less the swap returns than amount_in is worth at the pool price, fee included, in ppm "
        "(rounded up): the cost of the swap's size and the fee"
    )
    price_impact: str = Field(description="price_impact_ppm as a percentage", examples=["1.2%"])


class DexParamsView(BaseModel):
    """The exchange's fee, the depth at which a pool feeds the oracle and who may trade."""

    swap_fee_ppm: int
    swap_fee: str = Field(description="share of every swap's input kept in the pool", examples=["0.3%"])
    min_oracle_liquidity: GosAmount = Field(description="GOS reserve from which a pool's price joins the oracle median")
    trade_min_kyc_level: int = Field(description="KYC level needed to add liquidity or swap (0: none)")
