"""TOTP against RFC 6238's test vector with a controlled time, the enrolment QR code, the policy's pure rules
(what leaves the account, limits, allow-list, threshold, what loosens), and the database's schema version."""

import base64

import pytest
import segno

from gostaking.chain.types.gov import TextProposal
from gostaking.chain.types.tx import (
    MsgAddLiquidity,
    MsgClaimRewards,
    MsgRequestWithdrawal,
    MsgSendCoins,
    MsgStakeNode,
    MsgSubmitProposal,
    MsgSwap,
    MsgUpdateSanctions,
    MsgVoteNode,
    TxBody,
)
from gostaking.cosigner import totp
from gostaking.cosigner.policy import (
    Outflow,
    Policy,
    PolicyError,
    check_outflow,
    decode_policy,
    encode_policy,
    loosens,
    outflow_of,
)
from gostaking.cosigner.store import Meta, StoreError, open_store, transaction

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
"""RFC 6238 appendix B's SHA-1 seed."""


@pytest.mark.parametrize(
    ("unix_seconds", "eight_digits"),
    [(59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"), (2000000000, "69279037")],
)
def test_codes_match_rfc_6238(unix_seconds: int, eight_digits: str) -> None:
    # The 6-digit code is the 8-digit one's last six digits (both truncate the same HOTP value).
    assert totp.code_at(RFC_SECRET, unix_seconds) == eight_digits[-6:]
    step = unix_seconds // 30
    assert totp.matching_step(RFC_SECRET, eight_digits[-6:], unix_seconds) == step
    assert totp.matching_step(RFC_SECRET, eight_digits[-6:], unix_seconds + 30) == step  # one step late: still
    assert totp.matching_step(RFC_SECRET, eight_digits[-6:], unix_seconds + 90) is None  # three steps: no


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 456"])
def test_malformed_codes_never_match(code: str) -> None:
    assert totp.matching_step(RFC_SECRET, code, 59) is None


def test_enrolment_uri_and_qr_code() -> None:
    secret = totp.new_secret()
    assert len(base64.b32decode(secret)) == 20
    uri = totp.provisioning_uri(secret, "gos1example", "GoStaking")
    assert uri == f"otpauth://totp/GoStaking:gos1example?secret={secret}&issuer=GoStaking"
    svg = totp.qr_svg(uri)
    assert svg.startswith("<svg") and "</svg>" in svg
    assert totp.qr_terminal(uri).count("\n") >= segno.make(uri, error="m").symbol_size(scale=1, border=4)[1] // 2


def body(*msgs: object, fee: int = 1_000) -> TxBody:
    return TxBody("c", "gos1sender", 0, fee, list(msgs), "")  # type: ignore[arg-type]


def test_outflow_counts_what_leaves_the_account() -> None:
    outflow = outflow_of(
        body(
            MsgSendCoins("gos1bob", "ugos", 5),
            MsgSendCoins("gos1carol", "btc", 7),
            MsgRequestWithdrawal("btc", 3, "bc1qexternal"),
            MsgSwap("btc", "ugos", 11, 0),
            MsgSubmitProposal("t", "d", TextProposal(), 13),
            MsgStakeNode("gos1node", 10**9),
            MsgVoteNode("gos1node", 10**9),
            MsgClaimRewards(),
            MsgAddLiquidity("btc", 10**6, 10**9),
        )
    )
    assert outflow == Outflow({"ugos": 1_000 + 5 + 11 + 13, "btc": 10}, ("gos1bob", "gos1carol", "bc1qexternal"))


def test_outflow_refuses_messages_a_user_wallet_does_not_send() -> None:
    with pytest.raises(PolicyError, match="does not co-sign 'update_sanctions' messages"):
        outflow_of(body(MsgUpdateSanctions([])))


def test_check_outflow_rules() -> None:
    policy = Policy(daily_limits={"ugos": 100}, allowlist=["gos1bob"], delay_thresholds={"ugos": 50})
    assert check_outflow(policy, Outflow({"ugos": 50}, ("gos1bob",)), {}) is False
    assert check_outflow(policy, Outflow({"ugos": 51}, ("gos1bob",)), {}) is True
    assert check_outflow(policy, Outflow({"btc": 10**9}, ()), {}) is False  # no rule for btc
    with pytest.raises(PolicyError, match="gos1carol is not on your allow-list"):
        check_outflow(policy, Outflow({"ugos": 1}, ("gos1carol",)), {})
    with pytest.raises(PolicyError, match="60 ugos left in the last 24 hours, 40 ugos remain"):
        check_outflow(policy, Outflow({"ugos": 41}, ("gos1bob",)), {"ugos": 60})
    assert check_outflow(Policy(), Outflow({"ugos": 10**30}, ("gos1anyone",)), {"ugos": 10**30}) is False


@pytest.mark.parametrize(
    ("old", "new", "looser"),
    [
        (Policy(), Policy(daily_limits={"ugos": 5}), False),
        (Policy(daily_limits={"ugos": 5}), Policy(daily_limits={"ugos": 6}), True),
        (Policy(daily_limits={"ugos": 5}), Policy(), True),
        (Policy(daily_limits={"ugos": 5}), Policy(daily_limits={"ugos": 4, "btc": 1}), False),
        (Policy(delay_thresholds={"ugos": 5}), Policy(delay_thresholds={"ugos": 9}), True),
        (Policy(delay_seconds=100), Policy(delay_seconds=99), True),
        (Policy(delay_seconds=100), Policy(delay_seconds=101), False),
        (Policy(), Policy(allowlist=["gos1bob"]), False),
        (Policy(allowlist=["gos1bob", "gos1carol"]), Policy(allowlist=["gos1bob"]), False),
        (Policy(allowlist=["gos1bob"]), Policy(allowlist=["gos1bob", "gos1carol"]), True),
        (Policy(allowlist=["gos1bob"]), Policy(), True),
    ],
)
def test_what_loosens_a_policy(old: Policy, new: Policy, looser: bool) -> None:
    assert loosens(old, new) is looser


def test_policy_json_is_canonical_and_validated() -> None:
    policy = Policy(daily_limits={"zzz": 1, "aaa": 2}, allowlist=["gos1bob"])
    assert encode_policy(policy).index(b'"aaa"') < encode_policy(policy).index(b'"zzz"')
    assert decode_policy(encode_policy(policy)) == policy
    for bad, reason in [
        (b'{"daily_limits": {"ugos": -1}}', "non-negative"),
        (b'{"delay_seconds": 99999999}', "between 0 seconds and 30 days"),
        (b'{"allowlist": ["gos1bob", "gos1bob"]}', "distinct"),
        (b'{"allowlist": [" gos1bob"]}', "not a recipient address"),
        (b'{"limits": {}}', "malformed"),
    ]:
        with pytest.raises(PolicyError, match=reason):
            decode_policy(bad)


def test_a_database_of_a_newer_cosigner_is_refused(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/cosigner.db"
    sessions = open_store(url)
    with transaction(sessions) as session:
        session.get(Meta, "schema_version").value = "2"  # type: ignore[union-attr]
    with pytest.raises(StoreError, match="schema version 2; this cosigner knows up to 1"):
        open_store(url)
    with pytest.raises(StoreError, match="cannot use database"):
        open_store("nosuchdriver://x")
