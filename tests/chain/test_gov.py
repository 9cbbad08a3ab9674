"""Governance: proposals with deposits, GOS-weighted votes (bonded + escrowed, counted once), quorum and
majority, ratification by 2/3 of the committee (the mining nodes), execution."""

from hypothesis import given, settings
from hypothesis import strategies as st

from gostaking.chain.errors import InvalidAmountError, InvalidMessageError, UnauthorizedError, UnknownAssetError
from gostaking.chain.modules.compliance.queries import get_kyc_level
from gostaking.chain.modules.gov.queries import compute_committee_report, get_bonded_shares
from gostaking.chain.types.gov import (
    AssetListingProposal,
    AssetWeightProposal,
    KycProviderProposal,
    NodeCountProposal,
    ParamChange,
    ParamChangeProposal,
    TextProposal,
)
from gostaking.chain.types.lock import Asset
from gostaking.chain.types.tx import (
    MsgAttestKyc,
    MsgRatifyProposal,
    MsgSendCoins,
    MsgStakeNode,
    MsgSubmitProposal,
    MsgVoteNode,
    MsgVoteProposal,
)

from harness import GOS, Chain, events_of, expect_msg_failure, expect_rejected, fund_gos, key, make_chain, with_params

PARAMS = with_params(
    gov={
        "min_deposit_ugos": 100 * GOS,
        "voting_period_blocks": 10,
        "ratification_period_blocks": 10,
        "quorum_ppm": 1_000,  # 0.1%: the test chain mints 10,000 GOS a block, voters hold a few thousand
    }
)
OPERATORS = [key(1000), key(1001), key(1002)]  # the committee: operators of the three genesis mining nodes
HOLDERS = [key(1), key(2), key(3)]


def make() -> Chain:
    chain = make_chain(params=PARAMS, node_count=3)
    for account in OPERATORS[1:] + HOLDERS:
        fund_gos(chain, account.address, 3_000 * GOS)
    return chain


def submit(chain: Chain, content: object, deposit: int = 100 * GOS) -> int:
    proposal_id = chain.state.proposal_count.get()
    result = chain.run(HOLDERS[0], MsgSubmitProposal("title", "why", content, deposit))  # type: ignore[arg-type]
    assert result.code == 0, result.log
    return proposal_id


def finish_voting(chain: Chain, proposal_id: int) -> None:
    proposal = chain.state.proposals.get(proposal_id)
    assert proposal is not None
    while chain.height < proposal.voting_end_height:
        chain.block()


def status(chain: Chain, proposal_id: int) -> str:
    proposal = chain.state.proposals.get(proposal_id)
    assert proposal is not None
    return proposal.status


def test_a_passed_and_ratified_parameter_change_is_executed() -> None:
    chain = make()
    change = ParamChangeProposal([ParamChange("nodes", "min_stake_ugos", 42 * GOS)])
    pid = submit(chain, change)
    assert chain.run(HOLDERS[1], MsgVoteProposal(pid, "yes", escrow=2_000 * GOS)).code == 0
    assert chain.run(HOLDERS[2], MsgVoteProposal(pid, "no", escrow=500 * GOS)).code == 0
    finish_voting(chain, pid)
    assert status(chain, pid) == "passed"
    assert chain.gos(HOLDERS[1].address) >= 2_000 * GOS  # escrow returned
    expect_msg_failure(chain, HOLDERS[1], MsgRatifyProposal(pid), error=UnauthorizedError)
    assert chain.run(OPERATORS[1], MsgRatifyProposal(pid)).code == 0
    assert status(chain, pid) == "passed"  # 1 of 3 is not 2/3
    expect_msg_failure(chain, OPERATORS[1], MsgRatifyProposal(pid), error=InvalidMessageError)
    result = chain.run(OPERATORS[2], MsgRatifyProposal(pid))
    assert result.code == 0 and status(chain, pid) == "executed"
    assert chain.state.params.get().nodes.min_stake_ugos == 42 * GOS
    assert events_of(result, "proposal_executed") == [{"id": str(pid)}]


