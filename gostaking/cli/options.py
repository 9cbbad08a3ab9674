"""Options shared by several commands, option groups (several options declared once as a dataclass that commands
take as one value: `option_group`), the `tx_command` decorator that adds the ones every tx command takes, and
reading keys and passphrases."""

import functools
import inspect
import os
from collections.abc import Callable, Sequence
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from gostaking.client import DEFAULT_API_URL
from gostaking.node.settings import DEVNET_KEYS_ENV, default_devnet_home
from gostaking.wallet.keyring import (
    MIN_PASSPHRASE_LENGTH,
    KeyInfo,
    KeyNotFoundError,
    Keyring,
    WeakPassphraseError,
    check_new_passphrase,
    default_keyring_dir,
)
from gostaking.wallet.keys import PrivateKey

PASSPHRASE_ENV = "GOSTAKING_PASSPHRASE"

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="GoStaking home; keys are in <home>/keys \\[default: $GOSTAKING_HOME or ~/.gostaking]"),
]
KeyringOption = Annotated[Path | None, typer.Option("--keyring", help="keyring directory (overrides --home)")]
ApiOption = Annotated[str, typer.Option("--api", envvar="GOSTAKING_API", help="node API URL")]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")]
API_DEFAULT = DEFAULT_API_URL

FromOption = Annotated[
    str, typer.Option("--from", help="name of the signing key in the keyring (with --generate-only: a multisig)")
]
FeeOption = Annotated[str | None, typer.Option("--fee", help="fee in GOS, e.g. 0.001gos \\[default: chain minimum]")]
MemoOption = Annotated[str, typer.Option("--memo", help="free text stored with the transaction")]
WaitOption = Annotated[
    bool, typer.Option("--wait/--no-wait", help="wait until the tx is in a block and print its result")
]
TimeoutOption = Annotated[float, typer.Option("--timeout", help="seconds to --wait")]
GenerateOnlyOption = Annotated[
    Path | None,
    typer.Option(
        "--generate-only",
        help="write the unsigned transaction of the multisig --from to this file for `wallet sign`, do not send",
    ),
]
SequenceOption = Annotated[
    int | None,
    typer.Option("--sequence", min=0, help="with --generate-only: the account's sequence \\[default: from the node]"),
]
ChainIdOption = Annotated[
    str | None,
    typer.Option("--chain-id", help="with --generate-only: the chain id \\[default: from the node]"),
]
SimulateOption = Annotated[
    bool,
    typer.Option(
        "--simulate/--no-simulate",
        help="run the signed transaction on the node first and send it only if it would succeed (a refused one "
        "costs no fee)",
    ),
]
TxJsonOption = Annotated[bool, typer.Option("--json", help="print the result as JSON instead of one line")]
PASSPHRASE_HELP = f"The signing key's passphrase, if it is encrypted, is asked for or read from ${PASSPHRASE_ENV}."
"""Said in the help of every command that reads a passphrase."""
NEW_PASSPHRASE_HELP = (
    f"The new key's passphrase is asked for (twice) or read from ${PASSPHRASE_ENV}; --no-passphrase stores it "
    "unencrypted."
)
"""Said in the help of every command that encrypts a new key."""


def with_help_paragraph(doc: str | None, paragraph: str) -> str:
    """A docstring with a last paragraph added; dedented first, as an unindented paragraph would otherwise keep
    the docstring's own indentation in the help (inspect.cleandoc dedents by the least indented line)."""
    return f"{inspect.cleandoc(doc or '')}\n\n{paragraph}"


CommandT = TypeVar("CommandT", bound=Callable[..., Any])


def reads_passphrase(help_text: str = PASSPHRASE_HELP) -> Callable[[CommandT], CommandT]:
    """Decorate a command (below its `@app.command`) that reads a passphrase: its help ends saying where the
    passphrase comes from ($GOSTAKING_PASSPHRASE or a prompt)."""

    def add_help(command: CommandT) -> CommandT:
        command.__doc__ = with_help_paragraph(command.__doc__, help_text)
        return command

    return add_help


@dataclass(frozen=True)
class TxOptions:
    """Options every tx command takes."""

    from_name: str
    api: str
    fee: str | None
    memo: str
    wait: bool
    timeout_s: float
    home: Path | None
    keyring: Path | None
    generate_only: Path | None = None
    """Write the unsigned multisig transaction to this file instead of signing and sending it."""
    sequence: int | None = None
    chain_id: str | None = None
    simulate: bool = True
    """Simulate the signed transaction and send it only if it would succeed."""
    json: bool = False
    """Print the result as JSON rather than a one-line summary."""


