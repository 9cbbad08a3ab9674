"""Option groups (`option_group`): options declared once as a dataclass, offered by every command that declares
the group where it declares it (with a command's own defaults), and handed to the command as one value. The
commands built on them: the Bitcoin node options of the wallet's BTC commands, the gateways' service options and
the address queries."""

import re
from dataclasses import dataclass
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from gostaking.cli.main import app
from gostaking.cli.options import option_group

LevelOption = Annotated[int, typer.Option("--level", help="how loud")]
ColourOption = Annotated[str, typer.Option("--colour", help="which colour")]
SizeOption = Annotated[int, typer.Option("--size", help="how big")]


@dataclass(frozen=True)
class Style:
    level: LevelOption = 1
    colour: ColourOption = "red"


@dataclass(frozen=True)
class Shape:
    size: SizeOption = 3


def demo_app(received: list[tuple[object, ...]]) -> typer.Typer:
    """A CLI whose command `draw` takes two groups around options of its own, and records what it was given."""
    demo = typer.Typer()
    demo.command("other")(lambda: None)  # a second command keeps typer from collapsing the group

    @demo.command("draw")
    @option_group("style", Style, colour="blue")
    @option_group("shape", Shape)
    def draw(
        name: Annotated[str, typer.Argument()],
        *,
        style: Style,
        flag: Annotated[bool, typer.Option("--flag")] = False,
        shape: Shape,
    ) -> None:
        """Draw NAME."""
        received.append((name, style, flag, shape))

    return demo


def options_in_order(demo: typer.Typer, *command: str) -> list[str]:
    result = CliRunner().invoke(demo, [*command, "--help"], env={"COLUMNS": "200", "GOSTAKING_API": None})
    assert result.exit_code == 0, result.output
    return [m.group(1) for line in result.output.splitlines() if (m := re.match(r"^\W*(?:\*\s+)?(--[a-z-]+)", line))]


def test_a_group_s_options_stand_where_the_command_declares_it_and_reach_it_as_one_value() -> None:
    received: list[tuple[object, ...]] = []
    demo = demo_app(received)
    assert options_in_order(demo, "draw") == ["--level", "--colour", "--flag", "--size", "--help"]
    result = CliRunner().invoke(demo, ["draw", "x", "--size", "7", "--level", "2", "--flag"])
    assert result.exit_code == 0, result.output
    # --colour has the command's default, not the group's.
    assert received == [("x", Style(2, "blue"), True, Shape(7))]


def test_a_group_is_refused_without_its_parameter_with_a_clashing_one_or_an_unknown_default() -> None:
    with pytest.raises(TypeError, match="must take `style: Style` and none of level, colour"):
        option_group("style", Style)(lambda name: None)
    with pytest.raises(TypeError, match="must take `style: Style`"):
        option_group("style", Style)(lambda style, level: None)
    with pytest.raises(TypeError, match="Style has no option size"):
        option_group("style", Style, size=2)


BITCOIN_NODE_OPTIONS = ["--btc-rpc", "--btc-rpc-user", "--btc-rpc-password", "--btc-network"]


@pytest.mark.parametrize(
    ("command", "before"),
    [
        (("wallet", "balance"), "--api"),
        (("wallet", "deposit", "btc"), "--api"),
        (("wallet", "send", "btc"), "--from"),
        (("wallet", "reclaim", "btc"), "--api"),
    ],
    ids=" ".join,
)
def test_the_wallet_s_btc_commands_take_the_bitcoin_node_options_in_one_place(
    command: tuple[str, ...], before: str
) -> None:
    shown = options_in_order(app, *command)
    at = shown.index(before) + 1
    assert shown[at : at + len(BITCOIN_NODE_OPTIONS)] == BITCOIN_NODE_OPTIONS


SERVICE_OPTIONS = ["--api", "--once", "--interval", "--home", "--keyring", "--metrics-port", "--help"]


@pytest.mark.parametrize(
    ("command", "interval"),
    [(("bridge", "evm"), "15.0"), (("bridge", "btc"), "60.0"), (("feeder", "run"), "60.0")],
    ids=["bridge evm", "bridge btc", "feeder run"],
)
def test_gateways_and_the_feeder_end_with_the_service_options_and_their_own_interval(
    command: tuple[str, ...], interval: str
) -> None:
    assert options_in_order(app, *command)[-len(SERVICE_OPTIONS) :] == SERVICE_OPTIONS
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    interval_line = next(line for line in result.output.splitlines() if re.match(r"^\W*--interval\s", line))
    assert f"[default: {interval}]" in interval_line, interval_line
