"""The module registry: a module is one folder plus one line in the module list. A throwaway module
(tests/chain/counter_module, which touches nothing outside its folder) joins a chain and runs through genesis, a
transaction, governance of its parameters, end block and the invariants; the list's order is the enforced layer
order; a list that declares anything twice is refused."""

import ast
import dataclasses
import re
import tomllib
from pathlib import Path
from types import ModuleType

import msgspec
import pytest

from gostaking.chain import transition
from gostaking.chain.codec import decode_tx
from gostaking.chain.constants import MODULE_BY_ADDRESS
from gostaking.chain.errors import DecodeError, InvalidMessageError
from gostaking.chain.genesis import Genesis, init_chain
from gostaking.chain.invariants import InvariantError, check_invariants
from gostaking.chain.module import Module, Registry, RegistryError
from gostaking.chain.modules import MODULES
from gostaking.chain.params import compute_changed_params, store_params
from gostaking.chain.state import State
from gostaking.chain.tables import TableSpec
from gostaking.chain.transition import apply_block
from gostaking.chain.types.block import BlockEnv
from gostaking.chain.types.gov import ParamChange
from gostaking.chain.types.params import ChainParams, TxParams
from gostaking.wallet.keys import sign_tx

from counter_module import handlers as counter_handlers
from counter_module import types as counter_types
from counter_module.module import MODULE as COUNTER
from counter_module.types import CounterGenesis, CounterParams, MsgBump
from harness import key

ROOT = Path(__file__).parents[2]
CHAIN_ID = "gostaking-counter"
ALICE = key(1)


def counter_chain(max_note_bytes: int = 8) -> State:
    state = State(modules=(*MODULES, COUNTER))  # the one line a new module adds to the list
    section = msgspec.Raw(msgspec.json.encode(CounterGenesis(CounterParams(max_note_bytes))))
    free_txs = ChainParams(tx=TxParams(min_fee_ugos=0))  # no premine: nobody has GOS for fees at genesis
    init_chain(state, Genesis(CHAIN_ID, 0, params=free_txs, modules={"counter": section}))
    state.take_block_writes()
    return state


def bump_block(state: State, *notes: str) -> list[object]:
    sequence = state.accounts.get_or(ALICE.address, None)
    first = 0 if sequence is None else sequence.sequence
    txs = [sign_tx(ALICE, CHAIN_ID, first + i, [MsgBump(note)], 0) for i, note in enumerate(notes)]  # type: ignore[list-item]
    env = BlockEnv(CHAIN_ID, state.height.get() + 1, 30_000 * (state.height.get() + 1))
    result = apply_block(state, env, txs)
    check_invariants(state)
    return [result, state.take_block_writes()]


def test_a_throwaway_module_runs_through_genesis_a_transaction_and_end_block() -> None:
    state = counter_chain()
    assert state.counter_params.get() == CounterParams(8)  # its genesis section, in its own parameter table
    result, writes = bump_block(state, "hello", "again")
    assert [r.code for r in result.tx_results] == [0, 0]  # type: ignore[attr-defined]
    assert [(e.kind, dict(e.attributes)) for e in result.tx_results[1].events] == [  # type: ignore[attr-defined]
        ("bumped", {"address": ALICE.address, "count": "2", "note": "again"})
    ]
    assert ("block_bumps", (("bumps", "2"),)) in [(e.kind, e.attributes) for e in result.events]  # type: ignore[attr-defined]
    assert state.counter_counts.get(ALICE.address) == 2
    # Its tables are part of the state's writes (and so of the app hash), under their own names.
    assert b'counter_counts/"' + ALICE.address.encode() + b'"' in writes  # type: ignore[operator]


def test_governance_changes_a_later_modules_parameters_through_the_registry() -> None:
    state = counter_chain()
    store_params(state, compute_changed_params(state, [ParamChange("counter", "max_note_bytes", 3)]))
    assert state.counter_params.get() == CounterParams(3)
    assert state.params.get() == ChainParams(tx=TxParams(min_fee_ugos=0))  # the launch sections did not move
    result, _ = bump_block(state, "long note")
    assert result.tx_results[0].log.startswith("InvalidMessageError: a note is at most 3 bytes")  # type: ignore[attr-defined]
    with pytest.raises(InvalidMessageError, match=r"max_note_bytes must be within 1\.\.64"):
        compute_changed_params(state, [ParamChange("counter", "max_note_bytes", 0)])


def test_the_module_invariant_joins_the_checks() -> None:
    state = counter_chain()
    bump_block(state, "x")
    state.counter_total.set(5)
    with pytest.raises(InvariantError, match="counter total differs"):
        check_invariants(state)


def test_a_chain_without_the_module_cannot_decode_its_messages() -> None:
    raw = sign_tx(ALICE, CHAIN_ID, 0, [MsgBump("x")], 0)  # type: ignore[list-item]
    assert decode_tx(raw, State(modules=(*MODULES, COUNTER)).registry).body.msgs == [MsgBump("x")]
    with pytest.raises(DecodeError, match="malformed transaction"):
        decode_tx(raw)


def test_the_published_event_list_names_every_modules_events() -> None:
    kinds = {k.kind: k for k in Registry((*MODULES, COUNTER)).event_kinds()}
    assert kinds["bumped"].module == "counter"
    assert kinds["bumped"].fields == (("address", "str"), ("count", "int"), ("note", "str"))
    assert kinds["transfer"].module == "bank"
    assert len(kinds) == 70  # 56 + the liquid module's 8 + the book module's 6


