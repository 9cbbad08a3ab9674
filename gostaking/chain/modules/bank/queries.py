"""Bank reads: balances, GOS shares ↔ amounts, supply."""

from gostaking.chain.constants import MAX_DENOM_LENGTH
from gostaking.chain.errors import InvalidMessageError, UnknownAssetError, fail, require
from gostaking.chain.modules.bank.tables import ACCOUNTS, ASSET_SUPPLY, BALANCES, GOS_SUPPLY
from gostaking.chain.numeric import GOS_DENOM, INDEX_ONE, ceil_div, mul_div
from gostaking.chain.state import State
from gostaking.chain.types.bank import Account, GosSupply


def get_account(state: State, address: str) -> Account:
    """The account's metadata (a fresh account if it never transacted)."""
    return state[ACCOUNTS].get_or(address, _EMPTY_ACCOUNT)


_EMPTY_ACCOUNT = Account()


def get_gos_index(state: State) -> int:
    """Current GOS share index (INDEX_ONE before any burn)."""
    return state[GOS_SUPPLY].get().index


def compute_shares_to_ugos(shares: int, index: int) -> int:
    """Amount in ugos of `shares` at `index`, rounded down."""
    return mul_div(shares, index, INDEX_ONE)


def compute_index_after_burn(index: int, numerator: int, denominator: int) -> int:
    """The GOS share index after a burn of numerator/denominator of all GOS (rounded down)."""
    return index * (denominator - numerator) // denominator


def compute_ugos_to_shares_floor(ugos: int, index: int) -> int:
    """Shares worth at most `ugos` (used when crediting newly minted GOS)."""
    return mul_div(ugos, INDEX_ONE, index)


def compute_ugos_to_shares_ceil(ugos: int, index: int) -> int:
    """Shares worth at least `ugos` (used when debiting, so a recipient always gets the amount asked for)."""
    return ceil_div(ugos * INDEX_ONE, index)


def get_shares(state: State, address: str) -> int:
    """GOS shares held liquid by `address`."""
    return state[BALANCES].get_or((address, GOS_DENOM), 0)


def has_balance_entry(state: State, address: str, denom: str) -> bool:
    """Whether `address` holds any `denom` (a transfer to it then stores nothing new)."""
    return (address, denom) in state[BALANCES]


def get_balance(state: State, address: str, denom: str) -> int:
    """Liquid balance in base units: ugos (shares × index) for GOS, raw units for other assets."""
    raw = state[BALANCES].get_or((address, denom), 0)
    if denom == GOS_DENOM:
        return compute_shares_to_ugos(raw, get_gos_index(state))
    return raw


def get_gos_supply(state: State) -> GosSupply:
    """The GOS share supply and its history: minted, burned, slashed and bridged out."""
    return state[GOS_SUPPLY].get()


def get_asset_supply(state: State, denom: str) -> int:
    """Units of an external asset on the chain (credited deposits less completed withdrawals)."""
    return state[ASSET_SUPPLY].get_or(denom, 0)


def get_gos_supply_ugos(state: State) -> int:
    """Total GOS in existence, in ugos (all accounts, module accounts, bonds and unbondings)."""
    supply = state[GOS_SUPPLY].get()
    return compute_shares_to_ugos(supply.total_shares, supply.index)


def get_bank_denoms(state: State) -> list[str]:
    """Every denom the bank knows: ugos, then each registered denom (listed assets, module-issued tokens) sorted."""
    return [GOS_DENOM, *state[ASSET_SUPPLY].keys_sorted()]


def is_module_address(state: State, address: str) -> bool:
    """True for the address of a module account some module of the chain declares (no key controls it)."""
    return address in state.registry.module_accounts


def require_known_denom(state: State, denom: str) -> None:
    """Raise unless `denom` is ugos or an external asset that exists on this chain: InvalidMessageError for a
    malformed one, UnknownAssetError for an unknown one; a near miss of a known denom (case, spaces) is named."""
    if denom == GOS_DENOM or (denom in state[ASSET_SUPPLY] and is_well_formed_denom(denom)):
        # Known and well formed: nothing below can fail (such a denom is no near miss of another, since stripping
        # and case-folding leave it unchanged), and every transfer comes here.
        return
    known = get_bank_denoms(state)
    near = next((k for k in known if denom.strip().casefold() == k and denom != k), None)
    hint = f"; did you mean {near!r}?" if near is not None else ""
    if hint:
        raise InvalidMessageError(f"denom {denom!r} is not a denom{hint}")
    require_denom(denom)
    require(denom in known, UnknownAssetError, f"no asset {denom!r} exists on this chain (known: {', '.join(known)})")


def is_well_formed_denom(denom: str) -> bool:
    """True for a well-formed denomination: a lower-case alphanumeric ASCII name of 1..MAX_DENOM_LENGTH
    characters."""
    return (
        isinstance(denom, str)
        and 0 < len(denom) <= MAX_DENOM_LENGTH
        and denom.isascii()
        and denom.isalnum()
        and denom == denom.lower()
    )


def require_denom(denom: str) -> None:
    """Raise InvalidMessageError unless `denom` is a well-formed denomination (lower-case, short)."""
    if not is_well_formed_denom(denom):
        fail(
            InvalidMessageError,
            f"denom {denom!r} is not a lower-case alphanumeric name of at most {MAX_DENOM_LENGTH} characters",
        )
