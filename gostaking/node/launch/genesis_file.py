"""A network's genesis file while operators agree on it: <home>/config/genesis.json, CometBFT's genesis document
with the GoStaking genesis as its `app_state`.

Every edit (`gostaking genesis add-account …`) reads the file, changes the GoStaking genesis, checks the result
with the chain's own genesis rules (`check_app_genesis`) and only then writes the file: a refused edit changes
nothing. `validate_genesis_file` adds what a network needs to start: genesis nodes, and CometBFT's chain id, time and
validators agreeing with the GoStaking genesis. The file's sha256 (`genesis_hash`) is what operators compare.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from msgspec.structs import replace

from gostaking.chain.crypto import is_valid_address
from gostaking.chain.errors import ChainError
from gostaking.chain.genesis import Genesis, GenesisBalance, decode_genesis, encode_genesis, init_chain
from gostaking.chain.invariants import InvariantError, check_invariants
from gostaking.chain.state import State
from gostaking.chain.types.lock import Asset
from gostaking.node.comet_genesis import (
    CometGenesisError,
    GenesisValidator,
    format_comet_genesis,
    read_comet_genesis,
    rfc3339,
    validator_entries,
)

GENESIS_FILE = "genesis.json"


class LaunchGenesisError(Exception):
    """The genesis file cannot be read, or an edit or the whole document breaks a rule; the message says which."""


@dataclass(frozen=True)
class GenesisFile:
    """CometBFT's genesis document and the GoStaking genesis inside it."""

    document: dict[str, Any]
    genesis: Genesis


def genesis_path(home: Path) -> Path:
    """<home>/config/genesis.json."""
    return home / "config" / GENESIS_FILE


def read_genesis_file(path: Path) -> GenesisFile:
    """Read a genesis.json whose app_state is a GoStaking genesis."""
    try:
        document = read_comet_genesis(path)
    except CometGenesisError as exc:
        raise LaunchGenesisError(str(exc)) from None
    if "app_state" not in document:
        raise LaunchGenesisError(f"{path} has no app_state (it is not a GoStaking genesis)")
    try:
        genesis = decode_genesis(json.dumps(document["app_state"]).encode())
    except ChainError as exc:
        raise LaunchGenesisError(f"{path}: app_state: {exc}") from None
    return GenesisFile(document, genesis)


def with_genesis(file: GenesisFile, genesis: Genesis) -> GenesisFile:
    """`file` holding `genesis`, CometBFT's chain id and genesis time following it."""
    document = dict(file.document)
    document["chain_id"] = genesis.chain_id
    document["genesis_time"] = rfc3339(genesis.genesis_time_ms)
    document["app_state"] = json.loads(encode_genesis(genesis))
    return GenesisFile(document, genesis)


def write_genesis_file(path: Path, file: GenesisFile) -> None:
    """Write the document (the bytes every node of the network must share)."""
    path.write_text(format_comet_genesis(file.document))


def genesis_hash(path: Path) -> str:
    """sha256 of the genesis file's bytes, hex: equal on every node that will start the same chain."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_app_genesis(genesis: Genesis) -> State:
    """Build the genesis state as every node will (the chain's `init_chain`: each module's parameter and genesis
    rules) and check the chain's invariants on it; LaunchGenesisError with the broken rule. Returns the state."""
    state = State()
    try:
        init_chain(state, genesis)
        check_invariants(state)
    except (ChainError, InvariantError) as exc:
        raise LaunchGenesisError(f"genesis breaks a rule: {exc}") from None
    return state


