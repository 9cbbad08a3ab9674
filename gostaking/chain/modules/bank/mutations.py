"""Bank writes. Every change of a balance in the chain goes through these functions."""

from msgspec.structs import replace

from gostaking.chain.errors import InsufficientFundsError, fail, require, require_amount
from gostaking.chain.modules.bank.queries import (
    compute_index_after_burn,
    compute_shares_to_ugos,
    compute_ugos_to_shares_ceil,
    compute_ugos_to_shares_floor,
    get_account,
)
from gostaking.chain.modules.bank.tables import ACCOUNTS, ASSET_SUPPLY, BALANCES, GOS_SUPPLY
from gostaking.chain.numeric import GOS_DENOM, INDEX_ONE
from gostaking.chain.state import State
from gostaking.chain.tables import Table


def add_units(state: State, address: str, denom: str, units: int) -> None:
    """Credit raw units (GOS shares for ugos) to a balance."""
    if units == 0:
        return
    balances = state[BALANCES]
    key = (address, denom)
    balances.put(key, balances.get_or(key, 0) + units)


def sub_units(state: State, address: str, denom: str, units: int) -> None:
    """Debit raw units (GOS shares for ugos), failing with InsufficientFundsError when short."""
    if units == 0:
        return
    balances = state[BALANCES]
    key = (address, denom)
    _debit(balances, key, balances.get_or(key, 0), units)


def _debit(balances: Table[tuple[str, str], int], key: tuple[str, str], held: int, units: int) -> None:
    """Take `units` from the balance `key`, which holds `held` (read by the caller): InsufficientFundsError when
    short; a balance brought to 0 is removed."""
    if held < units:
        fail(InsufficientFundsError, f"{key[0]} holds too little {key[1]}")
    if held == units:
        balances.delete(key)
    else:
        balances.put(key, held - units)


def move_units(state: State, sender: str, recipient: str, denom: str, units: int) -> None:
    """Move raw units between two balances."""
    if units == 0:
        return
    balances = state[BALANCES]
    sender_key = (sender, denom)
    _transfer_units(balances, sender_key, balances.get_or(sender_key, 0), (recipient, denom), units)


def _transfer_units(
    balances: Table[tuple[str, str], int],
    sender_key: tuple[str, str],
    held: int,
    recipient_key: tuple[str, str],
    units: int,
) -> None:
    """Debit `units` (> 0) from the balance `sender_key`, which holds `held`, and credit them to `recipient_key`:
    `sub_units` then `add_units`, with the balance read once (every transaction moves GOS at least once)."""
    _debit(balances, sender_key, held, units)
    balances.put(recipient_key, balances.get_or(recipient_key, 0) + units)


def move_gos(state: State, sender: str, recipient: str, ugos: int) -> int:
    """Move at least `ugos` of GOS; returns the shares moved (rounded up so the recipient gets `ugos`)."""
    require_amount(ugos)
    index = state[GOS_SUPPLY].get().index
    shares = compute_ugos_to_shares_ceil(ugos, index)
    balances = state[BALANCES]
    sender_key = (sender, GOS_DENOM)
    held = balances.get_or(sender_key, 0)
    if held < shares:
        raise InsufficientFundsError(f"{sender} has {compute_shares_to_ugos(held, index)} ugos, needs {ugos}")
    _transfer_units(balances, sender_key, held, (recipient, GOS_DENOM), shares)
    return shares


def move_asset(state: State, sender: str, recipient: str, denom: str, amount: int) -> None:
    """Move `amount` base units of a non-GOS asset."""
    require_amount(amount)
    balances = state[BALANCES]
    sender_key = (sender, denom)
    held = balances.get_or(sender_key, 0)
    if held < amount:
        fail(InsufficientFundsError, f"{sender} has {held} {denom}, needs {amount}")
    _transfer_units(balances, sender_key, held, (recipient, denom), amount)


