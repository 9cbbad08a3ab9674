"""Turning chain and node records into response schemas: amounts with units, blocks, transactions, events, and the
responses that copy the fields a record names as they do."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec
from pydantic import BaseModel

from gostaking.chain.codec import decode_tx, tx_hash
from gostaking.chain.errors import ChainError
from gostaking.chain.events import EventKind
from gostaking.chain.modules.bank.queries import compute_index_after_burn, compute_shares_to_ugos, get_gos_index
from gostaking.chain.modules.emission.queries import compute_burn_heights, get_burns_done
from gostaking.chain.numeric import INDEX_ONE, MICRO_HASH_PER_HASH, PPM, format_gos, format_units
from gostaking.chain.state import State
from gostaking.chain.types.block import Event, TxResult
from gostaking.chain.types.lock import Asset
from gostaking.node.blocks import StoredBlock

from .schemas.blocks import BlockResponse, BlockSummary, TxInBlock, ValidatorUpdateView
from .schemas.common import EventView, GosAmount, HashPower
from .schemas.events import EventAttributeView, EventKindView

_HASH_DECIMALS = len(str(MICRO_HASH_PER_HASH)) - 1


def gos(ugos: int) -> GosAmount:
    """An amount of GOS in ugos and as a decimal GOS string."""
    return GosAmount(ugos=ugos, gos=format_gos(ugos))


def hash_power(micro_hs: int) -> HashPower:
    """Hash power in micro-H/s and as a decimal H/s string."""
    return HashPower(**hash_power_json(micro_hs))


def hash_power_json(micro_hs: int) -> dict[str, Any]:
    """`hash_power` as the JSON object it serialises to, for an answer built as plain dicts (a long list)."""
    return {"micro_hs": micro_hs, "hs": format_units(micro_hs, _HASH_DECIMALS)}


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


ViewT = TypeVar("ViewT", bound=BaseModel)
Record = Mapping[str, Any] | msgspec.Struct | BaseModel
"""What a response is filled from: a chain struct, an index row or another response."""
_ABSENT = object()


def _field(record: Record, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name, _ABSENT)
    names = record.__struct_fields__ if isinstance(record, msgspec.Struct) else type(record).model_fields
    return getattr(record, name) if name in names else _ABSENT


def from_records(view: type[ViewT], *records: Record, **shown: Any) -> ViewT:
    """A `view` whose fields are `shown`, or else copied from the first of `records` that has a field of that name.

    The chain's structs, the index's rows and the other responses name what they share as the responses do, so a
    route spells out only what it converts or computes (amounts, hex, percentages, renamed columns). A field found
    nowhere, or a `shown` name the view does not have, is a TypeError rather than a silent default. Bytes and
    other values a response shows differently must be `shown`: a copy is taken as it is.
    """
    unknown = shown.keys() - view.model_fields.keys()
    if unknown:
        raise TypeError(f"{view.__name__} has no field {', '.join(sorted(unknown))}")
    values = dict(shown)
    for name in view.model_fields:
        if name in shown:
            continue
        for record in records:
            value = _field(record, name)
            if value is not _ABSENT:
                values[name] = value
                break
        else:
            raise TypeError(f"{view.__name__}.{name} is neither shown nor in its records")
    return view(**values)


def params_view(view: type[ViewT], *params: msgspec.Struct, **shown: Any) -> ViewT:
    """A parameters response: the chain's `params` copied by name (as `from_records`), and for a view field
    `<name>` beside a parameter `<name>_ppm` the share as a percentage, or `<name>_ugos` the amount of GOS: every
    parameters view shows those two units so."""
    units: dict[str, Any] = {}
    for struct in params:
        for name in struct.__struct_fields__:
            base, _, unit = name.rpartition("_")
            if base in view.model_fields and base not in shown and unit in ("ppm", "ugos"):
                value = getattr(struct, name)
                units[base] = percent(value, PPM) if unit == "ppm" else gos(value)
    return from_records(view, *params, **units, **shown)


def listed_asset_view(view: type[ViewT], denom: str, asset: Asset, **shown: Any) -> ViewT:
    """A `view` of a listed asset: its registration (decimals, hosted chain, weight_ppm) as stored, its price of one
    whole asset in GOS and its value weight as a fraction, shown alike by every view of an asset."""
    return from_records(view, asset, denom=denom, price=gos(asset.price_ugos), weight=weight(asset.weight_ppm), **shown)


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


def event_view(event: Event, gos_index: int | None = None) -> EventView:
    """An event with its attributes as a mapping. Given the GOS index of its block (`gos_index_at`), a claim, which
    the chain records in GOS shares, also shows what it paid: `amount` in ugos and `gos` in GOS."""
    attributes = dict(event.attributes)
    if event.kind == "claim" and gos_index is not None and "shares" in attributes and "amount" not in attributes:
        ugos = compute_shares_to_ugos(int(attributes["shares"]), gos_index)
        attributes["amount"], attributes["gos"] = str(ugos), format_gos(ugos)
    return EventView(kind=event.kind, attributes=attributes)


def gos_index_at(state: State, height: int) -> int:
    """The GOS share index in block `height` (after that block's burn, if any): the current one unless a burn came
    after the block; then replayed from genesis over the burns done, as the chain's burns moved it (and as the
    indexer replays it)."""
    params = state.params.get().emission
    done = compute_burn_heights(params)[: get_burns_done(state)]
    if not done or height >= done[-1]:
        return get_gos_index(state)
    index = INDEX_ONE
    for burn_height in done:
        if burn_height > height:
            break
        index = compute_index_after_burn(index, params.burn_numerator, params.burn_denominator)
    return index


def event_kind_view(kind: EventKind) -> EventKindView:
    """An entry of the chain's published event list."""
    return EventKindView(
        kind=kind.kind,
        module=kind.module,
        attributes=[EventAttributeView(name=name, type=type_name) for name, type_name in kind.fields],
        description=kind.doc,
    )


