"""`document_command` and `document_table_command`: a command that shows one node API document, with its summary as
help, --api handed to the fetch, and --table printing the rows made of the document (by the table variant's own
rows, or as field/value rows)."""

import json
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from gostaking.cli import common
from gostaking.cli.common import document_command, document_table_command
from gostaking.cli.options import API_DEFAULT

DOCUMENT = {"items": [{"name": "a", "size": 1}, {"name": "bb", "size": 22}]}


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The (api, path) of every fetch the commands make; each answers DOCUMENT."""
    calls: list[tuple[str, str]] = []

    def fake_fetch(api: str, path: str, params: dict[str, Any] | None = None) -> Any:
        calls.append((api, path))
        return DOCUMENT

    monkeypatch.setattr(common, "fetch_json", fake_fetch)
    return calls


def demo_app(rows_made: list[object]) -> typer.Typer:
    """A CLI with one command of each kind; `rows_made` records each document the table rows were made of."""
    demo = typer.Typer()

    def rows(document: Any) -> list[tuple[object, ...]]:
        rows_made.append(document)
        return [(item["name"], item["size"]) for item in document["items"]]

    document_command(demo, "plain", "/plain", "Show the plain document.")
    document_table_command(demo, "listing", "/listing", "Show the listing.", headers=("name", "size"), rows=rows)
    return demo


def test_document_command_prints_the_document_as_json(fetched: list[tuple[str, str]]) -> None:
    result = CliRunner().invoke(demo_app([]), ["plain", "--api", "http://node:1"])
    assert result.exit_code == 0, result.output
    assert fetched == [("http://node:1", "/plain")]
    assert result.output == json.dumps(DOCUMENT, indent=2) + "\n"


def test_document_table_command_prints_json_unless_table_is_asked(fetched: list[tuple[str, str]]) -> None:
    rows_made: list[object] = []
    as_json = CliRunner().invoke(demo_app(rows_made), ["listing"], env={"GOSTAKING_API": None})
    assert as_json.exit_code == 0, as_json.output
    assert as_json.output == json.dumps(DOCUMENT, indent=2) + "\n"
    assert rows_made == []  # the JSON view never reads the document for rows

    as_table = CliRunner().invoke(demo_app(rows_made), ["listing", "--table"], env={"GOSTAKING_API": None})
    assert as_table.exit_code == 0, as_table.output
    assert as_table.output == "name  size\na     1\nbb    22\n"
    assert rows_made == [DOCUMENT]
    assert fetched == [(API_DEFAULT, "/listing"), (API_DEFAULT, "/listing")]


def test_the_summary_is_the_help_and_both_variants_take_table() -> None:
    runner = CliRunner()
    plain = runner.invoke(demo_app([]), ["plain", "--help"], env={"COLUMNS": "200"})
    listing = runner.invoke(demo_app([]), ["listing", "--help"], env={"COLUMNS": "200"})
    assert "Show the plain document." in plain.output and "--api" in plain.output and "--table" in plain.output
    assert "Show the listing." in listing.output and "--table" in listing.output


def test_the_plain_variant_tables_the_document_as_fields_and_values(fetched: list[tuple[str, str]]) -> None:
    result = CliRunner().invoke(demo_app([]), ["plain", "--table"], env={"GOSTAKING_API": None})
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "field         value",
        "items.0.name  a",
        "items.0.size  1",
        "items.1.name  bb",
        "items.1.size  22",
    ]