def _tables_file(**specs: object) -> ModuleType:
    file = ModuleType("copy.tables")
    vars(file).update(specs)
    return file


@pytest.mark.parametrize(
    "extra",
    [
        Module(name="bank"),
        Module(name="copy", tables=_tables_file(BALANCES=TableSpec("balances", str, int))),
        Module(name="copy", handlers=counter_handlers),
        Module(name="copy", events=counter_types),
        Module(name="copy", params=(dataclasses.replace(COUNTER.params[0], table=None, name="dex"),)),
    ],
    ids=["module", "table", "message", "event", "params section"],
)
def test_a_module_list_that_declares_anything_twice_is_refused(extra: Module) -> None:
    with pytest.raises(RegistryError, match="declared twice"):
        Registry((*MODULES, COUNTER, extra))


def test_a_module_declares_what_its_files_define() -> None:
    """Its tables.py's specs, handlers.py's process_<msg> functions (by their msg annotation), events.py's tagged
    events (not the shared bases) and queries.py's public functions (not what those files import)."""
    assert [spec.name for spec in COUNTER.table_specs()] == [
        "counter_counts",
        "counter_total",
        "counter_block_bumps",
        "counter_params",
    ]
    assert COUNTER.message_handlers() == {MsgBump: counter_handlers.process_bump}
    assert [event.event_kind() for event in COUNTER.event_types()] == ["bumped", "block_bumps"]
    staking = next(module for module in MODULES if module.name == "staking")
    kinds = [event.event_kind() for event in staking.event_types()]
    assert "vote" in kinds and "unstake" in kinds and "BondEvent" not in kinds
    bank = next(module for module in MODULES if module.name == "bank")
    names = {query.__name__ for query in bank.public_queries()}
    assert "get_balance" in names and "require" not in names and "State" not in names


def test_every_event_the_chain_emits_is_a_published_kind() -> None:
    """`ctx.emit(SomeEvent(...))` anywhere in the chain names a registered event type: an event left out of its
    module's events.py (or a rename) fails here, not in a gateway."""
    registered = {event.__name__ for event in Registry(MODULES).events.values()}
    emitted = set()
    for path in (ROOT / "gostaking/chain").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "emit" and node.args:
                emitted.add(getattr(getattr(node.args[0], "func", None), "id", "?"))
    assert len(emitted) > 40
    assert emitted - registered == set()


def test_the_module_list_is_in_the_layer_order_import_linter_enforces() -> None:
    """MODULES, read bottom-up, never puts a module before one of a lower layer, and every module folder has a
    layer (the contract is exhaustive, so a new folder fails import-linter until it gets one)."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c.get("containers") == ["gostaking.chain.modules"]]
    layer_of = {name.strip(): depth for depth, layer in enumerate(reversed(layers)) for name in layer.split("|")}
    names = [module.name for module in MODULES]
    folders = sorted(p.name for p in (ROOT / "gostaking/chain/modules").iterdir() if (p / "module.py").exists())
    assert sorted(layer_of) == sorted(names) == folders
    assert [layer_of[name] for name in names] == sorted(layer_of[name] for name in names)


def test_every_module_account_is_declared_by_a_module() -> None:
    """The chain refuses transfers to and signatures of exactly the accounts the modules declare."""
    assert sorted(State().registry.module_accounts.values()) == sorted(MODULE_BY_ADDRESS.values())


def test_modules_declare_the_denoms_they_issue_with_their_decimals() -> None:
    """Wallets and the API write a module's token as its module says (not by guessing from its name)."""
    from gostaking.chain.module import IssuedDenom
    from gostaking.chain.modules.dex.queries import get_denom_unit
    from gostaking.chain.state import registry_of

    issued = registry_of(None).issued_denoms
    assert issued["usgos"] == IssuedDenom("usgos", 6, "sgos") and issued["usgoslp"] == IssuedDenom(
        "usgoslp", 6, "sgoslp"
    )
    state = State()
    assert get_denom_unit(state, "usgos").whole_unit == "sgos"
    assert get_denom_unit(state, "ugos") == ("ugos", 6, "gos")
    assert get_denom_unit(state, "unone").decimals == 0  # not GOS, not listed, issued by no module


@pytest.mark.parametrize(
    ("phase", "title"), [("begin_block", "begin block"), ("end_block", "end block"), ("end_epoch", "end of epoch")]
)
def test_the_transition_docstring_names_every_module_with_hooks_in_their_order(phase: str, title: str) -> None:
    # transition.py's docstring is the one readable statement of block order: each phase names, in parentheses,
    # the modules whose hooks it runs. A module gaining or losing a hook must be written there too.
    doc = transition.__doc__ or ""
    paragraph = re.search(rf"^{title} +→(.*?)(?=^\S|\Z)", doc, re.MULTILINE | re.DOTALL)
    assert paragraph is not None, title
    expected = [module.name for module in MODULES if getattr(module, phase)]
    assert re.findall(r"\((\w+)\)", paragraph.group(1)) == expected
    # …and so does the block-order table of docs/chain.md.
    row = re.search(rf"^\| {title} \|(.*)\|$", (ROOT / "docs" / "chain.md").read_text(), re.MULTILINE)
    assert row is not None, title
    assert re.findall(r"\((\w+)\)", row.group(1)) == expected
