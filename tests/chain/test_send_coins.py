"""MsgSendCoins (bank.handlers.process_send_coins): transfers of GOS and of external assets.

Rules: the recipient must be a valid gos1… address of a user account (module accounts cannot receive), the
denom a well-formed lower-case name, the amount positive and covered by the sender's balance after the fee.
GOS is held in shares of the global index; a transfer debits shares rounded up so the recipient always receives
the amount asked for. A transfer that creates the recipient's balance of a denom also pays NEW_BALANCE_FEE
(`tx.new_balance_fee_ugos`) to the fee collector: storage every node keeps for ever is not free.
A tx is atomic: if any message fails, none of them applies, but the fee is still paid.
"""

import bech32
import pytest

from gostaking.chain.constants import MODULE_ADDRESSES, MODULE_FEE_COLLECTOR
from gostaking.chain.crypto import sha256
from gostaking.chain.errors import (
    InsufficientFundsError,
    InvalidAddressError,
    InvalidAmountError,
    InvalidMessageError,
    ModuleAccountError,
    UnknownAssetError,
)
from gostaking.chain.genesis import GenesisBalance
from gostaking.chain.modules.bank.queries import get_gos_index, get_shares
from gostaking.chain.numeric import GOS_DENOM, INDEX_ONE, ceil_div
from gostaking.chain.types.bank import Account
from gostaking.chain.types.tx import MsgSendCoins

from harness import (
    GOS,
    NEW_BALANCE_FEE,
    Chain,
    events_of,
    execute,
    expect_msg_failure,
    expect_rejected,
    fund_gos,
    key,
    make_chain,
    with_params,
)

ALICE, BOB, CAROL = key(1), key(2), key(3)
FEE = 1_000
COLLECTOR = MODULE_ADDRESSES[MODULE_FEE_COLLECTOR]
ALICE_GOS = 1_000 * GOS
ALICE_BTC = 5 * 10**8
ALICE_ETH = 3 * 10**18


def _chain(**kwargs: object) -> Chain:
    chain = make_chain(
        balances=[
            GenesisBalance(ALICE.address, "btc", ALICE_BTC),
            GenesisBalance(ALICE.address, "eth", ALICE_ETH),
        ],
        **kwargs,  # type: ignore[arg-type]
    )
    fund_gos(chain, ALICE.address, ALICE_GOS)
    return chain


@pytest.fixture
def chain() -> Chain:
    return _chain()


# --- valid transfers -------------------------------------------------------------------------------------------


def test_send_gos_moves_exactly_the_amount_and_charges_the_fee(chain: Chain) -> None:
    amount = 250 * GOS
    raw = chain.tx(ALICE, MsgSendCoins(BOB.address, GOS_DENOM, amount), fee=FEE)
    result, diff = execute(chain, raw)
    assert (result.code, result.log, result.sender, result.fee) == (0, "", ALICE.address, FEE)
    assert result.tx_hash == sha256(raw)
    # Before any burn one share is one ugos, so the whole change of state is exactly this:
    assert diff == {
        "accounts": {ALICE.address: (None, Account(1))},
        "balances": {
            (ALICE.address, GOS_DENOM): (ALICE_GOS, ALICE_GOS - amount - FEE - NEW_BALANCE_FEE),
            (BOB.address, GOS_DENOM): (None, amount),
            (COLLECTOR, GOS_DENOM): (None, FEE + NEW_BALANCE_FEE),
        },
    }
    assert events_of(result, "new_balance_fee") == [
        {"payer": ALICE.address, "recipient": BOB.address, "denom": GOS_DENOM, "fee_ugos": str(NEW_BALANCE_FEE)}
    ]
    assert events_of(result, "transfer") == [
        {"sender": ALICE.address, "recipient": BOB.address, "denom": GOS_DENOM, "amount": str(amount)}
    ]
    chain.block()
    assert chain.gos(BOB.address) == amount
    assert chain.gos(ALICE.address) == ALICE_GOS - amount - FEE - NEW_BALANCE_FEE


def test_a_second_transfer_to_the_same_balance_pays_no_new_balance_fee(chain: Chain) -> None:
    assert chain.run(ALICE, MsgSendCoins(BOB.address, GOS_DENOM, GOS), fee=FEE).code == 0
    result, diff = execute(chain, chain.tx(ALICE, MsgSendCoins(BOB.address, GOS_DENOM, GOS), fee=FEE))
    assert result.code == 0, result.log
    assert events_of(result, "new_balance_fee") == []
    assert diff["balances"][(COLLECTOR, GOS_DENOM)] == (None, FEE)  # the fee collector is paid out every block


