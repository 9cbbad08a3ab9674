"""`gostaking dex …` against a live devnet with blocks produced on demand: liquidity, swaps both ways (with the
default quoted slippage, a chosen slippage and an explicit least output), removal, and one-line errors."""

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
from gostaking.chain.types.tx import MsgSendCoins

GOS = 10**6
BTC = 10**8


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[OnDemandDevnet]:
    with open_on_demand_devnet(tmp_path) as running:
        running.produce(30)
        running.send(
            OPERATOR, MsgSendCoins(ALICE.address, GOS_DENOM, 150 * GOS), MsgSendCoins(BOB.address, GOS_DENOM, 20 * GOS)
        )
        yield running


def signed_swap(devnet: OnDemandDevnet, result: dict[str, Any]) -> dict[str, Any]:
    """The MsgSwap the CLI signed, as the API decodes it."""
    msg: dict[str, Any] = api(devnet, f"/txs/{result['tx_hash']}")["body"]["msgs"][0]
    assert msg["type"] == "swap", msg
    return msg


def event(result: dict[str, Any], kind: str) -> dict[str, str]:
    attributes: dict[str, str] = next(e for e in result["events"] if e["kind"] == kind)["attributes"]
    return attributes


def provider_units(devnet: OnDemandDevnet, address: str) -> int:
    providers = ok_json(devnet, "dex pool btc")["providers"]
    return next((int(p["units"]) for p in providers if p["address"] == address), 0)


def test_provide_swap_both_ways_and_withdraw(devnet: OnDemandDevnet) -> None:
    included(devnet, "tx send alice 1btc --from faucet")
    included(devnet, "tx send bob 0.5btc --from faucet")
    assert ok_json(devnet, "dex params") == api(devnet, "/dex/params")
    assert ok_json(devnet, "dex params")["swap_fee"] == "0.3%"
    code, out = cli(devnet, "dex pools --table")
    assert code == 0 and out.splitlines()[0].split() == [
        "asset", "asset", "reserve", "GOS", "reserve", "price", "(GOS)", "LP", "units", "feeds", "oracle",
    ]  # fmt: skip
    assert out.splitlines()[2].split() == ["btc", "0", "0", "-", "0", "no"]

    included(devnet, "dex add-liquidity 0.01btc --max-gos 100gos --from alice")
    included(devnet, "dex add-liquidity 100000sat --max-gos 10.5gos --from bob")  # takes 10 GOS, the ratio
    pools = {p["denom"]: p for p in ok_json(devnet, "dex pools")["pools"]}
    assert pools["btc"]["price"] == {"ugos": 10_000 * GOS, "gos": "10000"}
    assert pools["btc"]["gos_reserve"]["gos"] == "110" and pools["btc"]["lp_units"] == 1_100_000
    assert provider_units(devnet, ALICE.address) == 1_000_000 and provider_units(devnet, BOB.address) == 100_000
    assert ok_json(devnet, "dex pool BTC") == api(devnet, "/dex/pools/btc")

    # GOS → BTC with the default slippage: least output = the API's quote less 1%.
    quote = ok_json(devnet, "dex quote 10gos --pair btc")
    assert quote == api(devnet, "/dex/quote", pair="btc", denom_in=GOS_DENOM, amount_in=10 * GOS)
    expected = int(quote["amount_out"]["amount"])
    bought = included(devnet, "dex swap 10gos --pair btc --from alice --yes")  # price impact above 5%
    assert event(bought, "swap")["amount_out"] == str(expected)
    assert signed_swap(devnet, bought) == {
        "type": "swap",
        "pair": "btc",
        "denom_in": GOS_DENOM,
        "amount_in": 10 * GOS,
        "min_out": expected * 99 // 100,
    }

    # BTC → GOS, pool taken from the asset paid in, with a chosen slippage.
    expected = int(ok_json(devnet, "dex quote 50000sat")["amount_out"]["amount"])
    sold = included(devnet, "dex swap 0.0005btc --slippage 0.5% --from bob")
    assert event(sold, "swap")["amount_out"] == str(expected) and event(sold, "swap")["denom_out"] == GOS_DENOM
    assert signed_swap(devnet, sold)["min_out"] == expected * 995 // 1000

    # An explicit least output: the chain refuses a swap below it, in its block.
    code, out = cli(devnet, "dex swap 1gos --pair btc --min-out 1btc --from alice")
    assert code == 1 and "below min_out" in out.splitlines()[-1]
    exact = included(devnet, "dex swap 1gos --pair btc --min-out 0.00000900btc --from alice")
    assert signed_swap(devnet, exact)["min_out"] == 900
    code, out = cli(devnet, "dex pools --table")
    assert code == 0 and any(line.split()[0] == "btc" and line.split()[-1] == "no" for line in out.splitlines())

    # Withdrawal: Bob's share, then all of Alice's, which empties the pool.
    share = next(p for p in api(devnet, "/dex/pools/btc")["providers"] if p["address"] == BOB.address)
    removed = included(devnet, "dex remove-liquidity btc 100000 --from bob")
    assert int(event(removed, "liquidity_removed")["asset"]) == share["asset"]["amount"]
    assert provider_units(devnet, BOB.address) == 0
    included(devnet, "dex remove-liquidity btc 1000000 --from alice")
    closed = api(devnet, "/dex/pools/btc")
    assert closed["providers"] == [] and closed["lp_units"] == 0 and closed["price"] is None