def test_without_quorum_the_deposit_goes_to_the_community_pool() -> None:
    chain = make()
    pid = submit(chain, TextProposal())
    assert chain.run(HOLDERS[1], MsgVoteProposal(pid, "yes", escrow=1 * GOS)).code == 0
    before = chain.gos(HOLDERS[0].address)
    finish_voting(chain, pid)
    assert status(chain, pid) == "no_quorum"
    assert chain.gos(HOLDERS[0].address) == before


def test_a_majority_of_no_rejects_and_the_deposit_returns() -> None:
    chain = make()
    pid = submit(chain, TextProposal())
    assert chain.run(HOLDERS[1], MsgVoteProposal(pid, "yes", escrow=1_000 * GOS)).code == 0
    assert chain.run(HOLDERS[2], MsgVoteProposal(pid, "no", escrow=2_000 * GOS)).code == 0
    before = chain.gos(HOLDERS[0].address)
    finish_voting(chain, pid)
    assert status(chain, pid) == "rejected"
    assert chain.gos(HOLDERS[0].address) == before + 100 * GOS


def test_bonded_gos_votes_without_escrow_and_a_passed_proposal_expires_unratified() -> None:
    chain = make()
    node = OPERATORS[0].address
    assert chain.run(HOLDERS[1], MsgVoteNode(node, 1_000 * GOS), MsgStakeNode(node, 1_000 * GOS)).code == 0
    pid = submit(chain, NodeCountProposal(10, 10))
    assert chain.run(HOLDERS[1], MsgVoteProposal(pid, "yes")).code == 0
    finish_voting(chain, pid)
    proposal = chain.state.proposals.get(pid)
    assert proposal is not None and proposal.status == "passed"
    assert proposal.tally.yes == get_bonded_shares(chain.state, HOLDERS[1].address) == 2_000 * GOS
    while chain.height < proposal.ratification_end_height:
        chain.block()
    assert status(chain, pid) == "expired"
    assert chain.state.params.get().nodes.mining_by_stake == 15


def test_asset_listing_and_weight_proposals_execute_and_a_conflict_fails_cleanly() -> None:
    chain = make()
    atom = Asset("atom", 6, "cosmos", 200_000, 5 * GOS)
    first, second = submit(chain, AssetListingProposal(atom)), submit(chain, AssetListingProposal(atom))
    weight = submit(chain, AssetWeightProposal("btc", 50_000))
    for pid in (first, second, weight):
        assert chain.run(HOLDERS[1], MsgVoteProposal(pid, "yes", escrow=900 * GOS)).code == 0
    finish_voting(chain, weight)
    for pid in (first, second, weight):
        for operator in OPERATORS[:2]:
            assert chain.run(operator, MsgRatifyProposal(pid)).code == 0
    assert chain.state.assets.get("atom") == atom and "lock:atom" in chain.state.pools
    assert chain.state.assets.get("btc").weight_ppm == 50_000  # type: ignore[union-attr]
    assert status(chain, first) == "executed" and status(chain, second) == "execution_failed"
    report = compute_committee_report(chain.state)
    assert report["committee"] == [op.address for op in OPERATORS]
    assert report["proposals_by_status"] == {"executed": 2, "execution_failed": 1}


