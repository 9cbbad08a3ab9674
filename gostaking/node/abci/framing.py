"""CometBFT's socket framing: every protobuf message is preceded by its length as an unsigned varint.

(CometBFT ≥ 0.35 uses protobuf's plain uvarint; 0.34 used a zigzag-signed one. Only the v0.38 form is spoken.)
"""

import asyncio

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""Largest frame accepted: above CometBFT's default 21 MB block (FinalizeBlock carries all its txs)."""

_MAX_VARINT_BYTES = 10


class FramingError(Exception):
    """The peer sent bytes that are not a valid length-prefixed frame (the connection must be dropped)."""


def encode_uvarint(value: int) -> bytes:
    """Protobuf base-128 varint of a non-negative integer below 2^64."""
    if not 0 <= value < 1 << 64:
        raise ValueError(f"a uvarint holds 0..2^64-1, got {value}")
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_uvarint(data: bytes | bytearray | memoryview, offset: int = 0) -> tuple[int, int] | None:
    """Decode a varint at `offset`: (value, offset after it), or None if `data` ends inside it.

    Raises FramingError for a varint longer than 10 bytes or above 2^64-1.
    """
    value = 0
    for index in range(_MAX_VARINT_BYTES):
        if offset + index >= len(data):
            return None
        byte = data[offset + index]
        value |= (byte & 0x7F) << (7 * index)
        if byte < 0x80:
            if value >= 1 << 64:
                raise FramingError("varint exceeds 64 bits")
            return value, offset + index + 1
    raise FramingError("varint longer than 10 bytes")


def frame(message: bytes) -> bytes:
    """`message` with its length prefix."""
    return encode_uvarint(len(message)) + message


def split_frames(buffer: bytearray, max_bytes: int = MAX_MESSAGE_BYTES) -> list[bytes]:
    """Remove every complete frame from the front of `buffer` and return their messages (in order)."""
    messages: list[bytes] = []
    offset = 0
    while True:
        header = decode_uvarint(buffer, offset)
        if header is None:
            break
        length, start = header
        if length > max_bytes:
            raise FramingError(f"frame of {length} bytes exceeds the {max_bytes}-byte limit")
        if start + length > len(buffer):
            break
        messages.append(bytes(buffer[start : start + length]))
        offset = start + length
    del buffer[:offset]
    return messages


async def read_frame(reader: asyncio.StreamReader, max_bytes: int = MAX_MESSAGE_BYTES) -> bytes | None:
    """Read one framed message; None on a clean end of stream between frames.

    Raises FramingError for a malformed or oversized prefix and asyncio.IncompleteReadError when the stream
    ends inside a frame.
    """
    value = 0
    for index in range(_MAX_VARINT_BYTES):
        byte_read = await reader.read(1)
        if not byte_read:
            if index == 0:
                return None
            raise asyncio.IncompleteReadError(b"", None)
        byte = byte_read[0]
        value |= (byte & 0x7F) << (7 * index)
        if byte < 0x80:
            break
    else:
        raise FramingError("varint longer than 10 bytes")
    if value > max_bytes:
        raise FramingError(f"frame of {value} bytes exceeds the {max_bytes}-byte limit")
    return await reader.readexactly(value)
