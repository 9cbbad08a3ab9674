"""The gateway's and feeder's pass loop: a node outage is retried with a growing wait, errors that need an operator
still end the command, and `--once` reports any error."""

from collections.abc import Callable

import pytest

from gostaking.bridge.errors import (
    DeepReorgError,
    NodeApiError,
    RpcError,
    StateFileError,
    TxRejectedError,
    VerificationUnavailableError,
)
from gostaking.cli import bridge


class Stop(Exception):
    """Ends the otherwise endless loop once the test has seen enough passes."""


def scripted(outcomes: list[Exception | None]) -> tuple[Callable[[], None], list[int]]:
    """A step that raises each given error in turn (None: a pass that works) and then stops the loop."""
    passes: list[int] = []

    def step() -> None:
        passes.append(len(passes))
        if len(passes) > len(outcomes):
            raise Stop
        outcome = outcomes[len(passes) - 1]
        if outcome is not None:
            raise outcome

    return step, passes


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waited: list[float] = []
    monkeypatch.setattr(bridge.time, "sleep", waited.append)
    return waited


def test_an_outage_is_retried_with_a_doubling_wait_and_the_state_reloaded(sleeps: list[float]) -> None:
    outage = [
        RpcError("bitcoind: connection refused"),
        NodeApiError("GoStaking API unreachable"),
        VerificationUnavailableError("CometBFT RPC down"),
    ]
    step, passes = scripted([*outage, None, RpcError("again"), None])
    reloads: list[int] = []
    with pytest.raises(Stop):
        bridge._loop(step, once=False, interval=10.0, recover=lambda: reloads.append(len(passes)))
    assert len(passes) == 7
    # 10, 20, 40 s during the outage, the normal interval after a pass that worked, and 10 s again after it.
    assert sleeps == [10.0, 20.0, 40.0, 10.0, 10.0, 10.0]
    assert reloads == [1, 2, 3, 5]  # after each failed pass, before the next


def test_the_wait_stops_growing_at_the_cap(sleeps: list[float]) -> None:
    step, _ = scripted([RpcError("down")] * 8)
    with pytest.raises(Stop):
        bridge._loop(step, once=False, interval=60.0)
    assert sleeps == [60.0, 120.0, 240.0] + [bridge.MAX_RETRY_DELAY_S] * 5


@pytest.mark.parametrize(
    "error",
    [
        DeepReorgError("bitcoin", 100, "aa" * 32, None, 99, 6),
        TxRejectedError("UnauthorizedError", 4, "not a custodian"),
        StateFileError("state file is damaged"),
    ],
)
def test_errors_that_need_an_operator_end_the_command(sleeps: list[float], error: Exception) -> None:
    step, passes = scripted([error])
    with pytest.raises(type(error)):
        bridge._loop(step, once=False, interval=5.0, recover=lambda: pytest.fail("no retry"))
    assert len(passes) == 1 and sleeps == []


def test_once_reports_an_outage_instead_of_retrying(sleeps: list[float]) -> None:
    step, passes = scripted([RpcError("down")])
    with pytest.raises(RpcError, match="down"):
        bridge._loop(step, once=True, interval=5.0)
    assert len(passes) == 1 and sleeps == []
