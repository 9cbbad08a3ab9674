"""Monitoring rules: pure functions from one address's recent transfers, or its order-book fills, to alerts.

Each rule looks at the transfers (or fills) of a single address inside a window of blocks and says whether a pattern
that compliance staff must review is present. Thresholds are per denomination in base units, so no price is needed
(a fill's GOS side is its notional in ugos).
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
class Fill:
    """One of `address`'s orders filled in a market's batch auction (all fills of a market in a block share its
    one clearing price). `tx_hash` is the transaction that placed the order ("" if unknown)."""

    address: str
    market: str
    side: Literal["buy", "sell"]
    quantity: int
    """Base units traded."""
    notional_ugos: int
    height: int
    order_id: int
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
    wash_trade_min_ugos: int = 0
    """An account on both sides of one auction is reported when the smaller side is worth at least this (0: always).
    A batch auction clears every order at one price, so such a pair moves GOS and the base in a circle: it only
    prints volume (and the clearing price that feeds the oracle)."""


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


def _fill_hashes(fills: Sequence[Fill]) -> tuple[str, ...]:
    """The transactions that placed the fills' orders, each once, in order."""
    return tuple(dict.fromkeys(f.tx_hash for f in fills if f.tx_hash))


def check_wash_trade(fills: Sequence[Fill], height: int, config: RuleConfig) -> list[Alert]:
    """The address bought and sold in the same market's auction at `height`: one owner on both sides of a trade."""
    alerts = []
    now = [f for f in fills if f.height == height]
    for market in sorted({f.market for f in now}):
        bought = [f for f in now if f.market == market and f.side == "buy"]
        sold = [f for f in now if f.market == market and f.side == "sell"]
        if not bought or not sold:
            continue
        smaller = min(sum(f.notional_ugos for f in bought), sum(f.notional_ugos for f in sold))
        if smaller < config.wash_trade_min_ugos:
            continue
        orders = ", ".join(str(f.order_id) for f in bought + sold)
        alerts.append(
            Alert(
                "wash_trade",
                now[0].address,
                "high",
                height,
                height,
                _fill_hashes(bought + sold),
                f"bought {sum(f.quantity for f in bought)} and sold {sum(f.quantity for f in sold)} {market} in the "
                f"same auction (orders {orders}; {smaller} ugos on the smaller side)",
            )
        )
    return alerts


def check_large_trade(fills: Sequence[Fill], height: int, config: RuleConfig) -> list[Alert]:
    """Fills at `height` worth at least the GOS large-value threshold, or trading at least the base's own: one
    alert listing them."""
    gos_limit = config.large_value.get("ugos")

    def large(fill: Fill) -> bool:
        base_limit = config.large_value.get(fill.market)
        return (gos_limit is not None and fill.notional_ugos >= gos_limit) or (
            base_limit is not None and fill.quantity >= base_limit
        )

    found = [f for f in fills if f.height == height and large(f)]
    if not found:
        return []
    described = "; ".join(
        f"{f.side} {f.quantity} {f.market} for {f.notional_ugos} ugos (order {f.order_id})" for f in found
    )
    return [Alert("large_trade", found[0].address, "high", height, height, _fill_hashes(found), described)]


TRADE_RULES = (check_wash_trade, check_large_trade)


def evaluate_trades(fills: Sequence[Fill], height: int, config: RuleConfig) -> list[Alert]:
    """All alerts the trade rules raise for one address's fills, looking at the block `height`."""
    return [alert for rule in TRADE_RULES for alert in rule(fills, height, config)]
