"""Genesis transactions: how each operator asks to be a genesis node, and how the coordinator collects them.

A gentx (<home>/config/gentx/gentx-<consensus address>.json, version 1) is a chain transaction as any wallet
signs it, for the network's chain id at sequence 0 with no fee: `MsgRegisterNode(consensus key, moniker)`, and a
`MsgStakeNode` on the operator's own node when it self-stakes, the node's peer address (NODE_ID@HOST:PORT) as its
memo. Beside it, the node's consensus key signs the same body digest, proving the operator holds the key it
registers (so nobody can register another operator's validator key).

`collect_gentxs` verifies every gentx against the genesis (signatures, chain id, the chain's own message checks,
and the chain's genesis rules: a self-stake needs GOS the genesis gives the operator, which with no premine is
none), refuses duplicates with the reason, and makes the senders the genesis nodes, in file-name order.
"""

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from msgspec.structs import replace

from gostaking.chain.codec import decode_tx, sign_bytes
from gostaking.chain.crypto import consensus_address
from gostaking.chain.errors import ChainError
from gostaking.chain.genesis import Genesis, GenesisNode
from gostaking.chain.modules.bank.queries import get_balance
from gostaking.chain.numeric import GOS_DENOM, UGOS_PER_GOS
from gostaking.chain.transition import require_sender_signed
from gostaking.chain.types.tx import MsgRegisterNode, MsgStakeNode, TxMsg
from gostaking.node.comet_genesis import GenesisValidator, validator_entries
from gostaking.node.consensus_key import ConsensusKey
from gostaking.node.launch.genesis_file import (
    GenesisFile,
    LaunchGenesisError,
    check_app_genesis,
    genesis_path,
    read_genesis_file,
    validate_genesis_file,
    with_genesis,
    write_genesis_file,
)
from gostaking.wallet.keys import PrivateKey, sign_tx

GENTX_VERSION = 1
GENTX_DIR = "gentx"
_PEER = re.compile(r"^(?P<node_id>[0-9a-f]{40})@(?P<host>[^@:\s]+):(?P<port>\d{1,5})$")


class GentxError(Exception):
    """A genesis transaction is malformed, badly signed, breaks a rule or repeats another; the message says which."""


