"""Shells (API, node, indexer, CLI, gateways, AML) read the chain through the queries each module declares (the
public functions of its queries.py, `Module(queries=...)`), never through its tables, mutations or handlers: a chain
refactor changes a module's declared reads, not every shell that looked inside it."""

import ast
from pathlib import Path

import pytest

import gostaking
from gostaking.chain.modules import MODULES

ROOT = Path(gostaking.__file__).parent
SHELL_FILES = sorted(p for p in ROOT.rglob("*.py") if not p.is_relative_to(ROOT / "chain"))
# What a shell may import from a module folder besides its declared queries: the published event types.
PUBLIC_FILES = ("queries", "events")
DECLARED = {module.name: {query.__name__ for query in module.public_queries()} for module in MODULES}


def chain_module_reads(source: str) -> list[tuple[int, str, str, str]]:
    """(line, module, file, name) of every name a shell takes from a chain module's folder, imported directly or
    through `from gostaking.chain.modules.<module> import <file> as alias` and `alias.<name>`."""
    tree = ast.parse(source)
    found = []
    aliases: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gostaking.chain.modules."):
            parts = (node.module or "").split(".")
            for alias in node.names:
                if len(parts) == 5:
                    found.append((node.lineno, parts[3], parts[4], alias.name))
                else:
                    aliases[alias.asname or alias.name] = (parts[3], alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            module, file = aliases[node.value.id]
            found.append((node.lineno, module, file, node.attr))
    return found


def undeclared_reads(path: Path, source: str) -> list[str]:
    problems = []
    for line, module, file, name in chain_module_reads(source):
        if file not in PUBLIC_FILES:
            problems.append(f"{path.name}:{line} takes {name} from {module}.{file}")
        elif file == "queries" and name not in DECLARED.get(module, set()) and not name.isupper():
            problems.append(f"{path.name}:{line} calls {module}.{name}, which {module} does not declare")
    return problems


@pytest.mark.parametrize("path", SHELL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_shells_call_only_declared_queries(path: Path) -> None:
    assert undeclared_reads(path, path.read_text()) == []


def test_the_checker_catches_tables_and_undeclared_queries() -> None:
    source = (
        "from gostaking.chain.modules.bank.tables import BALANCES\n"
        "from gostaking.chain.modules.bank.queries import get_balance, _secret\n"
        "from gostaking.chain.modules.dex import queries as dex\n"
        "dex.get_pool(1)\n"
        "dex._take_gos(1)\n"
    )
    assert undeclared_reads(Path("x.py"), source) == [
        "x.py:1 takes BALANCES from bank.tables",
        "x.py:2 calls bank._secret, which bank does not declare",
        "x.py:5 calls dex._take_gos, which dex does not declare",
    ]
