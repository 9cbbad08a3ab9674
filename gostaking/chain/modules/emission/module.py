"""The emission module's declaration: the block reward schedule and the monthly burns after it."""

from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.emission.invariants import check_emission
from gostaking.chain.modules.emission.mutations import burn_if_due
from gostaking.chain.modules.emission.params import validate_emission_params
from gostaking.chain.types.params import EmissionParams

MODULE = Module(
    name="emission",
    package=__package__,
    # Fixed by the whitepaper: the 30,240,000 GOS cap and the six burns.
    params=(ParamsSection("emission", EmissionParams, validate_emission_params, governable=False),),
    begin_block=(burn_if_due,),  # a burn runs at the start of its block, before that block's reward is minted
    invariants=(check_emission,),
)
