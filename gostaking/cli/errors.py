"""How the CLI fails: one line on stderr and a non-zero exit, never a traceback (set GOSTAKING_DEBUG=1 for one)."""

import os
from typing import Any

import httpx
import typer
from typer.core import TyperGroup


class CliError(Exception):
    """A failure to report to the user as it is."""


class FriendlyGroup(TyperGroup):
    """Root command group that turns any exception into `error: <message>` and exit status 1."""

    def invoke(self, ctx: Any) -> Any:
        """Run the command; report failures in one line."""
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if _is_command_line_control(exc):
                raise  # --help, usage errors, confirmations: the command-line library reports those itself
            report(exc)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None


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
