"""`gostaking monitor`'s loop: read every watched node's /metrics, judge the round (alerts.py), send what started
or ended to the log and a webhook, and keep the alert state in a file so a restarted monitor neither repeats an
alert that is still firing nor forgets to resolve it.

The state file (JSON, written atomically) has a version, the active alerts, the validators' signing samples and
an outbox of notifications the webhook has not accepted yet (sent again next round, oldest first).
"""

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from gostaking.files import write_atomic
from gostaking.monitor.alerts import (
    ActiveAlert,
    AlertBook,
    NodeSample,
    Notification,
    SigningHistory,
    Thresholds,
    ValidatorSample,
    evaluate,
)

log = logging.getLogger("gostaking.monitor")

STATE_VERSION = 1
OUTBOX_LIMIT = 1000
"""Undelivered notifications kept for the webhook (oldest dropped first; the log has them all)."""


class MonitorStateError(Exception):
    """The monitor's state file cannot be read; the message says why."""


def parse_metrics(text: str) -> NodeSample:
    """A NodeSample from a node's /metrics text (ValueError when it is not a GoStaking node's)."""
    values: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            values.setdefault(sample.name, []).append((sample.labels, sample.value))

    def one(name: str) -> float | None:
        found = values.get(name)
        return found[0][1] if found else None

    height = one("gostaking_height")
    if height is None:
        raise ValueError("no gostaking_height: not a GoStaking node's /metrics")
    validators: dict[str, dict[str, Any]] = {}
    for gauge, field in (
        ("gostaking_validator_mining", "mining"),
        ("gostaking_validator_jailed", "jailed"),
        ("gostaking_validator_signed_blocks", "signed_blocks"),
    ):
        for labels, value in values.get(gauge, []):
            entry = validators.setdefault(labels["operator"], {"moniker": labels.get("moniker", "")})
            entry[field] = value
    backlog = {
        (labels["kind"], labels["status"]): value for labels, value in values.get("gostaking_custody_backlog", [])
    }
    ages = {
        (labels["kind"], labels["status"]): value
        for labels, value in values.get("gostaking_custody_oldest_age_blocks", [])
    }
    index_lag = one("gostaking_index_lag_blocks")
    return NodeSample(
        height=int(height),
        last_block_time_s=one("gostaking_last_block_time_seconds"),
        block_time_s=one("gostaking_block_time_target_seconds") or 1.0,
        validators={
            operator: ValidatorSample(
                operator,
                entry["moniker"],
                bool(entry.get("mining")),
                bool(entry.get("jailed")),
                int(entry.get("signed_blocks", 0)),
            )
            for operator, entry in validators.items()
        },
        oracle_age_blocks={
            labels["denom"]: int(value) for labels, value in values.get("gostaking_oracle_price_age_blocks", [])
        },
        oracle_stale={labels["denom"]: bool(value) for labels, value in values.get("gostaking_oracle_price_stale", [])},
        pending_withdrawals=int(backlog.get(("withdrawal", "pending"), 0)),
        oldest_withdrawal_age_blocks=int(ages.get(("withdrawal", "pending"), 0)),
        index_lag_blocks=int(index_lag) if index_lag is not None else None,
    )


@dataclass
class MonitorState:
    """What the monitor keeps across restarts."""

    book: AlertBook
    history: SigningHistory
    outbox: list[dict[str, Any]]

    @classmethod
    def load(cls, path: Path) -> "MonitorState":
        """The saved state, or an empty one when the file does not exist yet."""
        try:
            document = json.loads(path.read_text())
        except FileNotFoundError:
            return cls(AlertBook(), SigningHistory(), [])
        except (OSError, ValueError) as exc:
            raise MonitorStateError(f"cannot read the monitor state {path}: {exc}") from None
        if not isinstance(document, dict) or document.get("version") != STATE_VERSION:
            raise MonitorStateError(f"{path} is not a version-{STATE_VERSION} monitor state file")
        try:
            active = {key: ActiveAlert(**value) for key, value in document["active"].items()}
            history = {op: [(int(h), int(s)) for h, s in samples] for op, samples in document["history"].items()}
            outbox = list(document["outbox"])
        except (KeyError, TypeError, ValueError) as exc:
            raise MonitorStateError(f"{path} is damaged: {exc}") from None
        return cls(AlertBook(active), SigningHistory(history), outbox)

    def save(self, path: Path) -> None:
        """Write the state atomically."""
        document = {
            "version": STATE_VERSION,
            "active": {key: asdict(alert) for key, alert in self.book.active.items()},
            "history": self.history.samples,
            "outbox": self.outbox,
        }
        write_atomic(path, json.dumps(document, indent=1).encode() + b"\n", mode=0o600)


class Monitor:
    """Watches `nodes` (name → API base URL) and reports to the log and, if given, a webhook."""

    def __init__(
        self,
        nodes: dict[str, str],
        state_path: Path,
        thresholds: Thresholds,
        webhook: str | None = None,
        timeout_s: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Load the saved state (MonitorStateError when it is damaged)."""
        self.nodes = nodes
        self.state_path = state_path
        self.thresholds = thresholds
        self.webhook = webhook
        self.clock = clock
        self.state = MonitorState.load(state_path)
        self._http = httpx.Client(timeout=timeout_s)

    def close(self) -> None:
        """Release the HTTP connections."""
        self._http.close()

    def sample(self, url: str) -> NodeSample | str:
        """The node's sample, or why it could not be read."""
        try:
            response = self._http.get(f"{url.rstrip('/')}/metrics")
            response.raise_for_status()
            return parse_metrics(response.text)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        except ValueError as exc:
            return str(exc)

    def run_once(self) -> list[Notification]:
        """One round: sample, judge, notify, save. Returns the round's notifications."""
        samples = {name: self.sample(url) for name, url in self.nodes.items()}
        now = self.clock()
        alerts = evaluate(samples, self.state.history, self.thresholds, now)
        notifications = self.state.book.update(alerts, now)
        for notification in notifications:
            level = logging.WARNING if notification.status == "firing" else logging.INFO
            log.log(level, "%s %s: %s", notification.status.upper(), notification.key, notification.summary)
        if self.webhook is not None:
            self.state.outbox = (self.state.outbox + [n.to_json() for n in notifications])[-OUTBOX_LIMIT:]
            self._deliver()
        self.state.save(self.state_path)
        return notifications

    def _deliver(self) -> None:
        assert self.webhook is not None
        while self.state.outbox:
            try:
                self._http.post(self.webhook, json=self.state.outbox[0]).raise_for_status()
            except httpx.HTTPError as exc:
                log.warning(
                    "webhook %s refused or unreachable (%s); %d kept for the next round",
                    self.webhook,
                    exc,
                    len(self.state.outbox),
                )
                return
            self.state.outbox.pop(0)

    def run(self, interval_s: float, should_stop: Callable[[float], bool]) -> None:
        """Rounds every `interval_s` until `should_stop(wait)` (which waits up to `wait` seconds) says stop."""
        while True:
            started = self.clock()
            self.run_once()
            if should_stop(max(0.0, interval_s - (self.clock() - started))):
                return
