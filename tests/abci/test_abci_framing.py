"""Varint framing of the ABCI socket protocol (no CometBFT needed)."""

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gostaking.node.abci.framing import (
    FramingError,
    decode_uvarint,
    encode_uvarint,
    frame,
    read_frame,
    split_frames,
)
from gostaking.node.abci.server import AddressError, parse_address


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, b"\x00"),
        (1, b"\x01"),
        (127, b"\x7f"),
        (128, b"\x80\x01"),
        (300, b"\xac\x02"),
        (2**64 - 1, b"\xff" * 9 + b"\x01"),
    ],
)
def test_uvarint_matches_protobuf_encoding(value: int, encoded: bytes) -> None:
    assert encode_uvarint(value) == encoded
    assert decode_uvarint(encoded) == (value, len(encoded))


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_uvarint_round_trip(value: int) -> None:
    encoded = encode_uvarint(value)
    assert decode_uvarint(b"xx" + encoded, 2) == (value, 2 + len(encoded))
    assert decode_uvarint(encoded[:-1]) is None  # truncated: wait for more bytes


def test_bad_varints_are_refused() -> None:
    with pytest.raises(ValueError):
        encode_uvarint(-1)
    with pytest.raises(FramingError, match="longer than 10 bytes"):
        decode_uvarint(b"\x80" * 11)
    with pytest.raises(FramingError, match="64 bits"):
        decode_uvarint(b"\xff" * 9 + b"\x7f")


@given(st.lists(st.binary(max_size=300), max_size=8), st.integers(min_value=1, max_value=50))
def test_split_frames_reassembles_any_chunking(messages: list[bytes], chunk: int) -> None:
    stream = b"".join(frame(message) for message in messages)
    buffer = bytearray()
    out: list[bytes] = []
    for start in range(0, len(stream), chunk):
        buffer += stream[start : start + chunk]
        out.extend(split_frames(buffer))
    assert out == messages
    assert buffer == bytearray()


def test_split_frames_refuses_oversized_frames() -> None:
    with pytest.raises(FramingError, match="exceeds"):
        split_frames(bytearray(encode_uvarint(1001)), max_bytes=1000)


def test_read_frame_from_a_stream() -> None:
    async def scenario() -> list[bytes | None]:
        reader = asyncio.StreamReader()
        reader.feed_data(frame(b"hello") + frame(b"") + frame(b"x" * 200))
        reader.feed_eof()
        return [await read_frame(reader) for _ in range(4)]

    assert asyncio.run(scenario()) == [b"hello", b"", b"x" * 200, None]


def test_read_frame_inside_a_frame_at_eof() -> None:
    async def scenario() -> None:
        reader = asyncio.StreamReader()
        reader.feed_data(frame(b"hello")[:3])
        reader.feed_eof()
        await read_frame(reader)

    with pytest.raises(asyncio.IncompleteReadError):
        asyncio.run(scenario())


def test_listen_addresses() -> None:
    assert parse_address("tcp://127.0.0.1:26658") == ("tcp", "127.0.0.1", 26658)
    assert parse_address("127.0.0.1:9") == ("tcp", "127.0.0.1", 9)
    assert parse_address("unix:///tmp/app.sock") == ("unix", "/tmp/app.sock", 0)
    for bad in ("tcp://127.0.0.1", "tcp://:80", "tcp://host:99999", "unix://", "http://x:y"):
        with pytest.raises(AddressError):
            parse_address(bad)
