"""Verified reads of the chain's state: what a gateway pays or signs on is fetched with Merkle proofs
(`GET /proofs/state`), checked against the app hash the node names, and that app hash against a trust anchor
(trust.py: CometBFT's signed headers, a quorum of nodes, or — on a devnet — the one node).

The gateway computes each state key itself (`table ‖ b"/" ‖ canonical JSON of the key`, the chain's storage
layout), so a node cannot answer for another key; the proof check is the storage layer's own `verify_proof`, and
the proven values are decoded by loading them into an empty chain `State` and reading them with the chain's public
queries, so no encoding is re-implemented here.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import msgspec

from gostaking.bridge.errors import NodeApiError, StateVerificationError
from gostaking.bridge.node_client import NodeClient
from gostaking.bridge.store import TrackedDeposit, TrackedWithdrawal
from gostaking.bridge.trust import TrustAnchor
from gostaking.chain.errors import UnknownAssetError
from gostaking.chain.modules.compliance.queries import get_council_approval
from gostaking.chain.modules.custody.queries import get_deposit, get_hosted_chain, get_sanction, get_withdrawal
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.state import State
from gostaking.chain.types.compliance import CouncilApproval
from gostaking.chain.types.custody import Deposit, SanctionEntry, Withdrawal
from gostaking.storage.merkle import MerkleProof, verify_proof

log = logging.getLogger(__name__)
Item = TypeVar("Item")
Value = TypeVar("Value")

MAX_KEYS_PER_READ = 32
"""The node's limit of keys per GET /proofs/state."""


def state_key(table: str, key: object) -> bytes:
    """The storage key of `key` in the chain's table `table` (chain/tables.py: table name ‖ '/' ‖ compact JSON)."""
    return table.encode() + b"/" + msgspec.json.encode(key)


def withdrawal_key(withdrawal_id: int) -> bytes:
    """State key of a withdrawal."""
    return state_key("withdrawals", withdrawal_id)


def deposit_key(hosted_chain: str, external_tx_id: str) -> bytes:
    """State key of a deposit."""
    return state_key("deposits", (hosted_chain, external_tx_id))


def sanction_key(hosted_chain: str, address: str) -> bytes:
    """State key of an external address's listing on the sanctions list (addresses are stored lower-cased)."""
    return state_key("sanctioned", (hosted_chain, address.lower()))


def council_approval_key(subject: str) -> bytes:
    """State key of the approvals gathered for one council decision."""
    return state_key("council_approvals", subject)


PARAMS_KEY = state_key("params", "")
"""State key of the chain parameters (the GOS token's hosted chain is there)."""


def hosted_chain_key(denom: str) -> bytes:
    """The state key that says where `denom` lives: the listed asset, or the parameters for GOS."""
    return PARAMS_KEY if denom == GOS_DENOM else state_key("assets", denom)


class _Entry(msgspec.Struct, frozen=True):
    key: str
    leaf: str


class _Proof(msgspec.Struct, frozen=True):
    key: str
    value: str | None
    bucket: int
    entries: list[_Entry]
    siblings: list[str]


class _Proofs(msgspec.Struct, frozen=True):
    height: int
    app_hash: str
    proofs: list[_Proof]


