"""`gostaking gov …` and `gostaking oracle …` against a live devnet with blocks produced on demand."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_compliance_harness import (
    ALICE,
    BOB,
    NEWCOMER,
    OPERATOR,
    ORACLE_PERIOD,
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


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[OnDemandDevnet]:
    with open_on_demand_devnet(tmp_path) as running:
        yield running


def test_proposals_of_every_kind_from_submission_to_execution(devnet: OnDemandDevnet) -> None:
    devnet.produce(30)
    devnet.send(
        OPERATOR, MsgSendCoins(ALICE.address, GOS_DENOM, 150 * GOS), MsgSendCoins(BOB.address, GOS_DENOM, 10 * GOS)
    )
    assert ok_json(devnet, "gov params")["min_deposit"]["gos"] == "1"
    included(devnet, f"tx stake {OPERATOR.address} 100gos --from alice")  # bonded GOS counts in every vote

    submitted = included(
        devnet,
        "gov submit-param-change --title 'Dearer deposits' --change gov.min_deposit_ugos=2gos "
        "--change gov.quorum_ppm=20_000 --from alice",
    )
    assert submitted["events"][-1]["kind"] == "proposal_submitted"
    included(devnet, "gov submit-text --title Hello --description 'a signal' --deposit 1.5gos --from bob")
    included(devnet, f"gov submit-kyc-provider {NEWCOMER.address} --name 'New KYC' --title Admit --from alice")
    included(
        devnet,
        "gov submit-asset-listing sol --decimals 9 --hosted-chain solana --weight 0.2 --price 50gos "
        "--title 'List SOL' --from alice",
    )
    included(devnet, "gov submit-asset-weight btc 150000ppm --title 'BTC weight' --from alice")
    pending = ok_json(
        devnet, "gov submit-node-count --by-stake 10 --by-votes 5 --title Resize --from alice --no-wait --json"
    )
    assert pending["status"] == "pending" and pending["from"] == ALICE.address
    devnet.produce()

    listed = ok_json(devnet, "gov list")
    assert listed["total"] == 6 and [p["id"] for p in listed["proposals"]] == [5, 4, 3, 2, 1, 0]
    kinds = ["param_change", "text", "kyc_provider", "asset_listing", "asset_weight", "node_count"]
    assert [p["type"] for p in reversed(listed["proposals"])] == kinds
    assert ok_json(devnet, "gov show 3")["content"]["asset"] == {
        "denom": "sol",
        "decimals": 9,
        "hosted_chain": "solana",
        "weight_ppm": 200_000,
        "price_ugos": 50 * GOS,
    }
    assert ok_json(devnet, "gov show 1")["deposit"]["gos"] == "1.5"
    changes = ok_json(devnet, "gov show 0")["content"]["changes"]
    assert changes[1] == {"section": "gov", "field": "quorum_ppm", "value": 20_000}

    for proposal_id in (0, 2, 3, 4, 5):
        included(devnet, f"gov vote {proposal_id} yes --from alice")
    included(devnet, "gov vote 1 no --from alice --escrow 1gos")
    included(devnet, "gov vote 1 yes --from bob --escrow 5gos")
    votes = ok_json(devnet, "gov votes 1")["votes"]
    assert {v["voter"]: v["option"] for v in votes} == {ALICE.address: "no", BOB.address: "yes"}
    code, out = cli(devnet, "gov list --table")
    assert code == 0 and "voting" in out and "Dearer deposits" in out

    end = max(p["voting_end_height"] for p in listed["proposals"])
    devnet.produce(end - devnet.node.app.height)
    statuses = {p["id"]: p["status"] for p in ok_json(devnet, "gov list")["proposals"]}
    assert statuses == {0: "passed", 1: "rejected", 2: "passed", 3: "passed", 4: "passed", 5: "passed"}
    assert ok_json(devnet, "gov list --status rejected --limit 5")["total"] == 1

    for proposal_id in (0, 2, 3, 4, 5):
        included(devnet, f"gov ratify {proposal_id} --from operator")
    executed = ok_json(devnet, "gov list --status executed")
    assert executed["total"] == 5 and {p["ratifications"] for p in executed["proposals"]} == {"1/1"}
    assert ok_json(devnet, "gov params")["min_deposit"]["gos"] == "2"
    assert api(devnet, "/governance/params")["quorum"] == "2%"
    providers = {p["address"]: p["name"] for p in api(devnet, "/compliance/providers")}
    assert providers[NEWCOMER.address] == "New KYC"
    assets = {a["denom"]: a for a in api(devnet, "/assets")}
    assert assets["sol"]["price"]["gos"] == "50" and assets["btc"]["weight"] == "0.15"
    params = api(devnet, "/params")["nodes"]
    assert (params["mining_by_stake"], params["mining_by_votes"]) == (10, 5)
    report = ok_json(devnet, "gov report")
    assert report["proposals_by_status"] == {"executed": 5, "rejected": 1} and report["committee"] == [OPERATOR.address]


def test_the_mining_node_feeds_prices(devnet: OnDemandDevnet) -> None:
    devnet.produce(2)
    assert ok_json(devnet, "oracle params")["feeders"] == [OPERATOR.address]
    while (devnet.node.app.height + 1) % ORACLE_PERIOD != 1:
        devnet.produce()
    included(devnet, "oracle submit-prices btc=12000.5gos eth=250gos --from operator")
    prices = {a["denom"]: a for a in ok_json(devnet, "oracle prices")["assets"]}
    assert prices["btc"]["quotes_this_period"] == 1 and prices["btc"]["oracle"] is None
    devnet.produce(ORACLE_PERIOD)
    prices = {a["denom"]: a for a in ok_json(devnet, "oracle prices")["assets"]}
    assert prices["btc"]["oracle"]["price"] == {"ugos": 12_000_500_000, "gos": "12000.5"}
    assert prices["eth"]["price"]["gos"] == "250" and prices["atom"]["oracle"] is None
    code, out = cli(devnet, "oracle prices --table")
    assert code == 0 and "12000.5" in out and "stale" in out


def test_gov_and_oracle_mistakes_get_one_line_errors(devnet: OnDemandDevnet) -> None:
    devnet.produce(3)
    devnet.send(OPERATOR, MsgSendCoins(ALICE.address, GOS_DENOM, 5 * GOS))
    cases = [
        ("gov show 99", "NotFound: no proposal 99"),
        ("gov show x", "proposal id must be a non-negative integer"),
        ("gov ratify 1.5 --from operator", "proposal id must be a non-negative integer"),
        ("gov submit-param-change --title t --change nodes --from alice", "section.field=value"),
        ("gov submit-asset-weight btc 0.1234567 --title t --from alice", "decimal places"),
        ("gov submit-asset-weight btc heavy --title t --from alice", "cannot read weight"),
        ("gov submit-text --title t --deposit 1btc --from alice", "must be a GOS amount"),
        ("gov submit-text --title t --from nobody", "no key named 'nobody'"),
        ("gov list --status lost", "status"),
        ("oracle submit-prices doge=1gos --from operator", "'doge' is not a listed asset"),
        ("oracle submit-prices btc:1gos --from operator", "write DENOM=PRICE"),
        ("oracle submit-prices btc=1gos btc=2gos --from operator", "quoted twice"),
        ("oracle submit-prices btc=1btc --from operator", "must be a GOS amount"),
    ]
    assert_one_line_errors(devnet, cases)
    code, out = cli(devnet, "gov vote 0 maybe --from alice")
    assert code == 2 and "maybe" in out  # usage error from the command-line parser
    # Valid transactions the chain refuses in their block: the result, then the reason as the last line.
    code, out = cli(devnet, "oracle submit-prices btc=1gos --from alice")
    assert code == 1 and "only mining nodes feed prices" in out.splitlines()[-1]
    code, out = cli(devnet, "gov vote 0 yes --from alice")
    assert code == 1 and "no proposal 0" in out.splitlines()[-1]
