"""Parsing amounts typed by people: '1.5gos', '1500000ugos', '0.25btc', '100000sat', '2eth', '10gwei'; and the
denoms of listed assets ('BTC').

Whole units use the asset's decimals (from the node's /assets); base-unit names are `ugos` for GOS and the
aliases below for assets. Parsing is exact (decimal strings, no floats).

The chain speaks base units (ugos, sat); a person should read back amounts in the unit they typed. So parsing
remembers, per denom, the unit typed (`typed_units`), and `format_in_unit` / `translate_amounts` write amounts in it.
"""

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from gostaking.cli.errors import CliError

GOS_DENOM = "ugos"
GOS_DECIMALS = 6

UNIT_ALIASES: dict[str, tuple[str, int]] = {
    "ugos": (GOS_DENOM, 0),
    "gos": (GOS_DENOM, GOS_DECIMALS),
    "sat": ("btc", 0),
    "sats": ("btc", 0),
    "satoshi": ("btc", 0),
    "wei": ("eth", 0),
    "gwei": ("eth", 9),
    "uatom": ("atom", 0),
}
"""unit → (denom, decimal places of that unit over the denom's base unit)."""

_AMOUNT = re.compile(r"^\s*(?P<number>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>[A-Za-z][A-Za-z0-9]*)\s*$")


def parse_amount(text: str, asset_decimals: dict[str, int]) -> tuple[str, int]:
    """Return (denom, base units) for an amount like '0.25btc'. `asset_decimals` maps denom → decimals.

    Raises CliError with a message naming the accepted units when the text cannot be read exactly.
    """
    match = _AMOUNT.match(text)
    if match is None:
        raise CliError(f"cannot read amount {text!r}: write a number and a unit, e.g. 1.5gos, 1500000ugos, 0.25btc")
    number, unit = match.group("number"), match.group("unit").lower()
    if unit in asset_decimals:
        denom, decimals = unit, asset_decimals[unit]
    elif unit in UNIT_ALIASES and (UNIT_ALIASES[unit][0] == GOS_DENOM or UNIT_ALIASES[unit][0] in asset_decimals):
        denom, decimals = UNIT_ALIASES[unit]
    else:
        known = ", ".join(["gos", "ugos", *sorted(asset_decimals)])
        aliases = ", ".join(a for a, (d, _) in UNIT_ALIASES.items() if d in asset_decimals)
        raise CliError(
            f"unknown unit {unit!r} in {text!r}: use one of {known}" + (f" (or {aliases})" if aliases else "")
        )
    whole, _, fraction = number.partition(".")
    if len(fraction) > decimals:
        raise CliError(f"{text!r} has more decimal places than {unit} allows ({decimals})")
    units = int(whole or "0") * 10**decimals + int((fraction or "0").ljust(decimals, "0")[:decimals] or "0")
    if units <= 0:
        raise CliError(f"amount {text!r} must be positive")
    remembered = _TYPED_UNITS.get()
    if remembered is not None:
        remembered.setdefault(denom, (unit, decimals))
    return denom, units


def parse_asset_amount(text: str, asset_decimals: dict[str, int], why_not_gos: str) -> tuple[str, int]:
    """parse_amount for an amount of an external asset: GOS is refused with CliError(why_not_gos), which says why
    the command takes none (and what to give instead)."""
    denom, units = parse_amount(text, asset_decimals)
    if denom == GOS_DENOM:
        raise CliError(why_not_gos)
    return denom, units


def parse_asset_denom(text: str, asset_decimals: dict[str, int]) -> str:
    """A listed asset's denom, as typed by a person ('BTC' → 'btc')."""
    denom = text.strip().lower()
    if denom not in asset_decimals:
        raise CliError(f"{denom!r} is not a listed asset (listed: {listed_denoms(asset_decimals)})")
    return denom


def listed_denoms(asset_decimals: dict[str, int]) -> str:
    """The listed assets, for a message: 'btc, eth', or 'none'."""
    return ", ".join(sorted(asset_decimals)) or "none"


def parse_gos_amount(text: str) -> int:
    """An amount that must be GOS ('100gos', '5000ugos'); returns ugos."""
    match = _AMOUNT.match(text)
    if match is not None and match.group("unit").lower() not in ("gos", "ugos"):
        raise CliError(f"{text!r} must be a GOS amount, e.g. 100gos or 5000ugos")
    return parse_amount(text, {})[1]


TypedUnits = dict[str, tuple[str, int]]
"""denom → (the unit a person typed for it, that unit's decimal places over the denom's base unit)."""
_TYPED_UNITS: ContextVar[TypedUnits | None] = ContextVar("typed_units", default=None)


@contextmanager
def typed_units() -> Iterator[TypedUnits]:
    """Remember, for the `with` block, the unit of every amount parsed in it (the first one typed per denom)."""
    remembered: TypedUnits = {}
    token = _TYPED_UNITS.set(remembered)
    try:
        yield remembered
    finally:
        _TYPED_UNITS.reset(token)


def format_in_unit(
    amount: int, denom: str, units: Mapping[str, tuple[str, int]], asset_decimals: Mapping[str, int]
) -> str:
    """Base units of `denom` as a person reads them: in the unit typed for the denom ('5000 gos', '100000 sat'),
    else in whole units ('0.25 btc'; GOS as gos). Exact (no floats)."""
    unit, decimals = units.get(denom) or (
        ("gos", GOS_DECIMALS) if denom == GOS_DENOM else (denom, asset_decimals.get(denom, 0))
    )
    return f"{format_decimal(amount, decimals)} {unit}"


def format_decimal(amount: int, decimals: int) -> str:
    """Base units as an exact decimal string: format_decimal(1500000, 6) == '1.5'."""
    whole, fraction = divmod(amount, 10**decimals)
    if decimals == 0 or fraction == 0:
        return str(whole)
    return f"{whole}.{fraction:0{decimals}d}".rstrip("0")


_NUMBER_IN_TEXT = re.compile(r"(?<![\w.])(?P<amount>[0-9]+)(?![\w.])(?: (?P<word>[a-z][a-z0-9]*)\b)?")


def translate_amounts(
    text: str,
    about: Mapping[int, str],
    units: Mapping[str, tuple[str, int]],
    asset_decimals: Mapping[str, int],
) -> str:
    """A chain message written in base units ('has 59000000 ugos, needs 5000000000') in the units a person typed
    ('has 59 gos, needs 5000 gos'). `about` maps the amounts of the messages the text is about (base units) to their
    denom: a bare number equal to one of them is that amount. Other numbers (heights, sequences) are left alone."""

    def translate(match: re.Match[str]) -> str:
        amount, word = int(match.group("amount")), match.group("word")
        if word is not None and (word == GOS_DENOM or word in asset_decimals):
            return format_in_unit(amount, word, units, asset_decimals)
        denom = about.get(amount)
        if denom is None:
            return match.group(0)
        return format_in_unit(amount, denom, units, asset_decimals) + (f" {word}" if word is not None else "")

    return _NUMBER_IN_TEXT.sub(translate, text)
