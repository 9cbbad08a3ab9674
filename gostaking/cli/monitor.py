"""`gostaking monitor`: watch nodes over their APIs and alert (to the log and a webhook) on missed blocks, jailing,
a stalled chain, a node behind the others, stale oracle prices, overdue withdrawals and index lag."""

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated
from urllib.parse import urlsplit

import typer

from gostaking.cli.errors import CliError
from gostaking.monitor.alerts import Thresholds

DEFAULT_STATE = Path("monitor-state.json")
DEFAULTS = Thresholds()
"""Where the threshold options take their defaults: the alert logic's own (Thresholds)."""


def _node_url(text: str) -> str:
    parsed = urlsplit(text)
    if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.query or parsed.fragment:
        raise CliError(f"--node {text!r} is not a node API URL like http://127.0.0.1:8645")
    return text.rstrip("/")


def monitor(
    node: Annotated[
        list[str], typer.Option("--node", help="a node's API URL, e.g. http://127.0.0.1:26603 (repeat for more)")
    ],
    state: Annotated[
        Path, typer.Option("--state", help="file keeping the active alerts across restarts")
    ] = DEFAULT_STATE,
    webhook: Annotated[
        str | None, typer.Option("--webhook", help="URL that receives each alert and resolve message (JSON POST)")
    ] = None,
    interval: Annotated[float, typer.Option("--interval", min=0.1, help="seconds between rounds")] = 15.0,
    once: Annotated[bool, typer.Option("--once", help="one round, then exit")] = False,
    missed_window: Annotated[
        int, typer.Option("--missed-window", min=2, help="blocks over which missed blocks are counted")
    ] = DEFAULTS.missed_window_blocks,
    missed_blocks: Annotated[
        int, typer.Option("--missed-blocks", min=1, help="missed blocks in the window that raise an alert")
    ] = DEFAULTS.missed_blocks,
    stall_factor: Annotated[
        float, typer.Option("--stall-factor", min=1.0, help="alert after this many block times without a block")
    ] = DEFAULTS.stall_factor,
    stall_min: Annotated[
        float, typer.Option("--stall-min", min=0.0, help="…and at least this many seconds without a block")
    ] = DEFAULTS.stall_min_s,
    behind_blocks: Annotated[
        int, typer.Option("--behind-blocks", min=1, help="alert when a node is this many blocks behind the highest")
    ] = DEFAULTS.behind_blocks,
    oracle_max_age: Annotated[
        int,
        typer.Option("--oracle-max-age", min=0, help="alert on a price older than this many blocks (0: when stale)"),
    ] = DEFAULTS.oracle_max_age_blocks,
    withdrawal_deadline: Annotated[
        int, typer.Option("--withdrawal-deadline", min=1, help="alert on a withdrawal waiting more blocks than this")
    ] = DEFAULTS.withdrawal_deadline_blocks,
    index_lag: Annotated[
        int, typer.Option("--index-lag", min=1, help="alert when an explorer index is this many blocks behind")
    ] = DEFAULTS.index_lag_blocks,
) -> None:
    """Watch one or more nodes (their /metrics) and raise de-duplicated alerts, with resolve messages, to the log
    and a webhook. docs/monitoring.md says what each alert means and what to do about it."""
    import logging

    from gostaking.monitor.watch import Monitor, MonitorStateError

    urls = [_node_url(text) for text in node]
    if len(set(urls)) != len(urls):
        raise CliError("the same --node is given twice")
    if webhook is not None:
        _node_url(webhook)
    if missed_blocks > missed_window:
        raise CliError("--missed-blocks cannot exceed --missed-window")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request of every round
    thresholds = Thresholds(
        missed_window_blocks=missed_window,
        missed_blocks=missed_blocks,
        stall_factor=stall_factor,
        stall_min_s=stall_min,
        behind_blocks=behind_blocks,
        oracle_max_age_blocks=oracle_max_age,
        withdrawal_deadline_blocks=withdrawal_deadline,
        index_lag_blocks=index_lag,
    )
    try:
        watcher = Monitor({url: url for url in urls}, state, thresholds, webhook)
    except MonitorStateError as error:
        raise CliError(str(error)) from None
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if once:
            watcher.run_once()
        else:
            typer.echo(f"monitoring {len(urls)} node(s) every {interval:g} s; state in {state}", err=True)
            watcher.run(interval, stop.wait)
    finally:
        watcher.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
