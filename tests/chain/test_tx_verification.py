"""Ante checks of transactions (transition.verify_tx / execute_tx).

A transaction the ante checks reject (size, encoding, chain id, message count, memo, signature, sequence, fee
minimum, fee affordability) changes nothing at all: no fee, no sequence. One that passes them pays its fee and
consumes its sequence even when a message then fails.
"""

from typing import Any

import msgspec
import pytest

from gostaking.chain.codec import decode_tx, encode, encode_tx, sign_bytes
from gostaking.chain.constants import MODULE_ADDRESSES
from gostaking.chain.crypto import _SECP256K1_ORDER, recover_signer, sha256
from gostaking.chain.errors import (
    BadSequenceError,
    DecodeError,
    InsufficientFeeError,
    InsufficientFundsError,
    InvalidAddressError,
    InvalidMessageError,
    InvalidSignatureError,
    ModuleAccountError,
    WrongChainIdError,
)
from gostaking.chain.modules.bank.queries import get_account
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.transition import apply_block, verify_tx
from gostaking.chain.types.bank import Account
from gostaking.chain.types.block import BlockEnv
from gostaking.chain.types.params import TxParams
from gostaking.chain.types.tx import MsgClaimRewards, MsgSendCoins, Tx, TxBody
from gostaking.wallet.keys import PrivateKey

from harness import (
    CHAIN_ID,
    GOS,
    NEW_BALANCE_FEE,
    Chain,
    assert_error,
    execute,
    expect_msg_failure,
    expect_rejected,
    fund_gos,
    key,
    make_chain,
    with_params,
)

ALICE, BOB, CAROL = key(1), key(2), key(3)
ALICE_GOS = 100 * GOS
LIMITS = TxParams()  # TEST_PARAMS keeps the default tx limits
MIN_FEE = LIMITS.min_fee_ugos


@pytest.fixture
def chain() -> Chain:
    c = make_chain()
    fund_gos(c, ALICE.address, ALICE_GOS)
    return c


def _send(amount: int = GOS) -> MsgSendCoins:
    return MsgSendCoins(BOB.address, GOS_DENOM, amount)


def _body(sender: str = ALICE.address, sequence: int = 0, fee: int = MIN_FEE, **kwargs: object) -> TxBody:
    fields: dict[str, object] = {"chain_id": CHAIN_ID, "msgs": [_send()], "memo": ""} | kwargs
    return TxBody(sender=sender, sequence=sequence, fee=fee, **fields)  # type: ignore[arg-type]


def _signed(body: TxBody, signer: PrivateKey = ALICE) -> bytes:
    return encode_tx(Tx(body=body, signature=signer.sign_digest(sign_bytes(body))))


def _with_signature(raw: bytes, signature: bytes) -> bytes:
    return encode_tx(Tx(body=decode_tx(raw).body, signature=signature))


def _verify_raises(chain: Chain, raw: bytes, error: type) -> None:
    with pytest.raises(error):
        verify_tx(chain.state, CHAIN_ID, raw)


# --- accepted ---------------------------------------------------------------------------------------------------


def test_valid_tx_verifies_executes_and_consumes_its_sequence(chain: Chain) -> None:
    raw = chain.tx(ALICE, _send())
    tx = verify_tx(chain.state, CHAIN_ID, raw)
    assert tx.body == _body(sequence=0)
    result, diff = execute(chain, raw)
    assert (result.code, result.sender, result.fee, result.tx_hash) == (0, ALICE.address, MIN_FEE, sha256(raw))
    assert get_account(chain.state, ALICE.address).sequence == 1
    assert set(diff) == {"accounts", "balances"}


def test_mempool_may_verify_against_an_expected_later_sequence(chain: Chain) -> None:
    later = _signed(_body(sequence=1))
    _verify_raises(chain, later, BadSequenceError)  # the account is still at 0
    assert verify_tx(chain.state, CHAIN_ID, later, expected_sequence=1).body.sequence == 1


# --- chain id and sequence (replay protection) ------------------------------------------------------------------


def test_wrong_chain_id_is_rejected(chain: Chain) -> None:
    raw = chain.tx(ALICE, _send(), chain_id="gostaking-other")
    result = expect_rejected(chain, raw, WrongChainIdError)
    assert "'gostaking-other'" in result.log


def test_replay_of_an_included_tx_is_rejected(chain: Chain) -> None:
    raw = chain.tx(ALICE, _send())
    assert chain.block(raw).tx_results[0].code == 0
    assert chain.gos(BOB.address) == GOS
    result = expect_rejected(chain, raw, BadSequenceError)
    assert "sequence 0, expected 1" in result.log
    chain.block(raw)
    assert chain.gos(BOB.address) == GOS


