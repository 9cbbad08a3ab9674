"""`gostaking liquid …` against a live devnet with blocks produced on demand: stake, the status lines and JSON, the
instant pool (deposit, a quoted instant unstake with the default slippage bound, an explicit bound the chain
refuses, withdrawal), a ticket and its listing, and one-line errors for mistakes."""

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
    tx_hash = out.split()[-1]
    found = api(devnet, f"/txs/{tx_hash}")
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
