"""BucketMerkleTree: incremental == bulk, hash layout, inclusion and absence proofs."""

import hashlib
import random

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gostaking.storage.merkle import (
    EMPTY_BUCKET,
    BucketMerkleTree,
    MerkleProof,
    bucket_index,
    leaf_hash,
    verify_proof,
)


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _reference_root(items: dict[bytes, bytes], depth: int) -> bytes:
    """Root computed straight from the documented layout, materialising every node."""
    buckets: list[list[bytes]] = [[] for _ in range(2**depth)]
    for key in sorted(items):
        index = int.from_bytes(_sha(key)[:4], "big") >> (32 - depth)
        buckets[index].append(
            len(key).to_bytes(4, "big") + key + _sha(b"\x00" + len(key).to_bytes(4, "big") + key + items[key])
        )
    level = [_sha(b"\x01" + b"".join(entries)) for entries in buckets]
    while len(level) > 1:
        level = [_sha(b"\x02" + level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


keys = st.binary(min_size=0, max_size=3)
values = st.binary(max_size=6)
batches = st.lists(st.dictionaries(keys, st.none() | values, max_size=12), max_size=6)


@settings(max_examples=200, deadline=None)
@given(depth=st.sampled_from([1, 3, 16]), batches=batches)
def test_incremental_updates_match_bulk_build(depth: int, batches: list[dict[bytes, bytes | None]]) -> None:
    tree = BucketMerkleTree(depth)
    reference: dict[bytes, bytes] = {}
    for batch in batches:
        root = tree.update(batch)
        for key, value in batch.items():
            if value is None:
                reference.pop(key, None)
            else:
                reference[key] = value
        assert root == tree.root == BucketMerkleTree.build(reference.items(), depth).root
        assert len(tree) == len(reference)
    if depth <= 3:
        assert tree.root == _reference_root(reference, depth)


@settings(max_examples=100, deadline=None)
@given(batch=st.dictionaries(keys, st.none() | values, max_size=20), seed=st.randoms())
def test_order_of_writes_in_a_batch_is_irrelevant(batch: dict[bytes, bytes | None], seed: random.Random) -> None:
    shuffled_items = list(batch.items())
    seed.shuffle(shuffled_items)
    base = BucketMerkleTree.build([(b"k%d" % i, b"v") for i in range(30)], depth=3)
    other = BucketMerkleTree.build([(b"k%d" % i, b"v") for i in range(30)], depth=3)
    assert base.update(batch) == other.update(dict(shuffled_items))


@settings(max_examples=100, deadline=None)
@given(
    depth=st.sampled_from([1, 4, 16]),
    items=st.dictionaries(keys, values, max_size=25),
    probes=st.lists(keys, max_size=10),
)
def test_proofs_verify_for_present_and_absent_keys(depth: int, items: dict[bytes, bytes], probes: list[bytes]) -> None:
    tree = BucketMerkleTree.build(items.items(), depth)
    root = tree.root
    for key in [*items, *probes]:
        proof = tree.prove(key)
        value = items.get(key)
        assert verify_proof(root, key, value, proof)
        if value is None:
            assert not verify_proof(root, key, b"anything", proof)
        else:
            assert not verify_proof(root, key, None, proof)
            assert not verify_proof(root, key, value + b"x", proof)


def test_empty_tree_root_is_deterministic() -> None:
    assert BucketMerkleTree().root == BucketMerkleTree().root == BucketMerkleTree.build([]).root
    assert BucketMerkleTree(1).root == _sha(b"\x02" + EMPTY_BUCKET + EMPTY_BUCKET)
    assert _sha(b"\x01") == EMPTY_BUCKET
    assert BucketMerkleTree(4).root == _reference_root({}, 4)
    tree = BucketMerkleTree()
    tree.update({b"a": b"1"})
    assert tree.update({b"a": None}) == BucketMerkleTree().root
    assert len(tree) == 0


def test_documented_hash_layout() -> None:
    items = {b"alpha": b"1", b"beta": b"22", b"": b"empty key", b"gamma": b""}
    assert BucketMerkleTree.build(items.items(), 2).root == _reference_root(items, 2)
    assert leaf_hash(b"ab", b"c") == _sha(b"\x00\x00\x00\x00\x02abc")
    # The length prefix separates ("ab", "c") from ("a", "bc").
    assert leaf_hash(b"ab", b"c") != leaf_hash(b"a", b"bc")
    assert bucket_index(b"x", 16) == int.from_bytes(_sha(b"x")[:2], "big")


def test_noop_writes_keep_root_and_size() -> None:
    tree = BucketMerkleTree.build([(b"a", b"1"), (b"b", b"2")])
    root = tree.root
    assert tree.update({b"missing": None, b"a": b"1"}) == root
    assert tree.update({}) == root
    assert len(tree) == 2


def test_build_keeps_last_value_of_repeated_key() -> None:
    tree = BucketMerkleTree.build([(b"a", b"1"), (b"a", b"2")])
    assert len(tree) == 1
    assert tree.root == BucketMerkleTree.build([(b"a", b"2")]).root


@pytest.mark.parametrize("depth", [0, 33])
def test_depth_out_of_range_is_rejected(depth: int) -> None:
    with pytest.raises(ValueError, match="depth"):
        BucketMerkleTree(depth)


def _populated_tree() -> tuple[BucketMerkleTree, dict[bytes, bytes]]:
    # Depth 2 puts many keys in each bucket, so every proof has neighbours to tamper with.
    items = {b"key-%d" % i: b"value-%d" % i for i in range(40)}
    return BucketMerkleTree.build(items.items(), depth=2), items


def test_tampered_proofs_fail() -> None:
    tree, items = _populated_tree()
    root = tree.root
    key = b"key-7"
    proof = tree.prove(key)
    assert verify_proof(root, key, items[key], proof)

    def accepts(**changes: object) -> bool:
        return verify_proof(root, key, items[key], msgspec.structs.replace(proof, **changes))

    flipped = bytes([proof.siblings[0][0] ^ 1]) + proof.siblings[0][1:]
    assert not accepts(siblings=(flipped, *proof.siblings[1:]))
    assert not accepts(siblings=proof.siblings[:-1])
    assert not accepts(bucket=proof.bucket ^ 1)
    assert not accepts(entries=proof.entries[:-1])
    assert not accepts(entries=(proof.entries[1], proof.entries[0], *proof.entries[2:]))
    assert not accepts(entries=tuple((k, leaf[:31]) for k, leaf in proof.entries))
    assert not verify_proof(b"\x00" * 32, key, items[key], proof)


def test_proof_for_one_key_does_not_prove_another() -> None:
    tree, items = _populated_tree()
    root = tree.root
    proof = tree.prove(b"key-7")
    same_bucket = [k for k, _ in proof.entries if k != b"key-7"]
    other_bucket = next(k for k in items if bucket_index(k, 2) != proof.bucket)
    for wrong_key in [same_bucket[0], other_bucket, b"absent"]:
        assert not verify_proof(root, wrong_key, items[b"key-7"], proof)
    # Absence of another key in a different bucket cannot be shown with this bucket's listing.
    assert not verify_proof(root, other_bucket, None, proof)


def test_relabelled_leaf_cannot_fake_absence() -> None:
    """A present key's leaf listed under a made-up key must not prove the real key absent."""
    tree, _ = _populated_tree()
    root = tree.root
    target = b"key-7"
    proof = tree.prove(target)
    position = next(i for i, (k, _) in enumerate(proof.entries) if k == target)
    # A key sorting just after the original keeps the listing strictly ordered, so only the bucket
    # hash (which commits to the keys) can catch the forgery.
    fake_key = target + b"\x00"
    if position + 1 < len(proof.entries):
        assert fake_key < proof.entries[position + 1][0]
    forged_entries = list(proof.entries)
    forged_entries[position] = (fake_key, proof.entries[position][1])
    forged = msgspec.structs.replace(proof, entries=tuple(forged_entries))
    assert not verify_proof(root, target, None, forged)


def test_proof_survives_msgpack_round_trip() -> None:
    tree, items = _populated_tree()
    proof = tree.prove(b"key-3")
    decoded = msgspec.msgpack.decode(msgspec.msgpack.encode(proof), type=MerkleProof)
    assert decoded == proof
    assert verify_proof(tree.root, b"key-3", items[b"key-3"], decoded)


def test_proofs_track_updates() -> None:
    tree, items = _populated_tree()
    old_root = tree.root
    old_proof = tree.prove(b"key-1")
    tree.update({b"key-1": b"new", b"key-2": None, b"key-new": b"fresh"})
    assert verify_proof(tree.root, b"key-1", b"new", tree.prove(b"key-1"))
    assert verify_proof(tree.root, b"key-2", None, tree.prove(b"key-2"))
    assert verify_proof(tree.root, b"key-new", b"fresh", tree.prove(b"key-new"))
    assert not verify_proof(tree.root, b"key-1", items[b"key-1"], old_proof)
    assert verify_proof(old_root, b"key-1", items[b"key-1"], old_proof)
