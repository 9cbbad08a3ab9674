"""GET /liquid/*: liquid staking through real signed transactions on the compliance devnet with a short
rebalance interval. Expected values are computed here from the documented formulas (docs/liquid.md), not read back
from the chain's queries: the rate as GOS controlled / sGOS supply, the instant fee's linear curve, a ticket's due
height. Also an sGOS/GOS pool on the exchange, and the refusals (400/404)."""

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import msgspec
import pytest
from api_compliance_harness import ALICE, BOB, FAUCET, OPERATOR, fund_actors, get, ok, prepare_home, run
from api_harness import GOS, Devnet
from fastapi.testclient import TestClient

from gostaking.api.main import create_api
from gostaking.chain.genesis import decode_genesis, encode_genesis
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.liquid import (
    LOCKED_MINIMUM,
    SGOS_DENOM,
    LiquidGenesis,
    LiquidParams,
    MsgLiquidAddLiquidity,
    MsgLiquidInstantUnstake,
    MsgLiquidStake,
    MsgLiquidUnstake,
)
from gostaking.chain.types.tx import MsgAddLiquidity, MsgSwap, TxMsg
from gostaking.node.runtime import open_devnet
from gostaking.node.settings import DevnetSettings
from gostaking.storage import MemoryStore
from gostaking.wallet.keys import PrivateKey

INTERVAL = 4
SWAP = GOS // 100
LIQUID_PARAMS = LiquidParams(rebalance_interval_blocks=INTERVAL, target_liquidity_ugos=50 * GOS)


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Devnet]:
    """The compliance devnet with the liquid module rebalancing every INTERVAL blocks."""
    home = tmp_path / "devnet"
    genesis = prepare_home(home)
    settings = DevnetSettings(home=home)
    # The section is added to the written document (encode_genesis cannot encode a raw module section).
    document = msgspec.json.decode(encode_genesis(genesis))
    document["modules"] = {"liquid": msgspec.to_builtins(LiquidGenesis(LIQUID_PARAMS))}
    settings.genesis_path.write_bytes(msgspec.json.encode(document) + b"\n")
    assert decode_genesis(settings.genesis_path.read_bytes()).modules.keys() == {"liquid"}
    node = open_devnet(settings, store=MemoryStore())
    try:
        yield Devnet(node, TestClient(create_api(node)), OPERATOR, FAUCET)
    finally:
        node.close()


def liquid_tx(chain: Devnet, key: PrivateKey, msg: TxMsg, must_pass: bool = True) -> dict[str, Any]:
    """`ok` (or `run` when it may fail) of one liquid message. The harness's helpers are annotated with the launch
    messages (TxBody's static union); any registered TxMsg signs and encodes the same way."""
    launch_typed: Any = msg
    return ok(chain, key, launch_typed) if must_pass else run(chain, key, launch_typed)


def balance(chain: Devnet, address: str, denom: str) -> int:
    balances = get(chain, f"/accounts/{address}")["balances"]
    return next((int(b["amount"]) for b in balances if b["denom"] == denom), 0)


def decimal_string(value: Fraction, places: int) -> str:
    """`value` rounded down to `places` decimals, written without trailing zeros (as the API writes amounts)."""
    scaled = value.numerator * 10**places // value.denominator
    whole, frac = divmod(scaled, 10**places)
    return f"{whole}.{frac:0{places}d}".rstrip("0").rstrip(".")