def test_same_tx_twice_in_one_block_applies_once(chain: Chain) -> None:
    raw = chain.tx(ALICE, _send())
    first, second = chain.block(raw, raw).tx_results
    assert first.code == 0
    assert_error(second, BadSequenceError)
    assert chain.gos(BOB.address) == GOS
    assert chain.gos(ALICE.address) == ALICE_GOS - GOS - MIN_FEE - NEW_BALANCE_FEE


def test_future_sequence_is_rejected_and_a_rejected_tx_does_not_consume_one(chain: Chain) -> None:
    expect_rejected(chain, chain.tx(ALICE, _send(), sequence=5), BadSequenceError)
    # a rejected tx (here: fee below minimum) leaves sequence 0 free for the next one
    expect_rejected(chain, chain.tx(ALICE, _send(), fee=MIN_FEE - 1), InsufficientFeeError)
    assert get_account(chain.state, ALICE.address).sequence == 0
    assert chain.run(ALICE, _send()).code == 0


def test_sequences_within_one_block_must_follow_each_other(chain: Chain) -> None:
    txs = [chain.tx(ALICE, _send()) for _ in range(3)]  # sequences 0, 1, 2
    results = chain.block(txs[0], txs[2], txs[1]).tx_results
    assert results[0].code == 0
    assert_error(results[1], BadSequenceError)  # 2 arrives when 1 is expected
    assert results[2].code == 0
    assert chain.gos(BOB.address) == 2 * GOS


# --- signatures ---------------------------------------------------------------------------------------------------


def test_signature_by_another_key_for_the_sender_is_rejected(chain: Chain) -> None:
    raw = _signed(_body(sender=ALICE.address), signer=BOB)
    result = expect_rejected(chain, raw, InvalidSignatureError)
    assert f"signature is by {BOB.address}, not by sender {ALICE.address}" in result.log


def test_body_changed_after_signing_is_rejected(chain: Chain) -> None:
    signed = decode_tx(_signed(_body(fee=MIN_FEE)))
    tampered = encode_tx(Tx(body=_body(fee=MIN_FEE + 1), signature=signed.signature))
    expect_rejected(chain, tampered, InvalidSignatureError)


def test_high_s_twin_of_a_valid_signature_is_rejected(chain: Chain) -> None:
    raw = _signed(_body())
    signature = decode_tx(raw).signature
    s = int.from_bytes(signature[32:64], "big")
    assert s <= _SECP256K1_ORDER // 2  # the wallet signs low-s
    twin = signature[:32] + (_SECP256K1_ORDER - s).to_bytes(32, "big") + bytes([signature[64] ^ 1])
    # (r, n - s) with the flipped recovery id is mathematically the same signature by the same key...
    import coincurve

    body = _body()
    recovered = coincurve.PublicKey.from_signature_and_message(twin, sign_bytes(body), hasher=None)
    assert recovered.format(compressed=True) == ALICE.public_key
    # ...but accepting it would give the tx a second hash, so it is refused.
    result = expect_rejected(chain, _with_signature(raw, twin), InvalidSignatureError)
    assert "low-s" in result.log
    with pytest.raises(InvalidSignatureError):
        recover_signer(sign_bytes(body), twin)


def _malformed_signatures(signature: bytes) -> dict[str, bytes]:
    r, s = signature[:32], signature[32:64]
    return {
        "empty": b"",
        "64 bytes": signature[:64],
        "66 bytes": signature + b"\x00",
        "recovery id 2": r + s + b"\x02",
        "recovery id 27": r + s + bytes([27]),
        "s = 0": r + bytes(32) + signature[64:],
        "r = 0": bytes(32) + s + signature[64:],
        "s = n": r + _SECP256K1_ORDER.to_bytes(32, "big") + signature[64:],
    }


@pytest.mark.parametrize("case", list(_malformed_signatures(bytes(65))))
def test_malformed_signature_is_rejected(chain: Chain, case: str) -> None:
    raw = _signed(_body())
    bad = _malformed_signatures(decode_tx(raw).signature)[case]
    expect_rejected(chain, _with_signature(raw, bad), InvalidSignatureError)


def test_module_account_cannot_sign(chain: Chain) -> None:
    raw = _signed(_body(sender=MODULE_ADDRESSES["community_pool"]), signer=ALICE)
    result = expect_rejected(chain, raw, ModuleAccountError)
    assert "module accounts cannot sign" in result.log


