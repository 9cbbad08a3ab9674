"""What a tx command tells its user: the messages it sends and their outcome in one line, in the units the user
typed, and the chain's errors (which speak base units: ugos, sat) translated into them."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gostaking.chain.types.tx import Msg
from gostaking.cli.amounts import GOS_DENOM, TypedUnits, format_in_unit, translate_amounts
from gostaking.cli.common import format_duration


@dataclass(frozen=True)
class Outcome:
    """What the command sends, and how to write its amounts: the units typed and the listed assets' decimals."""

    msgs: Sequence[Msg]
    units: TypedUnits
    asset_decimals: Mapping[str, int]

    def amount(self, amount: int, denom: str) -> str:
        """`amount` base units of `denom` in the unit the user typed for it ('5000 gos')."""
        return format_in_unit(amount, denom, self.units, self.asset_decimals)

    def translate(self, text: str) -> str:
        """A chain error's text with its amounts in the units typed (see amounts.translate_amounts)."""
        return translate_amounts(text, amounts_of(self.msgs), self.units, self.asset_decimals)

    def describe(self) -> str:
        """The messages in a few words: 'send 5 gos to gos1…', 'vote 100 gos on gos1…', 'claim'."""
        return "; ".join(self._describe_msg(msg) for msg in self.msgs)

    def _describe_msg(self, msg: Msg) -> str:
        words = [msg_tag(msg)]
        words += [self.amount(amount, denom) for amount, denom in _amount_fields(msg)]
        for field, template in (("to", "to {}"), ("node", "on {}"), ("pair", "on the {}/GOS pool")):
            value = getattr(msg, field, None)
            if isinstance(value, str):
                words.append(template.format(value))
        return " ".join(words)

    def summary(self, found: Mapping[str, Any], block_time_s: float | None) -> str:
        """One line for an included transaction's GET /txs document: what it did, its block, fee and hash, and
        what its events add (GOS claimed, when unbonded GOS returns)."""
        fee = self.amount(int(found["fee"]["ugos"]), GOS_DENOM)
        line = f"{self.describe()}: included in block {found['height']}, fee {fee}, tx {found['tx_hash']}"
        notes = [
            note
            for event in found.get("events") or ()
            if (note := self._event_note(event, int(found["height"]), block_time_s)) is not None
        ]
        return "; ".join([line, *notes])

    def _event_note(self, event: Mapping[str, Any], height: int, block_time_s: float | None) -> str | None:
        attributes = event.get("attributes") or {}
        kind = event.get("kind")
        if kind == "claim" and "amount" in attributes:
            return f"claimed {self.amount(int(attributes['amount']), GOS_DENOM)}"
        if kind in ("unvote", "unstake") and "completes" in attributes:
            completes = int(attributes["completes"])
            when = f"the GOS returns at block {completes}"
            if block_time_s is not None:
                when += f" (in {format_duration((completes - height) * block_time_s)})"
            return when
        return None


def msg_tag(msg: Msg) -> str:
    """The wire tag of a message ('send', 'vote'…)."""
    tag = type(msg).__struct_config__.tag
    return tag if isinstance(tag, str) else type(msg).__name__


def amounts_of(msgs: Sequence[Msg]) -> dict[int, str]:
    """Every amount the messages carry (base units) → its denom: what a chain error about them may quote bare."""
    return {amount: denom for msg in msgs for amount, denom in _amount_fields(msg)}


def _amount_fields(msg: Msg) -> list[tuple[int, str]]:
    """(amount, denom) of a message's amounts: `amount` or `asset_amount` of its `denom` (GOS when it names none),
    `amount_in` of `denom_in`, and `max_gos` in GOS."""
    found: list[tuple[int, str]] = []
    denom = getattr(msg, "denom", None)
    own = denom if isinstance(denom, str) else GOS_DENOM
    for name, of in (("amount", own), ("asset_amount", own), ("max_gos", GOS_DENOM)):
        value = getattr(msg, name, None)
        if isinstance(value, int) and not isinstance(value, bool):
            found.append((value, of))
    amount_in, denom_in = getattr(msg, "amount_in", None), getattr(msg, "denom_in", None)
    if isinstance(amount_in, int) and isinstance(denom_in, str):
        found.append((amount_in, denom_in))
    return found
