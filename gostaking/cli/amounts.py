"""Parsing amounts typed by people: '1.5gos', '1500000ugos', '0.25btc', '100000sat', '2eth', '10gwei', '1.5sgos',
'1500000usgos'; and the denoms of listed assets ('BTC').

Whole units use the asset's decimals (from the node's /assets); base-unit names are `ugos` for GOS and the
aliases below for assets. The chain's other denoms (tokens a module issues, such as sGOS) come with their decimals
and whole unit from the node's /dex/denoms (`Denoms`). Parsing is exact (decimal strings, no floats).

The chain speaks base units (ugos, sat); a person should read back amounts in the unit they typed. So parsing
remembers, per denom, the unit typed (`typed_units`), and `format_in_unit` / `translate_amounts` write amounts in it.
"""

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from gostaking.chain.numeric import GOS_DECIMALS, GOS_DENOM, format_units
from gostaking.cli.errors import CliError

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


class Denoms(dict[str, int]):
    """The listed assets' decimals (the dict: denom → decimals) and the chain's other denoms, `tokens`: denom →
    (whole unit, decimals), e.g. usgos → ('sgos', 6), whose amounts are written in either unit."""

    def __init__(self, listed: Mapping[str, int], tokens: Iterable[tuple[str, int, str]] = ()) -> None:
        """`tokens`: (denom, decimals, whole unit) of every denom the chain knows (GOS and listed ones are skipped)."""
        super().__init__(listed)
        self.tokens = {
            denom: (whole_unit, decimals) for denom, decimals, whole_unit in tokens if denom not in (GOS_DENOM, *listed)
        }


def tokens_of(asset_decimals: Mapping[str, int]) -> dict[str, tuple[str, int]]:
    """The chain's tokens, denom → (whole unit, decimals), when `asset_decimals` is `Denoms` (else none)."""
    return asset_decimals.tokens if isinstance(asset_decimals, Denoms) else {}


def token_units(asset_decimals: Mapping[str, int]) -> dict[str, tuple[str, int]]:
    """unit → (denom, decimals) for the tokens of `asset_decimals` (when it is `Denoms`): each in its base unit
    ('usgos', 0 decimals) and its whole unit ('sgos', 6)."""
    tokens = tokens_of(asset_decimals)
    units = {denom: (denom, 0) for denom in tokens}
    units.update({whole: (denom, decimals) for denom, (whole, decimals) in tokens.items()})
    return units


_AMOUNT = re.compile(r"^\s*(?P<number>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>[A-Za-z][A-Za-z0-9]*)\s*$")


def parse_amount(text: str, asset_decimals: dict[str, int]) -> tuple[str, int]:
    """Return (denom, base units) for an amount like '0.25btc'. `asset_decimals` maps denom → decimals.

    Raises CliError with a message naming the accepted units when the text cannot be read exactly.
    """
    match = _AMOUNT.match(text)
    if match is None:
        raise CliError(f"cannot read amount {text!r}: write a number and a unit, e.g. 1.5gos, 1500000ugos, 0.25btc")
    number, unit = match.group("number"), match.group("unit").lower()
    tokens = token_units(asset_decimals)
    if unit in asset_decimals:
        denom, decimals = unit, asset_decimals[unit]
    elif unit in tokens:
        denom, decimals = tokens[unit]
    elif unit in UNIT_ALIASES and (UNIT_ALIASES[unit][0] == GOS_DENOM or UNIT_ALIASES[unit][0] in asset_decimals):
        denom, decimals = UNIT_ALIASES[unit]
    else:
        known = ", ".join(["gos", "ugos", *sorted(asset_decimals), *sorted(tokens)])
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


def parse_asset_amount(
    text: str, asset_decimals: dict[str, int], why_not_gos: str, *, tokens: bool = False
) -> tuple[str, int]:
    """parse_amount for an amount of an external asset: GOS is refused with CliError(why_not_gos), which says why
    the command takes none (and what to give instead); so is a token of the chain (sGOS) unless `tokens`."""
    denom, units = parse_amount(text, asset_decimals)
    if denom == GOS_DENOM:
        raise CliError(why_not_gos)
    if not tokens and denom not in asset_decimals:
        raise CliError(f"{text!r} is not an amount of a listed asset (listed: {listed_denoms(asset_decimals)})")
    return denom, units


def parse_asset_denom(text: str, asset_decimals: dict[str, int], *, tokens: bool = False) -> str:
    """A listed asset's denom, as typed by a person ('BTC' → 'btc'); with `tokens`, also a token of the chain by
    its denom or whole unit ('sgos' → 'usgos')."""
    typed = text.strip().lower()
    if typed in asset_decimals:
        return typed
    known = token_units(asset_decimals) if tokens else {}
    if typed not in known:
        what = "the asset of a pool (pools: " if tokens else "a listed asset (listed: "
        raise CliError(f"{typed!r} is not {what}{listed_denoms(asset_decimals, tokens=tokens)})")
    return known[typed][0]


def listed_denoms(asset_decimals: dict[str, int], *, tokens: bool = False) -> str:
    """The listed assets (with `tokens`, and the chain's tokens by their whole unit), for a message: 'btc, eth',
    or 'none'."""
    names = sorted(asset_decimals)
    if tokens:
        names += sorted(whole for whole, _ in tokens_of(asset_decimals).values())
    return ", ".join(names) or "none"


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
    tokens = tokens_of(asset_decimals)
    unit, decimals = (
        units.get(denom)
        or tokens.get(denom)
        or (("gos", GOS_DECIMALS) if denom == GOS_DENOM else (denom, asset_decimals.get(denom, 0)))
    )
    return f"{format_units(amount, decimals)} {unit}"


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
        tokens = tokens_of(asset_decimals)
        if word is not None and (word == GOS_DENOM or word in asset_decimals or word in tokens):
            return format_in_unit(amount, word, units, asset_decimals)
        denom = about.get(amount)
        if denom is None:
            return match.group(0)
        return format_in_unit(amount, denom, units, asset_decimals) + (f" {word}" if word is not None else "")

    return _NUMBER_IN_TEXT.sub(translate, text)
