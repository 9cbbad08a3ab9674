"""Liquid-staking messages through the 2FA cosigner: their bodies decode through the chain's module registry (not
only the launch messages), they keep the value in the account for the policy (only the fee counts), and a
cosigned liquid stake combines into a transaction the chain decodes and verifies."""

from typing import Any

import msgspec
import pytest
from cosigner_harness import Cosigner, combined_tx, cosign, set_policy

from gostaking.chain.types.liquid import (
    MsgLiquidAddLiquidity,
    MsgLiquidClaimTicket,
    MsgLiquidInstantUnstake,
    MsgLiquidRemoveLiquidity,
    MsgLiquidStake,
    MsgLiquidUnstake,
)
from gostaking.chain.types.tx import MsgSendCoins, TxBody, TxMsg
from gostaking.cosigner.errors import PolicyRefusedError
from gostaking.cosigner.policy import Outflow, Policy, check_outflow, outflow_of
from gostaking.cosigner.protocol import ProtocolError, decode_body, encode_body

SENDER = "gos1sender"


def body_of(*msgs: TxMsg, sender: str = SENDER, sequence: int = 0, fee: int = 1_000) -> TxBody:
    """A body of any registered messages (TxBody's annotation names only the launch messages; all encode alike)."""
    messages: list[Any] = list(msgs)
    return TxBody("gostaking-test", sender, sequence, fee, messages, "")


LIQUID_MESSAGES: tuple[TxMsg, ...] = (
    MsgLiquidStake(5_000_000),
    MsgLiquidUnstake(4_000_000),
    MsgLiquidClaimTicket(7),
    MsgLiquidInstantUnstake(3_000_000, 2_900_000),
    MsgLiquidAddLiquidity(9_000_000),
    MsgLiquidRemoveLiquidity(8_000),
)


@pytest.mark.parametrize("msg", LIQUID_MESSAGES, ids=lambda msg: type(msg).__struct_config__.tag)
def test_a_liquid_body_decodes_to_the_same_message(msg: TxMsg) -> None:
    body = body_of(msg, sequence=3)
    decoded = decode_body(encode_body(body))
    assert decoded == body and type(decoded.msgs[0]) is type(msg)


def test_a_body_mixing_launch_and_liquid_messages_decodes() -> None:
    body = body_of(MsgSendCoins("gos1bob", "ugos", 5), *LIQUID_MESSAGES)
    assert decode_body(encode_body(body)) == body


def test_unknown_and_non_canonical_bodies_stay_refused() -> None:
    raw = encode_body(body_of(MsgLiquidStake(5)))
    with pytest.raises(ProtocolError, match="malformed"):
        decode_body(raw.replace(b"liquid_stake", b"liquid_steal"))
    with pytest.raises(ProtocolError, match="not canonically encoded"):
        decode_body(raw.replace(b",", b", ", 1))
    with pytest.raises(ProtocolError, match="malformed"):
        decode_body(raw.replace(b'"amount":5', b'"amount":"5"'))


def test_liquid_messages_keep_the_value_in_the_account() -> None:
    outflow = outflow_of(body_of(*LIQUID_MESSAGES, fee=2_500))
    assert outflow == Outflow({"ugos": 2_500}, ())
    # A daily limit of sGOS or GOS below the amounts moved is not touched: only the fee leaves.
    policy = Policy(daily_limits={"ugos": 2_500, "usgos": 1}, delay_thresholds={"ugos": 2_500})
    assert check_outflow(policy, outflow, {}) is False


def test_a_cosigned_liquid_stake_is_a_transaction_the_chain_accepts(cosigner: Cosigner) -> None:
    enrolment = cosigner.active()
    set_policy(cosigner, enrolment, Policy(daily_limits={"ugos": 10_000}, delay_thresholds={"ugos": 10_000}))
    stake = body_of(MsgLiquidStake(5_000_000_000), sender=enrolment.address)
    tx, _ = combined_tx(cosigner, enrolment, stake, cosign(cosigner, enrolment, stake))
    assert tx.body == stake and isinstance(tx.body.msgs[0], MsgLiquidStake)
    # The same policy still refuses a send over its limit: the liquid stake did not open a way around it.
    cosigner.next_step()
    send = body_of(MsgSendCoins("gos1bob", "ugos", 20_000), sender=enrolment.address, sequence=1)
    with pytest.raises(PolicyRefusedError, match="daily limit"):
        cosign(cosigner, enrolment, send)


def test_the_static_body_type_alone_would_not_decode_a_liquid_body() -> None:
    # Why decode_body goes through the registry: TxBody's own message union holds only the launch messages.
    raw = encode_body(body_of(MsgLiquidStake(5)))
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(raw, type=TxBody)
