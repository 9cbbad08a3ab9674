"""Custody: m-of-n attested deposits (idempotent, never minted twice), withdrawals, and the sanctions list and its
holds decided by m of n of the compliance council."""

from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from gostaking.chain.errors import (
    AlreadyAttestedError,
    ConflictingAttestationError,
    InsufficientFundsError,
    InvalidMessageError,
    UnauthorizedError,
)
from gostaking.chain.modules.custody.queries import MAX_EXTERNAL_ADDRESS_LENGTH, MAX_EXTERNAL_ID_LENGTH
from gostaking.chain.types.params import ComplianceParams, CustodyParams
from gostaking.chain.types.tx import (
    Msg,
    MsgAttestDeposit,
    MsgConfirmWithdrawal,
    MsgRequestWithdrawal,
    MsgResolveHold,
    MsgUpdateSanctions,
    SanctionUpdate,
)
from gostaking.storage.stored_merkle import MAX_STATE_KEY_SIZE

from harness import GOS, TEST_PARAMS, Chain, events_of, expect_msg_failure, expect_rejected, fund_gos, key, make_chain

CUSTODIANS = [key(2001), key(2002), key(2003)]
COUNCIL = [key(2100), key(2101), key(2102)]
ALICE = key(1)
BAD_BTC_ADDRESS = "bc1qsanctioned0000000000000000000000000000"
PARAMS = replace(
    TEST_PARAMS,
    custody=CustodyParams(tuple(c.address for c in CUSTODIANS), 2),
    compliance=ComplianceParams(council=tuple(c.address for c in COUNCIL), council_threshold=2),
)


def make() -> Chain:
    chain = make_chain(params=PARAMS)
    for account in [*CUSTODIANS, *COUNCIL, ALICE]:
        fund_gos(chain, account.address, 10 * GOS)
    return chain


def council_decides(chain: Chain, msg: Msg) -> None:
    """Two of the three council members send the same decision: the first approval alone executes nothing."""
    first = chain.run(COUNCIL[0], msg)
    assert first.code == 0, first.log
    assert [e.kind for e in first.events] == ["council_approval"]
    assert events_of(first, "council_approval")[0]["approvals"] == "1/2"
    second = chain.run(COUNCIL[1], msg)
    assert second.code == 0, second.log
    assert events_of(second, "council_approval")[0]["approvals"] == "2/2"


def deposit(txid: str = "btc-tx-1", amount: int = 5 * 10**7, sender: str = "bc1qalice") -> MsgAttestDeposit:
    return MsgAttestDeposit("bitcoin", txid, sender, ALICE.address, "btc", amount)


def test_a_deposit_is_credited_at_the_threshold_and_never_twice() -> None:
    chain = make()
    assert chain.run(CUSTODIANS[0], deposit()).code == 0
    assert chain.balance(ALICE.address, "btc") == 0
    assert chain.state.deposits.get(("bitcoin", "btc-tx-1")).status == "pending"  # type: ignore[union-attr]
    assert chain.run(CUSTODIANS[1], deposit()).code == 0
    assert chain.balance(ALICE.address, "btc") == 5 * 10**7
    assert chain.run(CUSTODIANS[2], deposit()).code == 0  # late attestation: recorded, nothing minted
    assert chain.balance(ALICE.address, "btc") == 5 * 10**7
    assert chain.state.asset_supply.get("btc") == 5 * 10**7
    expect_msg_failure(chain, CUSTODIANS[0], deposit(), error=AlreadyAttestedError)


def test_attestations_must_agree_and_come_from_custodians() -> None:
    chain = make()
    expect_msg_failure(chain, ALICE, deposit(), error=UnauthorizedError)
    assert chain.run(CUSTODIANS[0], deposit()).code == 0
    expect_msg_failure(chain, CUSTODIANS[1], deposit(amount=6 * 10**7), error=ConflictingAttestationError)
    # Messages that could never be valid are refused before fees (the message checks).
    wrong_chain = MsgAttestDeposit("ethereum", "t", "0xabc", ALICE.address, "btc", 1)
    expect_rejected(chain, chain.tx(CUSTODIANS[1], wrong_chain), InvalidMessageError)
    expect_rejected(chain, chain.tx(CUSTODIANS[1], deposit(txid=" spaced ")), InvalidMessageError)


def test_external_ids_and_addresses_are_ascii_so_their_state_keys_fit_the_store() -> None:
    """128 characters of up to 4 bytes each could make a deposit's state key longer than the store takes, which would
    stop the node when it commits the block: ids and addresses of the hosted chains are ASCII, and so must be these."""
    chain = make()
    non_ascii = deposit(txid="é" * 10)
    expect_rejected(chain, chain.tx(CUSTODIANS[0], non_ascii), InvalidMessageError)
    expect_rejected(chain, chain.tx(CUSTODIANS[0], deposit(sender="bc1qälice")), InvalidMessageError)
    longest = deposit(txid="t" * MAX_EXTERNAL_ID_LENGTH, sender="s" * MAX_EXTERNAL_ADDRESS_LENGTH)
    assert chain.run(CUSTODIANS[0], longest).code == 0
    deposit_keys = [key for key in chain.state.take_block_writes() if key.startswith(b"deposits/")]
    assert len(deposit_keys) == 1 and "t" * MAX_EXTERNAL_ID_LENGTH in deposit_keys[0].decode()
    assert len(deposit_keys[0]) <= MAX_STATE_KEY_SIZE


