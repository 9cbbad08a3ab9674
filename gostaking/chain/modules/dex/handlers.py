"""Liquidity and swaps on the asset/GOS pools. Trading requires the KYC level set by `trade_min_kyc_level`."""

from msgspec.structs import replace

from gostaking.chain.constants import DEX_ACCOUNT
from gostaking.chain.env import Context
from gostaking.chain.errors import MAX_AMOUNT, InsufficientFundsError, InvalidMessageError, require, require_amount
from gostaking.chain.modules.bank.mutations import move_asset, move_units
from gostaking.chain.modules.bank.queries import (
    compute_shares_to_ugos,
    compute_ugos_to_shares_ceil,
    compute_ugos_to_shares_floor,
    get_gos_index,
    get_shares,
)
from gostaking.chain.modules.compliance.queries import require_kyc_level
from gostaking.chain.modules.dex.events import LiquidityAddedEvent, LiquidityRemovedEvent, SwapEvent
from gostaking.chain.modules.dex.mutations import change_liquidity_units, set_pool
from gostaking.chain.modules.dex.queries import (
    compute_liquidity_claim,
    compute_swap_out,
    get_liquidity_units,
    get_pool,
    require_pair_denom,
)
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.state import State
from gostaking.chain.types.dex import DexPool
from gostaking.chain.types.tx import MsgAddLiquidity, MsgRemoveLiquidity, MsgSwap


def _require_trader(state: State, ctx: Context) -> None:
    level = state.params.get().compliance.trade_min_kyc_level
    require_kyc_level(state, ctx.sender, ctx.height, level, "trading on the exchange")


def _take_gos(state: State, owner: str, ugos: int) -> int:
    """Move `ugos` of GOS from `owner` into the exchange; returns the shares moved."""
    shares = compute_ugos_to_shares_ceil(ugos, get_gos_index(state))
    held = get_shares(state, owner)
    require(held >= shares, InsufficientFundsError, f"{owner} has too little GOS: {ugos} ugos needed")
    move_units(state, owner, DEX_ACCOUNT, GOS_DENOM, shares)
    return shares


def check_add_liquidity(state: State, msg: MsgAddLiquidity) -> None:
    """A listed asset or another registered non-GOS denom, and asset and GOS amounts within 1..2^256-1."""
    require_pair_denom(state, msg.denom)
    require_amount(msg.asset_amount)
    require_amount(msg.max_gos)


def check_remove_liquidity(state: State, msg: MsgRemoveLiquidity) -> None:
    """A pair denom (see require_pair_denom) and a number of units within 1..2^256-1."""
    require_pair_denom(state, msg.denom)
    require_amount(msg.lp_units)


def check_swap(state: State, msg: MsgSwap) -> None:
    """A pair denom (see require_pair_denom), paid in ugos or the pair's asset, an amount within 1..2^256-1 and a
    min_out of 0 or more."""
    require_pair_denom(state, msg.pair)
    require(
        msg.denom_in in (GOS_DENOM, msg.pair), InvalidMessageError, f"the {msg.pair}/GOS pool takes ugos or {msg.pair}"
    )
    require_amount(msg.amount_in)
    require(0 <= msg.min_out <= MAX_AMOUNT, InvalidMessageError, "min_out must be within 0..2^256-1")


