"""On a devnet with a compliance council and an exchange pool: a swap shows the API quote's price impact and waits
for a yes above 5% (or --yes); governance and council commands that would fail are refused before they cost a fee
(missing proposal, ratify before the vote ends, an outsider acting as the council)."""

from typing import Any

from cli_compliance_harness import ALICE, BOB, OPERATOR, OnDemandDevnet, api, cli, included
from test_cli_dex import devnet  # the exchange tests' devnet: Alice with 150 GOS, Bob with 20
from typer.testing import CliRunner

from gostaking.chain.numeric import GOS_DENOM
from gostaking.cli.main import app

GOS = 10**6
__all__ = ["devnet"]


def answering(devnet: OnDemandDevnet, command: str, answer: str) -> tuple[int, str, str]:
    """Run a command line and answer its question with `answer`; (exit code, stdout, stderr)."""
    env = {"GOSTAKING_HOME": str(devnet.home), "GOSTAKING_API": devnet.url, "GOSTAKING_PASSPHRASE": ""}
    result = CliRunner().invoke(app, command.split(), env=env, input=answer)
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.stdout, result.stderr


def account(devnet: OnDemandDevnet, address: str) -> dict[str, Any]:
    document: dict[str, Any] = api(devnet, f"/accounts/{address}")
    return document


def test_a_swap_with_a_large_price_impact_waits_for_a_yes(devnet: OnDemandDevnet) -> None:
    included(devnet, "tx send alice 1btc --from faucet")
    included(devnet, "dex add-liquidity 0.01btc --max-gos 100gos --from alice")
    before = account(devnet, ALICE.address)

    small = api(devnet, "/dex/quote", pair="btc", denom_in=GOS_DENOM, amount_in=GOS)
    large = api(devnet, "/dex/quote", pair="btc", denom_in=GOS_DENOM, amount_in=20 * GOS)
    assert 0 < small["price_impact_ppm"] < 50_000 < large["price_impact_ppm"]
    assert large["price_impact"] == f"{large['price_impact_ppm'] / 10_000:g}%"

    code, out, err = answering(devnet, "dex swap 20gos --pair btc --from alice", "n\n")
    assert code == 1 and f"price impact {large['price_impact']}" in err and "Swap anyway?" in err, err
    assert err.endswith("error: swap not sent: the price impact is above 5% (a smaller swap moves the price less)\n")
    after = account(devnet, ALICE.address)
    assert after["sequence"] == before["sequence"] and after["gos"] == before["gos"]

    code, out, err = answering(devnet, "dex swap 20gos --pair btc --from alice", "y\n")
    # (the test runner echoes the typed answer to stdout)
    assert code == 0 and out.splitlines()[-1].startswith("swap 20 gos on the btc/GOS pool: included in block ")
    code, out, err = answering(devnet, "dex swap 1gos --pair btc --from alice", "")  # below 5%: no question
    assert code == 0 and "Swap anyway?" not in err and "price impact" in err, err
    assert account(devnet, ALICE.address)["sequence"] == before["sequence"] + 2


def test_governance_and_council_mistakes_cost_no_fee(devnet: OnDemandDevnet) -> None:
    included(devnet, "gov submit-text --title Hello --description 'a signal' --deposit 1.5gos --from bob")
    alice_before, bob_before = account(devnet, ALICE.address), account(devnet, BOB.address)
    operator_before = account(devnet, OPERATOR.address)
    height = devnet.node.app.height
    refused = [
        ("gov vote 7 yes --from alice", "no proposal 7"),
        ("gov ratify 0 --from operator", "InvalidMessageError: proposal 0 is voting"),  # ratify before the vote ends
        ("compliance freeze bob --reason r --case c --from alice", "not on the compliance council"),
        ("tx send bob 1000gos --from alice", "needs 1000 gos"),
    ]
    for command, message in refused:
        code, out = cli(devnet, command)
        assert code == 1 and message in out and "no fee paid" in out and out.count("\n") == 1, (command, out)
    assert devnet.node.app.height == height  # nothing reached the mempool, so no block was made
    assert account(devnet, ALICE.address) == alice_before and account(devnet, BOB.address) == bob_before
    assert account(devnet, OPERATOR.address)["sequence"] == operator_before["sequence"]
