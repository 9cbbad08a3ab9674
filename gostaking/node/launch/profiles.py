"""Network profiles: the chain parameters a new genesis starts with and the CometBFT timeouts that give the block
target, for a real network (`mainnet`, the default) or a test network (`testnet`: fast blocks, short periods).

Block pace under CometBFT: after a block commits, a node waits `timeout_commit`, then the round itself (proposal,
prevotes, precommits) takes about a network round trip per step, well under a second on the internet. So
`timeout_commit` is the target less a second. `timeout_propose` is what a missing proposer costs the network.
"""

from dataclasses import dataclass

from msgspec.structs import replace

from gostaking.chain.numeric import UGOS_PER_GOS
from gostaking.chain.types.params import ChainParams, GovParams, NodeParams, StakingParams


@dataclass(frozen=True)
class NetworkProfile:
    """A network's defaults: genesis parameters and consensus timing."""

    name: str
    description: str
    block_time_s: float
    """The block target, which the chain's day-counted parameters (BLOCKS_PER_DAY) assume."""
    timeout_commit: str
    """CometBFT's pause after each block (a Go duration)."""
    timeout_propose: str
    """How long validators wait for a proposal before voting nil (a missing proposer costs this)."""
    params: ChainParams


MAINNET = NetworkProfile(
    name="mainnet",
    description="30 s blocks; the chain's default parameters (7-day vote and 21-day stake unbonding, daily epochs)",
    block_time_s=30.0,
    timeout_commit="29s",
    timeout_propose="3s",
    params=ChainParams(),
)

_TESTNET_DEFAULTS = ChainParams()
TESTNET_BLOCKS_PER_MINUTE = 60
TESTNET = NetworkProfile(
    name="testnet",
    description="1 s blocks; 2-minute epochs, 10/30-minute unbonding, 100 GOS node thresholds, 10-minute votes",
    block_time_s=1.0,
    timeout_commit="1s",
    timeout_propose="1s",
    params=replace(
        _TESTNET_DEFAULTS,
        staking=StakingParams(
            vote_unbonding_blocks=10 * TESTNET_BLOCKS_PER_MINUTE, stake_unbonding_blocks=30 * TESTNET_BLOCKS_PER_MINUTE
        ),
        nodes=NodeParams(
            min_votes_ugos=100 * UGOS_PER_GOS,
            min_stake_ugos=100 * UGOS_PER_GOS,
            epoch_blocks=2 * TESTNET_BLOCKS_PER_MINUTE,
        ),
        gov=GovParams(
            min_deposit_ugos=10 * UGOS_PER_GOS,
            voting_period_blocks=10 * TESTNET_BLOCKS_PER_MINUTE,
            ratification_period_blocks=10 * TESTNET_BLOCKS_PER_MINUTE,
        ),
    ),
)

PROFILES = {profile.name: profile for profile in (MAINNET, TESTNET)}


class UnknownProfileError(ValueError):
    """A profile name that is not one of PROFILES."""


def get_profile(name: str) -> NetworkProfile:
    """The profile called `name` (UnknownProfileError naming the choices otherwise)."""
    profile = PROFILES.get(name)
    if profile is None:
        raise UnknownProfileError(f"unknown profile {name!r}: choose {' or '.join(PROFILES)}")
    return profile
