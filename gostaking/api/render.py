"""Turning chain and node records into response schemas: amounts with units, blocks, transactions, events."""

from datetime import UTC, datetime
from typing import Any

import msgspec

from gostaking.chain.codec import decode_tx, tx_hash
from gostaking.chain.errors import ChainError
from gostaking.chain.events import EventKind
from gostaking.chain.numeric import MICRO_HASH_PER_HASH, PPM, UGOS_PER_GOS
from gostaking.chain.types.block import Event, TxResult
from gostaking.node.blocks import StoredBlock

from .schemas.blocks import BlockResponse, BlockSummary, TxInBlock, ValidatorUpdateView
from .schemas.common import EventView, GosAmount, HashPower
from .schemas.events import EventAttributeView, EventKindView


def format_units(amount: int, decimals: int) -> str:
    """Base units as an exact decimal string (no floats): format_units(150, 2) == '1.5'."""
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**decimals)
    if decimals == 0 or frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:0{decimals}d}".rstrip("0")


_GOS_DECIMALS = len(str(UGOS_PER_GOS)) - 1
_HASH_DECIMALS = len(str(MICRO_HASH_PER_HASH)) - 1


def gos(ugos: int) -> GosAmount:
    """An amount of GOS in ugos and as a decimal GOS string."""
    return GosAmount(ugos=ugos, gos=format_units(ugos, _GOS_DECIMALS))


def hash_power(micro_hs: int) -> HashPower:
    """Hash power in micro-H/s and as a decimal H/s string."""
    return HashPower(micro_hs=micro_hs, hs=format_units(micro_hs, _HASH_DECIMALS))


def percent(part: int, whole: int) -> str:
    """part / whole as a percentage string, exact to 4 decimals, rounded down ('0.5%')."""
    if whole <= 0:
        return "0%"
    return format_units(part * 100 * 10**4 // whole, 4) + "%"


def weight(ppm: int) -> str:
    """A ppm weight as a decimal fraction ('0.1')."""
    return format_units(ppm, len(str(PPM)) - 1)


def iso_time(time_ms: int) -> str:
    """Block time as ISO 8601 UTC."""
    return datetime.fromtimestamp(time_ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_plain(value: Any) -> Any:
    """JSON-friendly view of a msgspec struct: dicts with field names, bytes as hex, tagged messages with `type`."""
    if isinstance(value, msgspec.Struct):
        out: dict[str, Any] = {}
        tag = type(value).__struct_config__.tag
        if isinstance(tag, str):
            out["type"] = tag
        for name in value.__struct_fields__:
            out[name] = to_plain(getattr(value, name))
        return out
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    return value


def event_view(event: Event) -> EventView:
    """An event with its attributes as a mapping."""
    return EventView(kind=event.kind, attributes=dict(event.attributes))


def event_kind_view(kind: EventKind) -> EventKindView:
    """An entry of the chain's published event list."""
    return EventKindView(
        kind=kind.kind,
        module=kind.module,
        attributes=[EventAttributeView(name=name, type=type_name) for name, type_name in kind.fields],
        description=kind.doc,
    )


def decoded_tx(raw: bytes) -> tuple[dict[str, Any] | None, str]:
    """(body as plain data, signature hex) of wire bytes; (None, reason) when they do not decode."""
    try:
        tx = decode_tx(raw)
    except ChainError as error:
        return None, str(error)
    return to_plain(tx.body), tx.signature.hex()


def tx_in_block(index: int, raw: bytes, result: TxResult) -> TxInBlock:
    """One transaction of a block with its result."""
    body, signature = decoded_tx(raw)
    return TxInBlock(
        index=index,
        hash=tx_hash(raw).hex(),
        code=result.code,
        log=result.log,
        sender=result.sender,
        fee=gos(result.fee),
        events=[event_view(e) for e in result.events],
        body=body,
        signature=signature if body is not None else "",
        size_bytes=len(raw),
    )


def block_summary(block: StoredBlock) -> BlockSummary:
    """The header facts of a block, for lists."""
    header = block.header
    return BlockSummary(
        height=header.height,
        hash=block.hash.hex(),
        time_ms=header.time_ms,
        time=iso_time(header.time_ms),
        proposer=header.proposer,
        num_txs=len(block.txs),
        num_failed_txs=sum(1 for r in block.tx_results if r.code),
        app_hash=header.app_hash.hex(),
    )


def block_response(block: StoredBlock) -> BlockResponse:
    """A whole block: header, signers, transactions with results, block events and validator updates."""
    header = block.header
    return BlockResponse(
        **block_summary(block).model_dump(),
        chain_id=header.chain_id,
        previous_hash=header.previous_hash.hex(),
        txs_hash=header.txs_hash.hex(),
        results_hash=header.results_hash.hex(),
        signers=list(block.signers),
        txs=[tx_in_block(i, raw, res) for i, (raw, res) in enumerate(zip(block.txs, block.tx_results, strict=True))],
        events=[event_view(e) for e in block.events],
        validator_updates=[
            ValidatorUpdateView(consensus_pubkey=u.consensus_pubkey.hex(), power=u.power)
            for u in block.validator_updates
        ],
    )
