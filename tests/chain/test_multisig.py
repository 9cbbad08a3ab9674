"""Multisig senders (transition.require_sender_signed → crypto.require_multisig_signed).

A k-of-n account's transaction carries an empty `signature` and a `multisig`: the sorted keys, the threshold and
exactly k member signatures over the same sign bytes a single key signs. Every refusal is an InvalidSignatureError
that names the fault and changes nothing (expect_rejected); an accepted one pays its fee and moves funds like any.
"""

from itertools import combinations

import msgspec
import pytest

from gostaking.chain.codec import decode_tx, encode_tx, sign_bytes
from gostaking.chain.crypto import _SECP256K1_ORDER, multisig_address, sha256
from gostaking.chain.errors import DecodeError, InvalidSignatureError
from gostaking.chain.modules.bank.queries import get_account
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.transition import verify_tx
from gostaking.chain.types.tx import (
    MAX_MULTISIG_KEYS,
    KeySignature,
    MsgSendCoins,
    MultisigPubKey,
    MultisigSignature,
    Tx,
    TxBody,
)
from gostaking.wallet.keys import PrivateKey

from harness import CHAIN_ID, GOS, MIN_FEE, NEW_BALANCE_FEE, Chain, execute, expect_rejected, fund_gos, key, make_chain

MEMBERS = sorted((key(11), key(12), key(13)), key=lambda k: k.public_key)
"""The three members in the order of their keys, so member i is key i of the multisig."""
OUTSIDER = key(14)
RECIPIENT = key(2)
TWO_OF_THREE = MultisigPubKey(2, [member.public_key for member in MEMBERS])
ADDRESS = multisig_address(2, TWO_OF_THREE.pubkeys)
FUNDS = 10 * GOS


@pytest.fixture
def chain() -> Chain:
    c = make_chain()
    fund_gos(c, ADDRESS, FUNDS)  # no registration: sending to the address is all it takes
    return c


def _body(sender: str = ADDRESS, sequence: int = 0, fee: int = MIN_FEE, amount: int = GOS) -> TxBody:
    return TxBody(CHAIN_ID, sender, sequence, fee, [MsgSendCoins(RECIPIENT.address, GOS_DENOM, amount)])


def _signatures(body: TxBody, signers: list[tuple[int, PrivateKey]]) -> list[KeySignature]:
    return [KeySignature(index, signer.sign_digest(sign_bytes(body))) for index, signer in signers]


def _multisig_tx(
    body: TxBody,
    indices: tuple[int, ...] = (0, 1),
    pubkey: MultisigPubKey = TWO_OF_THREE,
    signature: bytes = b"",
    signed_body: TxBody | None = None,
) -> bytes:
    """A multisig tx signed by MEMBERS at `indices` (over `signed_body`, the body itself by default)."""
    signatures = _signatures(signed_body or body, [(i, MEMBERS[i]) for i in indices])
    return encode_tx(Tx(body, signature, MultisigSignature(pubkey, signatures)))


def _with(raw: bytes, signatures: list[KeySignature] | None = None, pubkey: MultisigPubKey | None = None) -> bytes:
    tx = decode_tx(raw)
    assert tx.multisig is not None
    multisig = MultisigSignature(
        pubkey or tx.multisig.pubkey, tx.multisig.signatures if signatures is None else signatures
    )
    return encode_tx(Tx(tx.body, tx.signature, multisig))


def _rejected(chain: Chain, raw: bytes, message: str) -> None:
    result = expect_rejected(chain, raw, InvalidSignatureError)
    assert message in result.log, result.log


# --- accepted ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("indices", list(combinations(range(3), 2)))
def test_any_two_of_three_members_move_the_funds(chain: Chain, indices: tuple[int, int]) -> None:
    raw = _multisig_tx(_body(), indices)
    assert verify_tx(chain.state, CHAIN_ID, raw).body.sender == ADDRESS
    result, diff = execute(chain, raw)
    assert (result.code, result.sender, result.fee) == (0, ADDRESS, MIN_FEE), result.log
    assert chain.gos(ADDRESS) == FUNDS - GOS - MIN_FEE - NEW_BALANCE_FEE
    assert chain.gos(RECIPIENT.address) == GOS
    assert get_account(chain.state, ADDRESS).sequence == 1
    assert set(diff) == {"accounts", "balances"}


