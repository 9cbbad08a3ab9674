"""Tables of the custody module: deposits, withdrawals and the sanctions list."""

from gostaking.chain.tables import SingletonSpec, TableSpec
from gostaking.chain.types.custody import Deposit, SanctionEntry, Withdrawal

DEPOSITS: TableSpec[tuple[str, str], Deposit] = TableSpec(
    "deposits", tuple[str, str], Deposit, doc="(hosted chain, external tx id) → deposit."
)
WITHDRAWALS: TableSpec[int, Withdrawal] = TableSpec("withdrawals", int, Withdrawal, doc="sequential id → withdrawal.")
WITHDRAWAL_COUNT = SingletonSpec("withdrawal_count", int, lambda: 0)
SANCTIONED: TableSpec[tuple[str, str], SanctionEntry] = TableSpec(
    "sanctioned", tuple[str, str], SanctionEntry, doc="(hosted chain, lower-cased external address) → listing."
)
