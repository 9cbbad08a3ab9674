"""Genesis step of the lock module: the listed assets and the genesis balances of them."""

from gostaking.chain.crypto import is_valid_address
from gostaking.chain.env import Context
from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.genesis import Genesis
from gostaking.chain.modules.bank.mutations import mint_asset
from gostaking.chain.modules.lock.mutations import register_asset
from gostaking.chain.modules.lock.tables import ASSETS
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.state import State


def init_lock_genesis(state: State, ctx: Context, genesis: Genesis) -> None:
    """List the genesis assets, then mint the genesis balances of them (never of GOS: there is no premine)."""
    for asset in genesis.assets:
        register_asset(state, asset)
    for balance in genesis.balances:
        require(balance.denom != GOS_DENOM, InvalidGenesisError, "no premine: genesis cannot hold GOS balances")
        require(is_valid_address(balance.address), InvalidGenesisError, f"bad address {balance.address!r}")
        require(balance.denom in state[ASSETS], InvalidGenesisError, f"unregistered asset {balance.denom!r}")
        require(balance.amount > 0, InvalidGenesisError, "genesis balances must be positive")
        mint_asset(state, balance.address, balance.denom, balance.amount)