@dataclass(frozen=True)
class ProvenState:
    """State entries proven at one height against a confirmed app hash; reads of keys that were not proven are
    refused (an unproven key must never read as absent)."""

    height: int
    app_hash: bytes
    values: dict[bytes, bytes | None]
    """Proven key → committed value (None: proven absent)."""
    state: State
    """An otherwise empty chain state holding the proven entries, for the chain's queries."""

    def _require(self, key: bytes) -> None:
        if key not in self.values:
            raise ValueError(f"{key.decode(errors='replace')} was not proven at height {self.height}")

    def withdrawal(self, withdrawal_id: int) -> Withdrawal | None:
        """The withdrawal as the chain holds it (None: proven not to exist)."""
        self._require(withdrawal_key(withdrawal_id))
        return get_withdrawal(self.state, withdrawal_id)

    def deposit(self, hosted_chain: str, external_tx_id: str) -> Deposit | None:
        """The deposit as the chain holds it (None: proven not to exist)."""
        self._require(deposit_key(hosted_chain, external_tx_id))
        return get_deposit(self.state, hosted_chain, external_tx_id)

    def sanction(self, hosted_chain: str, address: str) -> SanctionEntry | None:
        """The address's listing on the sanctions list (None: proven not listed)."""
        self._require(sanction_key(hosted_chain, address))
        return get_sanction(self.state, hosted_chain, address)

    def council_approval(self, subject: str) -> CouncilApproval | None:
        """The approvals pending for a council decision (None: proven none pending)."""
        self._require(council_approval_key(subject))
        return get_council_approval(self.state, subject)

    def hosted_chain(self, denom: str) -> str | None:
        """Where `denom` is paid out (None: not a listed asset)."""
        key = hosted_chain_key(denom)
        self._require(key)
        if self.values[key] is None:
            return None
        try:
            return get_hosted_chain(self.state, denom)
        except UnknownAssetError:
            return None


class VerifiedReader:
    """Reads state entries from a node and accepts them only with valid proofs against an app hash the anchor
    confirms."""

    def __init__(self, node: NodeClient, anchor: TrustAnchor) -> None:
        """Read from `node`; confirm its app hashes with `anchor`."""
        self.node = node
        self.anchor = anchor

    def read(self, keys: Iterable[bytes]) -> ProvenState:
        """The committed values of `keys` (at most MAX_KEYS_PER_READ distinct ones), proven and confirmed.

        StateVerificationError when the node's answer fails a check, VerificationUnavailableError when the anchor
        cannot confirm its app hash yet, NodeApiError when the node does not answer."""
        wanted = list(dict.fromkeys(keys))
        if not 1 <= len(wanted) <= MAX_KEYS_PER_READ:
            raise ValueError(f"read 1 to {MAX_KEYS_PER_READ} keys at once, not {len(wanted)}")
        answer = self._fetch(wanted)
        source = f"the node at {self.node.url}"
        try:
            app_hash = bytes.fromhex(answer.app_hash)
        except ValueError:
            app_hash = b""
        if len(app_hash) != 32 or answer.height < 1 or len(answer.proofs) != len(wanted):
            raise StateVerificationError(f"{source} answered GET /proofs/state with a malformed document: refusing")
        values: dict[bytes, bytes | None] = {}
        for key, proof in zip(wanted, answer.proofs, strict=True):
            name = key.decode(errors="replace")
            value, merkle = _decode_proof(proof, key, source)
            if not verify_proof(app_hash, key, value, merkle):
                raise StateVerificationError(
                    f"{source} sent a proof of {name} that does not lead to its own app hash {app_hash.hex()} at "
                    f"height {answer.height} (a tampered value or proof): refusing"
                )
            values[key] = value
        self.anchor.confirm(answer.height, app_hash)
        state = State()
        try:
            state.load_items([(key, value) for key, value in values.items() if value is not None])
        except (ValueError, msgspec.MsgspecError) as error:
            # Proven, so the chain really stores it: this gateway is older than the node's chain software.
            raise NodeApiError(f"cannot decode proven state at height {answer.height}: {error}") from error
        return ProvenState(answer.height, app_hash, values, state)

    def read_each(
        self, items: Sequence[Item], key_of: Callable[[Item], bytes], value_of: Callable[[ProvenState, Item], Value]
    ) -> list[Value]:
        """`value_of(proven state, item)` for every item, reading the keys `key_of` names MAX_KEYS_PER_READ at a time
        (each part proven at the height it was read)."""
        values: list[Value] = []
        for start in range(0, len(items), MAX_KEYS_PER_READ):
            part = items[start : start + MAX_KEYS_PER_READ]
            proven = self.read(key_of(item) for item in part)
            values += [value_of(proven, item) for item in part]
        return values

    def _fetch(self, keys: Sequence[bytes]) -> _Proofs:
        try:
            document = self.node.state_proofs(keys)
        except NodeApiError as error:
            if "NotFound: no such endpoint" in str(error):
                raise NodeApiError(
                    f"the node at {self.node.url} serves no state proofs (GET /proofs/state): upgrade it"
                ) from error
            raise
        try:
            return msgspec.convert(document, _Proofs)
        except msgspec.ValidationError as error:
            raise StateVerificationError(
                f"the node at {self.node.url} answered GET /proofs/state with a malformed document ({error}): refusing"
            ) from error


