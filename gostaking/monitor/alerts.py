"""The monitor's alert logic (pure: no IO, no clock): what each round's node samples say is wrong, and which
alerts that makes new (firing) or over (resolved).

Chain alerts (a validator missing blocks or jailed, a stale oracle price, an overdue withdrawal) are judged on one
view of the chain, the highest reachable node's, so that N nodes do not raise one problem N times. Node alerts
(unreachable, no new block, behind the others, index lag) are raised per node. An alert is keyed by what it is
about (`missed_blocks:<operator>`, `stalled:<node>`…): while its key stays active nothing more is sent, and when a
round no longer finds it a resolve message goes out (de-duplication the way tenderduty and Alertmanager do it).
"""

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["warning", "critical"]
Status = Literal["firing", "resolved"]


@dataclass(frozen=True)
class ValidatorSample:
    """One registered node as the chain shows it (gostaking_validator_* gauges)."""

    operator: str
    moniker: str
    mining: bool
    jailed: bool
    signed_blocks: int


@dataclass(frozen=True)
class NodeSample:
    """What one node's /metrics said in one round."""

    height: int
    last_block_time_s: float | None
    block_time_s: float
    validators: dict[str, ValidatorSample] = field(default_factory=dict)
    oracle_age_blocks: dict[str, int] = field(default_factory=dict)
    oracle_stale: dict[str, bool] = field(default_factory=dict)
    pending_withdrawals: int = 0
    oldest_withdrawal_age_blocks: int = 0
    index_lag_blocks: int | None = None


@dataclass(frozen=True)
class Thresholds:
    """When the monitor alerts (the `gostaking monitor` options)."""

    missed_window_blocks: int = 100
    """Blocks over which a validator's missed blocks are counted."""
    missed_blocks: int = 10
    """Missed blocks within the window that raise the alert."""
    stall_factor: float = 5.0
    """No new block for this many block times raises `stalled`…"""
    stall_min_s: float = 30.0
    """…and for at least this many seconds (a fast chain's pauses while a stopped validator's turn to propose times
    out are no stall)."""
    behind_blocks: int = 5
    """A node this many blocks below the highest is `behind`."""
    oracle_max_age_blocks: int = 0
    """An oracle price older than this raises `oracle_stale` (0: only when the chain marks it stale)."""
    withdrawal_deadline_blocks: int = 600
    """A withdrawal waiting longer than this raises `withdrawal_overdue`."""
    index_lag_blocks: int = 50
    """An explorer index this many blocks behind its node raises `index_lag`."""


@dataclass(frozen=True)
class Alert:
    """A problem found in one round."""

    key: str
    kind: str
    severity: Severity
    summary: str

    @classmethod
    def about(cls, kind: str, subject: str, severity: Severity, summary: str) -> "Alert":
        """An alert of `kind` about `subject` (a node, an operator, a denom), keyed `<kind>:<subject>`: one key
        per problem and thing it is about, whatever the summary's figures."""
        return cls(f"{kind}:{subject}", kind, severity, summary)


@dataclass(frozen=True)
class Notification:
    """What goes to the webhook and the log when an alert starts or ends."""

    status: Status
    key: str
    kind: str
    severity: Severity
    summary: str
    since: float
    at: float

    def to_json(self) -> dict[str, str | float]:
        """The webhook's JSON body."""
        return {
            "status": self.status,
            "alert": self.key,
            "kind": self.kind,
            "severity": self.severity,
            "summary": self.summary,
            "since": self.since,
            "at": self.at,
        }


class SigningHistory:
    """Per validator, (height, signed blocks) samples over the last `window` blocks: the blocks missed in the
    window are the heights that passed minus the blocks signed meanwhile (both from the chain's own counters)."""

    def __init__(self, samples: dict[str, list[tuple[int, int]]] | None = None) -> None:
        """Resume from saved samples (operator → [(height, signed)], oldest first)."""
        self.samples: dict[str, list[tuple[int, int]]] = samples or {}

    def record(self, height: int, validators: dict[str, ValidatorSample], window: int) -> None:
        """Add this round's sample of each mining validator and forget what is older than the window (a validator
        that left the mining set is forgotten: it has no blocks to sign)."""
        for operator in [op for op in self.samples if not _mining(validators.get(op))]:
            del self.samples[operator]
        for operator, validator in validators.items():
            if not validator.mining:
                continue
            samples = self.samples.setdefault(operator, [])
            if samples and height <= samples[-1][0]:
                continue  # the same block again, or a node further behind
            samples.append((height, validator.signed_blocks))
            while len(samples) > 1 and samples[1][0] <= height - window:
                samples.pop(0)

    def missed(self, operator: str) -> int:
        """Blocks `operator` missed between its oldest and newest sample in the window (0 with fewer than two)."""
        samples = self.samples.get(operator, [])
        if len(samples) < 2:
            return 0
        (first_height, first_signed), (last_height, last_signed) = samples[0], samples[-1]
        return max(0, (last_height - first_height) - (last_signed - first_signed))


def _mining(validator: ValidatorSample | None) -> bool:
    return validator is not None and validator.mining


