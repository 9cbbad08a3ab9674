"""What a tx command tells its user: the messages it sends and their outcome in one line, in the units the user
typed, and the chain's errors (which speak base units: ugos, sat) translated into them."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.liquid import LP_DENOM
from gostaking.chain.types.tx import TxMsg
from gostaking.cli.amounts import TypedUnits, format_in_unit, token_units, tokens_of, translate_amounts
from gostaking.cli.common import format_duration


@dataclass(frozen=True)
class Outcome:
    """What the command sends, and how to write its amounts: the units typed and the listed assets' decimals."""

    msgs: Sequence[TxMsg]
    units: TypedUnits
    asset_decimals: Mapping[str, int]

    def amount(self, amount: int, denom: str) -> str:
        """`amount` base units of `denom` in the unit the user typed for it ('5000 gos')."""
        return format_in_unit(amount, denom, self.units, self.asset_decimals)

    def translate(self, text: str) -> str:
        """A chain error's text with its amounts in the units typed (see amounts.translate_amounts)."""
        return translate_amounts(text, amounts_of(self.msgs, self.asset_decimals), self.units, self.asset_decimals)

    def describe(self) -> str:
        """The messages in a few words: 'send 5 gos to gos1…', 'vote 100 gos on gos1…', 'claim'."""
        return "; ".join(self._describe_msg(msg) for msg in self.msgs)

    def _describe_msg(self, msg: TxMsg) -> str:
        words = [msg_tag(msg)]
        fields = {name: getattr(msg, name) for name in msg.__struct_fields__}
        found = amount_fields(fields, self.asset_decimals)
        words += [f"{label} {self.amount(amount, denom)}".strip() for label, amount, denom in found]
        for field, template in (("to", "to {}"), ("node", "on {}"), ("pair", "on the {}/GOS pool")):
            value = getattr(msg, field, None)
            if isinstance(value, str):
                words.append(template.format(self._unit_name(value) if field == "pair" else value))
        return " ".join(words)

    def _unit_name(self, denom: str) -> str:
        """What a person calls a pool's asset: a token by its whole unit ('sgos'), a listed asset by its denom."""
        tokens = tokens_of(self.asset_decimals)
        return tokens[denom][0] if denom in tokens else denom

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
        if kind == "order_placed" and "order_id" in attributes:
            return f"order {attributes['order_id']}"  # the id to cancel it by
        if kind in ("unvote", "unstake") and "completes" in attributes:
            completes = int(attributes["completes"])
            when = f"the GOS returns at block {completes}"
            if block_time_s is not None:
                when += f" (in {format_duration((completes - height) * block_time_s)})"
            return when
        return self._amounts_note(str(kind), attributes)

    def _amounts_note(self, kind: str, attributes: Mapping[str, Any]) -> str | None:
        """'liquid_staked: 99.9 sgos': the amounts an event reports beyond those the messages sent (what came
        back, fees), each after its label ('fee 0.05 sgos')."""
        sent = amounts_of(self.msgs, self.asset_decimals)
        found = amount_fields(attributes, self.asset_decimals)
        shown = [
            f"{label} {self.amount(amount, denom)}".strip()
            for label, amount, denom in found
            if sent.get(amount) != denom
        ]
        return f"{kind}: {', '.join(shown)}" if shown else None


def msg_tag(msg: TxMsg) -> str:
    """The wire tag of a message ('send', 'vote'…)."""
    tag = type(msg).__struct_config__.tag
    return tag if isinstance(tag, str) else type(msg).__name__


def amounts_of(msgs: Sequence[TxMsg], asset_decimals: Mapping[str, int]) -> dict[int, str]:
    """Every amount the messages carry (base units) → its denom: what a chain error about them may quote bare."""
    return {
        amount: denom
        for msg in msgs
        for _, amount, denom in amount_fields(
            {name: getattr(msg, name) for name in msg.__struct_fields__}, asset_decimals
        )
    }


_FIELD_DENOMS = {"lp": LP_DENOM}
"""The one amount field not named after its unit: the instant pool's LP units."""
_LIMIT_LABELS = {"max": "at most", "min": "at least"}


def amount_fields(fields: Mapping[str, Any], asset_decimals: Mapping[str, int]) -> list[tuple[str, int, str]]:
    """(label, amount, denom) of the amounts among a message's fields or an event's attributes, read from their
    names as the chain names them: `amount` and `asset_amount` of the record's `denom` (GOS when it names none),
    `amount_<x>` of `denom_<x>`, and a field whose last word is a unit (`ugos`, `max_gos`, `sgos`, `fee_sgos`,
    a listed asset) of that unit's denom, labelled by the words before the unit ('fee', 'treasury'; a limit `max_`
    or `min_` as 'at most', 'at least'). Counts of something else (`shares`, `ticket`, `min_out`) are not amounts."""
    units = {"gos": GOS_DENOM, GOS_DENOM: GOS_DENOM, **{denom: denom for denom in asset_decimals}, **_FIELD_DENOMS}
    units.update({unit: denom for unit, (denom, _) in token_units(asset_decimals).items()})
    own = fields.get("denom")
    found: list[tuple[str, int, str]] = []
    for name, value in fields.items():
        amount = _integer(value)
        if amount is None:
            continue
        first, _, rest = name.partition("_")
        label, _, unit = name.rpartition("_")
        if name in ("amount", "asset_amount"):
            found.append(("", amount, own if isinstance(own, str) else GOS_DENOM))
        elif first == "amount" and isinstance(fields.get(f"denom_{rest}"), str):
            found.append(("", amount, str(fields[f"denom_{rest}"])))
        elif unit in units:
            found.append((_LIMIT_LABELS.get(label, label.replace("_", " ")), amount, units[unit]))
    return found


def _integer(value: object) -> int | None:
    """An int field, or an event attribute (events carry strings) holding an integer."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
