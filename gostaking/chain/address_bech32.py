"""BIP-173 bech32 (not bech32m) for the one shape of address the chain has: `gos1` + 38 characters.

A `gos1…` address is hrp `gos`, 32 five-bit words of a 20-byte payload and a 6-word checksum. The PyPI `bech32`
package (the BIP's reference code) does this word by word in Python, ~20 µs per address, and a transfer to a fresh
recipient pays it twice (the sender's address from its key, the recipient's check). Here the fixed shape is used:

- the checksum is GF(2)-linear in the payload's bits (BIP-173's polymod is multiplication of polynomials over
  GF(32), whose addition is xor), so with the hrp fixed it is a constant xor one precomputed 30-bit value per
  (byte position, byte value): 20 table look-ups;
- the 38 characters are one 190-bit integer: payload << 30 | checksum, read with `int(…, 32)` after a
  `str.translate` from the bech32 alphabet to Python's base-32 digits, written 10 bits (two characters) at a time.

It accepts and refuses exactly what `bech32.bech32_decode` + `convertbits(…, 5, 8, False)` with hrp `gos` and a
20-byte result do for lower-case strings (tests/chain/test_address_bech32.py checks BIP-173's vectors and random
payloads and mutations against the package). The tables are built at import from the BIP's polymod, below.
"""

from collections.abc import Sequence

BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
ADDRESS_HRP = "gos"
PAYLOAD_BYTES = 20
_PREFIX = ADDRESS_HRP + "1"
_DATA_CHARS = 38  # 32 payload words (160 bits) + 6 checksum words
_ADDRESS_CHARS = len(_PREFIX) + _DATA_CHARS
_CHECKSUM_BITS = 30
_CHECKSUM_MASK = (1 << _CHECKSUM_BITS) - 1
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def bech32_polymod(values: Sequence[int]) -> int:
    """BIP-173's checksum function, as the BIP writes it (used only to build the tables)."""
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for index, generator in enumerate(_GENERATOR):
            if (top >> index) & 1:
                checksum ^= generator
    return checksum


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(char) >> 5 for char in hrp] + [0] + [ord(char) & 31 for char in hrp]


def _payload_residue(payload: int) -> int:
    """polymod(hrp ‖ the payload's 32 words ‖ six zero words): the checksum of `payload`, before the final xor 1."""
    words = [(payload >> shift) & 31 for shift in range(155, -5, -5)]
    return bech32_polymod(_hrp_expand(ADDRESS_HRP) + words + [0] * 6)


def _byte_tables() -> tuple[int, tuple[tuple[int, ...], ...]]:
    """The checksum's constant and, per payload byte position, the xor contribution of each byte value."""
    constant = _payload_residue(0) ^ 1
    tables = []
    for position in range(PAYLOAD_BYTES):
        shift = 8 * (PAYLOAD_BYTES - 1 - position)
        per_bit = [_payload_residue(1 << (shift + bit)) ^ _payload_residue(0) for bit in range(8)]
        table = [0] * 256
        for value in range(1, 256):
            lowest = (value & -value).bit_length() - 1
            table[value] = table[value & (value - 1)] ^ per_bit[lowest]
        tables.append(tuple(table))
    return constant, tuple(tables)


_CHECKSUM_CONSTANT, _CHECKSUM_TABLES = _byte_tables()
_CHAR_PAIRS = tuple(BECH32_CHARSET[pair >> 5] + BECH32_CHARSET[pair & 31] for pair in range(1024))
_PAIR_SHIFTS = tuple(range(_DATA_CHARS * 5 - 10, -10, -10))
_TO_INT_DIGITS = str.maketrans(BECH32_CHARSET, "0123456789abcdefghijklmnopqrstuv")
_DROP_CHARSET = str.maketrans(dict.fromkeys(BECH32_CHARSET))


def _checksum(payload: bytes) -> int:
    checksum = _CHECKSUM_CONSTANT
    for table, value in zip(_CHECKSUM_TABLES, payload, strict=True):
        checksum ^= table[value]
    return checksum


def encode_payload(payload: bytes) -> str:
    """`gos1…` for a 20-byte payload (the caller checks the length)."""
    data = int.from_bytes(payload, "big") << _CHECKSUM_BITS | _checksum(payload)
    return _PREFIX + "".join([_CHAR_PAIRS[(data >> shift) & 1023] for shift in _PAIR_SHIFTS])


def decode_payload(address: object) -> bytes | None:
    """The 20-byte payload of a canonical (lower-case) `gos1…` address with a valid checksum, else None."""
    if not isinstance(address, str) or len(address) != _ADDRESS_CHARS or not address.startswith(_PREFIX):
        return None
    data = address[len(_PREFIX) :]
    if data.translate(_DROP_CHARSET):  # a character outside the bech32 alphabet is left over
        return None
    value = int(data.translate(_TO_INT_DIGITS), 32)
    payload = (value >> _CHECKSUM_BITS).to_bytes(PAYLOAD_BYTES, "big")
    return payload if value & _CHECKSUM_MASK == _checksum(payload) else None
