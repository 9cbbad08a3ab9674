"""Tables of the bank module: accounts, balances and supplies."""

from gostaking.chain.tables import SingletonSpec, TableSpec
from gostaking.chain.types.bank import Account, GosSupply

ACCOUNTS = TableSpec("accounts", str, Account)
BALANCES = TableSpec(
    "balances",
    tuple[str, str],
    int,
    doc="(address, denom) → amount; for 'ugos' the value is GOS shares (see GosSupply).",
)
GOS_SUPPLY = SingletonSpec("gos_supply", GosSupply, GosSupply)
ASSET_SUPPLY = TableSpec(
    "asset_supply",
    str,
    int,
    doc="denom → units of the external asset on the chain (0 from its listing on).",
    resident=True,  # one entry per listed asset
)
