"""Signatures checked once per node (node/sigcache.py): CheckTx, Recheck, PrepareProposal and FinalizeBlock share
one cache of verified signatures, which skips only the cryptography, never any other check, and leaves every block's
results and app hash as they are without it."""

from collections.abc import Callable

import pytest
from node_harness import CHAIN_ID, NODE_KEY, OPERATOR, key

from gostaking.chain import transition
from gostaking.chain.codec import decode_tx, encode_tx, sign_bytes, tx_hash
from gostaking.chain.errors import InvalidSignatureError
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.block import BlockResult
from gostaking.chain.types.tx import MsgSendCoins, Tx
from gostaking.node.app import GoStakingApp
from gostaking.node.mempool import Mempool
from gostaking.node.producer import BlockProducer
from gostaking.node.sigcache import DEFAULT_MAX_ENTRIES, VerifiedSignatures
from gostaking.storage import MemoryStore
from gostaking.wallet.keys import PrivateKey, sign_tx

FEE = 1_000
BLOCK_INTERVAL_MS = 1_000


def funded_app(genesis_json: bytes, clock: Callable[[], int], cache_entries: int = DEFAULT_MAX_ENTRIES) -> GoStakingApp:
    """An app past 3 empty blocks, whose OPERATOR holds block rewards (GOS for fees)."""
    app = GoStakingApp(MemoryStore(), signature_cache_entries=cache_entries)
    app.init_chain(genesis_json)
    producer = BlockProducer(app, NODE_KEY.public_key, clock_ms=clock)
    for _ in range(3):
        producer.produce_block()
    return app


def transfer(sequence: int, recipient: int = 50, signer: PrivateKey = OPERATOR) -> bytes:
    return sign_tx(signer, CHAIN_ID, sequence, [MsgSendCoins(key(recipient).address, GOS_DENOM, 7)], FEE)


def signed_by_someone_else(raw: bytes) -> bytes:
    """The same body with a valid signature by another key: different bytes, not the sender's signature."""
    tx = decode_tx(raw)
    return encode_tx(Tx(body=tx.body, signature=key(77).sign_digest(sign_bytes(tx.body))))


def finalize_and_commit(app: GoStakingApp, txs: list[bytes]) -> tuple[BlockResult, bytes]:
    last = app.last_block
    assert last is not None
    height, time_ms = last.height + 1, last.header.time_ms + BLOCK_INTERVAL_MS
    result, app_hash = app.finalize_block(height, time_ms, txs, NODE_KEY.address, (NODE_KEY.address,))
    app.commit()
    return result, app_hash


