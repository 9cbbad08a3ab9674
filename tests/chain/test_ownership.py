"""Writes only in the owner's mutations.py: every write to a table (`state[SPEC].put/delete/set`) in the chain's
source is in `modules/<owner>/mutations.py` of the module whose tables.py declares SPEC, and the chain's own
tables (chain id, parameters, height) are written only by genesis, the transition and params.py. Like
test_purity.py, this reads the source (AST), so it holds for every path, not only the ones tests run."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import gostaking.chain

CHAIN = Path(gostaking.chain.__file__).parent
CORE_TABLES = ("chain_id", "params", "height")
CORE_WRITERS = ("genesis.py", "transition.py", "params.py")
"""The chain's own files that may write its own tables (params.py also writes later modules' parameter tables)."""
WRITE_METHODS = ("put", "delete", "set", "insert_next")
SPEC_CLASSES = ("TableSpec", "SingletonSpec")


def declared_specs(chain_root: Path) -> dict[str, str]:
    """Spec constant → owning module, from every modules/<module>/tables.py."""
    owners = {}
    for tables in sorted(chain_root.glob("modules/*/tables.py")):
        for node in ast.parse(tables.read_text()).body:
            value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
            if isinstance(value, ast.Call) and getattr(value.func, "id", "") in SPEC_CLASSES:
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                owners[target.id] = tables.parent.name  # type: ignore[union-attr]
    return owners


def table_writes(source: str) -> Iterator[tuple[int, str]]:
    """(line, written table) of every write in `source`: the spec name for `x[SPEC].put(…)` (also through a
    local alias `t = x[SPEC]`), 'core:<name>' for `state.<core table>.set(…)`, '?' for a write to anything else."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Subscript):
            spec = node.value.slice
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(spec, ast.Name):
                    aliases[target.id] = spec.id
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITE_METHODS
        ):
            continue
        receiver = node.func.value
        if isinstance(receiver, ast.Subscript) and isinstance(receiver.slice, ast.Name):
            yield node.lineno, receiver.slice.id
        elif isinstance(receiver, ast.Name) and receiver.id in aliases:
            yield node.lineno, aliases[receiver.id]
        elif isinstance(receiver, ast.Attribute) and receiver.attr in CORE_TABLES:
            yield node.lineno, f"core:{receiver.attr}"
        else:
            yield node.lineno, "?"


def ownership_violations(path: Path, source: str, owners: dict[str, str]) -> list[str]:
    """Writes in `path` (relative to gostaking/chain) that its place may not make."""
    parts = path.parts
    problems = []
    for line, written in table_writes(source):
        if written.startswith("core:"):
            allowed = len(parts) == 1 and parts[0] in CORE_WRITERS
        elif written in owners:
            allowed = parts == ("modules", owners[written], "mutations.py")
        else:
            # params.py writes a later module's parameter table, named by its ParamsSection at run time.
            allowed = parts == ("params.py",) and written != "?"
        if not allowed:
            problems.append(f"{path}:{line} writes {written}")
    return problems


# The chain's base files that implement tables and state (the machinery writes, not chain logic).
MACHINERY = {Path("tables.py"), Path("state.py")}
CHAIN_FILES = sorted(p.relative_to(CHAIN) for p in CHAIN.rglob("*.py") if p.relative_to(CHAIN) not in MACHINERY)


def test_every_module_declares_its_tables() -> None:
    owners = declared_specs(CHAIN)
    assert len(owners) >= 30
    assert set(owners.values()) == {p.name for p in (CHAIN / "modules").iterdir() if (p / "module.py").exists()}


@pytest.mark.parametrize("path", CHAIN_FILES, ids=str)
def test_a_module_writes_only_the_tables_it_owns_and_only_in_its_mutations(path: Path) -> None:
    assert ownership_violations(path, (CHAIN / path).read_text(), declared_specs(CHAIN)) == []


def test_the_checker_catches_a_write_to_another_modules_table() -> None:
    """The rule itself, on code that breaks it in each way it can be broken."""
    owners = {"BALANCES": "bank", "NODES": "nodes"}
    foreign = "def f(state):\n    state[BALANCES].put(('a', 'ugos'), 1)\n"
    aliased = "def f(state):\n    table = state[NODES]\n    table.delete('x')\n"
    core = "def f(state):\n    state.params.set(None)\n"
    own = "def f(state):\n    state[NODES].put('x', 1)\n"
    unknown = "def f(state, t):\n    t.put(1, 2)\n"
    assert ownership_violations(Path("modules/staking/mutations.py"), foreign, owners) == [
        "modules/staking/mutations.py:2 writes BALANCES"
    ]
    assert ownership_violations(Path("modules/nodes/handlers.py"), aliased, owners) == [
        "modules/nodes/handlers.py:3 writes NODES"
    ]
    assert ownership_violations(Path("modules/gov/mutations.py"), core, owners) == [
        "modules/gov/mutations.py:2 writes core:params"
    ]
    assert ownership_violations(Path("modules/nodes/mutations.py"), own, owners) == []
    assert ownership_violations(Path("params.py"), core, owners) == []
    assert ownership_violations(Path("modules/nodes/mutations.py"), unknown, owners) == [
        "modules/nodes/mutations.py:2 writes ?"
    ]
