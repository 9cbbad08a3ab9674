"""`gostaking query …`: read the chain through the node API; JSON by default, --table for a compact view."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from gostaking.cli.amounts import parse_asset_amount, parse_gos_amount
from gostaking.cli.client import open_api
from gostaking.cli.common import (
    FIELD_VALUE,
    TableOption,
    document_command,
    document_table_command,
    fetch_json,
    field_rows,
    format_duration,
    print_json,
    print_json_or_table,
    print_table,
)
from gostaking.cli.errors import CliError
from gostaking.cli.options import API_DEFAULT, ApiOption, HomeOption, KeyringOption, open_keyring, option_group
from gostaking.cli.tx import resolve_address

app = typer.Typer(help="Query the chain through the node API.", no_args_is_help=True)

AddressArgument = Annotated[str, typer.Argument(help="address (gos1…), a key name or a node's moniker")]


@dataclass(frozen=True)
class AddressQuery:
    """A query of the node API about one account that a person names (gos1…, a key name or a node's moniker). Its
    fields are also the options of every such query, declared once here: a command declares `query: AddressQuery`
    below `@option_group("query", AddressQuery)`."""

    api: ApiOption = API_DEFAULT
    table: TableOption = False
    home: HomeOption = None
    keyring: KeyringOption = None

    def show(self, who: str, role: str, path: str, rows: Callable[[Any], Sequence[Sequence[object]]]) -> None:
        """Print the API document at `path` ('{}' standing for the address `who` resolves to; `role` names it in
        errors) as JSON, or with --table as the field/value rows `rows` makes of it."""
        resolved = resolve_address(who, open_keyring(self.home, self.keyring), role, api_url=self.api)
        print_json_or_table(fetch_json(self.api, path.format(resolved)), self.table, FIELD_VALUE, rows)


def _status_rows(document: dict[str, Any]) -> list[tuple[str, object]]:
    emission = document["emission"]
    return [
        ("chain", document["chain_id"]),
        ("height", document["height"]),
        ("latest block", document["latest_block_time"]),
        ("app hash", document["app_hash"]),
        ("hash power (H/s)", document["total_hash_power"]["hs"]),
        ("GOS supply", document["supply"]["gos"]),
        ("emitted", f"{emission['emitted']['gos']} of {emission['total']['gos']} ({emission['progress']})"),
        ("block reward", emission["current_block_reward"]["gos"]),
        ("next halving", emission["next_halving_height"]),
        ("mining nodes", document["mining_set_size"]),
    ]


document_table_command(
    app,
    "status",
    "/status",
    "Chain id, height, supply, hash power and emission progress.",
    headers=FIELD_VALUE,
    rows=_status_rows,
)


def _account_rows(document: dict[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [("address", document["address"]), ("sequence", str(document["sequence"]))]
    rows += [(f"balance {b['display_denom']}", b["display"]) for b in document["balances"]]
    rows += [(f"locked {lock['asset']['denom']}", lock["asset"]["display"]) for lock in document["locked"]]
    rows += [(f"vote {v['node']}", v["amount"]["gos"]) for v in document["votes"]]
    rows += [(f"stake {s['node']}", s["amount"]["gos"]) for s in document["stakes"]]
    rows += [(f"unbonding {u['kind']} ({completion_when(u)})", u["amount"]["gos"]) for u in document["unbondings"]]
    rows += [
        ("hash power (H/s)", f"{document['hash_power']['total']['hs']} ({document['hash_power']['share_of_network']})"),
        ("pending rewards (GOS)", document["pending_rewards"]["gos"]),
    ]
    return rows


def completion_when(unbonding: dict[str, Any], now: datetime | None = None) -> str:
    """When an unbonding's GOS returns: its height and, from the API's estimate, how long from now ('height 1234,
    in 6 d 23 h')."""
    estimate = datetime.fromisoformat(str(unbonding["estimated_completion_time"]).replace("Z", "+00:00"))
    left = (estimate - (now or datetime.now(UTC))).total_seconds()
    return f"height {unbonding['completion_height']}, " + (f"in {format_duration(left)}" if left > 0 else "due now")


@app.command("account")
@option_group("query", AddressQuery)
def account(address: AddressArgument, query: AddressQuery) -> None:
    """Balances, locks, votes, stakes, unbondings, hash power and pending rewards of an address."""
    query.show(address, "address", "/accounts/{}", _account_rows)


@app.command("rewards")
@option_group("query", AddressQuery)
def rewards(address: AddressArgument, query: AddressQuery) -> None:
    """Claimable rewards of an address, per pool."""
    query.show(address, "address", "/accounts/{}/rewards", field_rows)


ESTIMATE_COLUMNS = (("now", None), ("with additions", "with_additions"), ("additions alone", "additions_alone"))
"""Columns of `query estimate --table`: the label and the API document's section (None: its top-level figures)."""
ESTIMATE_FIGURES = (
    ("GOS a day", "gos_per_day", "gos"),
    ("APR", "apr", None),
    ("hash power (H/s)", "hash_power", "hs"),
    ("share of network", "share_of_network", None),
    ("network (H/s)", "network_hash_power", "hs"),
    ("position value (GOS)", "position_value", "gos"),
)
"""Rows of `query estimate --table`: the label, the figure's field and, for an amount, the unit shown."""


def estimate_rows(document: dict[str, Any]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Headers and rows of GET /accounts/{address}/estimate: the additions asked for, then each figure now and,
    when additions were asked for, with them and for them alone."""
    columns = [(label, document if key is None else document[key]) for label, key in ESTIMATE_COLUMNS]
    shown = [(label, figures) for label, figures in columns if figures is not None]
    headers = ("", *(label for label, _ in shown))
    rows = [
        (f"add {a['pool']}", f"{a['amount']['display']} {a['amount']['display_denom']}", *[""] * (len(shown) - 1))
        for a in document["additions"]
    ]
    for name, field, unit in ESTIMATE_FIGURES:
        rows.append((name, *(str(figures[field][unit] if unit else figures[field]) for _, figures in shown)))
    return headers, rows


LOCK_TAKES_NO_GOS = "GOS is voted or staked, not locked: give it with --vote or --stake"


@app.command("estimate")
def estimate(
    address: AddressArgument,
    vote: Annotated[str | None, typer.Option("--vote", help="GOS you would also vote, e.g. 500gos")] = None,
    stake: Annotated[str | None, typer.Option("--stake", help="GOS you would also stake, e.g. 500gos")] = None,
    lock: Annotated[
        list[str] | None, typer.Option("--lock", help="an asset you would also lock, e.g. 1btc (repeatable)")
    ] = None,
    api: ApiOption = API_DEFAULT,
    as_json: Annotated[bool, typer.Option("--json", help="print the API's document as JSON")] = False,
    table: Annotated[bool, typer.Option("--table", help="print the figures as a table (the default)")] = False,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Expected GOS a day, APR, hash power and share of the network of an address, from the chain's current
    figures; with --vote, --stake or --lock, also with those added and for them alone."""
    if as_json and table:
        raise CliError("--json and --table exclude each other")
    resolved = resolve_address(address, open_keyring(home, keyring), "address", api_url=api)
    with open_api(api) as client:
        decimals = {asset.denom: asset.decimals for asset in client.assets()} if lock else {}
        locks = [parse_asset_amount(text, decimals, LOCK_TAKES_NO_GOS) for text in lock or ()]
        params: dict[str, Any] = {
            "vote": parse_gos_amount(vote) if vote is not None else None,
            "stake": parse_gos_amount(stake) if stake is not None else None,
            "lock": [f"{denom}:{units}" for denom, units in locks] or None,
        }
        document = client.get(f"/accounts/{resolved}/estimate", {k: v for k, v in params.items() if v is not None})
    if as_json:
        print_json(document)
    else:
        headers, rows = estimate_rows(document)
        print_table(rows, headers)


@app.command("block")
def block(
    height: Annotated[str, typer.Argument(help="block height or 'latest'")] = "latest",
    api: ApiOption = API_DEFAULT,
    table: TableOption = False,
) -> None:
    """A block with its transactions and events."""
    if height != "latest" and not height.isdecimal():
        raise CliError(f"height must be a positive integer or 'latest', got {height!r}")
    print_json_or_table(fetch_json(api, f"/blocks/{height}"), table, FIELD_VALUE, field_rows)


@app.command("blocks")
def blocks(
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="how many blocks")] = 10,
    before: Annotated[int | None, typer.Option("--before", min=1, help="only blocks below this height")] = None,
    api: ApiOption = API_DEFAULT,
    table: TableOption = False,
) -> None:
    """Recent blocks, newest first."""
    print_json_or_table(
        fetch_json(api, "/blocks", {"limit": limit, "before": before}),
        table,
        ("height", "time", "txs", "failed", "hash"),
        lambda document: [
            (b["height"], b["time"], b["num_txs"], b["num_failed_txs"], b["hash"][:16]) for b in document["blocks"]
        ],
    )


@app.command("tx")
def tx(
    tx_hash: Annotated[str, typer.Argument(help="transaction hash (64 hex digits)")],
    api: ApiOption = API_DEFAULT,
    table: TableOption = False,
) -> None:
    """A transaction, pending or included, with its result."""
    print_json_or_table(fetch_json(api, f"/txs/{tx_hash.strip()}"), table, FIELD_VALUE, field_rows)


@app.command("node")
@option_group("query", AddressQuery)
def node(operator: AddressArgument, query: AddressQuery) -> None:
    """A node with its voters and stakers."""
    query.show(operator, "operator", "/nodes/{}", field_rows)


document_table_command(
    app,
    "nodes",
    "/nodes",
    "All nodes: status, votes, stake, blocks signed, rewards.",
    headers=("moniker", "status", "votes", "stake", "signed", "rewards", "operator"),
    rows=lambda document: [
        (
            n["moniker"],
            n["status"],
            n["votes"]["gos"],
            n["stake"]["gos"],
            n["blocks_signed"],
            n["rewards_earned"]["gos"],
            n["operator"],
        )
        for n in document["nodes"]
    ],
)


def _hashpower_rows(document: dict[str, Any]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = [
        (p["pool"], p["hash_power"]["hs"], p["share"], p.get("locked") or "") for p in document["pools"]
    ]
    rows.append(("total", document["total"]["hs"], "100%" if document["total"]["micro_hs"] else "0%", ""))
    return rows


document_table_command(
    app,
    "hashpower",
    "/hashpower",
    "Network hash power per pool.",
    headers=("pool", "H/s", "share", "locked"),
    rows=_hashpower_rows,
)
document_command(
    app, "emission", "/emission", "Emission progress: emitted, total, block reward, next halving and burn."
)
document_command(app, "assets", "/assets", "Assets that can be locked, with decimals, price and weight.")
document_command(app, "params", "/params", "Chain parameters.")