def decoded_tx(raw: bytes) -> tuple[dict[str, Any] | None, str, dict[str, Any] | None]:
    """(body as plain data, signature hex, multisig as plain data or None) of wire bytes; (None, reason, None) when
    they do not decode. A multisig sender's transaction has an empty signature and its members' in `multisig`."""
    try:
        tx = decode_tx(raw)
    except ChainError as error:
        return None, str(error), None
    return to_plain(tx.body), tx.signature.hex(), None if tx.multisig is None else to_plain(tx.multisig)


def tx_in_block(index: int, raw: bytes, result: TxResult, gos_index: int | None = None) -> TxInBlock:
    """One transaction of a block with its result (claims in GOS given the block's GOS index, see event_view)."""
    body, signature, multisig = decoded_tx(raw)
    return TxInBlock(
        index=index,
        hash=tx_hash(raw).hex(),
        code=result.code,
        log=result.log,
        sender=result.sender,
        fee=gos(result.fee),
        events=[event_view(e, gos_index) for e in result.events],
        body=body,
        signature=signature if body is not None else "",
        multisig=multisig,
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


def block_response(block: StoredBlock, gos_index: int | None = None) -> BlockResponse:
    """A whole block: header, signers, transactions with results, block events and validator updates (claims in GOS
    given the block's GOS index, see event_view)."""
    header = block.header
    return BlockResponse(
        **block_summary(block).model_dump(),
        chain_id=header.chain_id,
        previous_hash=header.previous_hash.hex(),
        txs_hash=header.txs_hash.hex(),
        results_hash=header.results_hash.hex(),
        signers=list(block.signers),
        txs=[
            tx_in_block(i, raw, res, gos_index)
            for i, (raw, res) in enumerate(zip(block.txs, block.tx_results, strict=True))
        ],
        events=[event_view(e, gos_index) for e in block.events],
        validator_updates=[
            ValidatorUpdateView(consensus_pubkey=u.consensus_pubkey.hex(), power=u.power)
            for u in block.validator_updates
        ],
    )
