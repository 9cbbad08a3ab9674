"""Property-based fuzzing of the transaction decoder and of every message handler.

Decoder: any bytes, and any mutation of a valid transaction's JSON, give a transaction or a DecodeError — never
another exception — and whatever decodes re-encodes to exactly the same bytes (one spelling, one id).

Handlers: for every message type the registry knows (so a new module's messages are fuzzed without a line
here), messages are built from the type's own fields — amounts at and beyond every limit, the addresses of real
actors, module accounts and garbage, denoms that exist, look alike or do not, arbitrary bytes and text — signed
by a real account of a chain in mid-life (funded accounts, nodes, deposits, proposals, pools), and executed.
Whatever the message, execution ends in a result (never an exception), every invariant holds afterwards, a
refused transaction changes nothing, and a failed one changes only its fee and sequence.
"""

import base64
import json
import os
from functools import cache
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gostaking.chain.codec import decode_tx, encode_tx
from gostaking.chain.constants import FEE_COLLECTOR_ACCOUNT, MODULE_ADDRESSES
from gostaking.chain.env import Context
from gostaking.chain.errors import ChainError, DecodeError
from gostaking.chain.invariants import check_invariants
from gostaking.chain.modules.bank.queries import get_account
from gostaking.chain.modules.dex.lifecycle import observe_pool_prices
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.state import State, registry_of
from gostaking.chain.transition import execute_tx
from gostaking.chain.types.block import BlockEnv
from gostaking.chain.types.tx import MsgSendCoins, Tx
from gostaking.wallet.keys import PrivateKey, sign_tx

from simulation import CHAIN_ID, CUSTODIANS, EVERYONE, EXTERNAL_ADDRESSES, STRANGER, USERS, Simulation

REGISTRY = registry_of(None)
MESSAGE_TYPES = sorted(REGISTRY.message_types, key=lambda t: t.__name__)
EXAMPLES = int(os.environ.get("GOSTAKING_FUZZ_EXAMPLES", "100"))
"""Examples per property (`make fuzz-nightly` runs 5,000)."""
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- values that matter to the chain, mixed with arbitrary ones ---------------------------------------------------

EDGE_INTS = [0, 1, -1, 2, 999, 10**6, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 2**255, 2**256 - 1, 2**256, -(2**256)]
ADDRESSES = [k.address for k in EVERYONE] + [STRANGER, *MODULE_ADDRESSES.values()]
STRINGS = [
    *ADDRESSES,
    EVERYONE[0].address.upper(),
    EVERYONE[0].address[:-1] + "q",
    "ugos",
    "btc",
    "eth",
    "dcr",
    "BTC",
    "btc ",
    "doge",
    "bitcoin",
    "ethereum",
    *[a for addresses in EXTERNAL_ADDRESSES.values() for a in addresses],
    "",
    " ",
    "x" * 300,
    "bτc",
    "\x00",
    "yes",
    "no",
    "abstain",
]
integers = st.one_of(st.sampled_from(EDGE_INTS), st.integers(0, 10**12), st.integers())
strings = st.one_of(st.sampled_from(STRINGS), st.text(max_size=40))
byte_strings = st.one_of(st.binary(max_size=70), st.binary(min_size=32, max_size=32))


def strategy_for(info: mi.Type) -> st.SearchStrategy[Any]:
    """Values of a msgspec type: edge cases of its kind and arbitrary ones, recursing into structs and unions."""
    match info:
        case mi.IntType():
            return integers
        case mi.StrType():
            return strings
        case mi.BytesType():
            return byte_strings
        case mi.BoolType():
            return st.booleans()
        case mi.NoneType():
            return st.none()
        case mi.LiteralType(values=values):
            return st.sampled_from(values)
        case mi.UnionType(types=types):
            return st.one_of(*(strategy_for(t) for t in types))
        case mi.ListType(item_type=item):
            return st.lists(strategy_for(item), max_size=4)
        case mi.VarTupleType(item_type=item):
            return st.lists(strategy_for(item), max_size=4).map(tuple)
        case mi.TupleType(item_types=items):
            return st.tuples(*(strategy_for(t) for t in items))
        case mi.StructType(cls=cls, fields=fields):
            return st.builds(cls, **{f.name: strategy_for(f.type) for f in fields})
    raise AssertionError(f"no fuzzing strategy for {info!r}: add one for this field type")


def messages_of(message_type: type[msgspec.Struct]) -> st.SearchStrategy[Any]:
    return strategy_for(mi.type_info(message_type))


# --- the decoder ---------------------------------------------------------------------------------------------------


def decodes_cleanly(raw: bytes) -> Tx | None:
    """The decoded tx (which re-encodes to `raw` exactly), or None for a DecodeError; any other exception fails."""
    try:
        tx = decode_tx(raw)
    except DecodeError:
        return None
    assert encode_tx(tx) == raw
    return tx


@FUZZ
@given(st.binary(max_size=600))
def test_any_bytes_decode_to_a_tx_or_a_decode_error(raw: bytes) -> None:
    decodes_cleanly(raw)


def _a_valid_tx() -> bytes:
    return sign_tx(USERS[0], CHAIN_ID, 3, [MsgSendCoins(USERS[1].address, "btc", 5)], 1_000, "memo")