def test_a_multisig_tx_has_one_encoding_and_its_hash_is_of_its_bytes(chain: Chain) -> None:
    raw = _multisig_tx(_body())
    assert decode_tx(raw).multisig is not None
    result = chain.block(raw).tx_results[0]
    assert (result.code, result.tx_hash) == (0, sha256(raw))
    assert b'"signature":""' in raw and b'"multisig":{"pubkey":{"threshold":2,' in raw


def test_single_key_transactions_encode_exactly_as_before_multisig() -> None:
    signer = key(1)
    body = TxBody(CHAIN_ID, signer.address, 0, MIN_FEE, [MsgSendCoins(RECIPIENT.address, GOS_DENOM, 1)])
    raw = encode_tx(Tx(body, signer.sign_digest(sign_bytes(body))))
    assert b"multisig" not in raw
    assert list(msgspec.json.decode(raw)) == ["body", "signature"]
    assert decode_tx(raw).multisig is None


def test_one_of_one_multisig_is_its_own_account_not_the_key_s(chain: Chain) -> None:
    one = MultisigPubKey(1, [MEMBERS[0].public_key])
    address = multisig_address(1, one.pubkeys)
    assert address != MEMBERS[0].address  # a different preimage ('multisig/' ‖ k ‖ n ‖ keys)
    fund_gos(chain, address, FUNDS)
    raw = _multisig_tx(_body(sender=address), (0,), pubkey=one)
    assert chain.block(raw).tx_results[0].code == 0


def test_the_largest_multisig_is_accepted(chain: Chain) -> None:
    keys = sorted((key(100 + i) for i in range(MAX_MULTISIG_KEYS)), key=lambda k: k.public_key)
    big = MultisigPubKey(MAX_MULTISIG_KEYS, [k.public_key for k in keys])
    address = multisig_address(big.threshold, big.pubkeys)
    fund_gos(chain, address, FUNDS)
    body = _body(sender=address)
    raw = encode_tx(Tx(body, b"", MultisigSignature(big, _signatures(body, list(enumerate(keys))))))
    result = chain.block(raw).tx_results[0]
    assert result.code == 0, result.log


# --- thresholds and signature counts ------------------------------------------------------------------------------


def test_fewer_signatures_than_the_threshold_are_rejected(chain: Chain) -> None:
    _rejected(chain, _multisig_tx(_body(), (1,)), "1 signatures for a 2-of-3 multisig (exactly 2 are needed)")


def test_more_signatures_than_the_threshold_are_rejected(chain: Chain) -> None:
    _rejected(chain, _multisig_tx(_body(), (0, 1, 2)), "3 signatures for a 2-of-3 multisig")


def test_no_signatures_are_rejected(chain: Chain) -> None:
    _rejected(chain, _multisig_tx(_body(), ()), "0 signatures for a 2-of-3 multisig")


@pytest.mark.parametrize(("threshold", "message"), [(0, "threshold 0 is outside 1..3"), (4, "threshold 4 is outside")])
def test_threshold_outside_one_to_n_is_rejected(chain: Chain, threshold: int, message: str) -> None:
    bad = MultisigPubKey(threshold, TWO_OF_THREE.pubkeys)
    body = _body(sender=multisig_address(threshold, bad.pubkeys))
    _rejected(chain, _multisig_tx(body, (0, 1), pubkey=bad), message)


def test_more_keys_than_the_maximum_are_rejected(chain: Chain) -> None:
    pubkeys = sorted(key(200 + i).public_key for i in range(MAX_MULTISIG_KEYS + 1))
    bad = MultisigPubKey(2, pubkeys)
    body = _body(sender=multisig_address(2, pubkeys))
    _rejected(chain, _multisig_tx(body, (), pubkey=bad), f"a multisig has 1..{MAX_MULTISIG_KEYS} keys, this one has 17")


# --- the keys ----------------------------------------------------------------------------------------------------


