"""Rules every set of chain parameters must satisfy, at genesis and after each governance change."""

from gostaking.chain.crypto import is_valid_address
from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.numeric import PPM
from gostaking.chain.types.params import ChainParams


def validate_params(params: ChainParams) -> None:
    """Reject parameters that would break the rules (shares not summing to 100%, zero periods...)."""
    r = params.rewards
    require(
        min(r.users_ppm, r.mining_nodes_ppm, r.candidate_nodes_ppm) >= 0
        and r.users_ppm + r.mining_nodes_ppm + r.candidate_nodes_ppm == PPM,
        InvalidGenesisError,
        "reward split must be non-negative and sum to 1,000,000 ppm",
    )
    e = params.emission
    require(e.halving_interval_blocks > 0 and e.reward_eras >= 0, InvalidGenesisError, "bad halving schedule")
    require(e.initial_reward_ugos >= 0, InvalidGenesisError, "initial reward must not be negative")
    require(
        e.burn_interval_blocks > 0 and e.burn_start_height > 0 and 0 <= e.burn_numerator < e.burn_denominator,
        InvalidGenesisError,
        "bad burn schedule",
    )
    s = params.staking
    require(
        s.vote_unbonding_blocks >= 1 and s.stake_unbonding_blocks >= 1,
        InvalidGenesisError,
        "unbonding ≥ 1 block",
    )
    require(s.max_unbonding_completions_per_block >= 1, InvalidGenesisError, "unbonding work bound must be ≥ 1")
    require(s.vote_multiplier >= 0 and s.stake_multiplier >= 0, InvalidGenesisError, "multipliers ≥ 0")
    n = params.nodes
    require(n.epoch_blocks >= 1, InvalidGenesisError, "epoch must be ≥ 1 block")
    require(n.mining_by_stake >= 0 and n.mining_by_votes >= 0, InvalidGenesisError, "mining set sizes ≥ 0")
    require(n.min_votes_ugos >= 0 and n.min_stake_ugos >= 0, InvalidGenesisError, "thresholds ≥ 0")
    require(
        n.downtime_window_blocks >= 1 and 0 <= n.min_signed_per_window_ppm <= PPM and n.downtime_jail_blocks >= 0,
        InvalidGenesisError,
        "bad downtime parameters",
    )
    require(0 <= n.double_sign_slash_ppm <= PPM, InvalidGenesisError, "slash fraction must be within 0..100%")
    o = params.oracle
    require(
        o.period_blocks >= 1 and 0 < o.min_feeders_ppm <= PPM and o.outlier_band_ppm >= 0 and o.max_stale_periods >= 1,
        InvalidGenesisError,
        "bad oracle parameters",
    )
    c = params.custody
    require(
        len(set(c.custodians)) == len(c.custodians) and all(is_valid_address(a) for a in c.custodians),
        InvalidGenesisError,
        "custodians must be distinct gos1… addresses",
    )
    require(
        (not c.custodians and c.threshold == 0) or 0 < c.threshold <= len(c.custodians),
        InvalidGenesisError,
        "custody threshold must be within 1..number of custodians (0 without custodians)",
    )
    t = params.tx
    require(
        t.min_fee_ugos >= 0 and t.max_msgs >= 1 and t.max_tx_bytes >= 256,
        InvalidGenesisError,
        "bad tx limits",
    )
    g = params.gov
    require(
        g.min_deposit_ugos >= 0 and g.voting_period_blocks >= 1 and g.ratification_period_blocks >= 1,
        InvalidGenesisError,
        "bad governance periods or deposit",
    )
    require(
        all(0 <= x <= PPM for x in (g.quorum_ppm, g.pass_threshold_ppm, g.ratify_ppm)),
        InvalidGenesisError,
        "governance ratios must be within 0..1,000,000 ppm",
    )
    k = params.compliance
    require(
        min(k.lock_min_kyc_level, k.withdraw_min_kyc_level, k.trade_min_kyc_level) >= 0,
        InvalidGenesisError,
        "KYC levels must not be negative",
    )
    require(
        len(set(k.council)) == len(k.council) and all(is_valid_address(a) for a in k.council),
        InvalidGenesisError,
        "compliance council members must be distinct gos1… addresses",
    )
    require(
        (not k.council and k.council_threshold == 0) or 0 < k.council_threshold <= len(k.council),
        InvalidGenesisError,
        "council threshold must be within 1..council size (0 without a council)",
    )
    d = params.dex
    require(
        0 <= d.swap_fee_ppm < PPM and d.min_oracle_liquidity_ugos >= 0, InvalidGenesisError, "bad exchange parameters"
    )