def test_dex_mistakes_get_one_line_errors(devnet: OnDemandDevnet) -> None:
    included(devnet, "tx send alice 1btc --from faucet")
    included(devnet, "dex add-liquidity 0.001btc --max-gos 10gos --from alice")
    cases = [
        ("dex add-liquidity 1gos --max-gos 1gos --from alice", "is GOS: give the asset side"),
        ("dex add-liquidity 1doge --max-gos 1gos --from alice", "unknown unit 'doge'"),
        ("dex add-liquidity 1btc --max-gos 1btc --from alice", "must be a GOS amount"),
        ("dex remove-liquidity doge 5 --from alice", "'doge' is not the asset of a pool (pools: atom, btc"),
        ("dex remove-liquidity btc 0 --from alice", "liquidity units must be positive"),
        ("dex remove-liquidity btc 1.5 --from alice", "liquidity units must be a non-negative integer"),
        ("dex swap 1gos --from alice", "name the pool to buy from when paying GOS, e.g. --pair btc"),
        ("dex swap 1eth --pair btc --from alice", "the btc/GOS pool takes GOS or btc, not eth"),
        ("dex swap 1gos --pair doge --from alice", "'doge' is not the asset of a pool (pools: atom, btc"),
        ("dex swap 1gos --pair btc --min-out 1gos --from alice", "--min-out must be an amount of btc"),
        ("dex swap 1btc --min-out 1btc --from alice", "--min-out must be an amount of GOS"),
        ("dex swap 1gos --pair btc --min-out 1btc --slippage 1% --from alice", "not both"),
        ("dex swap 1gos --pair btc --slippage 1 --from alice", "cannot read slippage '1'"),
        ("dex swap 1gos --pair btc --slippage 100% --from alice", "must be below 100%"),
        ("dex swap 1gos --pair btc --slippage 0.00001% --from alice", "more than 4 decimal places"),
        ("dex swap 1ugos --pair btc --from alice", "would return nothing"),
        ("dex swap 1gos --pair eth --from alice", "InvalidRequest: the eth/GOS pool has no liquidity"),
        ("dex quote 1gos --pair doge", "'doge' is not the asset of a pool (pools: atom, btc"),
        ("dex quote 1gos", "--pair"),
        ("dex pool doge", "'doge' is not the asset of a pool (pools: atom, btc"),
        ("dex add-liquidity 1btc --max-gos 1gos --from nobody", "no key named 'nobody'"),
    ]
    assert_one_line_errors(devnet, cases)
    code, out = cli(devnet, "dex add-liquidity 1btc --from alice")
    assert code == 2 and "--max-gos" in out  # usage error from the command-line parser
    # Valid transactions the chain refuses in their block: the result, then the reason as the last line.
    code, out = cli(devnet, "dex remove-liquidity btc 5 --from bob")
    assert code == 1 and "holds 0 liquidity units" in out.splitlines()[-1]
    code, out = cli(devnet, "dex add-liquidity 0.001btc --max-gos 9gos --from alice")
    assert code == 1 and "more than max_gos" in out.splitlines()[-1]
