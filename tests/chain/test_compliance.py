"""KYC levels required by services, providers admitted by governance, and freezes by the compliance council
(m of n approvals, audit trail). Frozen accounts cannot move funds."""

from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from gostaking.chain.errors import (
    AccountFrozenError,
    InvalidMessageError,
    KycRequiredError,
    UnauthorizedError,
)
from gostaking.chain.genesis import Genesis, GenesisBalance, GenesisKycProvider, GenesisNode, init_chain
from gostaking.chain.modules.compliance.queries import get_kyc_level
from gostaking.chain.state import State
from gostaking.chain.types.compliance import FreezeAction, UnfreezeAction
from gostaking.chain.types.params import ComplianceParams, CustodyParams
from gostaking.chain.types.tx import (
    MsgApproveComplianceAction,
    MsgAttestKyc,
    MsgLockAsset,
    MsgRequestWithdrawal,
    MsgRevokeKyc,
    MsgSendCoins,
    MsgStakeNode,
    MsgVoteNode,
)

from harness import (
    BTC,
    CHAIN_ID,
    GOS,
    TEST_PARAMS,
    Chain,
    consensus_key,
    expect_msg_failure,
    expect_rejected,
    fund_gos,
    key,
)

PROVIDER, OTHER_PROVIDER = key(3001), key(3002)
COUNCIL = [key(3101), key(3102), key(3103)]
ALICE, BOB = key(1), key(2)
EVIDENCE = bytes(range(32))
PARAMS = replace(
    TEST_PARAMS,
    compliance=ComplianceParams(
        lock_min_kyc_level=2,
        withdraw_min_kyc_level=1,
        council=tuple(c.address for c in COUNCIL),
        council_threshold=2,
    ),
    custody=CustodyParams((key(2001).address,), 1, key(2100).address),
)


def make() -> Chain:
    state = State()
    genesis = Genesis(
        CHAIN_ID,
        0,
        PARAMS,
        [BTC],
        [GenesisBalance(ALICE.address, "btc", 10**8), GenesisBalance(BOB.address, "btc", 10**8)],
        [GenesisNode(key(1000).address, consensus_key(1), "node-0")],
        [GenesisKycProvider(PROVIDER.address, "Acme KYC"), GenesisKycProvider(OTHER_PROVIDER.address, "Other")],
    )
    init_chain(state, genesis)
    chain = Chain(state, (consensus_key(1),))
    for account in [PROVIDER, OTHER_PROVIDER, *COUNCIL, ALICE, BOB]:
        fund_gos(chain, account.address, 20 * GOS)
    return chain


def test_locking_requires_the_kyc_level_set_by_parameters() -> None:
    chain = make()
    expect_msg_failure(chain, ALICE, MsgLockAsset("btc", 10**7), error=KycRequiredError)
    assert chain.run(PROVIDER, MsgAttestKyc(ALICE.address, 1, chain.height + 100, EVIDENCE)).code == 0
    result = expect_msg_failure(chain, ALICE, MsgLockAsset("btc", 10**7), error=KycRequiredError)
    assert "requires KYC level 2" in result.log and "has level 1" in result.log
    assert chain.run(PROVIDER, MsgAttestKyc(ALICE.address, 2, chain.height + 3, EVIDENCE)).code == 0
    assert chain.run(ALICE, MsgLockAsset("btc", 10**7)).code == 0
    chain.blocks(3)  # the attestation expires
    assert get_kyc_level(chain.state, ALICE.address, chain.height + 1) == 0
    expect_msg_failure(chain, ALICE, MsgLockAsset("btc", 10**7), error=KycRequiredError)


def test_withdrawals_require_their_own_level() -> None:
    chain = make()
    expect_msg_failure(chain, BOB, MsgRequestWithdrawal("btc", 10**6, "bc1qbob"), error=KycRequiredError)
    assert chain.run(OTHER_PROVIDER, MsgAttestKyc(BOB.address, 1, chain.height + 100, EVIDENCE)).code == 0
    assert chain.run(BOB, MsgRequestWithdrawal("btc", 10**6, "bc1qbob")).code == 0