def test_each_new_denom_of_a_recipient_pays_the_new_balance_fee_once(chain: Chain) -> None:
    sends = (
        MsgSendCoins(BOB.address, "btc", 1),
        MsgSendCoins(BOB.address, "btc", 2),  # the entry exists now: no second charge
        MsgSendCoins(BOB.address, "eth", 1),
    )
    result, diff = execute(chain, chain.tx(ALICE, *sends, fee=FEE))
    assert result.code == 0, result.log
    assert [e["denom"] for e in events_of(result, "new_balance_fee")] == ["btc", "eth"]
    assert diff["balances"][(ALICE.address, GOS_DENOM)] == (ALICE_GOS, ALICE_GOS - FEE - 2 * NEW_BALANCE_FEE)
    assert diff["balances"][(COLLECTOR, GOS_DENOM)] == (None, FEE + 2 * NEW_BALANCE_FEE)


def test_a_recipient_who_emptied_a_balance_is_charged_again(chain: Chain) -> None:
    # The entry is deleted at zero, so refilling it stores it again.
    fund_gos(chain, BOB.address, 10 * GOS)
    assert chain.run(ALICE, MsgSendCoins(BOB.address, "btc", 5), fee=FEE).code == 0
    assert chain.run(BOB, MsgSendCoins(ALICE.address, "btc", 5), fee=FEE).code == 0
    result = chain.run(ALICE, MsgSendCoins(BOB.address, "btc", 5), fee=FEE)
    assert len(events_of(result, "new_balance_fee")) == 1


def test_an_unaffordable_new_balance_fee_fails_the_message_and_keeps_the_fee(chain: Chain) -> None:
    # Alice can pay the fee and the amount, but not the fee and the amount and the new balance.
    amount = ALICE_GOS - FEE - NEW_BALANCE_FEE + 1
    expect_msg_failure(chain, ALICE, MsgSendCoins(BOB.address, GOS_DENOM, amount), error=InsufficientFundsError)
    chain.block()
    assert chain.gos(BOB.address) == 0
    assert chain.gos(ALICE.address) == ALICE_GOS - FEE


def test_a_zero_new_balance_fee_charges_nothing(chain: Chain) -> None:
    free = _chain(params=with_params(tx={"new_balance_fee_ugos": 0}))
    result = free.run(ALICE, MsgSendCoins(BOB.address, GOS_DENOM, GOS), fee=FEE)
    assert result.code == 0, result.log
    assert events_of(result, "new_balance_fee") == []
    assert free.gos(ALICE.address) == ALICE_GOS - GOS - FEE


def test_send_external_asset_moves_units_and_leaves_supply_alone(chain: Chain) -> None:
    amount = 150_000_000  # 1.5 BTC in satoshi
    result = chain.run(ALICE, MsgSendCoins(BOB.address, "btc", amount), fee=FEE)
    assert result.code == 0, result.log
    assert chain.balance(ALICE.address, "btc") == ALICE_BTC - amount
    assert chain.balance(BOB.address, "btc") == amount
    assert chain.state.asset_supply.get("btc") == ALICE_BTC
    assert chain.gos(ALICE.address) == ALICE_GOS - FEE - NEW_BALANCE_FEE  # only fees, in GOS
    assert chain.gos(BOB.address) == 0


def test_send_the_whole_balance_left_after_the_fees(chain: Chain) -> None:
    left = ALICE_GOS - FEE - NEW_BALANCE_FEE
    result = chain.run(ALICE, MsgSendCoins(BOB.address, GOS_DENOM, left), fee=FEE)
    assert result.code == 0, result.log
    assert chain.gos(ALICE.address) == 0
    assert (ALICE.address, GOS_DENOM) not in chain.state.balances  # an emptied balance is deleted
    assert chain.gos(BOB.address) == left


def test_send_all_of_an_asset_then_the_recipient_sends_it_on(chain: Chain) -> None:
    fund_gos(chain, BOB.address, FEE + NEW_BALANCE_FEE)
    assert chain.run(ALICE, MsgSendCoins(BOB.address, "eth", ALICE_ETH)).code == 0
    assert chain.balance(ALICE.address, "eth") == 0
    assert chain.run(BOB, MsgSendCoins(CAROL.address, "eth", ALICE_ETH)).code == 0
    assert chain.balance(BOB.address, "eth") == 0
    assert chain.balance(CAROL.address, "eth") == ALICE_ETH


