"""What a chain module declares about itself, and the registry the chain builds from the module list.

This is Cosmos SDK's module manager in the spec style: each module folder ends in one declaration
(`modules/<name>/module.py`: `MODULE = Module(...)`) that names everything the module owns — its tables, its
parameter sections and their validation, its genesis step, the messages it handles, its block hooks, its
invariants, the queries shells may call and the events it emits. `modules/__init__.py` lists the modules in layer
order (a module imports only modules listed before it), and that one order is also the order in which genesis
steps, block hooks and invariants run. `transition.py` stays the statement of block order; it asks the registry
for the hooks of each phase instead of importing every module.
"""

import importlib
import importlib.util
import inspect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Union, get_type_hints

import msgspec

from gostaking.chain.crypto import module_address
from gostaking.chain.env import Context
from gostaking.chain.events import ChainEvent, EventKind, describe_event
from gostaking.chain.tables import AnySpec, SingletonSpec, TableSpec
from gostaking.chain.types.block import ValidatorUpdate
from gostaking.chain.types.tx import Tx, TxBody

if TYPE_CHECKING:
    from gostaking.chain.genesis import Genesis
    from gostaking.chain.state import State

P = TypeVar("P")

Handler = Callable[["State", Context, Any], None]
"""`process_<msg>(state, ctx, msg)`: runs inside the transaction's atomic scope; raises a ChainError to fail."""
Check = Callable[["State", Any], None]
"""`check_<msg>(state, msg)`: what makes a message acceptable at all (amounts in range, well-formed addresses,
known denoms…), run with the transaction's checks before any fee or sequence is taken: a message failing it makes
the transaction invalid (CheckTx refuses it; a block keeps no fee for it). Reads state, never writes."""
BlockHook = Callable[["State", Context], Sequence[ValidatorUpdate] | None]
"""Work of one block phase; may return consensus power changes (jailing, elections)."""
GenesisStep = Callable[["State", Context, "Genesis"], Sequence[ValidatorUpdate] | None]
"""Builds the module's part of the genesis state from the genesis document."""
Invariant = Callable[["State"], None]
"""Raises InvariantError when the module's tables break a rule no valid sequence of operations may break."""


@dataclass(frozen=True)
class ParamsSection(Generic[P]):
    """A module's parameters: a section of the chain's parameters, changed only by governance.

    The sections of the launch modules are fields of `ChainParams` (stored together in the `params` table, whose
    encoding is part of every existing app hash). A later module keeps its section in a table of its own: name it
    in `table`, and its genesis step stores the section's value there.
    """

    name: str
    """Section name in genesis documents and in governance parameter changes (`<section>.<field>`)."""
    type: type[P]
    validate: Callable[[P], None]
    """Raises InvalidGenesisError unless the values keep the rules (at genesis and after each change)."""
    governable: bool = True
    """False for sections fixed at genesis (the emission schedule, the custodian set)."""
    fixed_fields: tuple[str, ...] = ()
    """Fields of a governable section that governance may still not change."""
    table: SingletonSpec[P] | None = None
    """Where a later module's section lives; None for a field of ChainParams."""


@dataclass(frozen=True)
class IssuedDenom:
    """A bank denom a module issues (mints and burns itself, unlike a custodied asset) and how it is written:
    `denom` counts base units, `display` whole ones, 10**decimals base units each."""

    denom: str
    decimals: int
    display: str


DECLARATION_FILES = ("tables", "handlers", "events", "queries")
"""The files of a module's package that declare what they define (found by name; see Module)."""