def evaluate(
    samples: dict[str, NodeSample | str],
    history: SigningHistory,
    thresholds: Thresholds,
    now: float,
) -> list[Alert]:
    """The alerts of one round. `samples` maps each watched node's name to its sample, or to why it could not be
    read; `history` is updated with this round's chain view."""
    alerts: list[Alert] = []
    reachable = {name: sample for name, sample in samples.items() if isinstance(sample, NodeSample)}
    for name, sample in samples.items():
        if isinstance(sample, str):
            alerts.append(Alert.about("unreachable", name, "critical", f"{name} cannot be read: {sample}"))
    if not reachable:
        return alerts
    top_name, top = max(reachable.items(), key=lambda item: item[1].height)
    for name, sample in reachable.items():
        alerts += _node_alerts(name, sample, top.height, thresholds, now)
    history.record(top.height, top.validators, thresholds.missed_window_blocks)
    alerts += _validator_alerts(top, history, thresholds)
    alerts += _chain_alerts(top_name, top, thresholds)
    return alerts


def _node_alerts(name: str, sample: NodeSample, top_height: int, thresholds: Thresholds, now: float) -> list[Alert]:
    alerts = []
    if sample.last_block_time_s is not None:
        quiet_s = now - sample.last_block_time_s
        if quiet_s > max(thresholds.stall_factor * sample.block_time_s, thresholds.stall_min_s):
            alerts.append(
                Alert.about(
                    "stalled",
                    name,
                    "critical",
                    f"{name}: no new block for {quiet_s:.0f} s (height {sample.height}; block time "
                    f"{sample.block_time_s:g} s)",
                )
            )
    if top_height - sample.height >= thresholds.behind_blocks:
        alerts.append(
            Alert.about(
                "behind",
                name,
                "warning",
                f"{name} is at height {sample.height}, {top_height - sample.height} blocks behind the highest node",
            )
        )
    if sample.index_lag_blocks is not None and sample.index_lag_blocks >= thresholds.index_lag_blocks:
        alerts.append(
            Alert.about(
                "index_lag",
                name,
                "warning",
                f"{name}: the explorer index is {sample.index_lag_blocks} blocks behind the chain",
            )
        )
    return alerts


def _validator_alerts(top: NodeSample, history: SigningHistory, thresholds: Thresholds) -> list[Alert]:
    alerts = []
    for operator, validator in top.validators.items():
        who = f"{validator.moniker} ({operator})"
        if validator.jailed:
            alerts.append(Alert.about("jailed", operator, "critical", f"node {who} is jailed"))
        missed = history.missed(operator) if validator.mining else 0
        if missed >= thresholds.missed_blocks:
            alerts.append(
                Alert.about(
                    "missed_blocks",
                    operator,
                    "critical",
                    f"validator {who} missed {missed} of the last {thresholds.missed_window_blocks} blocks",
                )
            )
    return alerts


def _chain_alerts(top_name: str, top: NodeSample, thresholds: Thresholds) -> list[Alert]:
    alerts = []
    for denom, age in sorted(top.oracle_age_blocks.items()):
        too_old = thresholds.oracle_max_age_blocks and age > thresholds.oracle_max_age_blocks
        if top.oracle_stale.get(denom) or too_old:
            alerts.append(
                Alert.about(
                    "oracle_stale",
                    denom,
                    "warning",
                    f"the oracle price of {denom} was last aggregated {age} blocks ago"
                    + (" and the chain marks it stale" if top.oracle_stale.get(denom) else ""),
                )
            )
    if top.pending_withdrawals and top.oldest_withdrawal_age_blocks > thresholds.withdrawal_deadline_blocks:
        alerts.append(
            Alert(
                "withdrawal_overdue",
                "withdrawal_overdue",
                "critical",
                f"the oldest of {top.pending_withdrawals} pending withdrawals has waited "
                f"{top.oldest_withdrawal_age_blocks} blocks (deadline {thresholds.withdrawal_deadline_blocks}; "
                f"seen on {top_name})",
            )
        )
    return alerts


@dataclass
class ActiveAlert:
    """An alert that has fired and not yet resolved."""

    kind: str
    severity: Severity
    summary: str
    since: float


class AlertBook:
    """The alerts currently firing; `update` turns a round's findings into fire and resolve notifications."""

    def __init__(self, active: dict[str, ActiveAlert] | None = None) -> None:
        """Resume with the alerts that were firing (from the state file)."""
        self.active: dict[str, ActiveAlert] = active or {}

    def update(self, alerts: list[Alert], now: float) -> list[Notification]:
        """Fire the alerts not already active, resolve the active ones this round no longer finds."""
        found = {alert.key: alert for alert in alerts}
        out = []
        for key in [key for key in self.active if key not in found]:
            was = self.active.pop(key)
            out.append(Notification("resolved", key, was.kind, was.severity, was.summary, was.since, now))
        for key, alert in found.items():
            if key in self.active:
                self.active[key].summary = alert.summary  # the latest figures, for the resolve message
                continue
            self.active[key] = ActiveAlert(alert.kind, alert.severity, alert.summary, now)
            out.append(Notification("firing", key, alert.kind, alert.severity, alert.summary, now, now))
        return out