def test_a_deposit_from_a_sanctioned_address_is_held_until_the_council_decides() -> None:
    chain = make()
    listing = MsgUpdateSanctions([SanctionUpdate("bitcoin", BAD_BTC_ADDRESS.upper(), True)])
    expect_msg_failure(chain, ALICE, listing, error=UnauthorizedError)
    council_decides(chain, listing)
    for custodian in CUSTODIANS[:2]:
        assert chain.run(custodian, deposit("tx-bad", sender=BAD_BTC_ADDRESS)).code == 0
    assert chain.state.deposits.get(("bitcoin", "tx-bad")).status == "held"  # type: ignore[union-attr]
    assert chain.balance(ALICE.address, "btc") == 0
    assert chain.run(CUSTODIANS[0], deposit("tx-bad-2", sender=BAD_BTC_ADDRESS)).code == 0
    assert chain.run(CUSTODIANS[1], deposit("tx-bad-2", sender=BAD_BTC_ADDRESS)).code == 0
    council_decides(chain, MsgResolveHold(release=False, deposit="bitcoin:tx-bad-2"))
    assert chain.state.deposits.get(("bitcoin", "tx-bad-2")).status == "rejected"  # type: ignore[union-attr]
    council_decides(chain, MsgResolveHold(release=True, deposit="bitcoin:tx-bad"))
    assert chain.balance(ALICE.address, "btc") == 5 * 10**7
    expect_msg_failure(
        chain, COUNCIL[2], MsgResolveHold(release=True, deposit="bitcoin:tx-bad"), error=InvalidMessageError
    )
    assert len(chain.state.council_approvals) == 0


def credit_alice(chain: Chain, amount: int = 10**8) -> None:
    for custodian in CUSTODIANS[:2]:
        assert chain.run(custodian, deposit("funding", amount)).code == 0


def test_a_withdrawal_is_escrowed_then_completed_by_m_of_n_confirmations() -> None:
    chain = make()
    credit_alice(chain)
    assert chain.run(ALICE, MsgRequestWithdrawal("btc", 4 * 10**7, "bc1qalice-out")).code == 0
    assert chain.balance(ALICE.address, "btc") == 6 * 10**7
    assert chain.run(CUSTODIANS[2], MsgConfirmWithdrawal(0, "btc-out-1")).code == 0
    expect_msg_failure(chain, CUSTODIANS[0], MsgConfirmWithdrawal(0, "other"), error=ConflictingAttestationError)
    expect_msg_failure(chain, CUSTODIANS[2], MsgConfirmWithdrawal(0, "btc-out-1"), error=AlreadyAttestedError)
    assert chain.run(CUSTODIANS[0], MsgConfirmWithdrawal(0, "btc-out-1")).code == 0
    assert chain.state.withdrawals.get(0).status == "completed"  # type: ignore[union-attr]
    assert chain.state.asset_supply.get("btc") == 6 * 10**7
    expect_msg_failure(chain, CUSTODIANS[1], MsgConfirmWithdrawal(0, "btc-out-1"), error=InvalidMessageError)
    expect_msg_failure(chain, ALICE, MsgRequestWithdrawal("btc", 10**9, "bc1q"), error=InsufficientFundsError)


def test_a_withdrawal_to_a_sanctioned_address_is_held_then_refunded_or_released() -> None:
    chain = make()
    credit_alice(chain)
    council_decides(chain, MsgUpdateSanctions([SanctionUpdate("bitcoin", BAD_BTC_ADDRESS, True)]))
    assert chain.run(ALICE, MsgRequestWithdrawal("btc", 10**7, BAD_BTC_ADDRESS)).code == 0
    assert chain.run(ALICE, MsgRequestWithdrawal("btc", 2 * 10**7, BAD_BTC_ADDRESS)).code == 0
    assert chain.state.withdrawals.get(0).status == "held"  # type: ignore[union-attr]
    expect_msg_failure(chain, CUSTODIANS[0], MsgConfirmWithdrawal(0, "x"), error=InvalidMessageError)
    council_decides(chain, MsgResolveHold(release=False, withdrawal_id=0))
    assert chain.balance(ALICE.address, "btc") == 10**8 - 2 * 10**7  # the first one came back
    council_decides(chain, MsgResolveHold(release=True, withdrawal_id=1))
    assert chain.state.withdrawals.get(1).status == "pending"  # type: ignore[union-attr]
    delisting = MsgUpdateSanctions([SanctionUpdate("bitcoin", BAD_BTC_ADDRESS, False)])
    council_decides(chain, delisting)
    assert ("bitcoin", BAD_BTC_ADDRESS) not in chain.state.sanctioned