def process_add_liquidity(state: State, ctx: Context, msg: MsgAddLiquidity) -> None:
    """Add liquidity at the pool's current ratio (the first provider sets it)."""
    _require_trader(state, ctx)
    pool = get_pool(state, msg.denom)
    index = get_gos_index(state)
    if pool.lp_units == 0:
        gos_ugos = msg.max_gos
        minted = msg.asset_amount  # the first provider's units: the asset amount (a plain, exact count)
    else:
        reserve_gos = compute_shares_to_ugos(pool.gos_shares, index)
        gos_ugos = -(-msg.asset_amount * reserve_gos // pool.asset_units)
        require(gos_ugos <= msg.max_gos, InvalidMessageError, f"needs {gos_ugos} ugos, more than max_gos {msg.max_gos}")
        minted = msg.asset_amount * pool.lp_units // pool.asset_units
    require(minted > 0 and gos_ugos > 0, InvalidMessageError, "too little liquidity to mint any units")
    move_asset(state, ctx.sender, DEX_ACCOUNT, msg.denom, msg.asset_amount)
    shares = _take_gos(state, ctx.sender, gos_ugos)
    set_pool(
        state, msg.denom, DexPool(pool.asset_units + msg.asset_amount, pool.gos_shares + shares, pool.lp_units + minted)
    )
    change_liquidity_units(state, msg.denom, ctx.sender, minted)
    ctx.emit(
        LiquidityAddedEvent(provider=ctx.sender, denom=msg.denom, asset=msg.asset_amount, gos=gos_ugos, units=minted)
    )


def process_remove_liquidity(state: State, ctx: Context, msg: MsgRemoveLiquidity) -> None:
    """Withdraw a proportional share of both reserves."""
    held = get_liquidity_units(state, msg.denom, ctx.sender)
    require(held >= msg.lp_units, InsufficientFundsError, f"{ctx.sender} holds {held} liquidity units")
    pool = get_pool(state, msg.denom)
    asset_out, shares_out = compute_liquidity_claim(pool, msg.lp_units)
    change_liquidity_units(state, msg.denom, ctx.sender, -msg.lp_units)
    remaining = DexPool(pool.asset_units - asset_out, pool.gos_shares - shares_out, pool.lp_units - msg.lp_units)
    set_pool(state, msg.denom, remaining)
    if asset_out:
        move_asset(state, DEX_ACCOUNT, ctx.sender, msg.denom, asset_out)
    move_units(state, DEX_ACCOUNT, ctx.sender, GOS_DENOM, shares_out)
    ctx.emit(LiquidityRemovedEvent(provider=ctx.sender, denom=msg.denom, asset=asset_out, gos_shares=shares_out))


def process_swap(state: State, ctx: Context, msg: MsgSwap) -> None:
    """Swap GOS for the pair's asset or back, at the constant-product price after the fee."""
    _require_trader(state, ctx)
    pool = get_pool(state, msg.pair)
    require(pool.lp_units > 0, InvalidMessageError, f"the {msg.pair}/GOS pool has no liquidity")
    fee = state.params.get().dex.swap_fee_ppm
    index = get_gos_index(state)
    reserve_gos = compute_shares_to_ugos(pool.gos_shares, index)
    if msg.denom_in == GOS_DENOM:
        out = compute_swap_out(reserve_gos, pool.asset_units, msg.amount_in, fee)
        require(out > 0 and out >= msg.min_out, InvalidMessageError, f"would receive {out} {msg.pair}, below min_out")
        shares_in = _take_gos(state, ctx.sender, msg.amount_in)
        move_asset(state, DEX_ACCOUNT, ctx.sender, msg.pair, out)
        pool = replace(pool, asset_units=pool.asset_units - out, gos_shares=pool.gos_shares + shares_in)
        denom_out = msg.pair
    else:
        out = compute_swap_out(pool.asset_units, reserve_gos, msg.amount_in, fee)
        shares_out = min(compute_ugos_to_shares_floor(out, index), pool.gos_shares - 1)
        require(
            0 < out >= msg.min_out and shares_out > 0, InvalidMessageError, f"would receive {out} ugos, below min_out"
        )
        move_asset(state, ctx.sender, DEX_ACCOUNT, msg.pair, msg.amount_in)
        move_units(state, DEX_ACCOUNT, ctx.sender, GOS_DENOM, shares_out)
        pool = replace(pool, asset_units=pool.asset_units + msg.amount_in, gos_shares=pool.gos_shares - shares_out)
        denom_out = GOS_DENOM
    set_pool(state, msg.pair, pool)
    ctx.emit(
        SwapEvent(
            trader=ctx.sender, denom_in=msg.denom_in, amount_in=msg.amount_in, denom_out=denom_out, amount_out=out
        )
    )