# --- fee ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fee", [MIN_FEE - 1, 1, 0, -1])
def test_fee_below_minimum_is_rejected(chain: Chain, fee: int) -> None:
    result = expect_rejected(chain, chain.tx(ALICE, _send(), fee=fee), InsufficientFeeError)
    assert f"fee {fee} below {MIN_FEE} ugos" in result.log


def test_fee_at_minimum_is_accepted(chain: Chain) -> None:
    assert chain.run(ALICE, _send(), fee=MIN_FEE).code == 0
    assert chain.gos(ALICE.address) == ALICE_GOS - GOS - MIN_FEE - NEW_BALANCE_FEE  # Bob's balance is new


def test_fee_an_empty_account_cannot_pay_rejects_the_tx_without_any_change(chain: Chain) -> None:
    expect_rejected(chain, chain.tx(CAROL, MsgClaimRewards()), InsufficientFundsError)
    assert CAROL.address not in chain.state.accounts


def test_fee_above_the_balance_rejects_the_tx_without_any_change(chain: Chain) -> None:
    expect_rejected(chain, chain.tx(ALICE, _send(1), fee=ALICE_GOS + 1), InsufficientFundsError)
    assert chain.gos(ALICE.address) == ALICE_GOS


def test_fee_of_the_whole_balance_is_paid_even_if_the_message_then_fails(chain: Chain) -> None:
    # the fee is affordable, so the tx is included; the send then finds nothing left
    expect_msg_failure(chain, ALICE, _send(1), error=InsufficientFundsError, fee=ALICE_GOS)
    assert chain.gos(ALICE.address) == 0


def test_verify_tx_rejects_an_unaffordable_fee(chain: Chain) -> None:
    # verify_tx is also the mempool's check: a fee the sender cannot pay must be refused there too
    _verify_raises(chain, chain.tx(CAROL, MsgClaimRewards()), InsufficientFundsError)


# --- message count, memo --------------------------------------------------------------------------------------


def test_too_many_messages_are_rejected(chain: Chain) -> None:
    msgs = [_send(1)] * (LIMITS.max_msgs + 1)
    result = expect_rejected(chain, chain.tx(ALICE, *msgs), InvalidMessageError)
    assert f"1..{LIMITS.max_msgs} messages" in result.log


def test_maximum_number_of_messages_is_accepted(chain: Chain) -> None:
    result = chain.run(ALICE, *[_send(1)] * LIMITS.max_msgs)
    assert result.code == 0, result.log
    assert chain.gos(BOB.address) == LIMITS.max_msgs


def test_tx_without_messages_is_rejected(chain: Chain) -> None:
    expect_rejected(chain, chain.tx(ALICE), InvalidMessageError)