@pytest.fixture
def recoveries(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The message hashes of every public-key recovery the chain's signature check makes from now on."""
    calls: list[bytes] = []
    real = transition.recover_signer

    def counting(message_hash: bytes, signature: bytes) -> bytes:
        calls.append(message_hash)
        return real(message_hash, signature)

    monkeypatch.setattr(transition, "recover_signer", counting)
    return calls


def test_a_transaction_checked_at_check_tx_is_not_verified_again(
    genesis_json: bytes, clock: Callable[[], int], recoveries: list[bytes]
) -> None:
    app = funded_app(genesis_json, clock)
    first, second = transfer(0), transfer(1)
    assert app.check_tx(first).ok and app.check_tx(second).ok
    assert len(recoveries) == 2
    # PrepareProposal's checks against a scratch mempool (as the ABCI handler makes them), and a Recheck.
    scratch = Mempool()
    assert app.check_tx(first, True, pending=scratch, wait_for_commit=False).ok
    assert app.check_tx(second, True, pending=scratch, wait_for_commit=False).ok
    assert app.recheck_tx(first).ok
    result, _ = finalize_and_commit(app, [first])
    assert [r.code for r in result.tx_results] == [0]
    assert len(recoveries) == 2  # still only CheckTx's two
    cache = app.verified_signatures
    assert cache is not None and cache.hits == 4 and cache.misses == 2
    # Commit forgets the included transaction and keeps the waiting one, which its own block then finds.
    assert tx_hash(first) not in cache and cache[tx_hash(second)] == OPERATOR.address
    result, _ = finalize_and_commit(app, [second])
    assert [r.code for r in result.tx_results] == [0] and len(recoveries) == 2 and len(cache) == 0


def test_a_block_transaction_no_check_tx_saw_is_verified_as_before(
    genesis_json: bytes, clock: Callable[[], int], recoveries: list[bytes]
) -> None:
    app = funded_app(genesis_json, clock)
    raw = transfer(0)
    result, _ = finalize_and_commit(app, [raw])
    assert [r.code for r in result.tx_results] == [0] and len(recoveries) == 1


def test_changed_bytes_of_a_verified_transaction_are_checked_in_full(
    genesis_json: bytes, clock: Callable[[], int], recoveries: list[bytes]
) -> None:
    app = funded_app(genesis_json, clock)
    genuine = transfer(0)
    assert app.check_tx(genuine).ok
    forged = signed_by_someone_else(genuine)
    assert decode_tx(forged).body == decode_tx(genuine).body and tx_hash(forged) != tx_hash(genuine)
    refused = app.check_tx(forged)
    assert refused.error == "InvalidSignatureError" and "not by sender" in refused.message
    # The same at FinalizeBlock, the genuine one beside it: one more recovery each time, for the forged bytes.
    result, _ = finalize_and_commit(app, [forged, genuine])
    assert [r.code for r in result.tx_results] == [InvalidSignatureError.code, 0]
    assert "not by sender" in result.tx_results[0].log
    assert len(recoveries) == 3


def test_an_entry_for_another_sender_does_not_vouch_for_the_transaction(recoveries: list[bytes]) -> None:
    signer_cache = VerifiedSignatures()
    genuine = transfer(0)
    tx = decode_tx(genuine)
    signer_cache[tx_hash(genuine)] = key(77).address  # what no check established: it is checked in full
    transition.require_sender_signed_once(tx, tx_hash(genuine), signer_cache)
    assert len(recoveries) == 1 and signer_cache[tx_hash(genuine)] == OPERATOR.address
    forged = signed_by_someone_else(genuine)
    with pytest.raises(InvalidSignatureError, match="not by sender"):
        transition.require_sender_signed_once(decode_tx(forged), tx_hash(forged), signer_cache)
    assert tx_hash(forged) not in signer_cache and len(recoveries) == 2


def test_a_verified_signature_skips_no_other_check(genesis_json: bytes, clock: Callable[[], int]) -> None:
    app = funded_app(genesis_json, clock)
    first, rival = transfer(0, recipient=50), transfer(0, recipient=51)  # the same sequence twice
    assert app.check_tx(first, add_to_mempool=False).ok and app.check_tx(rival, add_to_mempool=False).ok
    cache = app.verified_signatures
    assert cache is not None and tx_hash(rival) in cache
    result, _ = finalize_and_commit(app, [first, rival])
    assert result.tx_results[0].code == 0
    assert result.tx_results[1].log.startswith("BadSequenceError")


def test_the_cache_is_bounded_oldest_first(genesis_json: bytes, clock: Callable[[], int]) -> None:
    cache = VerifiedSignatures(3)
    for n in range(5):
        cache[bytes([n]) * 32] = f"sender{n}"
    assert len(cache) == 3 and list(cache) == [bytes([n]) * 32 for n in (2, 3, 4)]
    cache[bytes([2]) * 32] = "sender2"  # already there: nothing evicted
    assert len(cache) == 3 and bytes([2]) * 32 in cache
    with pytest.raises(ValueError, match="at least 1 entry"):
        VerifiedSignatures(0)

    app = funded_app(genesis_json, clock, cache_entries=2)
    raws = [transfer(n) for n in range(3)]
    assert all(app.check_tx(raw).ok for raw in raws)
    assert app.verified_signatures is not None and list(app.verified_signatures) == [tx_hash(r) for r in raws[1:]]


def test_blocks_give_the_same_results_and_app_hashes_with_and_without_the_cache(
    genesis_json: bytes, clock: Callable[[], int]
) -> None:
    ticks = [clock() for _ in range(3)]
    apps = [funded_app(genesis_json, iter(ticks).__next__, cache_entries=n) for n in (0, 1 << 10)]
    assert apps[0].verified_signatures is None and apps[1].verified_signatures is not None
    other = key(60)
    blocks = [
        # Checked at CheckTx first (except the forged one), then included together with ones CheckTx never saw.
        [transfer(0), transfer(1), signed_by_someone_else(transfer(2)), sign_tx(OPERATOR, CHAIN_ID, 2, [], FEE)],
        [transfer(2, recipient=52), transfer(2, recipient=53), transfer(0, signer=other)],
        [transfer(3), transfer(3)],
    ]
    for app in apps:
        for raw in blocks[0][:2]:
            assert app.check_tx(raw).ok
    hashes: list[list[bytes]] = [[], []]
    results: list[list[BlockResult]] = [[], []]
    for txs in blocks:
        for index, app in enumerate(apps):
            result, app_hash = finalize_and_commit(app, txs)
            results[index].append(result)
            hashes[index].append(app_hash)
    assert hashes[0] == hashes[1] and results[0] == results[1]
    codes = [[r.code for r in result.tx_results] for result in results[0]]
    assert codes[0][:2] == [0, 0] and codes[0][2] == InvalidSignatureError.code and codes[0][3] != 0
    assert codes[1][0] == 0 and codes[1][1] != 0 and codes[1][2] != 0  # a rival sequence; a sender without GOS
    assert codes[2][0] == 0 and codes[2][1] != 0  # the same bytes twice: the second has a used sequence
