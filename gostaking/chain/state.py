"""The complete chain state: the chain's own tables and every table the modules declare.

The chain itself owns three tables (chain id, parameters, height); each module declares its own in
`modules/<name>/tables.py`, and the registry (the module list) says which exist. Chain code reaches a module's
table through its spec: `state[BALANCES]`. Every table is also an attribute named after it (`state.balances`),
for tests and tools that look at the state from outside.

Table names are part of the storage keys (and so of the app hash): never rename one.
"""

import importlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, TypeVar, overload

from gostaking.chain.module import Module, Registry
from gostaking.chain.tables import AnySpec, Singleton, SingletonSpec, StateView, Table, TableSet, TableSpec
from gostaking.chain.types.params import ChainParams

APP_MODULES = "gostaking.chain.modules"
"""Where the app's module list (`MODULES`) lives."""

K = TypeVar("K")
V = TypeVar("V")


class State(TableSet):
    """All tables of the chain. Modules read them through their queries and write through their mutations."""

    def __init__(self, modules: Sequence[Module] | None = None, view: StateView | None = None) -> None:
        """The empty state of a chain made of `modules` (by default the app's module list). With a `view` of a
        node's committed state, the tables that grow with use read through it (see TableSet)."""
        super().__init__(view)
        self.registry = registry_of(None if modules is None else tuple(modules))
        self.chain_id: Singleton[str] = self.singleton("chain_id", str, lambda: "")
        self.params: Singleton[ChainParams] = self.singleton("params", ChainParams, ChainParams)
        """Parameter sections of the launch modules (later modules keep theirs in a table of their own)."""
        self.height: Singleton[int] = self.singleton("height", int, lambda: 0)
        self._handles: dict[AnySpec, Table[Any, Any] | Singleton[Any]] = {}
        for spec in self.registry.tables:
            if hasattr(self, spec.name):
                raise ValueError(f"table name {spec.name!r} is taken by the state itself")
            handle = self._handles[spec] = self.declare(spec)
            setattr(self, spec.name, handle)

    @overload
    def __getitem__(self, spec: TableSpec[K, V]) -> Table[K, V]: ...

    @overload
    def __getitem__(self, spec: SingletonSpec[V]) -> Singleton[V]: ...

    def __getitem__(self, spec: TableSpec[Any, Any] | SingletonSpec[Any]) -> Table[Any, Any] | Singleton[Any]:
        """The table a module declared with `spec`."""
        return self._handles[spec]

    def is_empty(self) -> bool:
        """True before anything was written (genesis has not run)."""
        return self.height.get() == 0 and not self.chain_id.get() and not any(self._tables.values())


@lru_cache(maxsize=16)
def registry_of(modules: tuple[Module, ...] | None) -> Registry:
    """The registry of a module list (None: the app's); built once per list, since every State needs one."""
    if modules is None:
        # The module list is the app's composition root, loaded by name when the first State is built: every
        # module depends on State, and State must not depend on the modules (the layers contract checks both).
        modules = importlib.import_module(APP_MODULES).MODULES
    return Registry(modules)
