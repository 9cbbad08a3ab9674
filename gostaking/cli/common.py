"""Helpers shared by the command groups that read the node API: fetching, printing JSON or a table, registering the
commands that only show one API document, and parsing ids and weights."""

import json
import re
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer

from gostaking.cli.client import open_api
from gostaking.cli.errors import CliError
from gostaking.cli.options import API_DEFAULT, ApiOption

TableOption = Annotated[bool, typer.Option("--table", help="print a compact table instead of JSON")]
LimitOption = Annotated[int, typer.Option("--limit", min=1, max=100, help="rows per page")]
OffsetOption = Annotated[int, typer.Option("--offset", min=0, help="rows to skip")]

_DIGITS = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
PPM_DECIMALS = 6
_PPM = 1_000_000


def fetch_json(api: str, path: str, params: dict[str, Any] | None = None) -> Any:
    """GET a JSON document from the node API (errors become CliError with the API's message)."""
    with open_api(api) as client:
        return client.get(path, {k: v for k, v in (params or {}).items() if v is not None} or None)


def print_json(document: Any) -> None:
    """Pretty-print a JSON document."""
    typer.echo(json.dumps(document, indent=2))


def print_table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> None:
    """Left-aligned columns separated by two spaces."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def print_json_or_table(
    document: Any, table: bool, headers: Sequence[str], rows: Callable[[Any], Sequence[Sequence[object]]]
) -> None:
    """Print an API document as JSON or, with --table, as the rows `rows` makes of it (only then, so the JSON view
    never depends on the table's reading of the document)."""
    if table:
        print_table(rows(document), headers)
    else:
        print_json(document)


FIELD_VALUE = ("field", "value")


def field_rows(document: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Any JSON document as (field, value) rows for --table: nested fields joined by dots ('tx.min_fee'), list items
    by their index ('0.denom'); an amount given in two units ({ugos, gos}) shows as its GOS."""
    if isinstance(document, dict):
        if set(document) == {"ugos", "gos"}:
            return [(prefix.rstrip("."), f"{document['gos']} GOS")]
        return [row for key, value in document.items() for row in field_rows(value, f"{prefix}{key}.")]
    if isinstance(document, list):
        if not document:
            return [(prefix.rstrip("."), "-")] if prefix else []
        return [row for index, value in enumerate(document) for row in field_rows(value, f"{prefix}{index}.")]
    return [(prefix.rstrip("."), "-" if document is None else str(document))]


def document_command(app: typer.Typer, name: str, path: str, summary: str) -> None:
    """Register `app`'s command `name`, which prints the node API's document at `path` as JSON, or with --table as
    field/value rows (`field_rows`); `summary` is its help. Commands that take arguments or filters are written out;
    this is for the many that take only --api."""

    def command(api: ApiOption = API_DEFAULT, table: TableOption = False) -> None:
        print_json_or_table(fetch_json(api, path), table, FIELD_VALUE, field_rows)

    command.__doc__ = summary
    app.command(name)(command)


def document_table_command(
    app: typer.Typer,
    name: str,
    path: str,
    summary: str,
    *,
    headers: Sequence[str],
    rows: Callable[[Any], Sequence[Sequence[object]]],
) -> None:
    """`document_command` with --table, which prints the rows `rows` makes of the document under `headers` (see
    print_json_or_table)."""

    def command(api: ApiOption = API_DEFAULT, table: TableOption = False) -> None:
        print_json_or_table(fetch_json(api, path), table, headers, rows)

    command.__doc__ = summary
    app.command(name)(command)


def format_duration(seconds: float) -> str:
    """A span of time as a person reads it, to the two largest units: '6 d 23 h', '3 h 5 min', '40 s'."""
    remaining = max(0, round(seconds))
    parts: list[str] = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1)):
        count, remaining = divmod(remaining, size)
        if count or (unit == "s" and not parts):
            parts.append(f"{count} {unit}")
    return " ".join(parts[:2])


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