def test_send_to_self_changes_only_the_fee(chain: Chain) -> None:
    result = chain.run(ALICE, MsgSendCoins(ALICE.address, GOS_DENOM, 10 * GOS), MsgSendCoins(ALICE.address, "btc", 7))
    assert result.code == 0, result.log
    assert chain.gos(ALICE.address) == ALICE_GOS - FEE
    assert chain.balance(ALICE.address, "btc") == ALICE_BTC


def test_several_messages_all_apply(chain: Chain) -> None:
    result = chain.run(
        ALICE,
        MsgSendCoins(BOB.address, GOS_DENOM, 10 * GOS),
        MsgSendCoins(CAROL.address, "btc", 1),
        MsgSendCoins(BOB.address, GOS_DENOM, 5 * GOS),
    )
    assert result.code == 0, result.log
    assert chain.gos(BOB.address) == 15 * GOS
    assert chain.balance(CAROL.address, "btc") == 1
    assert chain.gos(ALICE.address) == ALICE_GOS - 15 * GOS - FEE - 2 * NEW_BALANCE_FEE
    assert len(events_of(result, "transfer")) == 3


@pytest.mark.parametrize("amount", [1, 7, 10, 999_999])
def test_after_a_burn_the_recipient_gets_exactly_the_amount_asked(amount: int) -> None:
    # Burn at height 10 (the schedule is moved early): the index becomes 0.9, so 1 ugos costs ceil(1/0.9) shares.
    chain = _chain(params=with_params(emission={"burn_start_height": 10, "burn_interval_blocks": 1_000}))
    while chain.height < 10:
        chain.block()
    index = get_gos_index(chain.state)
    assert index == INDEX_ONE * 9 // 10
    before = get_shares(chain.state, ALICE.address)
    assert chain.run(ALICE, MsgSendCoins(BOB.address, GOS_DENOM, amount), fee=FEE).code == 0
    assert chain.gos(BOB.address) == amount
    shares = ceil_div(amount * INDEX_ONE, index)
    fee_shares = ceil_div(FEE * INDEX_ONE, index) + ceil_div(NEW_BALANCE_FEE * INDEX_ONE, index)
    assert get_shares(chain.state, BOB.address) == shares
    assert get_shares(chain.state, ALICE.address) == before - shares - fee_shares


# --- invalid transfers: the fee is charged, the sequence consumed, nothing else changes -------------------------


def test_more_gos_than_left_after_the_fee_fails(chain: Chain) -> None:
    result = expect_msg_failure(
        chain, ALICE, MsgSendCoins(BOB.address, GOS_DENOM, ALICE_GOS - FEE + 1), error=InsufficientFundsError
    )
    assert f"needs {ALICE_GOS - FEE + 1}" in result.log
    chain.block()
    assert chain.gos(BOB.address) == 0
    assert chain.gos(ALICE.address) == ALICE_GOS - FEE


@pytest.mark.parametrize(("denom", "amount"), [("btc", ALICE_BTC + 1), ("dcr", 1)], ids=["more-btc", "no-dcr"])
def test_more_of_an_asset_than_held_fails(chain: Chain, denom: str, amount: int) -> None:
    expect_msg_failure(chain, ALICE, MsgSendCoins(BOB.address, denom, amount), error=InsufficientFundsError)
    assert chain.balance(ALICE.address, "btc") == ALICE_BTC


# --- transfers that could never be valid: the transaction is refused whole, before any fee or sequence ----------


def test_an_asset_that_does_not_exist_on_the_chain_is_refused(chain: Chain) -> None:
    # 'doge' is well-formed but nobody can hold it: the message is refused before the mempool, not charged a fee.
    result = expect_rejected(chain, chain.tx(ALICE, MsgSendCoins(BOB.address, "doge", 1)), UnknownAssetError)
    assert result.log.endswith("no asset 'doge' exists on this chain (known: ugos, btc, dcr, eth, usgos, usgoslp)")
    assert chain.balance(ALICE.address, "btc") == ALICE_BTC


@pytest.mark.parametrize("denom", [GOS_DENOM, "btc"])
@pytest.mark.parametrize("amount", [0, -1, -GOS, 2**256])
def test_zero_negative_or_too_large_amount_is_refused(chain: Chain, denom: str, amount: int) -> None:
    expect_rejected(chain, chain.tx(ALICE, MsgSendCoins(BOB.address, denom, amount)), InvalidAmountError)


def _bech32(hrp: str, raw: bytes) -> str:
    return str(bech32.bech32_encode(hrp, bech32.convertbits(raw, 8, 5)))


