"""Genesis: the initial state, built by each module's genesis step in module order. No premine: GOS supply
starts at zero."""

import msgspec

from gostaking.chain.env import Context
from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.params import validate_chain_params
from gostaking.chain.state import State
from gostaking.chain.types.block import BlockEnv, ValidatorUpdate
from gostaking.chain.types.lock import Asset
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
    modules: dict[str, msgspec.Raw] = {}
    """Sections of modules that joined after launch, by module name (each module decodes its own), as compact
    JSON (`msgspec.json.encode` of the module's section type)."""


def init_chain(state: State, genesis: Genesis) -> tuple[ValidatorUpdate, ...]:
    """Build the genesis state and return the initial validator set."""
    require(state.is_empty(), InvalidGenesisError, "state is not empty")
    require(0 < len(genesis.chain_id) <= 64, InvalidGenesisError, "chain id must be 1..64 characters")
    unknown = sorted(set(genesis.modules) - {module.name for module in state.registry.modules})
    require(not unknown, InvalidGenesisError, f"genesis names unknown modules: {', '.join(unknown)}")
    validate_chain_params(state.registry, genesis.params)
    state.chain_id.set(genesis.chain_id)
    state.params.set(genesis.params)
    ctx = Context(BlockEnv(chain_id=genesis.chain_id, height=0, time_ms=genesis.genesis_time_ms))
    updates: list[ValidatorUpdate] = []
    for module in state.registry.modules:
        if module.genesis is not None:
            updates += module.genesis(state, ctx, genesis) or ()
    return tuple(updates)


def decode_module_genesis(genesis: Genesis, module: str, section_type: type[msgspec.Struct]) -> msgspec.Struct | None:
    """A later module's genesis section, decoded (None when the document has none); InvalidGenesisError if bad."""
    raw = genesis.modules.get(module)
    if raw is None:
        return None
    try:
        return msgspec.json.decode(raw, type=section_type)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise InvalidGenesisError(f"invalid genesis section of module {module}: {exc}") from exc


def decode_genesis(raw: bytes) -> Genesis:
    """Parse a JSON genesis document, raising InvalidGenesisError with the reason."""
    try:
        genesis = msgspec.json.decode(raw, type=Genesis)
    except msgspec.ValidationError as exc:
        raise InvalidGenesisError(f"invalid genesis: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise InvalidGenesisError(f"genesis is not valid JSON: {exc}") from exc
    if not genesis.modules:
        return genesis
    # A section arrives as the file's text (indented by encode_genesis); held compact, as msgspec encodes a
    # section, a document read back equals the one written.
    compact = {name: msgspec.Raw(msgspec.json.format(section, indent=-1)) for name, section in genesis.modules.items()}
    return msgspec.structs.replace(genesis, modules=compact)


def encode_genesis(genesis: Genesis) -> bytes:
    """Canonical JSON of a genesis document. Without later modules' sections the document is written exactly as
    before they existed (no empty `modules`), so nodes comparing saved genesis bytes see no change; sections are
    written in module-name order, each reformatted like the rest of the document."""
    # to_builtins cannot convert the sections (msgspec.Raw), but the JSON encoder copies them in as they are.
    document = msgspec.to_builtins(msgspec.structs.replace(genesis, modules={}))
    if genesis.modules:
        document["modules"] = dict(sorted(genesis.modules.items()))
    else:
        del document["modules"]
    return msgspec.json.format(msgspec.json.encode(document), indent=2)
