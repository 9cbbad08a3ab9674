"""The gov module's declaration: proposals, GOS-weighted votes, committee ratification and execution."""

from gostaking.chain.constants import MODULE_GOV
from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.gov.invariants import check_gov_escrow
from gostaking.chain.modules.gov.lifecycle import process_gov_deadlines
from gostaking.chain.modules.gov.params import validate_gov_params
from gostaking.chain.types.params import GovParams

MODULE = Module(
    name="gov",
    package=__package__,
    params=(ParamsSection("gov", GovParams, validate_gov_params),),
    end_block=(process_gov_deadlines,),
    invariants=(check_gov_escrow,),
    accounts=(MODULE_GOV,),
)