def validate_genesis_file(file: GenesisFile) -> None:
    """Everything a network needs to start from `file`: the chain's genesis rules, at least one genesis node, and
    CometBFT's chain id, genesis time and validators (the genesis nodes' keys at the mining power) agreeing with
    the GoStaking genesis. LaunchGenesisError names the first problem."""
    genesis = file.genesis
    check_app_genesis(genesis)
    if not genesis.nodes:
        raise LaunchGenesisError("genesis has no nodes: collect the operators' gentxs (`genesis collect-gentxs`)")
    document = file.document
    if document.get("chain_id") != genesis.chain_id:
        raise LaunchGenesisError(
            f"CometBFT chain_id {document.get('chain_id')!r} differs from the app genesis {genesis.chain_id!r}"
        )
    if document.get("genesis_time") != rfc3339(genesis.genesis_time_ms):
        raise LaunchGenesisError(
            f"CometBFT genesis_time {document.get('genesis_time')!r} differs from the app genesis "
            f"({rfc3339(genesis.genesis_time_ms)})"
        )
    expected = validator_entries([GenesisValidator(node.consensus_pubkey, node.moniker) for node in genesis.nodes])
    if document.get("validators") != expected:
        raise LaunchGenesisError(
            "CometBFT validators differ from the genesis nodes (each node's consensus key at the mining power): "
            "run `genesis collect-gentxs` again"
        )
    if str(document.get("initial_height", "1")) not in ("0", "1"):
        raise LaunchGenesisError(f"initial_height must be 1, not {document.get('initial_height')!r}")


GenesisEdit = Callable[[Genesis], Genesis]
"""One change to a genesis document, e.g. `lambda genesis: add_account(genesis, address, denom, amount)`."""


def edit_genesis(path: Path, change: GenesisEdit) -> Genesis:
    """Apply `change` to the genesis in `path`, check the result with the chain's genesis rules, then save it."""
    file = read_genesis_file(path)
    updated = change(file.genesis)
    check_app_genesis(updated)
    write_genesis_file(path, with_genesis(file, updated))
    return updated


def _require_address(address: str, what: str) -> None:
    if not is_valid_address(address):
        raise LaunchGenesisError(f"{what} {address!r} is not a valid gos1… address")


def add_account(genesis: Genesis, address: str, denom: str, amount: int) -> Genesis:
    """Credit `amount` base units of `denom` to `address` (added to a balance it already has)."""
    _require_address(address, "account")
    balances = list(genesis.balances)
    for index, balance in enumerate(balances):
        if (balance.address, balance.denom) == (address, denom):
            balances[index] = replace(balance, amount=balance.amount + amount)
            return replace(genesis, balances=balances)
    return replace(genesis, balances=[*balances, GenesisBalance(address, denom, amount)])


def add_asset(genesis: Genesis, asset: Asset) -> Genesis:
    """List an external asset (lockable for hash power at its price and weight)."""
    return replace(genesis, assets=[*genesis.assets, asset])


def add_custodian(genesis: Genesis, address: str, threshold: int | None) -> Genesis:
    """Add a custodian; the attestation threshold becomes `threshold`, or stays (at least 1) when None."""
    _require_address(address, "custodian")
    custody = genesis.params.custody
    new_threshold = threshold if threshold is not None else max(custody.threshold, 1)
    custody = replace(custody, custodians=(*custody.custodians, address), threshold=new_threshold)
    return replace(genesis, params=replace(genesis.params, custody=custody))


def set_council(genesis: Genesis, members: tuple[str, ...], threshold: int) -> Genesis:
    """Make `members` the compliance council, `threshold` of them deciding."""
    for member in members:
        _require_address(member, "council member")
    compliance = replace(genesis.params.compliance, council=members, council_threshold=threshold)
    return replace(genesis, params=replace(genesis.params, compliance=compliance))


def set_param(genesis: Genesis, name: str, value: int) -> Genesis:
    """Set one integer parameter named SECTION.FIELD as in the genesis's `params` (e.g. nodes.epoch_blocks)."""
    section_name, _, field = name.partition(".")
    section = getattr(genesis.params, section_name, None)
    if not isinstance(section, msgspec.Struct) or field not in section.__struct_fields__:
        sections = ", ".join(genesis.params.__struct_fields__)
        raise LaunchGenesisError(f"unknown parameter {name!r}: SECTION.FIELD with SECTION one of {sections}")
    current = getattr(section, field)
    if not isinstance(current, int) or isinstance(current, bool):
        raise LaunchGenesisError(f"{name} is not an integer parameter")
    return replace(genesis, params=replace(genesis.params, **{section_name: replace(section, **{field: value})}))


def set_genesis_time(genesis: Genesis, time_ms: int) -> Genesis:
    """Set the genesis time (Unix milliseconds): the network's first block is made at or after it."""
    if time_ms <= 0:
        raise LaunchGenesisError("the genesis time must be after 1970")
    return replace(genesis, genesis_time_ms=time_ms)
