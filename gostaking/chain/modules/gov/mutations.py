"""Executing proposals and keeping the deadline queue."""

from msgspec.structs import replace

from gostaking.chain.crypto import require_address
from gostaking.chain.env import Context
from gostaking.chain.errors import InvalidGenesisError, InvalidMessageError, require
from gostaking.chain.modules.compliance.mutations import set_kyc_provider
from gostaking.chain.modules.lock.mutations import register_asset, set_asset_valuation
from gostaking.chain.modules.lock.queries import require_asset
from gostaking.chain.params import validate_params
from gostaking.chain.state import State
from gostaking.chain.types.gov import (
    AssetListingProposal,
    AssetWeightProposal,
    KycProviderProposal,
    NodeCountProposal,
    ParamChange,
    ParamChangeProposal,
    ProposalContent,
    TextProposal,
)
from gostaking.chain.types.params import ChainParams

GOVERNABLE_SECTIONS = ("rewards", "staking", "nodes", "tx", "oracle", "gov", "compliance")
"""Sections governance may change. Emission is fixed by the whitepaper (the 30,240,000 GOS cap and the burns),
custody membership changes with the custodians' own keys, and the hash-power multipliers are fixed in the pools."""
FIXED_FIELDS = (("staking", "vote_multiplier"), ("staking", "stake_multiplier"))


def compute_changed_params(params: ChainParams, changes: list[ParamChange]) -> ChainParams:
    """Apply parameter changes, raising InvalidMessageError for unknown or fixed fields and invalid results."""
    require(0 < len(changes) <= 32, InvalidMessageError, "1..32 parameter changes per proposal")
    for change in changes:
        require(change.section in GOVERNABLE_SECTIONS, InvalidMessageError, f"section {change.section!r} is fixed")
        require((change.section, change.field) not in FIXED_FIELDS, InvalidMessageError, f"{change.field} is fixed")
        section = getattr(params, change.section)
        current = getattr(section, change.field, None)
        require(
            isinstance(current, int) and not isinstance(current, bool),
            InvalidMessageError,
            f"{change.section}.{change.field} is not an integer parameter",
        )
        params = replace(params, **{change.section: replace(section, **{change.field: change.value})})
    try:
        validate_params(params)
    except InvalidGenesisError as error:  # the genesis rules, reported as a bad proposal
        raise InvalidMessageError(f"the changed parameters are invalid: {error}") from error
    return params


def check_content(state: State, content: ProposalContent) -> None:
    """Reject content that could never execute (checked at submission; execution checks again)."""
    params = state.params.get()
    if isinstance(content, ParamChangeProposal):
        compute_changed_params(params, content.changes)
    elif isinstance(content, NodeCountProposal):
        compute_changed_params(params, _node_count_changes(content))
    elif isinstance(content, AssetListingProposal):
        require(content.asset.denom not in state.assets, InvalidMessageError, f"{content.asset.denom} is listed")
    elif isinstance(content, AssetWeightProposal):
        require_asset(state, content.denom)
    elif isinstance(content, KycProviderProposal):
        require_address(content.provider, "KYC provider")
        require(0 < len(content.name.encode()) <= 64, InvalidMessageError, "provider name must be 1..64 bytes")


def _node_count_changes(content: NodeCountProposal) -> list[ParamChange]:
    return [
        ParamChange("nodes", "mining_by_stake", content.mining_by_stake),
        ParamChange("nodes", "mining_by_votes", content.mining_by_votes),
    ]


def execute_content(state: State, ctx: Context, content: ProposalContent) -> None:
    """Carry out a ratified proposal."""
    if isinstance(content, TextProposal):
        return
    if isinstance(content, ParamChangeProposal):
        state.params.set(compute_changed_params(state.params.get(), content.changes))
    elif isinstance(content, NodeCountProposal):
        state.params.set(compute_changed_params(state.params.get(), _node_count_changes(content)))
    elif isinstance(content, AssetListingProposal):
        register_asset(state, content.asset)
    elif isinstance(content, AssetWeightProposal):
        asset = require_asset(state, content.denom)
        set_asset_valuation(state, content.denom, asset.price_ugos, content.weight_ppm)
    elif isinstance(content, KycProviderProposal):
        set_kyc_provider(state, ctx, content.provider, content.name, content.enabled)


def add_deadline(state: State, height: int, proposal_id: int) -> None:
    """Queue a proposal for end-block processing at `height`."""
    state.gov_deadlines.put(height, (*state.gov_deadlines.get_or(height, ()), proposal_id))