def _bad_recipients() -> list[str]:
    good = BOB.address
    flipped = good[:-1] + ("q" if good[-1] != "q" else "p")
    _, words = bech32.bech32_decode(good)
    raw = bytes(bech32.convertbits(words, 5, 8, False))
    return [
        "",
        "gos1",
        good.upper(),  # bech32 allows upper case, but the chain accepts only the canonical lower-case form
        flipped,  # checksum broken
        _bech32("cosmos", raw),  # right bytes, wrong prefix
        _bech32("gos", raw + b"\x00" * 12),  # 32 bytes, not 20
        " " + good,
    ]


@pytest.mark.parametrize("recipient", _bad_recipients())
def test_bad_recipient_address_is_refused(chain: Chain, recipient: str) -> None:
    expect_rejected(chain, chain.tx(ALICE, MsgSendCoins(recipient, GOS_DENOM, GOS)), InvalidAddressError)


@pytest.mark.parametrize("module", sorted(MODULE_ADDRESSES))
@pytest.mark.parametrize("denom", [GOS_DENOM, "btc"])
def test_module_account_cannot_receive(chain: Chain, module: str, denom: str) -> None:
    result = expect_rejected(
        chain, chain.tx(ALICE, MsgSendCoins(MODULE_ADDRESSES[module], denom, 1)), ModuleAccountError
    )
    assert "module accounts cannot receive" in result.log


@pytest.mark.parametrize("denom", ["", "BTC", "UGOS", "b-tc", "btc ", "x" * 17, "bτc", "b/tc"])
def test_malformed_denom_is_refused(chain: Chain, denom: str) -> None:
    expect_rejected(chain, chain.tx(ALICE, MsgSendCoins(BOB.address, denom, 1)), InvalidMessageError)


@pytest.mark.parametrize(("denom", "meant"), [("BTC", "btc"), ("UGOS", "ugos"), ("btc ", "btc"), (" Btc", "btc")])
def test_a_near_miss_of_a_known_denom_is_named(chain: Chain, denom: str, meant: str) -> None:
    result = expect_rejected(chain, chain.tx(ALICE, MsgSendCoins(BOB.address, denom, 1)), InvalidMessageError)
    assert result.log.endswith(f"did you mean {meant!r}?")


def test_longest_allowed_denom_is_well_formed(chain: Chain) -> None:
    # 16 characters pass the denom check; no such asset exists, so the refusal names that, not the spelling.
    expect_rejected(chain, chain.tx(ALICE, MsgSendCoins(BOB.address, "x" * 16, 1)), UnknownAssetError)


def test_second_message_failing_reverts_the_first(chain: Chain) -> None:
    result = expect_msg_failure(
        chain,
        ALICE,
        MsgSendCoins(BOB.address, GOS_DENOM, 10 * GOS),
        MsgSendCoins(CAROL.address, GOS_DENOM, ALICE_GOS),  # more than is left after the first
        error=InsufficientFundsError,
    )
    assert result.events == ()
    chain.block()
    assert chain.gos(BOB.address) == 0
    assert chain.gos(CAROL.address) == 0
    assert chain.gos(ALICE.address) == ALICE_GOS - FEE


def test_failing_last_of_three_messages_reverts_asset_and_gos_transfers(chain: Chain) -> None:
    expect_msg_failure(
        chain,
        ALICE,
        MsgSendCoins(BOB.address, "btc", ALICE_BTC),
        MsgSendCoins(BOB.address, GOS_DENOM, GOS),
        MsgSendCoins(BOB.address, GOS_DENOM, ALICE_GOS),  # more than is left after the fee and the second
        error=InsufficientFundsError,
    )
    chain.block()
    assert chain.balance(BOB.address, "btc") == 0
    assert chain.balance(ALICE.address, "btc") == ALICE_BTC


def test_sequence_after_a_failed_message_is_the_next_one(chain: Chain) -> None:
    expect_msg_failure(chain, ALICE, MsgSendCoins(BOB.address, "btc", ALICE_BTC + 1), error=InsufficientFundsError)
    chain.block()
    # the harness signs with the account's stored sequence: 1 now, and that is accepted
    assert chain.state.accounts.get(ALICE.address) == Account(1)
    assert chain.run(ALICE, MsgSendCoins(BOB.address, GOS_DENOM, GOS)).code == 0
    assert chain.gos(BOB.address) == GOS
    assert chain.gos(ALICE.address) == ALICE_GOS - GOS - 2 * FEE - NEW_BALANCE_FEE
