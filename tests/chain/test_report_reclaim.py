"""MsgReportReclaim: m-of-n custodian reports of a deposit its depositor took back (the lock's timelocked path)
debit what it credited — balance first, then locks — record what moved beyond reach as the shortfall, close the
deposit, and keep the custody ledger explaining the supply (the `check_backing` invariant, checked after every
block by the harness). Also: a deposit naming several senders is held when any of them is sanctioned."""

from msgspec.structs import replace

from gostaking.chain.errors import (
    AlreadyAttestedError,
    ConflictingAttestationError,
    InvalidMessageError,
    UnauthorizedError,
)
from gostaking.chain.genesis import GenesisBalance
from gostaking.chain.invariants import InvariantError, check_invariants
from gostaking.chain.modules.custody.queries import compute_custody_backing, get_reclaim
from gostaking.chain.modules.custody.tables import RECLAIMS
from gostaking.chain.modules.lock.queries import get_locked_amount
from gostaking.chain.types.params import ComplianceParams, CustodyParams
from gostaking.chain.types.tx import (
    MsgAttestDeposit,
    MsgConfirmWithdrawal,
    MsgLockAsset,
    MsgReportReclaim,
    MsgRequestWithdrawal,
    MsgResolveHold,
    MsgSendCoins,
    MsgUpdateSanctions,
    SanctionUpdate,
)

from harness import GOS, TEST_PARAMS, Chain, events_of, expect_msg_failure, expect_rejected, fund_gos, key, make_chain

CUSTODIANS = [key(2001), key(2002), key(2003)]
COUNCIL = [key(2100), key(2101), key(2102)]
ALICE, BOB = key(1), key(2)
PARAMS = replace(
    TEST_PARAMS,
    custody=CustodyParams(tuple(c.address for c in CUSTODIANS), 2),
    compliance=ComplianceParams(council=tuple(c.address for c in COUNCIL), council_threshold=2),
)
GENESIS_BTC = 7 * 10**8
"""Bob's genesis allocation: units that never passed through custody (`outside_custody`)."""
AMOUNT = 10**8


def make() -> Chain:
    chain = make_chain(params=PARAMS, balances=[GenesisBalance(BOB.address, "btc", GENESIS_BTC)])
    for account in [*CUSTODIANS, *COUNCIL, ALICE, BOB]:
        fund_gos(chain, account.address, 10 * GOS)
    return chain


def deposit(txid: str, amount: int = AMOUNT, sender: str = "bc1qalice") -> MsgAttestDeposit:
    return MsgAttestDeposit("bitcoin", txid, sender, ALICE.address, "btc", amount)


def credit(chain: Chain, txid: str, amount: int = AMOUNT) -> None:
    for custodian in CUSTODIANS[:2]:
        assert chain.run(custodian, deposit(txid, amount)).code == 0
    assert chain.state.deposits.get(("bitcoin", txid)).status == "credited"  # type: ignore[union-attr]


def report(txid: str, reclaim_tx: str = "reclaim-tx") -> MsgReportReclaim:
    return MsgReportReclaim("bitcoin", txid, reclaim_tx)


def test_a_reclaimed_deposit_is_debited_from_the_recipient_at_the_threshold() -> None:
    chain = make()
    credit(chain, "d1")
    first = chain.run(CUSTODIANS[0], report("d1"))
    assert first.code == 0, first.log
    assert events_of(first, "reclaim_reported")[0]["reports"] == "1"
    assert chain.balance(ALICE.address, "btc") == AMOUNT  # one report changes nothing
    second = chain.run(CUSTODIANS[1], report("d1"))
    assert second.code == 0, second.log
    (event,) = events_of(second, "deposit_reclaimed")
    assert event == {
        "deposit": "bitcoin:d1",
        "recipient": ALICE.address,
        "denom": "btc",
        "amount": str(AMOUNT),
        "debited": str(AMOUNT),
        "from_locks": "0",
        "shortfall": "0",
        "reclaim_tx": "reclaim-tx",
    }
    assert chain.balance(ALICE.address, "btc") == 0
    assert chain.state.deposits.get(("bitcoin", "d1")).status == "reclaimed"  # type: ignore[union-attr]
    reclaim = get_reclaim(chain.state, "bitcoin", "d1")
    assert reclaim is not None and (reclaim.status, reclaim.debited, reclaim.shortfall) == ("applied", AMOUNT, 0)
    # A late report is recorded and changes nothing; a repeated one is refused.
    late = chain.run(CUSTODIANS[2], report("d1"))
    assert late.code == 0 and events_of(late, "deposit_reclaimed") == []
    expect_msg_failure(chain, CUSTODIANS[0], report("d1"), error=AlreadyAttestedError)
    backing = compute_custody_backing(chain.state, "btc")
    assert (backing.credited, backing.reclaimed, backing.debited, backing.owed) == (AMOUNT, AMOUNT, AMOUNT, 0)
    assert backing.supply == GENESIS_BTC and backing.outside_custody == GENESIS_BTC