def test_rate_holdings_pool_quote_and_tickets(chain: Devnet) -> None:
    fund_actors(chain, alice_gos=40, bob_gos=10)
    assert get(chain, "/liquid/rate")["gos_per_sgos"] == "1"  # no sGOS yet: 1:1
    params = get(chain, "/liquid/params")
    assert params["rebalance_interval_blocks"] == INTERVAL and params["target_liquidity"]["gos"] == "50"
    assert params["min_fee"] == "0.3%" and params["max_fee"] == "3%" and params["protocol_fee"] == "5%"

    # Alice stakes 20 GOS first: 1 usgos per ugos, of which the locked minimum stays in the module.
    liquid_tx(chain, ALICE, MsgLiquidStake(20 * GOS))
    assert balance(chain, ALICE.address, SGOS_DENOM) == 20 * GOS - LOCKED_MINIMUM
    shown = next(b for b in get(chain, f"/accounts/{ALICE.address}")["balances"] if b["denom"] == SGOS_DENOM)
    assert shown["display"] == "19.999" and shown["display_denom"] == "sgos"

    # The stake earns every block, so the rate rises above 1; it is GOS controlled / sGOS supply, exactly.
    chain.produce(3 * INTERVAL)
    rate, holdings = get(chain, "/liquid/rate"), get(chain, "/liquid/holdings")
    controlled = holdings["controlled"]["ugos"]
    parts = ("liquid", "staked", "unbonding", "pending_rewards")
    assert controlled == sum(holdings[part]["ugos"] for part in parts) > 20 * GOS
    assert rate["controlled"]["ugos"] == controlled and rate["sgos_supply"]["amount"] == 20 * GOS
    assert rate["gos_per_sgos"] == decimal_string(Fraction(controlled, 20 * GOS), 18)
    assert rate["one_sgos"]["ugos"] == controlled * GOS // (20 * GOS)
    # One genesis node and a 25% per-node cap: a quarter is staked on it, the rest waits unstaked.
    [stake] = holdings["node_stakes"]
    assert stake["node"] == OPERATOR.address and stake["eligible"] is True
    staked_and_free = holdings["staked"]["ugos"] + holdings["liquid"]["ugos"]
    assert stake["stake"]["ugos"] == holdings["staked"]["ugos"] <= staked_and_free // 4 + 1
    assert holdings["rebalances"] >= 3 and holdings["next_rebalance_height"] % INTERVAL == 0

    # The history has a point per rebalance, and the APR over the last day is positive (rewards, no slash).
    history = get(chain, "/liquid/rate/history", limit=2)
    assert history["total"] >= 3 and len(history["points"]) == 2
    heights = [p["height"] for p in history["points"]]
    assert heights == sorted(heights) and all(h % INTERVAL == 0 for h in heights)
    assert rate["apr_day"]["apr_ppm"] > 0 and rate["apr_day"]["apr"].endswith("%")
    assert rate["apr_week"]["window_blocks"] == 7 * rate["apr_day"]["window_blocks"]

    # Bob opens the instant pool with 5 GOS: far below the 50 GOS target, so a marginal swap pays nearly the max.
    liquid_tx(chain, BOB, MsgLiquidAddLiquidity(5 * GOS))
    pool = get(chain, "/liquid/pool")
    assert pool["gos"]["ugos"] == 5 * GOS and pool["value"]["ugos"] == 5 * GOS
    assert pool["fee_now_ppm"] == 30_000 - (27_000 * 5 * GOS) // (50 * GOS)  # max − (max − min) × depth / target
    assert balance(chain, BOB.address, "usgoslp") == pool["lp_supply"]["amount"] - LOCKED_MINIMUM

    # An instant unstake of 0.01 sGOS (the devnet's rewards make one sGOS worth many GOS within a few blocks: the
    # module holds the only stake): the quote is what the swap pays, and min_gos above it is refused.
    quote = get(chain, "/liquid/quote", amount_in=SWAP)
    value = quote["value_at_rate"]["ugos"]
    left = 5 * GOS - value
    assert quote["fee_ppm"] == 30_000 - (27_000 * left) // (50 * GOS)
    assert quote["fee_sgos"]["amount"] == -(-SWAP * quote["fee_ppm"] // 1_000_000)
    assert value * (SWAP - quote["fee_sgos"]["amount"]) // SWAP - quote["amount_out"]["ugos"] in (0, 1)
    refused = liquid_tx(chain, ALICE, MsgLiquidInstantUnstake(SWAP, quote["amount_out"]["ugos"] + 1), must_pass=False)
    assert refused["code"] != 0 and "SlippageError" in str(refused)
    before = balance(chain, ALICE.address, GOS_DENOM)
    quote = get(chain, "/liquid/quote", amount_in=SWAP)  # the rate moved with the block
    liquid_tx(chain, ALICE, MsgLiquidInstantUnstake(SWAP, quote["amount_out"]["ugos"]))
    assert balance(chain, ALICE.address, GOS_DENOM) >= before + quote["amount_out"]["ugos"] - 1_000
    # More than the pool holds: 400 with the reason; malformed amounts: 400.
    too_much = get(chain, "/liquid/quote", 400, amount_in=GOS)
    assert too_much["error"] == "InvalidRequest" and "cannot pay" in too_much["message"]
    tiny = get(chain, "/liquid/quote", 400, amount_in=1)
    assert "too small" in tiny["message"]
    for bad in ("0", "-1", "x", str(2**256)):
        get(chain, "/liquid/quote", 400, amount_in=bad)

    # A ticket for 2 sGOS: due after the next rebalance plus the stake unbonding period, shown in days/hours.
    ticket_result = liquid_tx(chain, ALICE, MsgLiquidUnstake(2 * GOS))
    height = ticket_result["height"]
    unbonding = params["stake_unbonding_blocks"]
    page = get(chain, f"/liquid/tickets/{ALICE.address}")
    assert page["total"] == 1 and page["address"] == ALICE.address
    [ticket] = page["tickets"]
    assert ticket["due_height"] == -(-height // INTERVAL) * INTERVAL + unbonding
    assert ticket["blocks_left"] == ticket["due_height"] - chain.node.app.height and ticket["due"] is False
    hours = -(-int(ticket["blocks_left"] * chain.node.block_time_s) // 3_600)
    assert ticket["time_left"] == f"{hours // 24}d {hours % 24}h"
    assert ticket["sgos"]["amount"] == 2 * GOS and ticket["payout_now"]["ugos"] <= ticket["cap"]["ugos"]
    assert get(chain, f"/liquid/ticket/{ticket['id']}") == ticket
    assert get(chain, "/liquid/ticket/999", 404)["error"] == "NotFound"
    get(chain, "/liquid/ticket/-1", 400)
    get(chain, "/liquid/tickets/not-an-address", 400)
    get(chain, f"/liquid/tickets/{ALICE.address}", 400, limit=101)
    assert get(chain, f"/liquid/tickets/{BOB.address}")["tickets"] == []
    assert get(chain, "/liquid/holdings")["open_tickets"] == 1

    # Once due (and its GOS returned), the queue pays it: the ticket is gone and Alice holds its cap (the rate
    # only rose meanwhile, and a ticket never gains after its request).
    before = balance(chain, ALICE.address, GOS_DENOM)
    chain.produce(ticket["blocks_left"] + 2 * INTERVAL)
    assert get(chain, f"/liquid/tickets/{ALICE.address}")["total"] == 0
    assert balance(chain, ALICE.address, GOS_DENOM) - before == ticket["cap"]["ugos"]


def test_an_sgos_gos_pool_on_the_exchange(chain: Devnet) -> None:
    fund_actors(chain, alice_gos=40, bob_gos=10)
    liquid_tx(chain, ALICE, MsgLiquidStake(20 * GOS))
    liquid_tx(chain, BOB, MsgLiquidStake(5 * GOS))
    # Alice opens an sGOS/GOS pool; Bob swaps half his sGOS for GOS through it (rounded down by the chain).
    ok(chain, ALICE, MsgAddLiquidity(SGOS_DENOM, 10 * GOS, 11 * GOS))
    sgos_before, gos_before = balance(chain, BOB.address, SGOS_DENOM), balance(chain, BOB.address, GOS_DENOM)
    sold = sgos_before // 2
    swapped = ok(chain, BOB, MsgSwap(SGOS_DENOM, SGOS_DENOM, sold, 1))
    out = int(next(e for e in swapped["events"] if e["kind"] == "swap")["attributes"]["amount_out"])
    effective = sold * (1_000_000 - 3_000)  # constant product after the 0.3% swap fee
    assert out == 11 * GOS * effective // (10 * GOS * 1_000_000 + effective)
    assert balance(chain, BOB.address, SGOS_DENOM) == sgos_before - sold
    assert balance(chain, BOB.address, GOS_DENOM) == gos_before + out - 1_000
    # And back: GOS for sGOS.
    ok(chain, BOB, MsgSwap(SGOS_DENOM, GOS_DENOM, GOS // 2, 1))
    assert balance(chain, BOB.address, SGOS_DENOM) > sgos_before - sold
