"""Governance: proposals, votes and the committee's ratification."""

from typing import Literal

import msgspec

from gostaking.chain.types.lock import Asset

VoteOption = Literal["yes", "no", "abstain"]
ProposalStatus = Literal["voting", "passed", "rejected", "no_quorum", "executed", "execution_failed", "expired"]


class TextProposal(msgspec.Struct, frozen=True, tag="text", forbid_unknown_fields=True):
    """A signal with no on-chain effect beyond its record."""


class ParamChange(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Set `section.field` of ChainParams (e.g. nodes.min_stake_ugos) to `value`."""

    section: str
    field: str
    value: int


class ParamChangeProposal(msgspec.Struct, frozen=True, tag="param_change", forbid_unknown_fields=True):
    """Change chain parameters (checked against the genesis rules when submitted and when executed)."""

    changes: list[ParamChange]


class AssetListingProposal(msgspec.Struct, frozen=True, tag="asset_listing", forbid_unknown_fields=True):
    """List a new external asset for locking (opens its hash-power pool)."""

    asset: Asset


class AssetWeightProposal(msgspec.Struct, frozen=True, tag="asset_weight", forbid_unknown_fields=True):
    """Change a listed asset's value weight (its price stays with the oracle)."""

    denom: str
    weight_ppm: int


class NodeCountProposal(msgspec.Struct, frozen=True, tag="node_count", forbid_unknown_fields=True):
    """Resize the mining set: top `mining_by_stake` by stake plus top `mining_by_votes` by votes (next election)."""

    mining_by_stake: int
    mining_by_votes: int


class KycProviderProposal(msgspec.Struct, frozen=True, tag="kyc_provider", forbid_unknown_fields=True):
    """Admit (enabled) or remove a KYC provider account."""

    provider: str
    name: str
    enabled: bool


class MarketListingProposal(msgspec.Struct, frozen=True, tag="market_listing", forbid_unknown_fields=True):
    """Open an order-book market of `denom` against GOS (docs/book.md): prices in multiples of `tick_ugos` ugos per
    whole unit, quantities in multiples of `lot` base units, fees in ppm (None: the book parameters' defaults)."""

    denom: str
    tick_ugos: int
    lot: int
    maker_fee_ppm: int | None = None
    taker_fee_ppm: int | None = None
    min_notional_ugos: int = 1_000_000
    """Smallest order notional (1 GOS unless the proposal says otherwise), as a genesis listing's."""


class MarketHaltProposal(msgspec.Struct, frozen=True, tag="market_halt", forbid_unknown_fields=True):
    """Halt (`halted`) or resume (not `halted`) the order-book market of `denom` (docs/book.md, "Halting a
    market"): a halted market takes no new orders and runs no auction; its resting orders stay and may be
    cancelled, and they expire as usual."""

    denom: str
    halted: bool = True


ProposalContent = (
    TextProposal
    | ParamChangeProposal
    | AssetListingProposal
    | AssetWeightProposal
    | NodeCountProposal
    | KycProviderProposal
    | MarketListingProposal
    | MarketHaltProposal
)


class Tally(msgspec.Struct, frozen=True, array_like=True):
    """Voting power per option, in GOS shares."""

    yes: int = 0
    no: int = 0
    abstain: int = 0


class Proposal(msgspec.Struct, frozen=True):
    """A governance proposal and its progress."""

    proposer: str
    title: str
    description: str
    content: ProposalContent
    deposit_shares: int
    submit_height: int
    voting_end_height: int
    status: ProposalStatus = "voting"
    tally: Tally = Tally()
    committee: tuple[str, ...] = ()
    """Mining nodes when the vote passed: the ones whose 2/3 must ratify."""
    ratifications: tuple[str, ...] = ()
    ratification_end_height: int = 0
    log: str = ""


class ProposalVote(msgspec.Struct, frozen=True, array_like=True):
    """A holder's vote; liquid GOS escrowed for it is returned when the vote ends."""

    option: VoteOption
    escrow_shares: int = 0
