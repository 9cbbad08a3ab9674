"""Monitoring rules: pure functions from one address's recent transfers to alerts.

Each rule looks at the transfers of a single address inside a window of blocks and says whether a pattern that
compliance staff must review is present. Thresholds are per denomination in base units, so no price is needed.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Direction = Literal["in", "out"]


@dataclass(frozen=True)
class Transfer:
    """One successful transfer seen from `address`'s side."""

    address: str
    counterparty: str
    direction: Direction
    denom: str
    amount: int
    height: int
    tx_hash: str


@dataclass(frozen=True)
class RuleConfig:
    """Thresholds of the rules (base units per denom; windows in blocks)."""

    large_value: dict[str, int] = field(default_factory=lambda: {"ugos": 100_000 * 10**6, "btc": 10 * 10**8})
    """A single transfer of at least this much is reported."""
    structuring_window: int = 2_880
    structuring_min_count: int = 3
    structuring_band_ppm: int = 200_000
    """Transfers within this band below the large-value threshold (e.g. 80–100%) count as 'just under'."""
    velocity_window: int = 120
    velocity_max_outgoing: int = 20
    """More outgoing transfers than this within the window is reported."""
    pass_through_window: int = 240
    pass_through_min_ppm: int = 900_000
    """Sending out at least this share of what came in within the window marks a pass-through account."""


@dataclass(frozen=True)
class Alert:
    """A rule's finding for one address."""

    rule: str
    address: str
    severity: str
    first_height: int
    last_height: int
    tx_hashes: tuple[str, ...]
    details: str


def _window(transfers: Sequence[Transfer], height: int, blocks: int) -> list[Transfer]:
    return [t for t in transfers if height - blocks < t.height <= height]


def check_large_value(transfers: Sequence[Transfer], height: int, config: RuleConfig) -> list[Alert]:
    """Every transfer of at least the denom's large-value threshold, in either direction, at this height."""
    alerts = []
    for t in transfers:
        limit = config.large_value.get(t.denom)
        if t.height == height and limit is not None and t.amount >= limit:
            alerts.append(
                Alert(
                    "large_value",
                    t.address,
                    "high",
                    t.height,
                    t.height,
                    (t.tx_hash,),
                    f"{t.direction} {t.amount} {t.denom} (threshold {limit}) with {t.counterparty}",
                )
            )
    return alerts


def check_structuring(transfers: Sequence[Transfer], height: int, config: RuleConfig) -> list[Alert]:
    """Several outgoing transfers just under the large-value threshold that together exceed it."""
    alerts = []
    recent = _window(transfers, height, config.structuring_window)
    for denom, limit in sorted(config.large_value.items()):
        floor = limit - limit * config.structuring_band_ppm // 1_000_000
        just_under = [t for t in recent if t.direction == "out" and t.denom == denom and floor <= t.amount < limit]
        if (
            len(just_under) >= config.structuring_min_count
            and sum(t.amount for t in just_under) >= limit
            and any(t.height == height for t in just_under)
        ):
            alerts.append(
                Alert(
                    "structuring",
                    just_under[0].address,
                    "high",
                    just_under[0].height,
                    height,
                    tuple(t.tx_hash for t in just_under),
                    f"{len(just_under)} outgoing {denom} transfers between {floor} and {limit} within "
                    f"{config.structuring_window} blocks",
                )
            )
    return alerts


def check_velocity(transfers: Sequence[Transfer], height: int, config: RuleConfig) -> list[Alert]:
    """Unusually many outgoing transfers in a short window."""
    outgoing = [t for t in _window(transfers, height, config.velocity_window) if t.direction == "out"]
    if len(outgoing) <= config.velocity_max_outgoing or not any(t.height == height for t in outgoing):
        return []
    return [
        Alert(
            "velocity",
            outgoing[0].address,
            "medium",
            outgoing[0].height,
            height,
            tuple(t.tx_hash for t in outgoing),
            f"{len(outgoing)} outgoing transfers within {config.velocity_window} blocks "
            f"(limit {config.velocity_max_outgoing})",
        )
    ]


def check_pass_through(transfers: Sequence[Transfer], height: int, config: RuleConfig) -> list[Alert]:
    """Funds received and almost all sent on to others within a short window (a mule or layering account)."""
    alerts = []
    recent = _window(transfers, height, config.pass_through_window)
    for denom in sorted({t.denom for t in recent}):
        incoming = [t for t in recent if t.denom == denom and t.direction == "in"]
        outgoing = [t for t in recent if t.denom == denom and t.direction == "out"]
        received, sent = sum(t.amount for t in incoming), sum(t.amount for t in outgoing)
        sources = {t.counterparty for t in incoming}
        destinations = {t.counterparty for t in outgoing} - sources
        if (
            received > 0
            and destinations
            and sent * 1_000_000 >= config.pass_through_min_ppm * received
            and any(t.height == height for t in outgoing)
            and min(t.height for t in incoming) <= max(t.height for t in outgoing)
        ):
            involved = incoming + outgoing
            alerts.append(
                Alert(
                    "pass_through",
                    involved[0].address,
                    "high",
                    min(t.height for t in involved),
                    height,
                    tuple(t.tx_hash for t in involved),
                    f"received {received} {denom} from {len(sources)} and sent {sent} on to "
                    f"{len(destinations)} others within {config.pass_through_window} blocks",
                )
            )
    return alerts


RULES = (check_large_value, check_structuring, check_velocity, check_pass_through)


def evaluate(transfers: Sequence[Transfer], height: int, config: RuleConfig) -> list[Alert]:
    """All alerts the rules raise for one address's transfers, looking at the block `height`."""
    return [alert for rule in RULES for alert in rule(transfers, height, config)]