def test_invalid_proposals_are_refused_at_submission() -> None:
    chain = make()
    change = ParamChangeProposal
    # a proposal no title or deposit makes valid: refused before any fee
    expect_rejected(
        chain, chain.tx(HOLDERS[0], MsgSubmitProposal("", "x", TextProposal(), 100 * GOS)), InvalidMessageError
    )
    expect_rejected(chain, chain.tx(HOLDERS[0], MsgSubmitProposal("t", "x", TextProposal(), 0)), InvalidAmountError)
    bad = [
        (MsgSubmitProposal("t", "x", TextProposal(), 99 * GOS), InvalidMessageError),
        (
            MsgSubmitProposal("t", "x", change([ParamChange("emission", "reward_eras", 9)]), 100 * GOS),
            InvalidMessageError,
        ),
        (
            MsgSubmitProposal("t", "x", change([ParamChange("staking", "stake_multiplier", 5)]), 100 * GOS),
            InvalidMessageError,
        ),
        (MsgSubmitProposal("t", "x", change([ParamChange("rewards", "users_ppm", 1)]), 100 * GOS), InvalidMessageError),
        (
            MsgSubmitProposal("t", "x", change([ParamChange("nodes", "no_such_field", 1)]), 100 * GOS),
            InvalidMessageError,
        ),
        (MsgSubmitProposal("t", "x", AssetWeightProposal("doge", 1), 100 * GOS), UnknownAssetError),
    ]
    for msg, error in bad:
        expect_msg_failure(chain, HOLDERS[0], msg, error=error)


@settings(max_examples=25, deadline=None)
@given(
    plan=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(["yes", "no", "abstain"]), st.integers(0, 1_500), st.booleans()),
        max_size=8,
    ),
    ratifiers=st.integers(0, 3),
)
def test_votes_count_once_and_nothing_executes_without_quorum_majority_and_ratification(
    plan: list[tuple[int, str, int, bool]], ratifiers: int
) -> None:
    chain = make()
    pid = submit(chain, ParamChangeProposal([ParamChange("tx", "max_memo_bytes", 77)]))
    for holder, option, escrow, pass_on in plan:
        txs = [chain.tx(HOLDERS[holder], MsgVoteProposal(pid, option, escrow * GOS))]  # type: ignore[arg-type]
        if pass_on:  # move liquid GOS to another holder, who may escrow it again: it must not count twice
            txs.append(chain.tx(HOLDERS[holder], MsgSendCoins(HOLDERS[(holder + 1) % 3].address, "ugos", 300 * GOS)))
        chain.block(*txs)
    finish_voting(chain, pid)
    supply = chain.state.gos_supply.get().total_shares
    proposal = chain.state.proposals.get(pid)
    assert proposal is not None
    tally = proposal.tally
    cast = tally.yes + tally.no + tally.abstain
    assert cast <= supply  # every GOS counted at most once
    quorum = cast * 10**6 >= 1_000 * supply
    majority = tally.yes * 2 > tally.yes + tally.no
    assert (proposal.status == "passed") == (quorum and majority)
    for operator in OPERATORS[:ratifiers]:
        chain.block(chain.tx(operator, MsgRatifyProposal(pid)))
    executed = chain.state.params.get().tx.max_memo_bytes == 77
    assert executed == (status(chain, pid) == "executed")
    assert executed == (quorum and majority and ratifiers >= 2)


def test_governance_admits_and_removes_kyc_providers() -> None:
    chain = make()
    provider = HOLDERS[2]
    evidence = bytes(32)
    expect_msg_failure(chain, provider, MsgAttestKyc(HOLDERS[1].address, 1, 10**6, evidence), error=UnauthorizedError)
    admit = submit(chain, KycProviderProposal(provider.address, "Acme KYC", True))
    assert chain.run(HOLDERS[1], MsgVoteProposal(admit, "yes", escrow=1_000 * GOS)).code == 0
    finish_voting(chain, admit)
    for operator in OPERATORS[:2]:
        assert chain.run(operator, MsgRatifyProposal(admit)).code == 0
    assert chain.run(provider, MsgAttestKyc(HOLDERS[1].address, 2, 10**6, evidence)).code == 0
    assert get_kyc_level(chain.state, HOLDERS[1].address, chain.height) == 2
    remove = submit(chain, KycProviderProposal(provider.address, "Acme KYC", False))
    assert chain.run(HOLDERS[1], MsgVoteProposal(remove, "yes", escrow=1_000 * GOS)).code == 0
    finish_voting(chain, remove)
    for operator in OPERATORS[1:]:
        assert chain.run(operator, MsgRatifyProposal(remove)).code == 0
    assert get_kyc_level(chain.state, HOLDERS[1].address, chain.height) == 0  # its attestations stop counting
