"""Genesis: no premine, validated parameters, nodes and balances; the first mining set; the JSON document, with
and without later modules' sections."""

import msgspec
import pytest

from gostaking.chain.errors import ChainError, InvalidGenesisError, NodeAlreadyRegisteredError
from gostaking.chain.genesis import (
    Genesis,
    GenesisBalance,
    GenesisNode,
    decode_genesis,
    encode_genesis,
    init_chain,
)
from gostaking.chain.invariants import check_invariants
from gostaking.chain.modules import MODULES
from gostaking.chain.modules.bank.queries import get_gos_supply_ugos
from gostaking.chain.modules.liquid.queries import get_liquid_params
from gostaking.chain.state import State
from gostaking.chain.types.liquid import LiquidGenesis, LiquidParams
from gostaking.chain.types.params import ChainParams, RewardSplitParams, StakingParams

from counter_module.module import MODULE as COUNTER
from counter_module.tables import PARAMS as COUNTER_PARAMS
from counter_module.types import CounterGenesis, CounterParams
from harness import BTC, CHAIN_ID, consensus_key, key


def genesis(**changes: object) -> Genesis:
    base = Genesis(
        CHAIN_ID,
        0,
        assets=[BTC],
        balances=[GenesisBalance(key(1).address, "btc", 10**8)],
        nodes=[GenesisNode(key(1000).address, consensus_key(1), "n0")],
    )
    return msgspec.structs.replace(base, **changes)


def test_genesis_has_zero_gos_and_its_nodes_form_the_first_mining_set() -> None:
    state = State()
    updates = init_chain(state, genesis())
    check_invariants(state)
    assert get_gos_supply_ugos(state) == 0
    assert state.mining_set.get().operators == (key(1000).address,)
    assert [(u.consensus_pubkey, u.power) for u in updates] == [(consensus_key(1), 10)]


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"balances": [GenesisBalance(key(1).address, "ugos", 1)]}, InvalidGenesisError, "no premine"),
        ({"balances": [GenesisBalance(key(1).address, "doge", 1)]}, InvalidGenesisError, "unregistered asset"),
        ({"balances": [GenesisBalance("gos1nope", "btc", 1)]}, InvalidGenesisError, "bad address"),
        ({"balances": [GenesisBalance(key(1).address, "btc", 0)]}, InvalidGenesisError, "positive"),
        ({"chain_id": ""}, InvalidGenesisError, "chain id"),
        (
            {"nodes": [GenesisNode(key(1000).address, consensus_key(1), "a")] * 2},
            NodeAlreadyRegisteredError,
            "already runs a node",
        ),
        (
            {
                "nodes": [
                    GenesisNode(key(1000).address, consensus_key(1), "a"),
                    GenesisNode(key(1001).address, consensus_key(1), "b"),
                ]
            },
            NodeAlreadyRegisteredError,
            "consensus key",
        ),
        ({"nodes": [GenesisNode(key(1000).address, b"short", "a")]}, ChainError, "32 bytes"),
        ({"params": ChainParams(rewards=RewardSplitParams(users_ppm=900_000))}, InvalidGenesisError, "sum to"),
        (
            {"params": ChainParams(staking=StakingParams(vote_unbonding_blocks=0))},
            InvalidGenesisError,
            "unbonding",
        ),
    ],
)
def test_invalid_genesis_is_refused_with_a_clear_error(changes: dict[str, object], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        init_chain(State(), genesis(**changes))


def test_genesis_json_round_trips_and_bad_json_is_a_clear_error() -> None:
    doc = genesis()
    assert decode_genesis(encode_genesis(doc)) == doc
    with pytest.raises(InvalidGenesisError, match="not valid JSON"):
        decode_genesis(b"{nope")
    with pytest.raises(InvalidGenesisError, match="invalid genesis"):
        decode_genesis(b'{"chain_id": 5, "genesis_time_ms": 0}')


def test_genesis_with_module_sections_round_trips_and_each_module_reads_its_section_back() -> None:
    liquid = LiquidGenesis(LiquidParams(rebalance_interval_blocks=7))
    counter = CounterGenesis(CounterParams(max_note_bytes=3))
    doc = genesis(
        modules={
            "liquid": msgspec.Raw(msgspec.json.encode(liquid)),
            "counter": msgspec.Raw(msgspec.json.encode(counter)),
        }
    )
    written = encode_genesis(doc)
    read_back = decode_genesis(written)
    assert read_back == doc
    assert encode_genesis(read_back) == written  # a document read and written again stays byte for byte the same
    assert msgspec.json.decode(read_back.modules["liquid"], type=LiquidGenesis) == liquid
    state = State(modules=(*MODULES, COUNTER))
    init_chain(state, read_back)
    assert get_liquid_params(state) == liquid.params
    assert state[COUNTER_PARAMS].get() == counter.params


def test_genesis_without_module_sections_is_written_without_a_modules_key() -> None:
    assert b'"modules"' not in encode_genesis(genesis())


def test_init_chain_refuses_a_state_that_is_not_empty() -> None:
    state = State()
    init_chain(state, genesis())
    with pytest.raises(InvalidGenesisError, match="not empty"):
        init_chain(state, genesis())
