"""GET /governance/…: proposals driven by real signed transactions from submission to execution."""

from api_compliance_harness import (
    ALICE,
    BOB,
    OPERATOR,
    RATIFICATION_PERIOD,
    VOTING_PERIOD,
    fund_actors,
    get,
    ok,
    run,
)
from api_harness import GOS, Devnet

from gostaking.chain.types.gov import ParamChange, ParamChangeProposal, TextProposal
from gostaking.chain.types.tx import MsgRatifyProposal, MsgSubmitProposal, MsgVoteProposal


def test_a_param_change_is_voted_passed_ratified_and_executed(chain: Devnet) -> None:
    fund_actors(chain)
    assert get(chain, "/governance/proposals") == {
        "height": chain.node.app.height,
        "total": 0,
        "limit": 20,
        "offset": 0,
        "proposals": [],
    }
    params = get(chain, "/governance/params")
    assert params["min_deposit"] == {"ugos": GOS, "gos": "1"} and params["voting_period_blocks"] == VOTING_PERIOD
    assert params["quorum"] == "1%" and params["pass_threshold"] == "50%" and params["ratify"] == "66.6666%"

    change = ParamChangeProposal([ParamChange("gov", "min_deposit_ugos", 2 * GOS)])
    chain.submit(ALICE, MsgSubmitProposal("Raise the deposit", "Spam is cheap.", change, GOS))
    chain.submit(BOB, MsgSubmitProposal("Hello", "A signal.", TextProposal(), GOS))
    submitted = chain.produce()

    listed = get(chain, "/governance/proposals")
    assert listed["total"] == 2 and [p["id"] for p in listed["proposals"]] == [1, 0]  # newest first
    first = listed["proposals"][1]
    assert first["type"] == "param_change" and first["status"] == "voting" and first["proposer"] == ALICE.address
    assert first["deposit"] == {"ugos": GOS, "gos": "1"} and first["voting_end_height"] == submitted + VOTING_PERIOD
    assert first["ratification_end_height"] is None and first["ratifications"] == "0/0"

    detail = get(chain, "/governance/proposals/0")
    assert detail["description"] == "Spam is cheap."
    assert detail["content"] == {
        "type": "param_change",
        "changes": [{"section": "gov", "field": "min_deposit_ugos", "value": 2 * GOS}],
    }
    assert detail["tally"]["final"] is False and detail["tally"]["total"]["ugos"] == 0
    assert detail["blocks_left"] == VOTING_PERIOD and detail["committee"] == [] and detail["ratifications_needed"] == 0

    chain.submit(ALICE, MsgVoteProposal(0, "yes", escrow=30 * GOS))
    chain.submit(BOB, MsgVoteProposal(0, "no", escrow=5 * GOS))
    chain.produce()
    votes = get(chain, "/governance/proposals/0/votes")
    assert votes["status"] == "voting" and votes["note"] == ""
    by_voter = {v["voter"]: v for v in votes["votes"]}
    assert by_voter[ALICE.address]["option"] == "yes" and by_voter[ALICE.address]["escrow"]["gos"] == "30"
    assert by_voter[ALICE.address]["power"]["gos"] == "30" and by_voter[ALICE.address]["bonded"]["ugos"] == 0
    assert by_voter[BOB.address]["option"] == "no" and by_voter[BOB.address]["power"]["gos"] == "5"
    live = get(chain, "/governance/proposals/0")["tally"]
    assert live["yes"]["gos"] == "30" and live["no"]["gos"] == "5" and live["total"]["gos"] == "35"
    assert live["final"] is False and live["passing"] is True and live["quorum_reached"] is True
    # The committee report shows the same live tally while the vote runs (it used to show the empty recorded one).
    reported = get(chain, "/governance/report")["proposals"][0]
    assert reported["tally_ugos"] == {"yes": 30 * GOS, "no": 5 * GOS, "abstain": 0}
    assert reported["tally_final"] is False

    chain.produce(VOTING_PERIOD)
    passed = get(chain, "/governance/proposals/0")
    assert passed["status"] == "passed" and passed["committee"] == [OPERATOR.address]
    assert passed["tally"]["final"] is True and passed["tally"]["yes"]["gos"] == "30"
    assert passed["ratifications"] == "0/1" and passed["ratifications_needed"] == 1
    assert passed["ratification_end_height"] == submitted + VOTING_PERIOD + RATIFICATION_PERIOD
    assert passed["blocks_left"] == passed["ratification_end_height"] - chain.node.app.height
    ended_votes = get(chain, "/governance/proposals/0/votes")
    assert ended_votes["votes"] == [] and "pruned" in ended_votes["note"]
    assert passed["tally"]["quorum_reached"] is True and passed["tally"]["passing"] is True
    no_quorum = get(chain, "/governance/proposals/1")
    assert no_quorum["status"] == "no_quorum" and no_quorum["tally"]["final"] is True
    assert no_quorum["tally"]["quorum_reached"] is False and no_quorum["tally"]["passing"] is False

    refused = run(chain, ALICE, MsgRatifyProposal(0))  # not on the committee
    assert refused["code"] != 0 and "was not a mining node operator" in refused["log"]
    ok(chain, OPERATOR, MsgRatifyProposal(0))
    executed = get(chain, "/governance/proposals/0")
    assert executed["status"] == "executed" and executed["ratified_by"] == [OPERATOR.address]
    assert executed["ratifications"] == "1/1" and executed["blocks_left"] is None and executed["log"] == ""
    assert get(chain, "/governance/params")["min_deposit"]["gos"] == "2"

    report = get(chain, "/governance/report")
    assert report["committee"] == [OPERATOR.address] and report["height"] == chain.node.app.height
    assert report["proposals_by_status"] == {"executed": 1, "no_quorum": 1}
    assert report["proposals"][0]["type"] == "ParamChangeProposal"
    assert report["proposals"][0]["tally_ugos"] == {"yes": 30 * GOS, "no": 5 * GOS, "abstain": 0}
    assert report["proposals"][0]["ratifications"] == "1/1" and report["proposals"][0]["tally_final"] is True

    only = get(chain, "/governance/proposals", status="no_quorum")
    assert only["total"] == 1 and only["proposals"][0]["id"] == 1
    page = get(chain, "/governance/proposals", limit=1, offset=1)
    assert page["total"] == 2 and [p["id"] for p in page["proposals"]] == [0]