@dataclass(frozen=True, kw_only=True, eq=False)
class Module:
    """Everything one chain module owns: its package (`package=__package__` in its module.py) and what cannot be
    found by name in it (parameter sections, genesis step, block hooks, invariants, module accounts).

    Four files of the package are declarations in themselves:
    - tables.py: every TableSpec/SingletonSpec it defines is a table this module alone writes;
    - handlers.py: every `process_<msg>(state, ctx, msg)` it defines handles the message type its `msg` parameter
      is annotated with (those types become part of the transaction wire format), and a `check_<msg>(state, msg)`
      beside it, if any, says what makes such a message acceptable before any fee is taken;
    - events.py: every ChainEvent it defines with `tag=` (its kind; one without is a shared base);
    - queries.py: every public function it defines is a read that shells (API, CLI, indexer) may call.
    A file the module does not need may be missing. A file may also be given directly (`tables=<Python module>`).
    (Compared and hashed by identity: a module list is cached by the modules it holds.)"""

    name: str
    package: str = ""
    params: tuple[ParamsSection[Any], ...] = ()
    genesis: GenesisStep | None = None
    begin_block: tuple[BlockHook, ...] = ()
    end_block: tuple[BlockHook, ...] = ()
    end_epoch: tuple[BlockHook, ...] = ()
    """Run after every module's end_block at the last block of an epoch (elections)."""
    invariants: tuple[Invariant, ...] = ()
    accounts: tuple[str, ...] = ()
    """Names of the module accounts it holds funds in (no key controls them; they cannot sign or receive)."""
    denoms: tuple[IssuedDenom, ...] = ()
    """The bank denoms it issues (registered by its genesis step), with their decimals for wallets and the API."""
    tables: ModuleType | None = None
    handlers: ModuleType | None = None
    events: ModuleType | None = None
    queries: ModuleType | None = None

    def __post_init__(self) -> None:
        for file in DECLARATION_FILES:
            if getattr(self, file) is None and self.package:
                object.__setattr__(self, file, _find_file(f"{self.package}.{file}"))

    def table_specs(self) -> tuple[AnySpec, ...]:
        """Its tables: those its tables.py defines, parameter tables included (a later module's section)."""
        specs = [value for value in _defined(self.tables) if isinstance(value, TableSpec | SingletonSpec)]
        section_tables = [section.table for section in self.params if section.table is not None]
        return (*(spec for spec in specs if spec not in section_tables), *section_tables)

    def message_handlers(self) -> dict[type[msgspec.Struct], Handler]:
        """Message type → its `process_<msg>` handler."""
        return self._by_message_type("process_")

    def message_checks(self) -> dict[type[msgspec.Struct], Check]:
        """Message type (or a base of several) → its `check_<msg>` (messages without one need no check)."""
        return self._by_message_type("check_")

    def _by_message_type(self, prefix: str) -> dict[type[msgspec.Struct], Any]:
        functions = (value for value in _defined(self.handlers) if inspect.isfunction(value))
        return {get_type_hints(f)["msg"]: f for f in functions if f.__name__.startswith(prefix)}

    def event_types(self) -> tuple[type[ChainEvent], ...]:
        """Its event types: the ChainEvent subclasses of its events.py given a `tag=` (their kind). A subclass
        without one is a shared base (msgspec then tags it with its class name)."""
        types = [value for value in _defined(self.events) if isinstance(value, type) and issubclass(value, ChainEvent)]
        return tuple(event for event in types if event.__struct_config__.tag != event.__name__)

    def public_queries(self) -> tuple[Callable[..., Any], ...]:
        """The reads shells may call: the public functions its queries.py defines."""
        return tuple(
            value
            for value in _defined(self.queries)
            if inspect.isfunction(value) and not value.__name__.startswith("_")
        )


def _find_file(name: str) -> ModuleType | None:
    """The Python module `name`, or None when the package has no such file."""
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def _defined(file: ModuleType | None) -> Iterator[Any]:
    """The values of a Python module's names, in definition order, without the classes and functions it imports."""
    if file is None:
        return
    for value in vars(file).values():
        if not (inspect.isclass(value) or inspect.isfunction(value)) or value.__module__ == file.__name__:
            yield value


BLOCK_PHASES = ("begin_block", "end_block", "end_epoch")


class RegistryError(ValueError):
    """The module list is inconsistent (a name, table, message, event or section declared twice)."""


