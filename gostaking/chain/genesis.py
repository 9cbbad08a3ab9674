"""Genesis: the initial state. No premine: GOS supply starts at zero."""

import msgspec

from gostaking.chain.crypto import is_valid_address
from gostaking.chain.env import Context
from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.modules.bank.mutations import mint_asset
from gostaking.chain.modules.compliance.mutations import set_kyc_provider
from gostaking.chain.modules.lock.mutations import register_asset
from gostaking.chain.modules.mining.mutations import create_pool
from gostaking.chain.modules.nodes.mutations import install_mining_set, register_node
from gostaking.chain.modules.nodes.queries import require_registrable
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.params import validate_params
from gostaking.chain.state import State
from gostaking.chain.types.block import BlockEnv, ValidatorUpdate
from gostaking.chain.types.lock import Asset
from gostaking.chain.types.mining import POOL_STAKE, POOL_VOTE, Pool
from gostaking.chain.types.params import ChainParams


class GenesisBalance(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An initial balance of an external asset (never of GOS)."""

    address: str
    denom: str
    amount: int


class GenesisNode(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A node registered at genesis; genesis nodes form the first mining set."""

    operator: str
    consensus_pubkey: bytes
    moniker: str


class GenesisKycProvider(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A KYC provider admitted from the start (later ones are admitted by governance)."""

    address: str
    name: str


class Genesis(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The genesis document (JSON on disk; bytes fields are base64)."""

    chain_id: str
    genesis_time_ms: int
    params: ChainParams = ChainParams()
    assets: list[Asset] = []
    balances: list[GenesisBalance] = []
    nodes: list[GenesisNode] = []
    kyc_providers: list[GenesisKycProvider] = []


def init_chain(state: State, genesis: Genesis) -> tuple[ValidatorUpdate, ...]:
    """Build the genesis state and return the initial validator set."""
    require(state.height.get() == 0 and not state.nodes, InvalidGenesisError, "state is not empty")
    require(0 < len(genesis.chain_id) <= 64, InvalidGenesisError, "chain id must be 1..64 characters")
    validate_params(genesis.params)
    state.chain_id.set(genesis.chain_id)
    state.params.set(genesis.params)
    staking = genesis.params.staking
    create_pool(state, POOL_VOTE, Pool(gos_multiplier=staking.vote_multiplier))
    create_pool(state, POOL_STAKE, Pool(gos_multiplier=staking.stake_multiplier))
    for asset in genesis.assets:
        register_asset(state, asset)
    for balance in genesis.balances:
        require(balance.denom != GOS_DENOM, InvalidGenesisError, "no premine: genesis cannot hold GOS balances")
        require(is_valid_address(balance.address), InvalidGenesisError, f"bad address {balance.address!r}")
        require(balance.denom in state.assets, InvalidGenesisError, f"unregistered asset {balance.denom!r}")
        require(balance.amount > 0, InvalidGenesisError, "genesis balances must be positive")
        mint_asset(state, balance.address, balance.denom, balance.amount)
    ctx = Context(BlockEnv(chain_id=genesis.chain_id, height=0, time_ms=genesis.genesis_time_ms))
    for provider in genesis.kyc_providers:
        require(is_valid_address(provider.address), InvalidGenesisError, f"bad KYC provider {provider.address!r}")
        set_kyc_provider(state, ctx, provider.address, provider.name, True)
    limit = genesis.params.nodes.mining_by_stake + genesis.params.nodes.mining_by_votes
    require(len(genesis.nodes) <= limit, InvalidGenesisError, f"at most {limit} genesis nodes")
    for node in genesis.nodes:
        require(is_valid_address(node.operator), InvalidGenesisError, f"bad operator {node.operator!r}")
        require_registrable(state, node.operator, node.consensus_pubkey, node.moniker)
        register_node(state, ctx, node.operator, node.consensus_pubkey, node.moniker)
    return install_mining_set(state, ctx, tuple(node.operator for node in genesis.nodes), (), epoch=0)


def decode_genesis(raw: bytes) -> Genesis:
    """Parse a JSON genesis document, raising InvalidGenesisError with the reason."""
    try:
        return msgspec.json.decode(raw, type=Genesis)
    except msgspec.ValidationError as exc:
        raise InvalidGenesisError(f"invalid genesis: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise InvalidGenesisError(f"genesis is not valid JSON: {exc}") from exc


def encode_genesis(genesis: Genesis) -> bytes:
    """Canonical JSON of a genesis document."""
    return msgspec.json.format(msgspec.json.encode(genesis), indent=2)
