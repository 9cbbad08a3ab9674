"""Genesis parameters. Every economic number of DESIGN.md lives here, not in code."""

import msgspec

from gostaking.chain.numeric import UGOS_PER_GOS

BLOCKS_PER_DAY = 2_880
"""At the 30 s block target: 86,400 s / 30 s."""


class EmissionParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Block reward schedule and the post-emission burns."""

    initial_reward_ugos: int = 100 * UGOS_PER_GOS
    halving_interval_blocks: int = 172_800
    reward_eras: int = 3
    """Eras of halving_interval blocks with a reward (100, 50, 25 GOS); 518,400 reward blocks in all."""
    burn_start_height: int = 432_001
    """First burn: one month (86,400 blocks) after the last halving at height 345,601."""
    burn_interval_blocks: int = 86_400
    burn_count: int = 6
    burn_numerator: int = 1
    burn_denominator: int = 10


class RewardSplitParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How a block reward is shared, in ppm; the three parts sum to 1,000,000."""

    users_ppm: int = 850_000
    mining_nodes_ppm: int = 100_000
    candidate_nodes_ppm: int = 50_000


class StakingParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Vote and stake: hash-power multipliers and unbonding periods."""

    vote_multiplier: int = 1
    stake_multiplier: int = 3
    vote_unbonding_blocks: int = 7 * BLOCKS_PER_DAY
    stake_unbonding_blocks: int = 21 * BLOCKS_PER_DAY
    max_unbonding_completions_per_block: int = 1_000
    """Bound on unbonding work per block; the rest completes in the next blocks, in order."""


class NodeParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Node registry and election."""

    min_votes_ugos: int = 10_000 * UGOS_PER_GOS
    min_stake_ugos: int = 10_000 * UGOS_PER_GOS
    mining_by_stake: int = 15
    mining_by_votes: int = 15
    epoch_blocks: int = BLOCKS_PER_DAY
    downtime_window_blocks: int = BLOCKS_PER_DAY
    """Window over which a validator's missed blocks are counted."""
    min_signed_per_window_ppm: int = 500_000
    """A validator missing more than (1 − this) of a window is jailed."""
    downtime_jail_blocks: int = 120
    """How long a node jailed for downtime must wait before MsgUnjailNode (one hour of blocks)."""
    double_sign_slash_ppm: int = 50_000
    """Part of a double-signer's stake that is burned (5%); the node is tombstoned."""


class TxParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Limits and fees of transactions."""

    min_fee_ugos: int = 1_000
    max_msgs: int = 16
    max_memo_bytes: int = 256
    max_tx_bytes: int = 16_384
    new_balance_fee_ugos: int = 10_000
    """Paid by a transfer that creates a balance entry (a new recipient, or a denom the recipient never held) to
    the fee collector: every entry is stored by every node for ever, so creating one costs more than moving coins
    (as account creation does on chains with rent or an existential deposit)."""


class OracleParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Aggregation of the mining nodes' price quotes."""

    period_blocks: int = 20
    """Quotes are collected for a period and aggregated at its last block (10 minutes at 30 s blocks)."""
    min_feeders_ppm: int = 666_666
    """Share of the mining set that must quote an asset in a period for its price to update (2/3, rounded
    down so that 2 of 3 and 20 of 30 qualify)."""
    outlier_band_ppm: int = 100_000
    """Quotes further than this from the median (10%) are dropped before the final median."""
    max_stale_periods: int = 6
    """After this many periods without a valid aggregate the price is marked stale."""
    twap_window_blocks: int = 60
    """The exchange's prices join the median as time-weighted averages over at least this many blocks (3 periods,
    30 minutes at 30 s blocks), taken from the newest period end that far back: one block's price then weighs at
    most 1/window in them. At most 64 periods (`MAX_TWAP_WINDOW_PERIODS`)."""


class CustodyParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Who vouches for external assets (the compliance council screens them: see ComplianceParams)."""

    custodians: tuple[str, ...] = ()
    """Accounts that attest deposits and confirm withdrawals; empty disables custody."""
    threshold: int = 0
    """Attestations (m of the n custodians) needed to credit a deposit or complete a withdrawal."""
    gos_token_chain: str = "ethereum"
    """Hosted chain of the GOS ERC-20: withdrawals of ugos swap native GOS out to it, deposits of ugos back."""


class GovParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Proposals, votes and ratification."""

    min_deposit_ugos: int = 1_000 * UGOS_PER_GOS
    voting_period_blocks: int = 7 * BLOCKS_PER_DAY
    quorum_ppm: int = 100_000
    """Votes cast (yes + no + abstain) must reach this share of all GOS."""
    pass_threshold_ppm: int = 500_000
    """Yes must exceed this share of yes + no."""
    ratify_ppm: int = 666_666
    """Share of the committee (the mining nodes when the vote passed) that must ratify before execution: 2/3,
    rounded down so that 2 of 3 and 20 of 30 qualify."""
    ratification_period_blocks: int = 7 * BLOCKS_PER_DAY


class ComplianceParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """KYC levels services require, and the compliance council: m of n accounts that freeze and unfreeze accounts,
    maintain the sanctions list and resolve the transfers it holds."""

    lock_min_kyc_level: int = 0
    """KYC level an account needs to lock external assets (0: none)."""
    withdraw_min_kyc_level: int = 0
    """KYC level an account needs to withdraw from custody."""
    trade_min_kyc_level: int = 0
    """KYC level an account needs to trade on the exchange (when it exists)."""
    council: tuple[str, ...] = ()
    council_threshold: int = 0
    """Approvals of distinct council members that execute a freeze, an unfreeze, a sanctions list change or the
    release/rejection of a held transfer."""


class DexParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The on-chain exchange."""

    swap_fee_ppm: int = 3_000
    """Fee kept in the pool on every swap (0.3%), earned by liquidity providers."""
    min_oracle_liquidity_ugos: int = 10_000 * UGOS_PER_GOS
    """A pool's price joins the oracle median only with at least this much GOS in reserve (manipulation cost)."""


class ChainParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """All parameters; fixed at genesis and later changed only by governance."""

    emission: EmissionParams = EmissionParams()
    rewards: RewardSplitParams = RewardSplitParams()
    staking: StakingParams = StakingParams()
    nodes: NodeParams = NodeParams()
    tx: TxParams = TxParams()
    oracle: OracleParams = OracleParams()
    custody: CustodyParams = CustodyParams()
    gov: GovParams = GovParams()
    compliance: ComplianceParams = ComplianceParams()
    dex: DexParams = DexParams()
