"""GET /proofs/state: committed state values with Merkle proofs against the app hash, for custody gateways (and
anyone) to verify instead of trusting the node."""

from typing import Annotated

import msgspec
from fastapi import APIRouter, Query

from gostaking.node.app import StateProof
from gostaking.storage import MAX_KEY_SIZE

from ..deps import NodeDep, hex_bytes_or_empty
from ..errors import InvalidRequestError, NotFoundError, error_responses
from ..schemas.proofs import ProofEntry, StateProofsResponse, StateProofView

router = APIRouter(prefix="/proofs", tags=["proofs"])

MAX_PROOF_KEYS = 32
"""Keys per request: each proof is one bucket listing (about 15 entries) and 16 sibling hashes, a few KiB."""
MAX_STATE_KEY_BYTES = MAX_KEY_SIZE - 1
"""The longest state key the store accepts (its own prefix takes one byte)."""
KEY_FORMS = (
    'a key is `table/json-key` (e.g. `withdrawals/7`, `assets/"btc"`, `deposits/["bitcoin","<txid>:0"]`, '
    '`params/""`) or the hex of those bytes'
)


def parse_state_key(text: str, tables: frozenset[str]) -> bytes:
    """The state key `text` names: `table/json-key` as text, or the hex of it (no `/` in hex). The table must exist
    (NotFoundError) and the JSON must be the canonical spelling the chain stores (InvalidRequestError, naming it)."""
    if "/" in text:
        try:
            raw = text.encode()
        except UnicodeEncodeError:
            raise InvalidRequestError(f"key {text!r} is not valid text; {KEY_FORMS}") from None
    else:
        raw = hex_bytes_or_empty(text)
        if b"/" not in raw:
            raise InvalidRequestError(f"key {text[:80]!r} is neither table/json-key nor its hex; {KEY_FORMS}")
    if len(raw) > MAX_STATE_KEY_BYTES:
        raise InvalidRequestError(f"a state key has at most {MAX_STATE_KEY_BYTES} bytes, this one {len(raw)}")
    name, _, encoded = raw.partition(b"/")
    table = name.decode(errors="replace")
    if table not in tables:
        raise NotFoundError(f"no table named {table[:64]!r}: nothing is ever stored under {text[:80]!r}")
    try:
        canonical = msgspec.json.encode(msgspec.json.decode(encoded))
    except (msgspec.MsgspecError, UnicodeError, ValueError, OverflowError):
        raise InvalidRequestError(f"the key after '{table}/' must be JSON; {KEY_FORMS}") from None
    if canonical != encoded:
        spelled = canonical.decode(errors="replace")
        raise InvalidRequestError(f"not the canonical spelling of that key (compact JSON): use {table}/{spelled}")
    return raw


def _view(proof: StateProof) -> StateProofView:
    value = proof.value
    return StateProofView(
        key=proof.key.hex(),
        key_text=proof.key.decode(errors="replace"),
        exists=value is not None,
        value=None if value is None else value.hex(),
        value_text=None if value is None else value.decode(errors="replace"),
        bucket=proof.proof.bucket,
        entries=[ProofEntry(key=key.hex(), leaf=leaf.hex()) for key, leaf in proof.proof.entries],
        siblings=[sibling.hex() for sibling in proof.proof.siblings],
    )


@router.get(
    "/state",
    response_model=StateProofsResponse,
    responses=error_responses(
        {
            400: f"a key is malformed or not canonical, or more than {MAX_PROOF_KEYS} keys (`message` says which)",
            404: "a key names a table the chain does not have",
        }
    ),
    summary="Committed state values with Merkle proofs",
)
def prove_state(
    node: NodeDep,
    key: Annotated[
        list[str],
        Query(description=f"state key, repeat for up to {MAX_PROOF_KEYS}: {KEY_FORMS}"),
    ],
) -> StateProofsResponse:
    """Each key's committed value (or its absence) with the Merkle proof of it, and the height and app hash they
    all prove against (read together, between blocks). A key of the right table but of another type than its keys
    can hold nothing: it is proven absent. A custody gateway checks the proofs against the app hash and the app hash
    against CometBFT's signed header of block `height` + 1 (or against other nodes), so a node cannot make it pay a
    withdrawal the chain does not hold."""
    if not 1 <= len(key) <= MAX_PROOF_KEYS:
        raise InvalidRequestError(f"give 1 to {MAX_PROOF_KEYS} keys, not {len(key)}")
    with node.app.read_committed() as state:
        tables = frozenset(state.table_names())
    keys = [parse_state_key(text, tables) for text in key]
    proven = node.app.prove_state(keys)
    return StateProofsResponse(
        chain_id=node.app.info().chain_id,
        height=proven.height,
        app_hash=proven.app_hash.hex(),
        proofs=[_view(proof) for proof in proven.proofs],
    )