@pytest.mark.parametrize(
    ("memo", "ok"),
    [
        ("m" * LIMITS.max_memo_bytes, True),
        ("m" * (LIMITS.max_memo_bytes + 1), False),
        ("é" * (LIMITS.max_memo_bytes // 2), True),  # 2 bytes each: exactly the limit
        ("é" * (LIMITS.max_memo_bytes // 2 + 1), False),  # fewer characters than the limit, but too many bytes
    ],
    ids=["ascii-max", "ascii-over", "utf8-max", "utf8-over"],
)
def test_memo_length_is_counted_in_bytes(chain: Chain, memo: str, ok: bool) -> None:
    raw = chain.tx(ALICE, _send(), memo=memo)
    if ok:
        assert verify_tx(chain.state, CHAIN_ID, raw).body.memo == memo
        assert chain.block(raw).tx_results[0].code == 0
    else:
        result = expect_rejected(chain, raw, InvalidMessageError)
        assert "memo too long" in result.log


# --- encoding -------------------------------------------------------------------------------------------------


def _wire_format() -> Any:
    """The msgspec module the codec writes with (the tests only rely on it being canonical)."""
    return msgspec.json if encode({"a": 1}) == msgspec.json.encode({"a": 1}) else msgspec.msgpack


def test_non_canonical_encoding_of_a_valid_tx_is_rejected(chain: Chain) -> None:
    raw = chain.tx(ALICE, _send())
    tx = decode_tx(raw)
    # Same fields, other order: the format decodes it to the very same Tx, but its bytes (and hash) differ.
    reordered = _wire_format().encode({"signature": tx.signature, "body": tx.body})
    assert reordered != raw
    assert _wire_format().decode(reordered, type=Tx) == tx
    result = expect_rejected(chain, reordered, DecodeError)
    assert "not canonically encoded" in result.log


def test_other_spelling_of_the_same_value_is_rejected(chain: Chain) -> None:
    raw = chain.tx(ALICE, _send())
    if _wire_format() is msgspec.json:
        fee = b'"fee":' + encode(MIN_FEE)
        respelled = raw.replace(fee, b'"fee": ' + encode(MIN_FEE))  # insignificant whitespace
    else:
        fee = encode(MIN_FEE)  # uint16
        respelled = raw.replace(fee, b"\xce" + MIN_FEE.to_bytes(4, "big"))  # the same number as uint32
    assert raw.count(fee) == 1 and respelled != raw
    assert _wire_format().decode(respelled, type=Tx) == decode_tx(raw)
    expect_rejected(chain, respelled, DecodeError)


def test_trailing_bytes_are_rejected(chain: Chain) -> None:
    expect_rejected(chain, chain.tx(ALICE, _send()) + b"\x00", DecodeError)


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x00", b"\xc1", b"hello, chain", sha256(b"garbage") * 3, b"[1,2,3]", b"\x93\x01\x02\x03"],
    ids=["empty", "nil-byte", "reserved-byte", "text", "random", "json-array", "msgpack-array"],
)
def test_garbage_bytes_are_rejected(chain: Chain, raw: bytes) -> None:
    result = expect_rejected(chain, raw, DecodeError)
    assert result.tx_hash == sha256(raw)


def test_unknown_message_type_and_unknown_fields_are_rejected(chain: Chain) -> None:
    body = msgspec.to_builtins(_body())
    signature = b"\x01" * 65
    unknown_msg = body | {"msgs": [{"type": "mint", "amount": 1}]}
    extra_field = body | {"gas": 5}
    for fields in (unknown_msg, extra_field):
        expect_rejected(chain, _wire_format().encode({"body": fields, "signature": signature}), DecodeError)


def _tx_with_recipient_of_length(length: int) -> bytes:
    return _signed(_body(msgs=[MsgSendCoins("x" * length, GOS_DENOM, 1)]))


def test_oversize_tx_is_rejected_before_decoding(chain: Chain) -> None:
    garbage = b"\xc1" * (LIMITS.max_tx_bytes + 1)
    result = expect_rejected(chain, garbage, DecodeError)
    assert f"exceeds {LIMITS.max_tx_bytes} bytes" in result.log
    signed = _tx_with_recipient_of_length(LIMITS.max_tx_bytes)
    assert len(signed) > LIMITS.max_tx_bytes
    expect_rejected(chain, signed, DecodeError)


def test_tx_of_exactly_the_maximum_size_passes_the_size_check(chain: Chain) -> None:
    # The encoded length grows one byte per recipient character (a str16 header throughout this range).
    base = len(_tx_with_recipient_of_length(1_000)) - 1_000
    raw = _tx_with_recipient_of_length(LIMITS.max_tx_bytes - base)
    assert len(raw) == LIMITS.max_tx_bytes
    # it gets past the size check and is decoded; then its message's checks refuse it (the recipient is not an
    # address), before any fee or sequence is taken
    result = execute(chain, raw)[0]
    assert_error(result, InvalidAddressError)
    assert result.fee == 0
    assert get_account(chain.state, ALICE.address).sequence == 0
    over = _tx_with_recipient_of_length(LIMITS.max_tx_bytes - base + 1)
    assert len(over) == LIMITS.max_tx_bytes + 1
    _verify_raises(chain, over, DecodeError)


def test_zero_fee_is_accepted_when_the_minimum_fee_is_zero() -> None:
    chain = make_chain(params=with_params(tx={"min_fee_ugos": 0}))
    fund_gos(chain, ALICE.address, 10 * GOS)
    result, diff = execute(chain, chain.tx(ALICE, _send(5), fee=0))
    assert result.code == 0, result.log
    assert diff["accounts"] == {ALICE.address: (None, Account(1))}
    # a negative fee is still below the minimum
    expect_rejected(chain, _signed(_body(sequence=1, fee=-1)), InsufficientFeeError)


def test_a_block_for_another_chain_id_is_refused_before_anything_runs() -> None:
    chain = make_chain()
    before = chain.state.take_block_writes()
    with pytest.raises(ValueError, match="state is chain"):
        apply_block(chain.state, BlockEnv("other-chain", 1, 0), [])
    assert chain.height == 0
    assert before and chain.state.take_block_writes() == {}