def test_governance_errors_are_json_400_and_404(chain: Devnet) -> None:
    chain.produce()
    missing = get(chain, "/governance/proposals/7", 404)
    assert missing == {"error": "NotFound", "code": 404, "message": "no proposal 7 (there are 0)"}
    assert get(chain, "/governance/proposals/7/votes", 404)["error"] == "NotFound"
    for path, params in (
        ("/governance/proposals/abc", {}),
        ("/governance/proposals/-1", {}),
        ("/governance/proposals", {"status": "bogus"}),
        ("/governance/proposals", {"limit": 0}),
        ("/governance/proposals", {"limit": 101}),
        ("/governance/proposals", {"offset": -1}),
    ):
        body = get(chain, path, 400, **params)
        assert body["error"] == "InvalidRequest" and body["message"], (path, params)
    assert "voting" in get(chain, "/governance/proposals", 400, status="bogus")["message"]
    report = get(chain, "/governance/report")
    assert report["proposals"] == [] and report["proposals_by_status"] == {}


def test_openapi_documents_the_new_endpoints(chain: Devnet) -> None:
    paths = get(chain, "/openapi.json")["paths"]
    for path in (
        "/governance/proposals",
        "/governance/proposals/{proposal_id}",
        "/governance/proposals/{proposal_id}/votes",
        "/governance/report",
        "/governance/params",
        "/custody/deposits",
        "/custody/deposits/{hosted_chain}/{external_tx_id}",
        "/custody/withdrawals",
        "/custody/withdrawals/{withdrawal_id}",
        "/custody/sanctions",
        "/custody/params",
        "/oracle/prices",
        "/oracle/params",
        "/compliance/kyc/{address}",
        "/compliance/providers",
        "/compliance/frozen",
        "/compliance/actions",
        "/compliance/actions/{action_id}",
        "/compliance/params",
    ):
        assert path in paths, path
    schema = paths["/governance/proposals/{proposal_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert schema["schema"]["$ref"].endswith("/ProposalDetail")
