"""Helpers shared by the gov, custody, oracle and compliance command groups: reading the API, printing, parsing
ids and weights, and bundling the tx options."""

import json
import re
from typing import Annotated, Any

import typer

from gostaking.cli.client import ApiClient
from gostaking.cli.errors import CliError

TableOption = Annotated[bool, typer.Option("--table", help="print a compact table instead of JSON")]
LimitOption = Annotated[int, typer.Option("--limit", min=1, max=100, help="rows per page")]
OffsetOption = Annotated[int, typer.Option("--offset", min=0, help="rows to skip")]

_DIGITS = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
PPM_DECIMALS = 6
_PPM = 1_000_000


def fetch_json(api: str, path: str, params: dict[str, Any] | None = None) -> Any:
    """GET a JSON document from the node API (errors become CliError with the API's message)."""
    client = ApiClient(api)
    try:
        return client.get(path, {k: v for k, v in (params or {}).items() if v is not None} or None)
    finally:
        client.close()


def print_json(document: Any) -> None:
    """Pretty-print a JSON document."""
    typer.echo(json.dumps(document, indent=2))


def parse_id(text: str, what: str) -> int:
    """A non-negative integer id typed by a person, else CliError."""
    if not (text.isascii() and text.isdecimal()):
        raise CliError(f"{what} must be a non-negative integer, got {text!r}")
    return int(text)


def parse_weight(text: str) -> int:
    """A value weight as a decimal fraction ('0.15') or in ppm ('150000ppm'); returns ppm, exactly."""
    cleaned = text.strip().lower()
    if cleaned.endswith("ppm") and _DIGITS.fullmatch(cleaned[:-3].strip()):
        return int(cleaned[:-3])
    if not _DECIMAL.fullmatch(cleaned):
        raise CliError(f"cannot read weight {text!r}: write a fraction like 0.15 or ppm like 150000ppm")
    whole, _, fraction = cleaned.partition(".")
    if len(fraction) > PPM_DECIMALS:
        raise CliError(f"weight {text!r} has more than {PPM_DECIMALS} decimal places (1 ppm is 0.000001)")
    return int(whole or "0") * _PPM + int(fraction.ljust(PPM_DECIMALS, "0"))
