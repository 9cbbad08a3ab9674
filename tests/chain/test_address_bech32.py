"""The chain's fixed-shape bech32 (gostaking/chain/address_bech32.py) against BIP-173 and the reference package.

The chain encodes and checks `gos1…` addresses with table look-ups instead of the PyPI `bech32` package (the BIP's
reference code, word by word in Python). It must accept and refuse exactly what the package does for a 20-byte
payload with hrp `gos`, lower case: BIP-173's own vectors, random payloads, and every kind of damage an address
can take (a changed, dropped, added or swapped character, upper case, another hrp, a bad checksum).
"""

import bech32
from hypothesis import given, settings
from hypothesis import strategies as st

from gostaking.chain.address_bech32 import (
    BECH32_CHARSET,
    bech32_polymod,
    decode_payload,
    encode_payload,
)
from gostaking.chain.crypto import encode_address, is_valid_address

# BIP-173's valid bech32 strings (https://github.com/bitcoin/bips/blob/master/bip-0173.mediawiki#test-vectors):
# none has hrp `gos` and a 20-byte payload, so every one is refused as an address, but their checksums are valid,
# which the table-built polymod must agree with.
BIP173_VALID = [
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11" + "q" * 82 + "c8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
]
BIP173_INVALID = [
    "\x201nwldj5",
    "\x7f1axkwrx",
    "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
    "pzry9x0s0muk",
    "1pzry9x0s0muk",
    "x1b4n0q5v",
    "li1dgmt3",
    "de1lg7wt\xff",
    "A1G7SGD8",
    "10a06t8",
    "1qzzfhee",
]


def reference_payload(address: str) -> bytes | None:
    """What the reference package decodes as a chain address (the chain's rule before the table code)."""
    if address != address.lower():
        return None
    hrp, words = bech32.bech32_decode(address)
    if hrp != "gos" or words is None:
        return None
    raw = bech32.convertbits(words, 5, 8, False)
    return bytes(raw) if raw is not None and len(raw) == 20 else None


def test_bip173_vectors_have_valid_checksums_under_the_polymod_that_builds_the_tables() -> None:
    for vector in BIP173_VALID:
        hrp, data = vector.lower().rsplit("1", 1)
        values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + [BECH32_CHARSET.index(c) for c in data]
        assert bech32_polymod(values) == 1, vector


def test_no_bip173_vector_is_a_chain_address() -> None:
    for vector in BIP173_VALID + BIP173_INVALID:
        assert decode_payload(vector) is None, vector
        assert reference_payload(vector) is None, vector
        assert not is_valid_address(vector)


def test_a_known_wallet_address_round_trips() -> None:
    # docs/wallet.md's first derived address (the HD vectors check the key behind it).
    address = "gos1fytfvr5764zq4p0adzxp7kzk7nwy9979p27tq7"
    payload = decode_payload(address)
    assert payload is not None and payload == reference_payload(address)
    assert encode_payload(payload) == address == encode_address(payload)


@settings(max_examples=400, deadline=None)
@given(st.binary(min_size=20, max_size=20))
def test_encoding_matches_the_reference_and_decodes_back(payload: bytes) -> None:
    address = encode_payload(payload)
    assert address == bech32.bech32_encode("gos", bech32.convertbits(payload, 8, 5))
    assert decode_payload(address) == payload
    assert is_valid_address(address)


def _damaged(address: str, kind: int, position: int, char: str) -> str:
    at = position % len(address)
    if kind == 0:  # a character replaced
        return address[:at] + char + address[at + 1 :]
    if kind == 1:  # a character dropped
        return address[:at] + address[at + 1 :]
    if kind == 2:  # a character added
        return address[:at] + char + address[at:]
    if kind == 3:  # two neighbours swapped
        at = min(at, len(address) - 2)
        return address[:at] + address[at + 1] + address[at] + address[at + 2 :]
    if kind == 4:  # upper case, all or one character
        return address.upper() if position % 2 else address[:at] + address[at].upper() + address[at + 1 :]
    return char * (position % 3) + address[position % 5 :]  # another prefix or hrp


@settings(max_examples=1500, deadline=None)
@given(
    st.binary(min_size=20, max_size=20),
    st.integers(0, 5),
    st.integers(0, 200),
    st.sampled_from(BECH32_CHARSET + "1bioBQ ?\x00é"),
)
def test_a_damaged_address_is_judged_as_the_reference_judges_it(
    payload: bytes, kind: int, position: int, char: str
) -> None:
    address = _damaged(encode_payload(payload), kind, position, char)
    assert decode_payload(address) == reference_payload(address), address


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=BECH32_CHARSET + "1gosGOS", min_size=0, max_size=50))
def test_any_string_is_judged_as_the_reference_judges_it(text: str) -> None:
    for candidate in (text, "gos1" + text):
        assert decode_payload(candidate) == reference_payload(candidate), candidate


def test_non_strings_are_not_addresses() -> None:
    for value in (None, 42, b"gos1fytfvr5764zq4p0adzxp7kzk7nwy9979p27tq7", ["gos1"]):
        assert decode_payload(value) is None