class GenesisTransaction(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A gentx file: the signed registration and the consensus key's signature over the same body digest."""

    version: int
    tx: bytes
    """Wire bytes of the signed chain transaction (base64 in the file)."""
    consensus_signature: bytes
    """ed25519 signature by the registered consensus key over sha256 of the tx body (as the sender signed)."""


@dataclass(frozen=True)
class VerifiedGentx:
    """What a valid gentx registers."""

    operator: str
    consensus_pubkey: bytes
    moniker: str
    peer: str
    """NODE_ID@HOST:PORT of the node's p2p layer."""
    self_stake_ugos: int

    @property
    def node_id(self) -> str:
        """CometBFT node id (the p2p key's id)."""
        return self.peer.split("@", 1)[0]


def gentx_dir(home: Path) -> Path:
    """<home>/config/gentx: this node's gentx, and on the coordinator everyone's."""
    return home / "config" / GENTX_DIR


def load_priv_validator_key(home: Path) -> ConsensusKey:
    """The consensus key of CometBFT's <home>/config/priv_validator_key.json (ed25519: a 32-byte seed and its
    public key, base64 together)."""
    path = home / "config" / "priv_validator_key.json"
    try:
        document = json.loads(path.read_text())
        raw = base64.b64decode(document["priv_key"]["value"], validate=True)
        public = base64.b64decode(document["pub_key"]["value"], validate=True)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GentxError(f"{path} is missing or malformed: {exc}") from None
    if document["priv_key"].get("type") != "tendermint/PrivKeyEd25519" or len(raw) != 64:
        raise GentxError(f"{path}: the consensus key must be ed25519")
    key = ConsensusKey(raw[:32])
    if key.public_key != public:
        raise GentxError(f"{path}: the private key does not match its public key")
    return key


def create_gentx(
    home: Path, operator: PrivateKey, moniker: str, peer: str, self_stake_ugos: int = 0
) -> tuple[Path, VerifiedGentx]:
    """Sign this node's gentx with the operator's account key and the node's consensus key, check it against the
    home's genesis as the coordinator will, and write it to <home>/config/gentx/. Returns its path."""
    genesis = read_genesis_file(genesis_path(home)).genesis
    consensus = load_priv_validator_key(home)
    msgs: list[TxMsg] = [MsgRegisterNode(consensus.public_key, moniker)]
    if self_stake_ugos:
        msgs.append(MsgStakeNode(operator.address, self_stake_ugos))
    raw = sign_tx(operator, genesis.chain_id, 0, msgs, fee=0, memo=peer)
    body = decode_tx(raw).body
    gentx = GenesisTransaction(GENTX_VERSION, raw, consensus.sign(sign_bytes(body)))
    verified = verify_gentx(gentx, genesis)
    directory = gentx_dir(home)
    directory.mkdir(exist_ok=True)
    path = directory / f"gentx-{consensus.address}.json"
    path.write_bytes(msgspec.json.format(msgspec.json.encode(gentx), indent=2) + b"\n")
    return path, verified


def read_gentx(path: Path) -> GenesisTransaction:
    """Parse a gentx file (GentxError naming the file if it is not one)."""
    try:
        return msgspec.json.decode(path.read_bytes(), type=GenesisTransaction)
    except (OSError, msgspec.DecodeError) as exc:
        raise GentxError(f"{path.name}: not a gentx: {exc}") from None


def verify_gentx(gentx: GenesisTransaction, genesis: Genesis) -> VerifiedGentx:
    """Check one gentx against `genesis`; GentxError with the reason."""
    if gentx.version != GENTX_VERSION:
        raise GentxError(f"gentx version {gentx.version}; this gostaking reads version {GENTX_VERSION}")
    try:
        tx = decode_tx(gentx.tx)
    except ChainError as exc:
        raise GentxError(str(exc)) from None
    body = tx.body
    if body.chain_id != genesis.chain_id:
        raise GentxError(f"signed for chain {body.chain_id!r}, the genesis is {genesis.chain_id!r}")
    if body.sequence != 0 or body.fee != 0:
        raise GentxError("a gentx has sequence 0 and no fee")
    register = body.msgs[0] if body.msgs else None
    if not isinstance(register, MsgRegisterNode):
        raise GentxError("a gentx starts with register_node")
    rest = body.msgs[1:]
    stakes = [msg for msg in rest if isinstance(msg, MsgStakeNode) and msg.node == body.sender]
    if len(rest) != len(stakes) or len(stakes) > 1:
        raise GentxError("a gentx holds register_node and at most one stake on the operator's own node")
    state = check_app_genesis(genesis)
    try:
        for msg in body.msgs:
            check = state.registry.checks.get(type(msg))
            if check is not None:
                check(state, msg)
        require_sender_signed(tx)
    except ChainError as exc:
        raise GentxError(str(exc)) from None
    try:
        Ed25519PublicKey.from_public_bytes(register.consensus_pubkey).verify(
            gentx.consensus_signature, sign_bytes(body)
        )
    except (InvalidSignature, ValueError):
        raise GentxError(
            f"the consensus key {consensus_address(register.consensus_pubkey)} did not sign this gentx"
        ) from None
    if not _PEER.match(body.memo):
        raise GentxError(f"the memo {body.memo!r} is not the node's peer address NODE_ID@HOST:PORT")
    stake = stakes[0].amount if stakes else 0
    available = get_balance(state, body.sender, GOS_DENOM)
    if stake > available:
        raise GentxError(
            f"{body.sender} self-stakes {stake / UGOS_PER_GOS:g} GOS but the genesis gives it {available} ugos "
            "(no premine: genesis holds no GOS; stake with `gostaking tx stake` once the node has earned some)"
        )
    return VerifiedGentx(body.sender, register.consensus_pubkey, register.moniker, body.memo, stake)


def _require_distinct(gentxs: list[tuple[str, VerifiedGentx]]) -> None:
    seen: dict[tuple[str, object], str] = {}
    for name, gentx in gentxs:
        for what, value in (
            ("operator", gentx.operator),
            ("consensus key", gentx.consensus_pubkey),
            ("node id", gentx.node_id),
            ("moniker", gentx.moniker),
        ):
            earlier = seen.setdefault((what, value), name)
            if earlier != name:
                raise GentxError(f"{name}: same {what} as {earlier}")


def collect_gentxs(home: Path, directory: Path | None = None) -> tuple[GenesisFile, list[VerifiedGentx]]:
    """Verify every gentx-*.json of `directory` (default <home>/config/gentx), make their operators the genesis
    nodes and CometBFT validators of <home>/config/genesis.json, validate the whole genesis and save it."""
    source = directory or gentx_dir(home)
    path = genesis_path(home)
    file = read_genesis_file(path)
    names = sorted(source.glob("*.json")) if source.is_dir() else []
    if not names:
        raise GentxError(f"no gentx files in {source}")
    verified: list[tuple[str, VerifiedGentx]] = []
    for name in names:
        try:
            verified.append((name.name, verify_gentx(read_gentx(name), file.genesis)))
        except GentxError as exc:
            raise GentxError(f"{name.name}: {exc}") from None
    _require_distinct(verified)
    gentxs = [gentx for _, gentx in verified]
    nodes = [GenesisNode(g.operator, g.consensus_pubkey, g.moniker) for g in gentxs]
    updated = with_genesis(file, replace(file.genesis, nodes=nodes))
    document = dict(updated.document)
    document["validators"] = validator_entries([GenesisValidator(g.consensus_pubkey, g.moniker) for g in gentxs])
    collected = GenesisFile(document, updated.genesis)
    try:
        validate_genesis_file(collected)
    except LaunchGenesisError as exc:
        raise GentxError(f"the collected genesis is refused: {exc}") from None
    write_genesis_file(path, collected)
    return collected, gentxs
