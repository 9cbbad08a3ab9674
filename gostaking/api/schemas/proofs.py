"""Merkle proofs of committed state (what custody gateways verify before they pay or sign)."""

from pydantic import BaseModel, Field


class ProofEntry(BaseModel):
    """One entry of the proven key's bucket."""

    key: str = Field(description="a state key of the bucket, hex")
    leaf: str = Field(description="its leaf hash, hex: sha256(0x00 ‖ len(key) as u32 BE ‖ key ‖ value)")


class StateProofView(BaseModel):
    """A state key, its committed value (or its absence) and the Merkle proof of it."""

    key: str = Field(description="the state key, hex: table name ‖ '/' ‖ canonical JSON of the table's key")
    key_text: str = Field(description="the same key as text", examples=["withdrawals/7"])
    exists: bool = Field(description="false: the proof shows that no value is stored under the key")
    value: str | None = Field(description="the committed value's exact bytes (compact JSON), hex; null when absent")
    value_text: str | None = Field(description="the same bytes as text (JSON); null when absent")
    bucket: int = Field(description="the key's bucket: the first `len(siblings)` bits of sha256(key)")
    entries: list[ProofEntry] = Field(description="the whole bucket, sorted by key (the proven key among them)")
    siblings: list[str] = Field(description="sibling hashes from the bucket level up to just below the root, hex")


class StateProofsResponse(BaseModel):
    """Proofs of state keys against one committed app hash.

    Verify each with `gostaking.storage.verify_proof(app_hash, key, value, proof)`: the bucket hash is
    sha256(0x01 ‖ for each entry: len(key) as u32 BE ‖ key ‖ leaf), each level up sha256(0x02 ‖ left ‖ right)
    (the bucket's bit at that level says which side it is on), and the top must equal `app_hash`. Then check
    `app_hash` itself: under CometBFT it is in the header of block `height` + 1, signed by the validators.
    """

    chain_id: str
    height: int = Field(description="the committed height the proofs belong to")
    app_hash: str = Field(description="the Merkle root of the state after block `height`, hex")
    proofs: list[StateProofView]
