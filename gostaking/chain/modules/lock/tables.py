"""Tables of the lock module: the registry of external assets."""

from gostaking.chain.tables import TableSpec
from gostaking.chain.types.lock import Asset

ASSETS = TableSpec("assets", str, Asset, doc="denom → listed asset.", resident=True)
