"""Parsing amounts typed by people: '1.5gos', '1500000ugos', '0.25btc', '100000sat', '2eth', '10gwei'; and the
denoms of listed assets ('BTC').

Whole units use the asset's decimals (from the node's /assets); base-unit names are `ugos` for GOS and the
aliases below for assets. Parsing is exact (decimal strings, no floats).
"""

import re

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