json_values = st.recursive(
    st.none() | st.booleans() | integers | strings | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(strings, inner, max_size=3),
    max_leaves=8,
)


def _mutate(document: Any, path: list[int], value: Any) -> Any:
    """Replace the node that `path` (indices into the children of each container) leads to by `value`."""
    if not path or not isinstance(document, dict | list) or not document:
        return value
    keys = list(document) if isinstance(document, dict) else list(range(len(document)))
    key = keys[path[0] % len(keys)]
    document[key] = _mutate(document[key], path[1:], value)
    return document


@FUZZ
@given(st.lists(st.integers(0, 10), max_size=6), json_values)
def test_a_mutated_valid_transaction_decodes_to_a_tx_or_a_decode_error(path: list[int], value: Any) -> None:
    document = json.loads(_a_valid_tx())
    raw = json.dumps(_mutate(document, path, value), separators=(",", ":"), ensure_ascii=False).encode()
    decodes_cleanly(raw)


@FUZZ
@given(st.data())
def test_every_message_type_round_trips_through_the_wire(data: st.DataObject) -> None:
    message_type = data.draw(st.sampled_from(MESSAGE_TYPES))
    msg = data.draw(messages_of(message_type))
    try:
        raw = sign_tx(USERS[0], CHAIN_ID, 0, [msg], 1_000)
    except (OverflowError, ValueError, msgspec.EncodeError):
        return  # not even encodable (e.g. a surrogate in a string): no node can receive it
    tx = decodes_cleanly(raw)
    if tx is not None:
        assert tx.body.msgs == [msg]


def test_the_transaction_the_mutations_start_from_is_valid() -> None:
    assert decodes_cleanly(_a_valid_tx()) is not None
    assert decodes_cleanly(base64.b64encode(_a_valid_tx())) is None


# --- the handlers --------------------------------------------------------------------------------------------------


@cache
def _mid_life_chain() -> tuple[list[tuple[bytes, bytes]], int, int]:
    """The committed state of a simulated chain after 400 blocks (funded accounts, nodes, jailings, deposits,
    withdrawals, proposals, pools, a burn), its height and time."""
    simulation = Simulation(7, check_every_block=False).run(400)
    return sorted(simulation.committed.items()), simulation.state.height.get(), simulation.time_ms


def _load() -> tuple[State, BlockEnv]:
    items, height, time_ms = _mid_life_chain()
    state = State()
    state.load_items(items)
    state.take_block_writes()
    return state, BlockEnv(CHAIN_ID, height + 1, time_ms + 30_000, "", (), (), ())


SIGNERS = [*USERS[:3], CUSTODIANS[0], EVERYONE[0]]
"""Users, a custodian and a genesis node operator: each message kind meets a signer it may be valid for."""


def _run(signer: PrivateKey, msgs: list[Any], fee: int) -> None:
    state, env = _load()
    sequence = get_account(state, signer.address).sequence
    try:
        raw = sign_tx(signer, CHAIN_ID, sequence, msgs, fee)
    except (OverflowError, ValueError, msgspec.EncodeError):
        return
    result = execute_tx(state, env, raw)  # a handler raising anything but a ChainError fails the test here
    writes = state.take_block_writes()
    # The exchange's price accumulators are settled at the end of a block (a pool changed by this transaction is
    # observed then); settle them as the block's end would before checking what must hold between blocks.
    observe_pool_prices(state, Context(env))
    check_invariants(state)
    if result.code == 0:
        return
    assert result.log.split(":", 1)[0] in {cls.__name__ for cls in _chain_errors()}, result.log
    if result.fee == 0:
        assert writes == {}, "a refused transaction must change nothing"
    else:
        fee_keys = {
            state.accounts.storage_key(signer.address),
            state.balances.storage_key((signer.address, GOS_DENOM)),
            state.balances.storage_key((FEE_COLLECTOR_ACCOUNT, GOS_DENOM)),
        }
        assert set(writes) <= fee_keys, "a failed message may only cost its fee and sequence"


@cache
def _chain_errors() -> list[type[ChainError]]:
    found: list[type[ChainError]] = []
    pending: list[type[ChainError]] = [ChainError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize("message_type", MESSAGE_TYPES, ids=lambda t: t.__name__)
def test_every_message_handler_meets_arbitrary_messages_without_breaking_the_chain(
    message_type: type[msgspec.Struct],
) -> None:
    @FUZZ
    @given(st.sampled_from(SIGNERS), messages_of(message_type), st.sampled_from([1_000, 1_000, 0, 10**15]))
    def fuzz(signer: PrivateKey, msg: Any, fee: int) -> None:
        _run(signer, [msg], fee)

    fuzz()


@FUZZ
@given(st.sampled_from(SIGNERS), st.data())
def test_transactions_of_several_arbitrary_messages_are_all_or_nothing(signer: PrivateKey, data: st.DataObject) -> None:
    types = data.draw(st.lists(st.sampled_from(MESSAGE_TYPES), min_size=2, max_size=4))
    _run(signer, [data.draw(messages_of(t)) for t in types], 1_000)