def test_unsorted_keys_are_rejected(chain: Chain) -> None:
    swapped = MultisigPubKey(2, [TWO_OF_THREE.pubkeys[1], TWO_OF_THREE.pubkeys[0], TWO_OF_THREE.pubkeys[2]])
    body = _body(sender=multisig_address(2, swapped.pubkeys))
    raw = encode_tx(Tx(body, b"", MultisigSignature(swapped, _signatures(body, [(0, MEMBERS[1]), (1, MEMBERS[0])]))))
    _rejected(chain, raw, "distinct and in ascending byte order: key 1 is not above key 0")


def test_a_key_listed_twice_is_rejected(chain: Chain) -> None:
    twice = MultisigPubKey(2, [TWO_OF_THREE.pubkeys[0], TWO_OF_THREE.pubkeys[0], TWO_OF_THREE.pubkeys[1]])
    body = _body(sender=multisig_address(2, twice.pubkeys))
    raw = encode_tx(Tx(body, b"", MultisigSignature(twice, _signatures(body, [(0, MEMBERS[0]), (2, MEMBERS[1])]))))
    _rejected(chain, raw, "key 1 is not above key 0")


def test_a_key_that_is_not_33_bytes_is_rejected(chain: Chain) -> None:
    short = MultisigPubKey(2, [*TWO_OF_THREE.pubkeys[:2], TWO_OF_THREE.pubkeys[2][:32]])
    body = _body(sender=multisig_address(2, short.pubkeys))
    _rejected(chain, _multisig_tx(body, pubkey=short), "key 2 of the multisig is 32 bytes, not 33")


def test_a_key_that_is_not_a_curve_point_is_rejected(chain: Chain) -> None:
    not_a_point = b"\x03" + b"\xff" * 32  # x above the field prime; the largest 33-byte key, so it sorts last
    pubkeys = sorted([*TWO_OF_THREE.pubkeys[:2], not_a_point])
    bad = MultisigPubKey(2, pubkeys)
    body = _body(sender=multisig_address(2, pubkeys))
    raw = _multisig_tx(body, pubkey=bad)  # members 0 and 1 keep their indices
    _rejected(chain, raw, "key 2 of the multisig is not a secp256k1 point")


def test_keys_and_threshold_of_another_address_are_rejected(chain: Chain) -> None:
    three_of_three = MultisigPubKey(3, TWO_OF_THREE.pubkeys)
    other = multisig_address(3, three_of_three.pubkeys)
    raw = _multisig_tx(_body(), (0, 1, 2), pubkey=three_of_three)
    _rejected(chain, raw, f"the multisig's keys and threshold make address {other}, not sender {ADDRESS}")


def test_a_multisig_cannot_spend_a_single_key_account(chain: Chain) -> None:
    fund_gos(chain, MEMBERS[0].address, FUNDS)
    raw = _multisig_tx(_body(sender=MEMBERS[0].address))
    _rejected(chain, raw, f"make address {ADDRESS}, not sender {MEMBERS[0].address}")


# --- the signatures ----------------------------------------------------------------------------------------------


def test_a_signature_by_a_key_outside_the_multisig_is_rejected(chain: Chain) -> None:
    body = _body()
    signatures = _signatures(body, [(0, MEMBERS[0]), (1, OUTSIDER)])
    raw = encode_tx(Tx(body, b"", MultisigSignature(TWO_OF_THREE, signatures)))
    _rejected(chain, raw, f"signature 1 is by {OUTSIDER.address}, which is not key 1 of the multisig")


def test_a_member_s_signature_under_another_member_s_index_is_rejected(chain: Chain) -> None:
    body = _body()
    signatures = _signatures(body, [(0, MEMBERS[0]), (2, MEMBERS[1])])
    raw = encode_tx(Tx(body, b"", MultisigSignature(TWO_OF_THREE, signatures)))
    _rejected(chain, raw, f"signature 1 is by {MEMBERS[1].address}, which is not key 2 of the multisig")


def test_the_same_index_twice_is_rejected(chain: Chain) -> None:
    raw = _multisig_tx(_body())
    first = decode_tx(raw).multisig.signatures[0]  # type: ignore[union-attr]
    _rejected(chain, _with(raw, [first, first]), "signature 1 names key 0 after key 0: key indices must be strictly")