def mint_gos(state: State, recipient: str, ugos: int, carry: int = 0) -> tuple[int, int]:
    """Create `ugos` of new GOS (block rewards only) for `recipient`; returns (shares created, carry).

    At an index below INDEX_ONE (after a burn) `ugos` is rarely a whole number of shares. `carry` is the fraction
    of a share an earlier mint left over (as a numerator over the index): it joins this mint, and the fraction left
    now is returned, so a series of mints creates exactly the GOS asked for, whole shares at a time.
    """
    supply = state[GOS_SUPPLY].get()
    shares, carry = divmod(ugos * INDEX_ONE + carry, supply.index)
    state[GOS_SUPPLY].set(
        replace(supply, total_shares=supply.total_shares + shares, minted_ugos=supply.minted_ugos + ugos)
    )
    add_units(state, recipient, GOS_DENOM, shares)
    return shares, carry


def register_denom(state: State, denom: str) -> None:
    """Make an external asset's denom known to the bank (its supply starts at 0): transfers of it are then
    possible, and of any other denom refused."""
    if denom not in state[ASSET_SUPPLY]:
        state[ASSET_SUPPLY].put(denom, 0)


def mint_asset(state: State, recipient: str, denom: str, amount: int) -> None:
    """Create units of an external asset (genesis allocations; later custody deposits)."""
    add_units(state, recipient, denom, amount)
    state[ASSET_SUPPLY].put(denom, state[ASSET_SUPPLY].get_or(denom, 0) + amount)


def burn_asset(state: State, holder: str, denom: str, amount: int) -> None:
    """Destroy units of an external asset (they left custody on the hosted chain)."""
    sub_units(state, holder, denom, amount)
    state[ASSET_SUPPLY].put(denom, state[ASSET_SUPPLY].get_or(denom, 0) - amount)


def apply_reverse_split(state: State, numerator: int, denominator: int) -> int:
    """Burn numerator/denominator of all GOS in O(1) by shrinking the share index; returns ugos burned.

    Shares are untouched, so every holder (accounts, bonds, unbondings, pools) keeps its share of supply.
    """
    supply = state[GOS_SUPPLY].get()
    before = compute_shares_to_ugos(supply.total_shares, supply.index)
    index = compute_index_after_burn(supply.index, numerator, denominator)
    after = compute_shares_to_ugos(supply.total_shares, index)
    state[GOS_SUPPLY].set(replace(supply, index=index, burned_ugos=supply.burned_ugos + before - after))
    return before - after


def burn_shares(state: State, holder: str, shares: int) -> int:
    """Destroy `shares` of GOS held by `holder` (slashing); returns the ugos destroyed."""
    sub_units(state, holder, GOS_DENOM, shares)
    supply = state[GOS_SUPPLY].get()
    ugos = compute_shares_to_ugos(shares, supply.index)
    state[GOS_SUPPLY].set(
        replace(supply, total_shares=supply.total_shares - shares, slashed_ugos=supply.slashed_ugos + ugos)
    )
    return ugos


def send_gos_to_bridge(state: State, holder: str, shares: int, ugos: int) -> None:
    """Remove `shares` (worth `ugos` when requested) from native supply: they now exist as ERC-20 GOS."""
    sub_units(state, holder, GOS_DENOM, shares)
    supply = state[GOS_SUPPLY].get()
    state[GOS_SUPPLY].set(
        replace(supply, total_shares=supply.total_shares - shares, bridged_out_ugos=supply.bridged_out_ugos + ugos)
    )


def receive_gos_from_bridge(state: State, recipient: str, ugos: int) -> int:
    """Re-create `ugos` of native GOS swapped back from the ERC-20 (never more than went out); returns shares."""
    supply = state[GOS_SUPPLY].get()
    require(
        ugos <= supply.bridged_out_ugos,
        InsufficientFundsError,
        f"only {supply.bridged_out_ugos} ugos are outside the chain, {ugos} cannot come back",
    )
    shares = compute_ugos_to_shares_floor(ugos, supply.index)
    state[GOS_SUPPLY].set(
        replace(supply, total_shares=supply.total_shares + shares, bridged_out_ugos=supply.bridged_out_ugos - ugos)
    )
    add_units(state, recipient, GOS_DENOM, shares)
    return shares


def increment_sequence(state: State, address: str) -> None:
    """Consume the account's current sequence number."""
    account = get_account(state, address)
    state[ACCOUNTS].put(address, replace(account, sequence=account.sequence + 1))