def test_units_locked_are_debited_and_units_moved_away_are_the_recorded_shortfall() -> None:
    chain = make()
    credit(chain, "d1")
    credit(chain, "d2")  # a second deposit keeps Alice's balance above one deposit's worth for a while
    assert chain.run(ALICE, MsgLockAsset("btc", 120_000_000)).code == 0
    assert chain.run(ALICE, MsgSendCoins(BOB.address, "btc", 50_000_000)).code == 0
    # Alice holds 30,000,000 liquid and 120,000,000 locked of the 200,000,000 credited.
    for custodian in CUSTODIANS[:2]:
        result = chain.run(custodian, report("d1"))
        assert result.code == 0, result.log
    (event,) = events_of(result, "deposit_reclaimed")
    assert (event["debited"], event["from_locks"], event["shortfall"]) == (str(AMOUNT), "70000000", "0")
    assert chain.balance(ALICE.address, "btc") == 0
    assert get_locked_amount(chain.state, ALICE.address, "btc") == 50_000_000
    for custodian in CUSTODIANS[:2]:
        result = chain.run(custodian, report("d2", "reclaim-2"))
    (event,) = events_of(result, "deposit_reclaimed")
    assert (event["debited"], event["from_locks"], event["shortfall"]) == ("50000000", "50000000", "50000000")
    assert get_locked_amount(chain.state, ALICE.address, "btc") == 0
    backing = compute_custody_backing(chain.state, "btc")
    assert (backing.owed, backing.shortfall, backing.debited) == (0, 50_000_000, 150_000_000)
    # The 50,000,000 Bob received stay on chain without backing: supply = genesis + owed + shortfall.
    assert backing.supply == GENESIS_BTC + 50_000_000 == backing.outside_custody + backing.owed + backing.shortfall


def test_reports_must_agree_come_from_custodians_and_name_an_attested_deposit() -> None:
    chain = make()
    credit(chain, "d1")
    expect_msg_failure(chain, ALICE, report("d1"), error=UnauthorizedError)
    expect_msg_failure(chain, CUSTODIANS[0], report("nope"), error=InvalidMessageError)
    expect_rejected(chain, chain.tx(CUSTODIANS[0], report("d1", "")), InvalidMessageError)  # before fees
    assert chain.run(CUSTODIANS[0], report("d1", "reclaim-a")).code == 0
    expect_msg_failure(chain, CUSTODIANS[1], report("d1", "reclaim-b"), error=ConflictingAttestationError)
    assert chain.balance(ALICE.address, "btc") == AMOUNT
    gos_swap = MsgAttestDeposit("ethereum", "0xburn:1", "0x" + "11" * 20, ALICE.address, "ugos", 1)
    assert chain.run(CUSTODIANS[0], gos_swap).code == 0
    expect_msg_failure(chain, CUSTODIANS[1], MsgReportReclaim("ethereum", "0xburn:1", "tx"), error=InvalidMessageError)