def test_indices_out_of_order_are_rejected(chain: Chain) -> None:
    raw = _multisig_tx(_body(), (0, 2))
    signatures = decode_tx(raw).multisig.signatures  # type: ignore[union-attr]
    _rejected(chain, _with(raw, signatures[::-1]), "signature 1 names key 0 after key 2")


@pytest.mark.parametrize("index", [3, -1])
def test_an_index_outside_the_keys_is_rejected(chain: Chain, index: int) -> None:
    raw = _multisig_tx(_body())
    signatures = decode_tx(raw).multisig.signatures  # type: ignore[union-attr]
    bad = [signatures[0], KeySignature(index, signatures[1].signature)]
    _rejected(chain, _with(raw, bad), f"signature 1 names key {index}, but the multisig has keys 0..2")


def test_a_high_s_member_signature_is_rejected(chain: Chain) -> None:
    raw = _multisig_tx(_body())
    signatures = decode_tx(raw).multisig.signatures  # type: ignore[union-attr]
    signature = signatures[1].signature
    s = int.from_bytes(signature[32:64], "big")
    twin = signature[:32] + (_SECP256K1_ORDER - s).to_bytes(32, "big") + bytes([signature[64] ^ 1])
    _rejected(chain, _with(raw, [signatures[0], KeySignature(1, twin)]), "signature 1 s value is not canonical (low-s)")


def test_a_malformed_member_signature_is_rejected(chain: Chain) -> None:
    raw = _multisig_tx(_body())
    signatures = decode_tx(raw).multisig.signatures  # type: ignore[union-attr]
    short = KeySignature(0, signatures[0].signature[:64])
    _rejected(chain, _with(raw, [short, signatures[1]]), "signature 0 must be 65 bytes")


def test_a_body_changed_after_signing_is_rejected(chain: Chain) -> None:
    raw = _multisig_tx(_body(amount=2 * GOS), signed_body=_body(amount=GOS))
    result = expect_rejected(chain, raw, InvalidSignatureError)
    assert "signature 0 is by gos1" in result.log and "which is not key 0 of the multisig" in result.log


def test_signatures_for_another_sequence_cannot_be_replayed(chain: Chain) -> None:
    raw = _multisig_tx(_body())
    assert chain.block(raw).tx_results[0].code == 0
    replay = _multisig_tx(_body(sequence=1), signed_body=_body(sequence=0))
    _rejected(chain, replay, "which is not key 0 of the multisig")


# --- one signing scheme per transaction ---------------------------------------------------------------------------


def test_both_a_signature_and_a_multisig_are_rejected(chain: Chain) -> None:
    body = _body()
    raw = _multisig_tx(body, signature=MEMBERS[0].sign_digest(sign_bytes(body)))
    _rejected(chain, raw, "one key's signature or a multisig's signatures, not both")


def test_neither_a_signature_nor_a_multisig_is_rejected(chain: Chain) -> None:
    raw = encode_tx(Tx(_body(), b""))
    _rejected(chain, raw, "signature must be 65 bytes")


def test_an_explicit_null_multisig_is_not_canonical(chain: Chain) -> None:
    signer = key(1)
    body = TxBody(CHAIN_ID, signer.address, 0, MIN_FEE, [MsgSendCoins(RECIPIENT.address, GOS_DENOM, 1)])
    raw = encode_tx(Tx(body, signer.sign_digest(sign_bytes(body))))
    with_null = raw[:-1] + b',"multisig":null}'
    result = expect_rejected(chain, with_null, DecodeError)
    assert "not canonically encoded" in result.log


def test_multisig_fields_out_of_order_are_not_canonical(chain: Chain) -> None:
    raw = _multisig_tx(_body())
    document = msgspec.json.decode(raw)
    reordered = msgspec.json.encode({"multisig": document["multisig"], **document})
    assert reordered != raw
    result = expect_rejected(chain, reordered, DecodeError)
    assert "not canonically encoded" in result.log


def test_unknown_fields_in_a_multisig_are_rejected(chain: Chain) -> None:
    document = msgspec.json.decode(_multisig_tx(_body()))
    document["multisig"]["pubkey"]["weights"] = [1, 1, 1]
    expect_rejected(chain, msgspec.json.encode(document), DecodeError)
