"""The compliance module's declaration: KYC levels attested by providers, and the council's freezes and
decisions (the lowest module: every service checks it)."""

from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.compliance.genesis import init_compliance_genesis
from gostaking.chain.modules.compliance.params import validate_compliance_params
from gostaking.chain.types.params import ComplianceParams

MODULE = Module(
    name="compliance",
    package=__package__,
    params=(ParamsSection("compliance", ComplianceParams, validate_compliance_params),),
    genesis=init_compliance_genesis,
)