class Registry:
    """The module list, indexed: who owns which table, which handler runs which message, the hooks of each phase
    in module order, the wire decoder of transactions and the published list of event kinds."""

    def __init__(self, modules: Sequence[Module]) -> None:
        self.modules = tuple(modules)
        self.table_owner: dict[str, str] = {}
        self.handlers: dict[type[msgspec.Struct], Handler] = {}
        self.checks: dict[type[msgspec.Struct], Check] = {}
        self.message_owner: dict[type[msgspec.Struct], str] = {}
        self.events: dict[str, type[ChainEvent]] = {}
        self.event_owner: dict[str, str] = {}
        self.params_sections: dict[str, ParamsSection[Any]] = {}
        self.module_accounts: dict[str, str] = {}
        """Module account address → account name."""
        self.issued_denoms: dict[str, IssuedDenom] = {}
        """Denom → how it is written, for every denom a module issues."""
        names: dict[str, Module] = {}
        for module in self.modules:
            _claim(names, module.name, module, "module")
            for spec in module.table_specs():
                _claim(self.table_owner, spec.name, module.name, "table")
            for msg_type, handler in module.message_handlers().items():
                _claim(self.message_owner, msg_type, module.name, "message")
                self.handlers[msg_type] = handler
            handled = module.message_handlers()
            for checked_type, check in module.message_checks().items():
                # A check of a shared base (e.g. every bond message) applies to each message it handles of that base.
                covered = [msg_type for msg_type in handled if issubclass(msg_type, checked_type)]
                if not covered:
                    raise RegistryError(f"{check.__name__} of module {module.name} checks a message it does not handle")
                for msg_type in covered:
                    _claim(self.checks, msg_type, check, "message check")
            for event in module.event_types():
                _claim(self.event_owner, event.event_kind(), module.name, "event kind")
                self.events[event.event_kind()] = event
            for section in module.params:
                _claim(self.params_sections, section.name, section, "params section")
            for account in module.accounts:
                _claim(self.module_accounts, module_address(account), account, "module account")
            for issued in module.denoms:
                _claim(self.issued_denoms, issued.denom, issued, "issued denom")

    @cached_property
    def tables(self) -> tuple[AnySpec, ...]:
        """Every module table in module order (parameter tables of later modules included)."""
        return tuple(spec for module in self.modules for spec in module.table_specs())

    def hooks(self, phase: str) -> tuple[tuple[str, BlockHook], ...]:
        """(module name, hook) of a block phase, in module order."""
        if phase not in BLOCK_PHASES:
            raise ValueError(f"unknown block phase {phase!r}")
        return tuple((module.name, hook) for module in self.modules for hook in getattr(module, phase))

    @cached_property
    def message_types(self) -> tuple[type[msgspec.Struct], ...]:
        """Every message type, in module order."""
        return tuple(self.handlers)

    @cached_property
    def tx_wire_type(self) -> type[msgspec.Struct]:
        """The transaction as it is decoded from the wire: TxBody/Tx with `msgs` a tagged union of every
        registered message type (msgspec decodes straight into the message structs)."""
        msg_union: Any = Union.__getitem__(self.message_types)  # Union[...] of a tuple known only at run time
        body = _wire_copy(TxBody, {"msgs": list[msg_union]})
        return _wire_copy(Tx, {"body": body})

    @cached_property
    def tx_decoder(self) -> msgspec.json.Decoder[Any]:
        """JSON decoder of `tx_wire_type` (see codec.decode_tx)."""
        return msgspec.json.Decoder(self.tx_wire_type)

    def event_kinds(self) -> list[EventKind]:
        """The published event list: every kind with its module, attributes and meaning, in module order."""
        return [describe_event(event, self.event_owner[kind]) for kind, event in self.events.items()]

    def invariants(self) -> Iterator[Invariant]:
        """Every module's invariants, in module order."""
        for module in self.modules:
            yield from module.invariants


def _claim(claimed: dict[Any, Any], key: Any, value: Any, what: str) -> None:
    if key in claimed:
        raise RegistryError(f"{what} {key!r} is declared twice")
    claimed[key] = value


def _wire_copy(struct: type[msgspec.Struct], retyped: dict[str, Any]) -> type[msgspec.Struct]:
    """A struct with the fields, defaults and options of `struct`, some fields' types replaced."""
    fields = [
        (info.name, retyped.get(info.name, info.type), info.default)
        if info.default is not msgspec.NODEFAULT
        else (info.name, retyped.get(info.name, info.type))
        for info in msgspec.structs.fields(struct)
    ]
    return msgspec.defstruct(struct.__name__, fields, frozen=True, forbid_unknown_fields=True)