def test_a_deposit_not_yet_credited_is_closed_and_can_no_longer_be_credited_or_released() -> None:
    chain = make()
    assert chain.run(CUSTODIANS[0], deposit("pending")).code == 0
    for custodian in CUSTODIANS[:2]:
        result = chain.run(custodian, report("pending"))
    (event,) = events_of(result, "deposit_reclaimed")
    assert (event["amount"], event["debited"], event["shortfall"]) == ("0", "0", "0")
    expect_msg_failure(chain, CUSTODIANS[1], deposit("pending"), error=InvalidMessageError)
    assert chain.balance(ALICE.address, "btc") == 0
    # A held deposit: the council's pending approval to release it is dropped with the reclaim.
    listing = MsgUpdateSanctions([SanctionUpdate("bitcoin", "bc1qbad", True)])
    for member in COUNCIL[:2]:
        assert chain.run(member, listing).code == 0
    for custodian in CUSTODIANS[:2]:
        assert chain.run(custodian, deposit("held", sender="bc1qbad")).code == 0
    assert chain.run(COUNCIL[0], MsgResolveHold(release=True, deposit="bitcoin:held")).code == 0
    assert len(chain.state.council_approvals) == 1
    for custodian in CUSTODIANS[:2]:
        assert chain.run(custodian, report("held")).code == 0
    assert len(chain.state.council_approvals) == 0
    expect_msg_failure(
        chain, COUNCIL[1], MsgResolveHold(release=True, deposit="bitcoin:held"), error=InvalidMessageError
    )
    assert chain.balance(ALICE.address, "btc") == 0


def test_the_backing_ledger_follows_deposits_withdrawals_and_reclaims() -> None:
    chain = make()
    credit(chain, "d1")
    credit(chain, "d2")
    assert chain.run(ALICE, MsgRequestWithdrawal("btc", 30_000_000, "bc1qout")).code == 0
    assert compute_custody_backing(chain.state, "btc").owed == 2 * AMOUNT  # escrowed, still owed
    for custodian in CUSTODIANS[:2]:
        assert chain.run(custodian, MsgConfirmWithdrawal(0, "payout-0")).code == 0
    for custodian in CUSTODIANS[:2]:
        assert chain.run(custodian, report("d2")).code == 0
    backing = compute_custody_backing(chain.state, "btc")
    assert (backing.credited, backing.paid_out, backing.reclaimed) == (2 * AMOUNT, 30_000_000, AMOUNT)
    assert backing.owed == 70_000_000 and backing.shortfall == 0
    assert backing.supply == GENESIS_BTC + 70_000_000 and backing.outside_custody == GENESIS_BTC


def test_the_invariant_catches_a_reclaim_that_does_not_add_up() -> None:
    chain = make()
    credit(chain, "d1")
    for custodian in CUSTODIANS[:2]:
        assert chain.run(custodian, report("d1")).code == 0
    reclaim = get_reclaim(chain.state, "bitcoin", "d1")
    assert reclaim is not None
    chain.state[RECLAIMS].put(("bitcoin", "d1"), replace(reclaim, shortfall=1))
    try:
        check_invariants(chain.state)
    except InvariantError as error:
        assert "debited" in str(error)
    else:
        raise AssertionError("the invariant accepted a reclaim whose debit and shortfall exceed its liability")


def test_a_deposit_naming_several_senders_is_held_when_any_is_sanctioned() -> None:
    chain = make()
    listing = MsgUpdateSanctions([SanctionUpdate("bitcoin", "bc1qBAD", True)])
    for member in COUNCIL[:2]:
        assert chain.run(member, listing).code == 0
    for custodian in CUSTODIANS[:2]:
        assert chain.run(custodian, deposit("mixed", sender="bc1qclean,bc1qbad,bc1qother")).code == 0
    assert chain.state.deposits.get(("bitcoin", "mixed")).status == "held"  # type: ignore[union-attr]
    credit_clean = deposit("clean", sender="bc1qclean,bc1qother")
    for custodian in CUSTODIANS[:2]:
        assert chain.run(custodian, credit_clean).code == 0
    assert chain.state.deposits.get(("bitcoin", "clean")).status == "credited"  # type: ignore[union-attr]
    too_many = ",".join(f"bc1qsender{i}" for i in range(17))
    for sender in (too_many, "bc1qa,bc1qa", "bc1qa,,bc1qb", "bc1qa, bc1qb"):
        expect_rejected(chain, chain.tx(CUSTODIANS[0], deposit("bad-senders", sender=sender)), InvalidMessageError)
