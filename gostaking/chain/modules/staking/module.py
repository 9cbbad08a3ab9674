"""The staking module's declaration: votes (×1) and stakes (×3) for nodes, their unbonding queue, reward claims
and the punishment of validator faults."""

from gostaking.chain.constants import MODULE_BONDED, MODULE_UNBONDING
from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.staking.genesis import init_staking_genesis
from gostaking.chain.modules.staking.invariants import check_bonds
from gostaking.chain.modules.staking.lifecycle import process_unbonding_queue, process_validator_faults
from gostaking.chain.modules.staking.params import validate_staking_params
from gostaking.chain.types.params import StakingParams

MODULE = Module(
    name="staking",
    package=__package__,
    params=(
        # The hash-power multipliers are fixed in the vote and stake pools at genesis.
        ParamsSection(
            "staking", StakingParams, validate_staking_params, fixed_fields=("vote_multiplier", "stake_multiplier")
        ),
    ),
    genesis=init_staking_genesis,
    begin_block=(process_validator_faults, process_unbonding_queue),
    invariants=(check_bonds,),
    accounts=(MODULE_BONDED, MODULE_UNBONDING),
)