def _decode_proof(proof: _Proof, key: bytes, source: str) -> tuple[bytes | None, MerkleProof]:
    name = key.decode(errors="replace")
    try:
        proven_key = bytes.fromhex(proof.key)
        value = None if proof.value is None else bytes.fromhex(proof.value)
        entries = tuple((bytes.fromhex(e.key), bytes.fromhex(e.leaf)) for e in proof.entries)
        siblings = tuple(bytes.fromhex(s) for s in proof.siblings)
    except ValueError:
        raise StateVerificationError(f"{source} sent a malformed proof of {name}: refusing") from None
    if proven_key != key:
        raise StateVerificationError(f"{source} answered a proof of {name} with a proof of another key: refusing")
    return value, MerkleProof(proof.bucket, entries, siblings)


def withdrawal_proof_keys(withdrawals: Sequence[TrackedWithdrawal]) -> list[bytes]:
    """The keys a payout of `withdrawals` reads: each withdrawal and where its denom is paid."""
    keys = [withdrawal_key(w.id) for w in withdrawals]
    return keys + [hosted_chain_key(w.denom) for w in withdrawals]


def check_payout(proven: ProvenState, tracked: TrackedWithdrawal) -> str | None:
    """The hosted chain to pay `tracked` on, once the proven withdrawal agrees with what the node's blocks announced;
    None when the chain does not ask for this payout now (held, completed or refunded at the proven height).
    StateVerificationError when they disagree (the node lied in its blocks or its proofs cannot be right)."""
    where = f"the chain's state at height {proven.height} (proven)"
    record = proven.withdrawal(tracked.id)
    if record is None:
        raise StateVerificationError(
            f"withdrawal {tracked.id} was announced by the node's blocks but does not exist in {where}: refusing to pay"
        )
    announced = {"owner": tracked.owner, "denom": tracked.denom, "amount": tracked.amount, "destination": tracked.to}
    held = {
        "owner": record.owner,
        "denom": record.denom,
        "amount": record.amount,
        "destination": record.external_address,
    }
    differences = [
        f"{field} {announced[field]!r} (announced) ≠ {held[field]!r}"
        for field in announced
        if announced[field] != held[field]
    ]
    if differences:
        raise StateVerificationError(
            f"withdrawal {tracked.id} differs from {where}: {'; '.join(differences)}: refusing to pay"
        )
    if record.status != "pending":
        return None
    chain = proven.hosted_chain(record.denom)
    if chain is None:
        raise StateVerificationError(f"withdrawal {tracked.id}: {record.denom} is not a listed asset in {where}")
    return chain


def check_credited(proven: ProvenState, tracked: TrackedDeposit) -> TrackedDeposit | None:
    """`tracked` with the amount the chain credited, when the proven deposit is credited; None when it is not
    (yet, or any more). StateVerificationError when it credited another amount than the node's blocks announced."""
    record = proven.deposit(tracked.hosted_chain, tracked.external_tx_id)
    if record is None or record.status != "credited":
        return None
    if tracked.amount and record.amount != tracked.amount:
        raise StateVerificationError(
            f"deposit {tracked.key}: the node's blocks announced a credit of {tracked.amount}, the chain's state at "
            f"height {proven.height} (proven) holds {record.amount}: refusing to sweep"
        )
    return TrackedDeposit(tracked.hosted_chain, tracked.external_tx_id, record.amount)
