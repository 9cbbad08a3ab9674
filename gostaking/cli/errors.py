"""How the CLI fails: one line on stderr and a non-zero exit, never a traceback (set GOSTAKING_DEBUG=1 for one)."""

import os
import re
from typing import Any

import httpx
import typer
from typer.core import TyperGroup


class CliError(Exception):
    """A failure to report to the user as it is."""


_NEGATIVE_NUMBER = re.compile(r"-[0-9.]")
_AMOUNT_WITH_DENOM = re.compile(r"-[0-9.]+[a-zA-Z]")


class FriendlyGroup(TyperGroup):
    """Root command group that turns any exception into `error: <message>` and exit status 1."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        """Before the command line is read (and help perhaps shown): label flags as flags in every command's help."""
        label_flags_as_flags(self, self.context_class(self))
        return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        """Run the command; report failures in one line."""
        words = [*getattr(ctx, "_protected_args", ()), *ctx.args]  # the group's invoke consumes them
        try:
            return super().invoke(ctx)
        except Exception as exc:
            negative = _negative_number(exc, words)
            if negative is not None:
                if _AMOUNT_WITH_DENOM.match(negative):
                    typer.echo(f"error: amount {negative!r} must be positive", err=True)
                else:  # a count or a setting (`config set state.mapped_memory_mib -1`), not an amount
                    typer.echo(f"error: value {negative!r} is negative; it must be zero or more", err=True)
                raise typer.Exit(2) from None
            if _is_command_line_control(exc):
                raise  # --help, usage errors, confirmations: the command-line library reports those itself
            report(exc)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None


def label_flags_as_flags(command: Any, ctx: Any) -> None:
    """Show no type label (`<bool>`) beside the flags of `command` and its subcommands, --help included: a flag
    takes no value. The help option is made per command on first use, so it is asked for here (with `ctx`, whose
    help option names it takes)."""
    help_option = command.get_help_option(ctx)
    for param in [*command.params, *([help_option] if help_option is not None else [])]:
        if getattr(param, "is_flag", False):
            param.metavar = ""
    for subcommand in getattr(command, "commands", {}).values():
        label_flags_as_flags(subcommand, ctx)


def _negative_number(exc: Exception, args: list[str]) -> str | None:
    """The command-line word of a negative number ('-1gos', '-5') that the command line read as an unknown
    option."""
    if type(exc).__name__ != "NoSuchOption":
        return None
    name = str(getattr(exc, "option_name", ""))
    if not _NEGATIVE_NUMBER.match(name):
        return None
    return next((word for word in args if word.startswith(name)), name)


def _is_command_line_control(exc: Exception) -> bool:
    # Typer vendors its own copy of click, so its exceptions are matched by class name, not by identity.
    names = {cls.__name__ for cls in type(exc).__mro__}
    return isinstance(exc, typer.Exit | typer.Abort) or bool(names & {"ClickException", "Exit", "Abort"})


def report(exc: Exception) -> None:
    """Print `exc` as one line on stderr (re-raise it instead when GOSTAKING_DEBUG is set)."""
    if os.environ.get("GOSTAKING_DEBUG"):
        raise exc
    if isinstance(exc, httpx.TransportError):
        url = str(exc.request.url) if _has_request(exc) else "the node API"
        typer.echo(f"error: {unreachable_message(url, str(exc) or type(exc).__name__)}", err=True)
        return
    message = str(exc) or type(exc).__name__
    if type(exc).__module__ == "builtins":
        message = f"{type(exc).__name__}: {message}"
    typer.echo(f"error: {message}", err=True)


def unreachable_message(url: str, reason: str) -> str:
    """What to tell the user when `url` did not answer at all."""
    return f"cannot reach {url}: {reason} (is `gostaking devnet` running? see --api)"


def _has_request(exc: httpx.TransportError) -> bool:
    try:
        exc.request  # noqa: B018 - raises RuntimeError when the error carries no request
    except RuntimeError:
        return False
    return True
