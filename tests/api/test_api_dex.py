"""GET /dex/pools, /dex/pools/{denom}, /dex/quote and /dex/params: liquidity added, swapped both ways and
removed with real signed transactions; bad quotes are 400, unknown pools 404."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_compliance_harness import (
    ALICE,
    BOB,
    compliance_params,
    fund_actors,
    get,
    ok,
    open_compliance_devnet,
    run,
)
from api_harness import GOS, Devnet
from msgspec.structs import replace

from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.tx import MsgAddLiquidity, MsgRemoveLiquidity, MsgSendCoins, MsgSwap

SAT = 1
BTC = 10**8 * SAT
MIN_ORACLE_LIQUIDITY = 20 * GOS
"""Lowered from 10,000 GOS so a pool the test can afford becomes deep enough to feed the oracle."""
FEE_PPM = 3_000


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Devnet]:
    """The compliance devnet with a lower oracle liquidity floor."""
    params = compliance_params()
    with open_compliance_devnet(
        tmp_path, replace(params, dex=replace(params.dex, min_oracle_liquidity_ugos=MIN_ORACLE_LIQUIDITY))
    ) as devnet:
        yield devnet


def swap_out(reserve_in: int, reserve_out: int, amount_in: int) -> int:
    """The constant-product output after the 0.3% fee, rounded down (written out independently of the chain)."""
    effective = amount_in * (1_000_000 - FEE_PPM)
    return reserve_out * effective // (reserve_in * 1_000_000 + effective)


def btc_pool(chain: Devnet) -> dict[str, Any]:
    pools = get(chain, "/dex/pools")["pools"]
    found: dict[str, Any] = next(p for p in pools if p["denom"] == "btc")
    return found


def btc_balance(chain: Devnet, address: str) -> int:
    balances = get(chain, f"/accounts/{address}")["balances"]
    return next((int(b["amount"]) for b in balances if b["denom"] == "btc"), 0)


def swap_event(result: dict[str, Any]) -> dict[str, str]:
    attributes: dict[str, str] = next(e for e in result["events"] if e["kind"] == "swap")["attributes"]
    return attributes


def test_liquidity_and_swaps_both_ways_show_in_pools_and_quotes(chain: Devnet) -> None:
    fund_actors(chain)
    chain.submit(chain.faucet, MsgSendCoins(BOB.address, "btc", BTC))
    chain.produce()
    assert get(chain, "/dex/params") == {
        "swap_fee_ppm": FEE_PPM,
        "swap_fee": "0.3%",
        "min_oracle_liquidity": {"ugos": MIN_ORACLE_LIQUIDITY, "gos": "20"},
        "trade_min_kyc_level": 0,
    }
    empty = get(chain, "/dex/pools")
    assert [p["denom"] for p in empty["pools"]] == ["atom", "btc", "dcr", "eth"]
    assert btc_pool(chain) == {
        "denom": "btc",
        "decimals": 8,
        "asset_reserve": {"denom": "btc", "amount": 0, "display": "0", "display_denom": "btc"},
        "gos_reserve": {"ugos": 0, "gos": "0"},
        "price": None,
        "lp_units": 0,
        "feeds_oracle": False,
    }
    assert get(chain, "/dex/pools/btc")["providers"] == []

    # Alice opens the pool at 10,000 GOS per BTC; Bob joins at that ratio.
    ok(chain, ALICE, MsgAddLiquidity("btc", 100_000 * SAT, 10 * GOS))
    opened = btc_pool(chain)
    assert opened["asset_reserve"]["display"] == "0.001" and opened["gos_reserve"] == {"ugos": 10 * GOS, "gos": "10"}
    assert opened["price"] == {"ugos": 10_000 * GOS, "gos": "10000"}
    assert opened["lp_units"] == 100_000 and opened["feeds_oracle"] is False
    refused = run(chain, BOB, MsgAddLiquidity("btc", 50_000 * SAT, 4_900_000))
    assert refused["code"] != 0 and "more than max_gos" in refused["log"]
    ok(chain, BOB, MsgAddLiquidity("btc", 50_000 * SAT, 6 * GOS))  # takes 5 GOS, the pool's ratio
    detail = get(chain, "/dex/pools/btc")
    assert detail["height"] == chain.node.app.height and detail["lp_units"] == 150_000
    assert detail["gos_reserve"]["gos"] == "15" and detail["price"]["gos"] == "10000"
    assert detail["providers"] == [
        {
            "address": ALICE.address,
            "units": 100_000,
            "share": "66.6666%",
            "asset": {"denom": "btc", "amount": 100_000, "display": "0.001", "display_denom": "btc"},
            "gos": {"ugos": 10 * GOS, "gos": "10"},
        },
        {
            "address": BOB.address,
            "units": 50_000,
            "share": "33.3333%",
            "asset": {"denom": "btc", "amount": 50_000, "display": "0.0005", "display_denom": "btc"},
            "gos": {"ugos": 5 * GOS, "gos": "5"},
        },
    ]

    # GOS → BTC: the quote is what the swap pays; the pool, now 21 GOS deep, feeds the oracle.
    expected_btc = swap_out(15 * GOS, 150_000, 6 * GOS)
    quote = get(chain, "/dex/quote", pair="btc", denom_in=GOS_DENOM, amount_in=6 * GOS)
    assert quote == {
        "height": chain.node.app.height,
        "pair": "btc",
        "amount_in": {"denom": GOS_DENOM, "amount": 6 * GOS, "display": "6", "display_denom": "gos"},
        "amount_out": {"denom": "btc", "amount": expected_btc, "display": "0.00042765", "display_denom": "btc"},
        "fee": {"denom": GOS_DENOM, "amount": 18_000, "display": "0.018", "display_denom": "gos"},
        "swap_fee_ppm": FEE_PPM,
        "price": {"ugos": 10_000 * GOS, "gos": "10000"},
        "effective_price": {"ugos": 6 * GOS * BTC // expected_btc, "gos": "14030.164854"},
        # 6 GOS at the pool price (10,000 GOS per BTC) is 60,000 sat; 42,765 come out: 28.725% less
        "price_impact_ppm": 287_250,
        "price_impact": "28.725%",
    }
    alice_btc = btc_balance(chain, ALICE.address)
    too_greedy = run(chain, ALICE, MsgSwap("btc", GOS_DENOM, 6 * GOS, expected_btc + 1))
    assert too_greedy["code"] != 0 and "below min_out" in too_greedy["log"]
    bought = ok(chain, ALICE, MsgSwap("btc", GOS_DENOM, 6 * GOS, expected_btc))
    assert swap_event(bought)["amount_out"] == str(expected_btc)
    assert btc_balance(chain, ALICE.address) == alice_btc + expected_btc
    deep = btc_pool(chain)
    assert deep["asset_reserve"]["amount"] == 150_000 - expected_btc and deep["gos_reserve"]["gos"] == "21"
    assert deep["feeds_oracle"] is True and deep["lp_units"] == 150_000

    # BTC → GOS, quoted from the moved reserves.
    expected_ugos = swap_out(150_000 - expected_btc, 21 * GOS, 20_000 * SAT)
    back = get(chain, "/dex/quote", pair="btc", denom_in="btc", amount_in=20_000 * SAT)
    assert back["amount_out"] == {
        "denom": GOS_DENOM,
        "amount": expected_ugos,
        "display": "3.292628",
        "display_denom": "gos",
    }
    assert back["fee"]["amount"] == 60 and back["effective_price"]["ugos"] == expected_ugos * BTC // (20_000 * SAT)
    sold = ok(chain, BOB, MsgSwap("btc", "btc", 20_000 * SAT, expected_ugos))
    assert swap_event(sold)["amount_out"] == str(expected_ugos) and swap_event(sold)["denom_out"] == GOS_DENOM
    after_sale = btc_pool(chain)
    assert after_sale["gos_reserve"]["ugos"] == 21 * GOS - expected_ugos
    assert after_sale["asset_reserve"]["amount"] == 170_000 - expected_btc

    # Removal returns both reserves in proportion; the last provider empties the pool.
    pool = get(chain, "/dex/pools/btc")
    bob_share = next(p for p in pool["providers"] if p["address"] == BOB.address)
    bob_btc = btc_balance(chain, BOB.address)
    removed = ok(chain, BOB, MsgRemoveLiquidity("btc", 50_000))
    assert btc_balance(chain, BOB.address) == bob_btc + bob_share["asset"]["amount"]
    event = next(e for e in removed["events"] if e["kind"] == "liquidity_removed")["attributes"]
    assert int(event["asset"]) == bob_share["asset"]["amount"] and int(event["gos_shares"]) == bob_share["gos"]["ugos"]
    left = get(chain, "/dex/pools/btc")
    assert [p["address"] for p in left["providers"]] == [ALICE.address] and left["providers"][0]["share"] == "100%"
    refused = run(chain, ALICE, MsgRemoveLiquidity("btc", 100_001))
    assert refused["code"] != 0 and "holds 100000 liquidity units" in refused["log"]
    ok(chain, ALICE, MsgRemoveLiquidity("btc", 100_000))
    closed = get(chain, "/dex/pools/btc")
    assert closed["providers"] == [] and closed["lp_units"] == 0 and closed["price"] is None
    assert closed["asset_reserve"]["amount"] == 0 and closed["feeds_oracle"] is False


def test_bad_quotes_are_400_and_unknown_pools_404(chain: Devnet) -> None:
    fund_actors(chain)
    ok(chain, ALICE, MsgAddLiquidity("btc", 100_000 * SAT, 10 * GOS))
    cases: list[tuple[dict[str, Any], str]] = [
        ({"pair": "doge", "denom_in": GOS_DENOM, "amount_in": 1}, "no 'doge'/GOS pool: no asset 'doge' exists"),
        ({"pair": GOS_DENOM, "denom_in": GOS_DENOM, "amount_in": 1}, "ugos cannot be the asset"),
        ({"pair": "btc", "denom_in": "eth", "amount_in": 1}, "the btc/GOS pool takes ugos or btc, not 'eth'"),
        ({"pair": "btc", "denom_in": "gos", "amount_in": 1}, "not 'gos'"),
        ({"pair": "eth", "denom_in": GOS_DENOM, "amount_in": GOS}, "the eth/GOS pool has no liquidity"),
        ({"pair": "btc", "denom_in": GOS_DENOM, "amount_in": 0}, "amount_in"),
        ({"pair": "btc", "denom_in": GOS_DENOM, "amount_in": -5}, "amount_in"),
        ({"pair": "btc", "denom_in": GOS_DENOM, "amount_in": "1.5"}, "amount_in"),
        ({"pair": "btc", "denom_in": GOS_DENOM}, "amount_in"),
        ({"denom_in": GOS_DENOM, "amount_in": 1}, "pair"),
    ]
    for params, message in cases:
        body = get(chain, "/dex/quote", 400, **params)
        assert body["error"] == "InvalidRequest" and body["code"] == 400, (params, body)
        assert message in body["message"], (params, body)
    tiny = get(chain, "/dex/quote", pair="btc", denom_in=GOS_DENOM, amount_in=1)
    assert tiny["amount_out"]["amount"] == 0 and tiny["effective_price"] is None

    missing = get(chain, "/dex/pools/doge", 404)
    assert missing["error"] == "NotFound" and missing["code"] == 404
    assert missing["message"].startswith("'doge' has no pool: no asset 'doge' exists on this chain (known: ugos, ")
    assert get(chain, "/dex/pools/btc/providers", 404)["error"] == "NotFound"
    assert chain.client.post("/dex/pools", json={}).status_code == 405
    assert chain.client.post("/dex/quote", json={}).status_code == 405