def test_only_providers_attest_and_only_their_own_attestations_are_revoked() -> None:
    chain = make()
    expect_msg_failure(
        chain, ALICE, MsgAttestKyc(ALICE.address, 3, chain.height + 9, EVIDENCE), error=UnauthorizedError
    )
    # a level or evidence that no attestation may have: refused before any fee
    for bad in (
        MsgAttestKyc(ALICE.address, 0, chain.height + 9, EVIDENCE),
        MsgAttestKyc(ALICE.address, 4, chain.height + 9, EVIDENCE),
        MsgAttestKyc(ALICE.address, 1, chain.height + 9, b"short"),
    ):
        expect_rejected(chain, chain.tx(PROVIDER, bad), InvalidMessageError)
    # an expiry already past depends on the height: a failed message
    expect_msg_failure(
        chain, PROVIDER, MsgAttestKyc(ALICE.address, 1, chain.height, EVIDENCE), error=InvalidMessageError
    )
    assert chain.run(PROVIDER, MsgAttestKyc(ALICE.address, 2, chain.height + 50, EVIDENCE)).code == 0
    attestation = chain.state.kyc.get(ALICE.address)
    assert attestation is not None and attestation.evidence_hash == EVIDENCE  # only the hash is on chain
    expect_msg_failure(chain, OTHER_PROVIDER, MsgRevokeKyc(ALICE.address), error=InvalidMessageError)
    assert chain.run(PROVIDER, MsgRevokeKyc(ALICE.address)).code == 0
    assert get_kyc_level(chain.state, ALICE.address, chain.height) == 0


def freeze(chain: Chain, address: str, *approvers: int) -> int:
    action_id = chain.state.compliance_action_count.get()
    action = FreezeAction(address, "structuring alert", "case-7")
    assert chain.run(COUNCIL[approvers[0]], MsgApproveComplianceAction(action=action)).code == 0
    for member in approvers[1:]:
        assert chain.run(COUNCIL[member], MsgApproveComplianceAction(action_id)).code == 0
    return action_id


def test_the_council_freezes_with_two_of_three_and_a_frozen_account_cannot_transact() -> None:
    chain = make()
    action_id = freeze(chain, ALICE.address, 0)
    assert ALICE.address not in chain.state.frozen  # one approval of two
    expect_msg_failure(chain, COUNCIL[0], MsgApproveComplianceAction(action_id), error=InvalidMessageError)
    expect_msg_failure(chain, ALICE, MsgApproveComplianceAction(action_id), error=UnauthorizedError)
    assert chain.run(COUNCIL[2], MsgApproveComplianceAction(action_id)).code == 0
    record = chain.state.frozen.get(ALICE.address)
    assert record is not None and record.case_id == "case-7" and record.action_id == action_id
    expect_rejected(chain, chain.tx(ALICE, MsgSendCoins(BOB.address, "ugos", GOS)), AccountFrozenError)
    assert chain.run(BOB, MsgSendCoins(ALICE.address, "ugos", GOS)).code == 0  # it can still receive
    audit = chain.state.compliance_actions.get(action_id)
    assert audit is not None and audit.approvers == (COUNCIL[0].address, COUNCIL[2].address)
    assert audit.status == "executed"
    unfreeze = MsgApproveComplianceAction(action=UnfreezeAction(ALICE.address, "cleared", "case-7"))
    assert chain.run(COUNCIL[1], unfreeze).code == 0
    assert chain.run(COUNCIL[0], MsgApproveComplianceAction(action_id + 1)).code == 0
    assert chain.run(ALICE, MsgSendCoins(BOB.address, "ugos", GOS)).code == 0


@settings(max_examples=25, deadline=None)
@given(
    ops=st.lists(st.tuples(st.sampled_from(["send", "vote", "stake", "receive"]), st.integers(1, 5 * GOS)), max_size=10)
)
def test_a_frozen_account_never_loses_funds(ops: list[tuple[str, int]]) -> None:
    chain = make()
    node = key(1000).address
    freeze(chain, ALICE.address, 0, 1)
    for kind, amount in ops:
        before = chain.gos(ALICE.address)
        if kind == "receive":
            chain.block(chain.tx(BOB, MsgSendCoins(ALICE.address, "ugos", amount)))
        else:
            msg = {
                "send": MsgSendCoins(BOB.address, "ugos", amount),
                "vote": MsgVoteNode(node, amount),
                "stake": MsgStakeNode(node, amount),
            }[kind]
            result = chain.block(chain.tx(ALICE, msg)).tx_results[0]
            assert result.code == AccountFrozenError.code
            chain.sequences.clear()
        assert chain.gos(ALICE.address) >= before