def _shared(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def _group_options(group: type[Any]) -> tuple[inspect.Parameter, ...]:
    """The fields of the dataclass `group`, each annotated with its Typer option, as command parameters with the
    fields' defaults: the options of an option group declared once (see option_group)."""
    return tuple(
        _shared(spec.name, spec.type, spec.default if spec.default_factory is MISSING else spec.default_factory())
        for spec in fields(group)
    )


def expand_option_group(
    command: Callable[..., None],
    parameter: str,
    group: type[Any],
    in_place: Sequence[inspect.Parameter],
    after_own: Sequence[inspect.Parameter] = (),
    make: Callable[..., Any] | None = None,
) -> Callable[..., None]:
    """What Typer registers for a command that takes several options as one value, its parameter `parameter`
    of type `group`: a wrapper whose command line has the options `in_place` where the command declares
    `parameter` and `after_own` after its own parameters, and which calls the command with
    `parameter=make(**those options' values)` (`make` is `group` itself unless given). The command itself is
    unchanged.

    Typer reads the command line from inspect.signature, so the wrapper carries a __signature__; all its
    parameters are keyword-only, as Typer passes them: then any order of required and defaulted ones is valid.
    Wrappers nest: a command may take several groups.
    """
    parameters = inspect.signature(command).parameters
    names = [option.name for option in (*in_place, *after_own)]
    if parameter not in parameters or set(parameters) & set(names):
        raise TypeError(
            f"{command.__qualname__} must take `{parameter}: {group.__name__}` and none of {', '.join(names)}"
        )
    expanded: list[inspect.Parameter] = []
    for own in parameters.values():
        if own.name == parameter:
            expanded.extend(in_place)
        else:
            expanded.append(own.replace(kind=inspect.Parameter.KEYWORD_ONLY))

    build = make or group

    @functools.wraps(command)
    def with_group(**values: Any) -> None:
        grouped = build(**{name: values.pop(name) for name in names})
        command(**values, **{parameter: grouped})

    with_group.__signature__ = inspect.Signature([*expanded, *after_own])  # type: ignore[attr-defined]
    return with_group


def option_group(
    parameter: str, group: type[Any], **defaults: Any
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Decorate a command (below its `@app.command`) that declares `<parameter>: <group>`, a dataclass whose fields
    are options (annotated with their Typer option, with their defaults): its command line has the group's options
    in that place, with this command's `defaults` for some of them, and it receives them as one `group`. (Declare
    the command's parameters keyword-only, `*` first, so the group may follow defaulted ones.)"""
    options = _group_options(group)
    if unknown := set(defaults) - {option.name for option in options}:
        raise TypeError(f"{group.__name__} has no option {', '.join(sorted(unknown))}")
    options = tuple(option.replace(default=defaults.get(option.name, option.default)) for option in options)
    return lambda command: expand_option_group(command, parameter, group, options)


# What every tx command takes, in TxOptions' order: --from where the command declares `tx`, the others after the
# command's own parameters (where the commands used to declare them by hand, so --help reads as before).
_FROM = _shared("from_name", FromOption)
_AFTER_OWN = (
    _shared("api", ApiOption, API_DEFAULT),
    _shared("fee", FeeOption, None),
    _shared("memo", MemoOption, ""),
    _shared("wait", WaitOption, True),
    _shared("timeout", TimeoutOption, 30.0),
    _shared("home", HomeOption, None),
    _shared("keyring", KeyringOption, None),
    _shared("generate_only", GenerateOnlyOption, None),
    _shared("sequence", SequenceOption, None),
    _shared("chain_id", ChainIdOption, None),
    _shared("simulate", SimulateOption, True),
    _shared("json", TxJsonOption, False),
)
_SHARED_NAMES = (_FROM.name, *(parameter.name for parameter in _AFTER_OWN))

TxCommand = Callable[..., None]


def _tx_options(**values: Any) -> TxOptions:
    # TxOptions' fields are in _SHARED_NAMES' order, under their own names (its timeout_s is --timeout).
    return TxOptions(*(values[name] for name in _SHARED_NAMES))


def tx_command(app: typer.Typer, name: str) -> Callable[[TxCommand], TxCommand]:
    """Register a tx command as `app`'s command `name`, adding --from, --api, --fee, --memo, --wait, --timeout,
    --home, --keyring, --generate-only, --sequence, --chain-id, --simulate/--no-simulate and --json to its own
    arguments and options; its help says where the passphrase comes from.

    The decorated function declares its own parameters and `tx: TxOptions`, which receives those values
    (see expand_option_group); the function itself is returned unchanged.
    """

    def register(command: TxCommand) -> TxCommand:
        with_tx_options = expand_option_group(command, "tx", TxOptions, (_FROM,), _AFTER_OWN, _tx_options)
        with_tx_options.__doc__ = with_help_paragraph(command.__doc__, PASSPHRASE_HELP)
        app.command(name)(with_tx_options)
        return command

    return register


class KeyringWithDevnetKeys(Keyring):
    """The user's keyring, where a name it lacks is looked up in the devnet's keyring (`operator`, `faucet`,
    `council-1`…): the devnet's throwaway keys are usable by name without --home, and a key of the user's own
    with the same name comes first. New keys go to the user's keyring only."""

    def __init__(self, directory: Path, devnet: Keyring) -> None:
        super().__init__(directory, report=devnet.report)
        self.devnet = devnet

    def show(self, name: str) -> KeyInfo:
        """Public information of the key `name`, from the user's keyring or else the devnet's."""
        try:
            return super().show(name)
        except KeyNotFoundError:
            return self._from_devnet(name).show(name)

    def load(self, name: str, passphrase: str | None) -> PrivateKey:
        """The private key `name`, from the user's keyring or else the devnet's."""
        try:
            return super().load(name, passphrase)
        except KeyNotFoundError:
            return self._from_devnet(name).load(name, passphrase)

    def _from_devnet(self, name: str) -> Keyring:
        """The devnet keyring if it holds `name`; otherwise the user's keyring's own KeyNotFoundError."""
        if not self.devnet.path(name).exists():
            super().show(name)  # raises KeyNotFoundError naming the user's keyring
        return self.devnet


def open_keyring(home: Path | None, keyring: Path | None) -> Keyring:
    """The keyring chosen by --keyring, --home, $GOSTAKING_HOME or the default; its warnings go to stderr.

    Without --home and --keyring, names it lacks are looked up in the devnet's keyring ($GOSTAKING_DEVNET_KEYS,
    or the default devnet home's `keys`), so the README's `--from operator` works on the default devnet.
    """
    report = functools.partial(typer.echo, err=True)
    directory = default_keyring_dir(home, keyring)
    if home is None and keyring is None:
        devnet_keys = Path(os.environ.get(DEVNET_KEYS_ENV) or default_devnet_home() / "keys").expanduser()
        if devnet_keys.resolve() != directory.resolve():
            return KeyringWithDevnetKeys(directory, Keyring(devnet_keys, report=report))
    return Keyring(directory, report=report)


def read_new_passphrase() -> str:
    """A passphrase for a new key: $GOSTAKING_PASSPHRASE (refused by the keyring if too short), or asked without
    echo until one is long enough and then repeated the same."""
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env is not None:
        return from_env
    while True:
        passphrase = str(
            typer.prompt(
                f"Passphrase to encrypt the key (at least {MIN_PASSPHRASE_LENGTH} characters)", hide_input=True
            )
        )
        try:
            check_new_passphrase(passphrase)
        except WeakPassphraseError as exc:
            typer.echo(f"Error: {exc}", err=True)  # said here: the prompt's own validation hides the reason
            continue
        if str(typer.prompt("Repeat the passphrase", hide_input=True)) == passphrase:
            return passphrase
        typer.echo("Error: the two passphrases do not match.", err=True)


def load_key(keyring: Keyring, name: str) -> PrivateKey:
    """Decrypt a key (for an HD wallet, its everyday GOS key), asking for its passphrase (or reading
    $GOSTAKING_PASSPHRASE) only if it is encrypted."""
    return keyring.load(name, _passphrase_of(keyring.show(name)))


def load_seed(keyring: Keyring, name: str) -> bytes:
    """The BIP-39 seed of the HD wallet `name`, asking for its passphrase as `load_key` does; a single key is
    refused before any prompt."""
    info = keyring.show(name)
    return keyring.load_seed(name, _passphrase_of(info) if info.hd else None)  # a single key: NotAWalletError


def _passphrase_of(info: KeyInfo) -> str | None:
    """$GOSTAKING_PASSPHRASE or the typed passphrase of an encrypted key or wallet; None if it is unencrypted."""
    if not info.encrypted:
        return None
    passphrase = os.environ.get(PASSPHRASE_ENV)
    if passphrase is None:
        passphrase = str(
            typer.prompt(f"Passphrase for {'wallet' if info.hd else 'key'} {info.name!r}", hide_input=True)
        )
    return passphrase
