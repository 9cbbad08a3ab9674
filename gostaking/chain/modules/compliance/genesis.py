"""Genesis step of the compliance module: the KYC providers admitted from the start."""

from gostaking.chain.crypto import is_valid_address
from gostaking.chain.env import Context
from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.genesis import Genesis
from gostaking.chain.modules.compliance.mutations import set_kyc_provider
from gostaking.chain.state import State


def init_compliance_genesis(state: State, ctx: Context, genesis: Genesis) -> None:
    """Admit the genesis KYC providers."""
    for provider in genesis.kyc_providers:
        require(is_valid_address(provider.address), InvalidGenesisError, f"bad KYC provider {provider.address!r}")
        set_kyc_provider(state, ctx, provider.address, provider.name, True)
