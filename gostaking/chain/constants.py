"""Fixed names of the protocol (not economic parameters: those are in types/params.py).

The module accounts named here are the launch modules'; each module declares the ones it holds in its `Module`
(`accounts=`), and the registry's list of them is what the chain checks (module accounts cannot sign or receive).
"""

from gostaking.chain.crypto import module_address

MODULE_REWARDS = "rewards"
"""Holds minted user rewards until holders settle them."""
MODULE_CANDIDATE_REWARDS = "candidate_rewards"
"""Holds the candidate nodes' 5% until each node settles."""
MODULE_COMMUNITY_POOL = "community_pool"
"""Receives undistributable rewards (no hash power, no signers, rounding dust)."""
MODULE_FEE_COLLECTOR = "fee_collector"
"""Holds the fees of the current block until end block pays them to the mining nodes."""
MODULE_BONDED = "bonded"
"""Holds voted and staked GOS."""
MODULE_UNBONDING = "unbonding"
"""Holds GOS on its way back from votes and stakes."""
MODULE_LOCKED = "locked"
"""Holds locked external assets."""

MODULE_CUSTODY_ESCROW = "custody_escrow"
"""Holds wrapped units of requested withdrawals until custodians confirm the payout (or a refund)."""

MODULE_GOV = "gov"
"""Holds proposal deposits and GOS escrowed by voters until their proposal's vote ends."""

MODULE_DEX = "dex"
"""Holds the reserves of the exchange's pools."""

MODULE_LIQUID = "liquid"
"""Holds the liquid-staking module's GOS (its stake is bonded in its name; its buffer and arriving unbondings
here) and the sGOS locked in redemption tickets."""
MODULE_LIQUID_POOL = "liquid_pool"
"""Holds the instant-redemption pool's GOS and sGOS and its permanently locked minimum of LP units."""

MODULE_BOOK = "book"
"""Holds the escrow of open orders on the order book: GOS shares for buys, base units for sells."""

MODULE_NAMES = (
    MODULE_REWARDS,
    MODULE_CANDIDATE_REWARDS,
    MODULE_COMMUNITY_POOL,
    MODULE_FEE_COLLECTOR,
    MODULE_BONDED,
    MODULE_UNBONDING,
    MODULE_LOCKED,
    MODULE_CUSTODY_ESCROW,
    MODULE_GOV,
    MODULE_DEX,
    MODULE_LIQUID,
    MODULE_LIQUID_POOL,
    MODULE_BOOK,
)
MODULE_ADDRESSES: dict[str, str] = {name: module_address(name) for name in MODULE_NAMES}
MODULE_BY_ADDRESS: dict[str, str] = {address: name for name, address in MODULE_ADDRESSES.items()}

# The module accounts' addresses, as chain code names them.
REWARDS_ACCOUNT = MODULE_ADDRESSES[MODULE_REWARDS]
CANDIDATE_REWARDS_ACCOUNT = MODULE_ADDRESSES[MODULE_CANDIDATE_REWARDS]
COMMUNITY_POOL_ACCOUNT = MODULE_ADDRESSES[MODULE_COMMUNITY_POOL]
FEE_COLLECTOR_ACCOUNT = MODULE_ADDRESSES[MODULE_FEE_COLLECTOR]
BONDED_ACCOUNT = MODULE_ADDRESSES[MODULE_BONDED]
UNBONDING_ACCOUNT = MODULE_ADDRESSES[MODULE_UNBONDING]
LOCKED_ACCOUNT = MODULE_ADDRESSES[MODULE_LOCKED]
CUSTODY_ESCROW_ACCOUNT = MODULE_ADDRESSES[MODULE_CUSTODY_ESCROW]
GOV_ACCOUNT = MODULE_ADDRESSES[MODULE_GOV]
DEX_ACCOUNT = MODULE_ADDRESSES[MODULE_DEX]
LIQUID_ACCOUNT = MODULE_ADDRESSES[MODULE_LIQUID]
LIQUID_POOL_ACCOUNT = MODULE_ADDRESSES[MODULE_LIQUID_POOL]
BOOK_ACCOUNT = MODULE_ADDRESSES[MODULE_BOOK]

MAX_MONIKER_BYTES = 64
MAX_DENOM_LENGTH = 16
