"""Every command that reads a passphrase says in its help where it comes from ($GOSTAKING_PASSPHRASE or a prompt).

Which commands read one is found from their code, not listed: a command reads a passphrase when its callback, or a
function of gostaking.cli it calls (by name or through a closure, as `tx_command` wraps commands), or a method of a
class of gostaking.cli it builds (an option group such as the gateways' Service, which `option_group` builds), is one
of the functions that ask for it. A new command that signs gets this check without anyone remembering to add it."""

import types
from collections.abc import Iterator
from typing import Any

from typer.main import get_command

from gostaking.cli import options
from gostaking.cli.main import app

PASSPHRASE_READERS = (options.load_key, options.load_seed, options.read_new_passphrase)


def _reads_passphrase(function: object, seen: set[int]) -> bool:
    if any(function is reader for reader in PASSPHRASE_READERS):
        return True
    if isinstance(function, type) and function.__module__.startswith("gostaking.cli") and id(function) not in seen:
        seen.add(id(function))
        return any(_reads_passphrase(member, seen) for member in vars(function).values())
    if not isinstance(function, types.FunctionType) or id(function) in seen:
        return False
    if not function.__module__.startswith("gostaking.cli"):
        return False
    seen.add(id(function))
    names: set[str] = set()
    codes = [function.__code__]
    while codes:
        code = codes.pop()
        names.update(code.co_names)
        codes.extend(const for const in code.co_consts if isinstance(const, types.CodeType))
    called = [function.__globals__.get(name) for name in names]
    called += [cell.cell_contents for cell in function.__closure__ or ()]
    return any(_reads_passphrase(target, seen) for target in called)


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    elif command.callback is not None:
        yield " ".join(path), command


def test_every_command_that_reads_a_passphrase_names_the_environment_variable() -> None:
    reading = {
        path: command for path, command in _commands(get_command(app)) if _reads_passphrase(command.callback, set())
    }
    expected = {"keys add", "keys import", "keys export", "wallet create", "wallet sign", "tx send", "bridge evm"}
    expected |= {"bridge btc", "feeder run", "wallet send btc"}  # wrapped by option groups, or reading through one
    assert expected <= set(reading), sorted(reading)
    missing = [path for path, command in reading.items() if f"${options.PASSPHRASE_ENV}" not in (command.help or "")]
    assert not missing, missing


def test_the_passphrase_paragraph_keeps_the_help_text_dedented() -> None:
    root: Any = get_command(app)
    help_text = root.commands["bridge"].commands["evm"].help or ""
    assert "\n    " not in help_text and help_text.endswith(options.PASSPHRASE_HELP)
