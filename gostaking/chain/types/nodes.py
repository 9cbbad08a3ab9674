"""Node registry, candidate reward accumulator and the mining set."""

import msgspec


class Node(msgspec.Struct, frozen=True, array_like=True):
    """A registered node, keyed by its operator address."""

    consensus_pubkey: bytes
    moniker: str
    registration_index: int
    """Order of registration; breaks election ties in favour of earlier nodes."""
    registered_height: int
    vote_shares: int = 0
    stake_shares: int = 0
    jailed: bool = False
    candidate_units: int = 0
    """Weight in the candidate reward pool (vote + 3 × stake shares) while a candidate, else 0."""
    candidate_acc_settled: int = 0
    rewards_earned_shares: int = 0
    blocks_signed: int = 0
    missed_in_window: int = 0
    """Blocks of the current downtime window this node was a validator for and did not sign."""
    window_start_height: int = 0
    jailed_until: int = 0
    """First height at which a jailed node may unjail itself."""
    tombstoned: bool = False
    """Double-signed: jailed forever."""


class MiningSet(msgspec.Struct, frozen=True, array_like=True):
    """Result of the last election: operators in the mining set, in election order."""

    operators: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    epoch: int = 0
    elected_height: int = 0


class CandidatePool(msgspec.Struct, frozen=True, array_like=True):
    """Lazy accumulator of the candidate nodes' 5%: reward shares per unit of candidate weight."""

    total_units: int = 0
    acc_reward_per_unit: int = 0


class NodeCounters(msgspec.Struct, frozen=True, array_like=True):
    """Monotonic counters of the registry."""

    registrations: int = 0
