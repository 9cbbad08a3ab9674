"""`gostaking aml …`: run the AML monitor over the explorer index and work its cases."""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gostaking.cli.errors import CliError, FriendlyGroup

if TYPE_CHECKING:  # the monitor pulls in SQLAlchemy: imported only when an aml command runs
    from gostaking.aml.monitor import AmlMonitor

app = typer.Typer(
    help="AML monitoring over the explorer index: alerts and cases.", cls=FriendlyGroup, no_args_is_help=True
)

IndexUrlOption = Annotated[
    str | None,
    typer.Option("--index-url", help="index database URL \\[default: the devnet's <home>/index.sqlite]"),
]
HomeDirOption = Annotated[Path | None, typer.Option("--home", help="devnet home holding index.sqlite")]


def _monitor(index_url: str | None, home: Path | None) -> "AmlMonitor":
    from gostaking.aml.monitor import AmlMonitor
    from gostaking.indexer.database import IndexConfigError, default_index_url, open_engine
    from gostaking.node.settings import default_devnet_home

    url = index_url or default_index_url(home or default_devnet_home())
    try:
        return AmlMonitor(open_engine(url))
    except IndexConfigError as error:
        raise CliError(str(error)) from error


def _print(value: object) -> None:
    typer.echo(json.dumps(value, indent=2, default=str))


@app.command("scan")
def scan(index_url: IndexUrlOption = None, home: HomeDirOption = None) -> None:
    """Run the rules over every block indexed since the last scan."""
    result = _monitor(index_url, home).scan()
    typer.echo(f"scanned heights {result.from_height}..{result.to_height}: {result.alerts} new alerts")


@app.command("alerts")
def alerts(
    address: Annotated[str | None, typer.Option("--address", help="only this address")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 100,
    index_url: IndexUrlOption = None,
    home: HomeDirOption = None,
) -> None:
    """Newest alerts first."""
    _print(_monitor(index_url, home).alerts(address, limit))


@app.command("cases")
def cases(
    status: Annotated[str | None, typer.Option("--status", help="open or closed")] = None,
    index_url: IndexUrlOption = None,
    home: HomeDirOption = None,
) -> None:
    """Cases with their alert counts."""
    _print(_monitor(index_url, home).cases(status))


@app.command("case-log")
def case_log(case_id: int, index_url: IndexUrlOption = None, home: HomeDirOption = None) -> None:
    """The audit trail of a case."""
    _print(_monitor(index_url, home).case_log(case_id))


@app.command("note")
def note(
    case_id: int,
    text: str,
    actor: Annotated[str, typer.Option("--actor", help="who writes the note")],
    index_url: IndexUrlOption = None,
    home: HomeDirOption = None,
) -> None:
    """Add a note to an open case."""
    from gostaking.aml.monitor import AmlError

    try:
        _monitor(index_url, home).note(case_id, actor, text)
    except AmlError as error:
        raise CliError(str(error)) from error
    typer.echo(f"noted on case {case_id}")


@app.command("close")
def close(
    case_id: int,
    decision: Annotated[str, typer.Argument(help="dismissed, reported or freeze_requested")],
    reason: Annotated[str, typer.Option("--reason", help="why (goes to the audit trail and the freeze)")],
    actor: Annotated[str, typer.Option("--actor", help="who decides")],
    index_url: IndexUrlOption = None,
    home: HomeDirOption = None,
) -> None:
    """Close a case; a freeze decision prints the council action to propose on chain."""
    from gostaking.aml.monitor import AmlError

    try:
        action = _monitor(index_url, home).close(case_id, actor, decision, reason)
    except AmlError as error:
        raise CliError(str(error)) from error
    typer.echo(f"case {case_id} closed: {decision}")
    if action is not None:
        typer.echo(
            "propose the freeze on chain (a council member):\n"
            f"  gostaking compliance freeze {action.address} --reason {json.dumps(action.reason)} "
            f"--case {action.case_id} --from <council-key>"
        )