@settings(max_examples=30, deadline=None)
@given(order=st.lists(st.integers(0, 2), min_size=1, max_size=8))
def test_any_order_of_attestations_mints_exactly_once_when_two_distinct_custodians_agree(order: list[int]) -> None:
    chain = make()
    for index in order:
        chain.block(chain.tx(CUSTODIANS[index], deposit()))
    distinct = len(set(order))
    assert chain.balance(ALICE.address, "btc") == (5 * 10**7 if distinct >= 2 else 0)
    assert chain.state.asset_supply.get_or("btc", 0) == chain.balance(ALICE.address, "btc")


def test_gos_swaps_out_to_the_erc20_and_back_never_more_than_went_out() -> None:
    chain = make()
    bob = key(2)
    supply_before = chain.state.gos_supply.get()
    assert chain.run(ALICE, MsgRequestWithdrawal("ugos", 5 * GOS, "0x" + "a1" * 20)).code == 0
    for custodian in CUSTODIANS[:2]:
        assert chain.run(custodian, MsgConfirmWithdrawal(0, "0xswapout")).code == 0
    supply = chain.state.gos_supply.get()
    minted = supply.minted_ugos - supply_before.minted_ugos
    assert supply.bridged_out_ugos == 5 * GOS
    assert supply.total_shares == supply_before.total_shares + minted - 5 * GOS  # index 1: shares are ugos

    def swap_back(txid: str, amount: int) -> None:
        msg = MsgAttestDeposit("ethereum", txid, "0xB0B", bob.address, "ugos", amount)
        for custodian in CUSTODIANS[:2]:
            assert chain.run(custodian, msg).code == 0

    swap_back("0xswapin-1", 3 * GOS)
    assert chain.gos(bob.address) == 3 * GOS
    assert chain.state.gos_supply.get().bridged_out_ugos == 2 * GOS
    swap_back("0xswapin-2", 10 * GOS)  # more than is outside the chain: held for review, not credited
    deposit = chain.state.deposits.get(("ethereum", "0xswapin-2"))
    assert deposit is not None and deposit.status == "held" and chain.gos(bob.address) == 3 * GOS
    too_much = MsgResolveHold(True, deposit="ethereum:0xswapin-2")
    expect_msg_failure(chain, COUNCIL[0], too_much, error=InvalidMessageError)
    for bad in ("bc1qalice", "0x" + "0" * 40, "0x1234"):
        expect_rejected(chain, chain.tx(ALICE, MsgRequestWithdrawal("ugos", GOS, bad)), InvalidMessageError)
    wrong_chain = MsgAttestDeposit("bitcoin", "x", "bc1q", bob.address, "ugos", GOS)
    expect_rejected(chain, chain.tx(CUSTODIANS[0], wrong_chain), InvalidMessageError)


def test_council_approvals_count_only_for_the_same_decision_from_distinct_members() -> None:
    chain = make()
    listing = MsgUpdateSanctions([SanctionUpdate("bitcoin", BAD_BTC_ADDRESS, True)])
    other_listing = MsgUpdateSanctions([SanctionUpdate("bitcoin", BAD_BTC_ADDRESS, True, source="EU")])
    assert chain.run(COUNCIL[0], listing).code == 0
    expect_msg_failure(chain, COUNCIL[0], listing, error=AlreadyAttestedError)
    assert chain.run(COUNCIL[1], other_listing).code == 0  # a different batch: its own first approval
    assert ("bitcoin", BAD_BTC_ADDRESS.lower()) not in chain.state.sanctioned
    assert chain.run(COUNCIL[2], listing).code == 0
    assert ("bitcoin", BAD_BTC_ADDRESS.lower()) in chain.state.sanctioned

    credit_alice(chain)
    assert chain.run(ALICE, MsgRequestWithdrawal("btc", 10**7, BAD_BTC_ADDRESS)).code == 0
    release, reject = MsgResolveHold(release=True, withdrawal_id=0), MsgResolveHold(release=False, withdrawal_id=0)
    assert chain.run(COUNCIL[0], release).code == 0
    assert chain.run(COUNCIL[1], reject).code == 0  # one vote each way: nothing happens
    assert chain.state.withdrawals.get(0).status == "held"  # type: ignore[union-attr]
    result = chain.block(chain.tx(COUNCIL[2], reject)).tx_results[0]
    assert result.code == 0
    assert chain.state.withdrawals.get(0).status == "refunded"  # type: ignore[union-attr]
    assert [e["approvals"] for e in events_of(result, "council_approval")] == ["2/2"]
    # The release approval is moot now: it is dropped, and nobody can approve the resolved hold again.
    assert [k for k in chain.state.council_approvals.keys_sorted() if k.startswith("hold:")] == []
    expect_msg_failure(chain, COUNCIL[0], reject, error=InvalidMessageError)
    expect_msg_failure(chain, CUSTODIANS[0], reject, error=UnauthorizedError)
