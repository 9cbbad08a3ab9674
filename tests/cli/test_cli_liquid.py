"""`gostaking liquid …` against a live devnet with blocks produced on demand: stake, the status lines and JSON, the
instant pool (deposit, a quoted instant unstake with the default slippage bound, an explicit bound the chain
refuses, withdrawal), a ticket and its listing, and one-line errors for mistakes. And sGOS wherever amounts are
typed: the node lists the chain's denoms with their decimals (`/dex/denoms`), so `gostaking dex` opens, quotes and
swaps on the sGOS/GOS pool and `tx send` moves sGOS, in whole sGOS or usgos; the one-line summaries of liquid and dex
transactions name the amounts their events report."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_compliance_harness import (
    ALICE,
    BOB,
    OPERATOR,
    OnDemandDevnet,
    api,
    assert_one_line_errors,
    cli,
    included,
    ok_json,
    open_on_demand_devnet,
)

from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.liquid import LP_DENOM, SGOS_DENOM
from gostaking.chain.types.tx import MsgSendCoins

GOS = 10**6
SUMMARY_TAIL = r": included in block \d+, fee [0-9.]+ gos, tx [0-9a-f]{64}"


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[OnDemandDevnet]:
    with open_on_demand_devnet(tmp_path) as running:
        running.produce(30)
        running.send(
            OPERATOR, MsgSendCoins(ALICE.address, GOS_DENOM, 150 * GOS), MsgSendCoins(BOB.address, GOS_DENOM, 20 * GOS)
        )
        yield running


def signed_msg(devnet: OnDemandDevnet, result: dict[str, Any]) -> dict[str, Any]:
    """The message the CLI signed, as the API decodes it."""
    msg: dict[str, Any] = api(devnet, f"/txs/{result['tx_hash']}")["body"]["msgs"][0]
    return msg


def balance(devnet: OnDemandDevnet, address: str, denom: str) -> int:
    balances = api(devnet, f"/accounts/{address}")["balances"]
    return next((int(b["amount"]) for b in balances if b["denom"] == denom), 0)


def test_stake_pool_instant_ticket_and_withdraw(devnet: OnDemandDevnet) -> None:
    staked = included(devnet, "liquid stake 20gos --from alice")
    assert signed_msg(devnet, staked) == {"type": "liquid_stake", "amount": 20 * GOS}
    assert balance(devnet, ALICE.address, SGOS_DENOM) == 20 * GOS - 1_000  # the locked minimum stays in the module
    code, out = cli(devnet, "liquid stake 1gos --from bob")
    assert code == 0 and out.count("\n") == 1 and "liquid_stake 1 gos: included in block" in out

    # Status: the API's documents with --json, and lines that quote them.
    documents = ok_json(devnet, "liquid status --json")
    assert documents == {
        "rate": api(devnet, "/liquid/rate"),
        "holdings": api(devnet, "/liquid/holdings"),
        "pool": api(devnet, "/liquid/pool"),
    }
    code, out = cli(devnet, "liquid status")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith(f"1 sGOS = {documents['rate']['gos_per_sgos']} GOS; APR ")
    assert f"backed by {documents['holdings']['controlled']['gos']} GOS" in lines[1]
    assert lines[2].startswith("instant pool: 0 GOS deep") and lines[3].split()[:2] == ["node", "moniker"]
    assert lines[4].split()[0] == OPERATOR.address and lines[4].split()[-1] == "yes"

    # The instant pool: Alice deposits 100 GOS, then swaps 0.01 sGOS; the least accepted is the quote less 1%.
    included(devnet, "liquid add-liquidity 100gos --from alice")
    assert api(devnet, "/liquid/pool")["gos"] == {"ugos": 100 * GOS, "gos": "100"}
    quote = api(devnet, "/liquid/quote", amount_in=GOS // 100)
    expected = int(quote["amount_out"]["ugos"])
    code, out = cli(devnet, "liquid instant 0.01sgos --from alice")
    assert code == 0 and out.splitlines()[0].startswith(
        f"instant unstake 0.01 sGOS for about {quote['amount_out']['gos']} GOS (fee {quote['fee']}"
    )
    summary = rf"liquid_instant_unstake 0\.01 sgos at least [0-9.]+ gos{SUMMARY_TAIL}; liquid_instant_unstaked: .*"
    assert re.fullmatch(summary, out.splitlines()[-1]), out
    found = api(devnet, f"/txs/{re.findall(r'tx ([0-9a-f]{64})', out)[0]}")
    assert found["code"] == 0
    assert found["body"]["msgs"][0] == {
        "type": "liquid_instant_unstake",
        "sgos": GOS // 100,
        "min_gos": expected * 99 // 100,
    }
    # An explicit bound above what the pool pays: refused by the node's simulation, no fee paid.
    code, out = cli(devnet, "liquid instant 0.01sgos --min-gos 1000gos --from alice")
    assert code == 1 and "SlippageError" in out and out.count("\n") <= 2
    bounded = included(devnet, "liquid instant 5000usgos --min-gos 1ugos --from alice")
    assert signed_msg(devnet, bounded) == {"type": "liquid_instant_unstake", "sgos": 5_000, "min_gos": 1}

    # A ticket: listed with its due block and the time left; claiming it early is refused in one line.
    before = api(devnet, f"/liquid/tickets/{ALICE.address}")["total"]
    included(devnet, "liquid unstake 1sgos --from alice")
    page = ok_json(devnet, "liquid tickets alice")
    assert page == api(devnet, f"/liquid/tickets/{ALICE.address}") and page["total"] == before + 1
    ticket = page["tickets"][-1]
    assert ticket["sgos"]["amount"] == GOS and ticket["due"] is False
    code, out = cli(devnet, "liquid tickets alice --table")
    row = out.splitlines()[-1].split()
    assert code == 0 and row[:2] == [str(ticket["id"]), "1"] and row[3] == str(ticket["due_height"])
    assert " ".join(row[4:]) == ticket["time_left"]
    code, out = cli(devnet, f"liquid claim-ticket {ticket['id']} --from alice")
    assert code == 1 and "TicketNotDueError" in out and out.count("\n") <= 2

    # Withdrawal of half of Alice's LP units returns GOS.
    lp = balance(devnet, ALICE.address, LP_DENOM)
    gos_before = balance(devnet, ALICE.address, GOS_DENOM)
    removed = included(devnet, f"liquid remove-liquidity {lp // 2} --from alice")
    assert signed_msg(devnet, removed) == {"type": "liquid_remove_liquidity", "lp": lp // 2}
    assert balance(devnet, ALICE.address, LP_DENOM) == lp - lp // 2
    assert balance(devnet, ALICE.address, GOS_DENOM) > gos_before


def test_liquid_mistakes_get_one_line_errors(devnet: OnDemandDevnet) -> None:
    assert_one_line_errors(
        devnet,
        [
            ("liquid stake 1sgos --from alice", "must be a GOS amount"),
            ("liquid unstake 1gos --from alice", "must be an sGOS amount"),
            ("liquid unstake 1.0000001sgos --from alice", "more decimal places"),
            ("liquid instant 1sgos --min-gos 1gos --slippage 1% --from alice", "give --min-gos or --slippage"),
            ("liquid instant 1sgos --slippage 100% --from alice", "must be below 100%"),
            ("liquid instant 1sgos --from alice", "cannot pay"),
            ("liquid claim-ticket x --from alice", "ticket id must be a non-negative integer"),
            ("liquid claim-ticket 7 --from alice", "UnknownTicketError"),
            ("liquid remove-liquidity 0 --from alice", "LP units must be positive"),
            ("liquid unstake 1sgos --from alice", "InsufficientFundsError"),
            ("liquid tickets nobody", "nobody"),
        ],
    )


def test_the_node_lists_every_denom_with_its_decimals(devnet: OnDemandDevnet) -> None:
    included(devnet, "liquid stake 1gos --from bob")  # the first stake registers usgos with the bank
    denoms = {d["denom"]: (d["decimals"], d["whole_unit"]) for d in api(devnet, "/dex/denoms")}
    listed = {a["denom"]: a["decimals"] for a in api(devnet, "/assets")}
    assert denoms[GOS_DENOM] == (6, "gos") and denoms[SGOS_DENOM] == (6, "sgos")
    assert all(denoms[denom] == (decimals, denom) for denom, decimals in listed.items()) and listed


def test_sgos_pool_opened_quoted_and_swapped_and_sgos_sent(devnet: OnDemandDevnet) -> None:
    included(devnet, "liquid stake 60gos --from alice")
    held = balance(devnet, ALICE.address, SGOS_DENOM)
    assert SGOS_DENOM not in {p["denom"] for p in ok_json(devnet, "dex pools")["pools"]}  # no pool before liquidity

    code, out = cli(devnet, "dex add-liquidity 20sgos --max-gos 20gos --from alice")
    assert code == 0 and re.fullmatch(rf"add_liquidity 20 sgos at most 20 gos{SUMMARY_TAIL}\n", out), out
    pools = {p["denom"]: p for p in ok_json(devnet, "dex pools")["pools"]}
    assert pools[SGOS_DENOM]["decimals"] == 6 and pools[SGOS_DENOM]["price"] == {"ugos": GOS, "gos": "1"}
    assert pools[SGOS_DENOM]["asset_reserve"]["display_denom"] == "sgos"
    assert ok_json(devnet, "dex pool sgos") == ok_json(devnet, "dex pool usgos") == api(devnet, "/dex/pools/usgos")
    assert balance(devnet, ALICE.address, SGOS_DENOM) == held - 20 * GOS

    # Quotes both ways, sGOS typed in either unit.
    quote = ok_json(devnet, "dex quote 1.5sgos")
    assert quote == api(devnet, "/dex/quote", pair=SGOS_DENOM, denom_in=SGOS_DENOM, amount_in=1_500_000)
    assert ok_json(devnet, "dex quote 1500000usgos") == quote
    assert ok_json(devnet, "dex quote 2gos --pair sgos") == api(
        devnet, "/dex/quote", pair=SGOS_DENOM, denom_in=GOS_DENOM, amount_in=2 * GOS
    )

    # A swap of sGOS for GOS: one line naming what was paid and, from the swap event, what came back.
    expected = int(quote["amount_out"]["amount"])
    before = balance(devnet, ALICE.address, SGOS_DENOM)
    code, out = cli(devnet, "dex swap 1.5sgos --from alice --yes")
    gos_out = f"{expected // GOS}.{expected % GOS:06d}".rstrip("0").rstrip(".")
    pattern = rf"swap 1\.5 sgos on the sgos/GOS pool{SUMMARY_TAIL}; swap: {re.escape(gos_out)} gos\n"
    assert code == 0 and re.fullmatch(pattern, out.splitlines(keepends=True)[-1]), out
    assert balance(devnet, ALICE.address, SGOS_DENOM) == before - 1_500_000

    # And GOS for sGOS, with the least output given in sGOS.
    bought = included(devnet, "dex swap 1gos --pair sgos --min-out 0.9sgos --from alice --yes")
    swap = next(e["attributes"] for e in bought["events"] if e["kind"] == "swap")
    assert swap["denom_out"] == SGOS_DENOM and int(swap["amount_out"]) >= 900_000

    # sGOS sent in whole units and in base units.
    code, out = cli(devnet, f"tx send {BOB.address} 0.5sgos --from alice")
    assert code == 0 and re.match(rf"send 0\.5 sgos to {BOB.address}{SUMMARY_TAIL}", out), out
    included(devnet, f"tx send {BOB.address} 1000000usgos --from alice")
    assert balance(devnet, BOB.address, SGOS_DENOM) == 1_500_000

    assert_one_line_errors(
        devnet,
        [
            ("dex quote 1.0000001sgos", "has more decimal places than sgos allows (6)"),
            ("dex quote 1.5usgos", "has more decimal places than usgos allows (0)"),
            ("dex quote 1gos --pair sgoz", "'sgoz' is not the asset of a pool (pools: atom, btc, dcr, eth, sgos"),
            ("tx lock 1sgos --from alice", "'1sgos' is not an amount of a listed asset (listed: atom, btc, dcr, eth)"),
        ],
    )


def test_liquid_summaries_name_the_amounts_of_their_events(devnet: OnDemandDevnet) -> None:
    code, out = cli(devnet, "liquid stake 10gos --from alice")
    assert code == 0 and re.fullmatch(rf"liquid_stake 10 gos{SUMMARY_TAIL}; liquid_staked: [0-9.]+ sgos\n", out), out
    code, out = cli(devnet, "liquid add-liquidity 50gos --from alice")
    assert code == 0 and re.fullmatch(
        rf"liquid_add_liquidity 50 gos{SUMMARY_TAIL}; liquid_pool_added: 49\.999 sgoslp\n", out
    )
    code, out = cli(devnet, "liquid instant 1sgos --from alice")
    lines = out.splitlines()
    assert code == 0 and re.fullmatch(
        rf"liquid_instant_unstake 1 sgos at least [0-9.]+ gos{SUMMARY_TAIL}; "
        r"liquid_instant_unstaked: [0-9.]+ gos, fee [0-9.]+ sgos(, treasury [0-9.]+ sgos)?",
        lines[-1],
    ), out
    code, out = cli(devnet, "liquid unstake 2sgos --from alice")
    assert code == 0 and re.fullmatch(rf"liquid_unstake 2 sgos{SUMMARY_TAIL}\n", out), out
    code, out = cli(devnet, "liquid remove-liquidity 1000000 --from alice")
    assert code == 0 and re.match(rf"liquid_remove_liquidity 1 sgoslp{SUMMARY_TAIL}", out), out
