"""No dead code in gostaking/: every function, class, method, attribute and module-level name there is used
somewhere in gostaking/, tests/, benchmarks/ or scripts/, as vulture (static, by name) finds it.

What frameworks call by themselves, vulture cannot see being used; it is passed over here by rule, each with its
reason: decorated routes, commands and listeners, the fields of pydantic and msgspec classes (a class body's
names), and the few callbacks and library attributes listed in FRAMEWORK_NAMES. Anything else vulture reports is
dead: delete it, or use it, or add a reason here."""

from pathlib import Path

import vulture

import gostaking

REPO = Path(gostaking.__file__).parent.parent
PACKAGE = REPO / "gostaking"
SCANNED = [PACKAGE, REPO / "tests", REPO / "benchmarks", REPO / "scripts"]
GENERATED = ["*/gostaking/node/abci/_proto/*"]
"""protoc's output (`make proto`): its imports register descriptors."""

CALLED_BY_DECORATOR = [
    "@*router.*",  # FastAPI routes (router, node_router, …)
    "@app.*",  # FastAPI apps and typer apps
    "@*.command",  # typer commands
    "@*.callback",  # typer group callbacks
    "@*_command",  # the CLI's own command decorators (tx_command, verified_command, …)
    "@event.listens_for",  # SQLAlchemy event listeners
    "@pytest.*",  # fixtures in scanned test files
]
CALLED_BY_CONVENTION = [
    "check_*",  # a module's message checks: the registry finds them by prefix (chain/module.py)
    "process_*",  # a module's message handlers: likewise
]
FRAMEWORK_NAMES = {
    "log_message": "http.server.BaseHTTPRequestHandler calls it for every request (metrics.py silences it)",
    "pause_writing": "asyncio.Protocol flow control: the event loop calls it",
    "resume_writing": "asyncio.Protocol flow control: the event loop calls it",
    "should_exit": "uvicorn.Server reads it to stop",
    "sighash_type": "embit reads a PSBT input's sighash type when it signs",
    "prec": "decimal reads a context's precision",
    "metavar": "click reads a parameter's metavar in help",
    "__signature__": "inspect (and so typer) reads a function's signature from it",
}


def dead_code() -> list[str]:
    """vulture's findings in gostaking/, less the names frameworks use."""
    finder = _finder()
    finder.scavenge([str(path) for path in SCANNED], exclude=GENERATED)
    found = []
    for item in finder.get_unused_code(min_confidence=60):
        path = Path(item.filename)
        if not path.is_relative_to(PACKAGE) or item.name in FRAMEWORK_NAMES:
            continue
        if item.typ == "variable" and _is_indented(path, item.first_lineno):
            continue  # a class body's field (a schema's, a struct's) or a local, which ruff checks (F841)
        found.append(f"{path.relative_to(REPO)}:{item.first_lineno}: {item.message}")
    return found


def _finder() -> vulture.Vulture:
    """vulture with the rules above: names the registry finds by prefix and functions frameworks call."""
    return vulture.Vulture(ignore_names=CALLED_BY_CONVENTION, ignore_decorators=CALLED_BY_DECORATOR)


def _is_indented(path: Path, line: int) -> bool:
    return path.read_text().splitlines()[line - 1][:1].isspace()


def test_gostaking_has_no_dead_code() -> None:
    assert dead_code() == []


def test_the_check_finds_an_unused_function_and_constant(tmp_path: Path) -> None:
    # The same rules over a throwaway tree: what nothing uses is reported, what a decorator or a prefix serves is not.
    source = tmp_path / "module.py"
    source.write_text(
        "from fastapi import APIRouter\n"
        "router = APIRouter()\n"
        "LIMIT = 3\n"
        "USED = 4\n"
        "def forgotten() -> int:\n"
        "    return USED\n"
        "@router.get('/x')\n"
        "def route() -> None: ...\n"
        "def process_thing() -> None: ...\n"
        "class Fields:\n"
        "    name: str = 'a'\n"
    )
    finder = _finder()
    finder.scavenge([str(source)])
    found = {(item.typ, item.name) for item in finder.get_unused_code(min_confidence=60)}
    assert {("variable", "LIMIT"), ("function", "forgotten")} <= found
    assert not {"route", "process_thing", "USED", "router"} & {name for _, name in found}
