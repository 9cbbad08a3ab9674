"""Tables of the custody module: deposits, withdrawals, reclaimed deposits and the sanctions list.

The secondary indexes (in memory only, derived from the entries) let list pages read only the rows they show.
"""

from gostaking.chain.tables import SingletonSpec, TableSpec
from gostaking.chain.types.custody import Deposit, Reclaim, SanctionEntry, Withdrawal

DEPOSITS = TableSpec(
    "deposits",
    tuple[str, str],
    Deposit,
    indexes={
        "by_first_seen": lambda key, deposit: (deposit.first_seen_height,),
        "by_status": lambda key, deposit: (deposit.status, deposit.first_seen_height),
    },
    doc="(hosted chain, external tx id) → deposit; paged by first attestation height, optionally by status.",
)
WITHDRAWALS = TableSpec(
    "withdrawals",
    int,
    Withdrawal,
    indexes={
        "by_status": lambda _, withdrawal: (withdrawal.status,),
        "by_owner": lambda _, withdrawal: (withdrawal.owner,),
        "by_owner_status": lambda _, withdrawal: (withdrawal.owner, withdrawal.status),
    },
    doc="sequential id → withdrawal; paged by id, optionally by status and owner.",
)
WITHDRAWAL_COUNT = SingletonSpec("withdrawal_count", int, lambda: 0)
SANCTIONED = TableSpec(
    "sanctioned",
    tuple[str, str],
    SanctionEntry,
    indexes={"by_key": lambda key, _: key},
    doc="(hosted chain, lower-cased external address) → listing; paged in key order.",
)
RECLAIMS = TableSpec(
    "reclaims",
    tuple[str, str],
    Reclaim,
    indexes={"by_first_seen": lambda key, reclaim: (reclaim.first_seen_height,)},
    doc="(hosted chain, external tx id of the deposit) → its reclaim by the depositor; paged by first report.",
)
