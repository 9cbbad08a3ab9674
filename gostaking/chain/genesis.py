"""Genesis: the initial state. No premine: GOS supply starts at zero."""

import msgspec

from gostaking.chain.crypto import is_valid_address
from gostaking.chain.env import Context
from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.modules.bank.mutations import mint_asset
from gostaking.chain.modules.lock.mutations import register_asset
from gostaking.chain.modules.mining.mutations import create_pool
from gostaking.chain.modules.nodes.mutations import install_mining_set, register_node
from gostaking.chain.modules.nodes.queries import require_registrable
from gostaking.chain.numeric import GOS_DENOM, PPM
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


class Genesis(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The genesis document (JSON on disk; bytes fields are base64)."""

    chain_id: str
    genesis_time_ms: int
    params: ChainParams = ChainParams()
    assets: list[Asset] = []
    balances: list[GenesisBalance] = []
    nodes: list[GenesisNode] = []


def validate_params(params: ChainParams) -> None:
    """Reject parameters that would break the rules (shares not summing to 100%, zero periods...)."""
    r = params.rewards
    require(
        min(r.users_ppm, r.mining_nodes_ppm, r.candidate_nodes_ppm) >= 0
        and r.users_ppm + r.mining_nodes_ppm + r.candidate_nodes_ppm == PPM,
        InvalidGenesisError,
        "reward split must be non-negative and sum to 1,000,000 ppm",
    )
    e = params.emission
    require(e.halving_interval_blocks > 0 and e.reward_eras >= 0, InvalidGenesisError, "bad halving schedule")
    require(e.initial_reward_ugos >= 0, InvalidGenesisError, "initial reward must not be negative")
    require(
        e.burn_interval_blocks > 0 and e.burn_start_height > 0 and 0 <= e.burn_numerator < e.burn_denominator,
        InvalidGenesisError,
        "bad burn schedule",
    )
    s = params.staking
    require(
        s.vote_unbonding_blocks >= 1 and s.stake_unbonding_blocks >= 1,
        InvalidGenesisError,
        "unbonding ≥ 1 block",
    )
    require(s.max_unbonding_completions_per_block >= 1, InvalidGenesisError, "unbonding work bound must be ≥ 1")
    require(s.vote_multiplier >= 0 and s.stake_multiplier >= 0, InvalidGenesisError, "multipliers ≥ 0")
    n = params.nodes
    require(n.epoch_blocks >= 1, InvalidGenesisError, "epoch must be ≥ 1 block")
    require(n.mining_by_stake >= 0 and n.mining_by_votes >= 0, InvalidGenesisError, "mining set sizes ≥ 0")
    require(n.min_votes_ugos >= 0 and n.min_stake_ugos >= 0, InvalidGenesisError, "thresholds ≥ 0")
    require(
        n.downtime_window_blocks >= 1 and 0 <= n.min_signed_per_window_ppm <= PPM and n.downtime_jail_blocks >= 0,
        InvalidGenesisError,
        "bad downtime parameters",
    )
    require(0 <= n.double_sign_slash_ppm <= PPM, InvalidGenesisError, "slash fraction must be within 0..100%")
    o = params.oracle
    require(
        o.period_blocks >= 1 and 0 < o.min_feeders_ppm <= PPM and o.outlier_band_ppm >= 0 and o.max_stale_periods >= 1,
        InvalidGenesisError,
        "bad oracle parameters",
    )
    c = params.custody
    require(
        len(set(c.custodians)) == len(c.custodians) and all(is_valid_address(a) for a in c.custodians),
        InvalidGenesisError,
        "custodians must be distinct gos1… addresses",
    )
    require(
        (not c.custodians and c.threshold == 0) or 0 < c.threshold <= len(c.custodians),
        InvalidGenesisError,
        "custody threshold must be within 1..number of custodians (0 without custodians)",
    )
    require(
        not c.compliance_authority or is_valid_address(c.compliance_authority),
        InvalidGenesisError,
        "compliance authority must be a gos1… address",
    )
    t = params.tx
    require(
        t.min_fee_ugos >= 0 and t.max_msgs >= 1 and t.max_tx_bytes >= 256,
        InvalidGenesisError,
        "bad tx limits",
    )


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
