"""The cosigner's rules on SQLite and PostgreSQL with a controlled clock: enrolment, TOTP (window, replay,
lockout), the user's signature, each policy rule, held transactions, policy changes, and the combined
transaction verifying as the chain verifies it."""

import re

import pytest
from cosigner_harness import Clock, Cosigner, combined_tx, cosign, make_service, set_policy

from gostaking.chain.codec import encode_tx, sign_bytes
from gostaking.chain.types.tx import MsgRegisterNode, MsgSendCoins, MsgStakeNode, MsgSwap, TxBody
from gostaking.cosigner.errors import (
    AlreadyEnrolledError,
    BadRequestError,
    CodeReusedError,
    CosignerError,
    LockedOutError,
    NotActiveError,
    NotAuthorisedError,
    PolicyRefusedError,
    StateError,
    WrongCodeError,
)
from gostaking.cosigner.keys import CosignerKeys
from gostaking.cosigner.policy import Policy, encode_policy
from gostaking.cosigner.protocol import encode_body, request_digest, two_factor_address, two_factor_key
from gostaking.cosigner.service import CosignerService, Enrolment, new_token
from gostaking.cosigner.store import open_store
from gostaking.wallet.hd import seed_from_mnemonic
from gostaking.wallet.keys import PrivateKey

BOB = PrivateKey.from_hex("11" * 32).address
CAROL = PrivateKey.from_hex("22" * 32).address


def send_body(enrolment: Enrolment, amount: int, to: str = BOB, sequence: int = 0, denom: str = "ugos") -> TxBody:
    return TxBody("gostaking-test", enrolment.address, sequence, 1_000, [MsgSendCoins(to, denom, amount)])


def test_enrolment_returns_the_2_of_3_address_and_a_totp_uri(cosigner: Cosigner) -> None:
    enrolment = cosigner.enrol()
    user, backup = cosigner.keys.user.public_key, cosigner.keys.backup.public_key
    key = two_factor_key(user, backup, enrolment.cosigner_pubkey)
    assert enrolment.key == key and enrolment.address == two_factor_address(key)
    assert enrolment.cosigner_pubkey not in (user, backup)
    assert enrolment.otpauth_uri.startswith("otpauth://totp/GoStaking:") and "secret=" in enrolment.otpauth_uri
    record, passkeys = cosigner.service.wallet(enrolment.address)
    assert not record.active and passkeys == 0
    # No private key and no readable TOTP secret is stored.
    secret = enrolment.otpauth_uri.split("secret=")[1].split("&")[0]
    assert secret.encode() not in record.totp_secret_sealed


def test_enrolment_must_be_signed_by_the_user_key(cosigner: Cosigner) -> None:
    user, backup = cosigner.keys.user.public_key, cosigner.keys.backup.public_key
    forged = PrivateKey.from_hex("33" * 32).sign_digest(b"\x01" * 32)
    with pytest.raises(NotAuthorisedError, match="not signed by the user key"):
        cosigner.service.enrol(user, backup, forged)


def test_cosigner_key_is_derived_per_user_and_stable_across_restarts(cosigner: Cosigner) -> None:
    enrolment = cosigner.active()
    again = make_service(cosigner.url, cosigner.clock)  # a restarted service on the same database and seed
    record, _ = again.wallet(enrolment.address)
    assert record.cosigner_pubkey == enrolment.cosigner_pubkey
    other = cosigner.service.enrol(
        cosigner.keys.backup.public_key,
        cosigner.keys.user.public_key,
        cosigner.keys.backup.sign_digest(
            request_digest("enrol", f"{cosigner.keys.backup.public_key.hex()}:{cosigner.keys.user.public_key.hex()}")
        ),
    )
    assert other.cosigner_pubkey != enrolment.cosigner_pubkey  # each wallet its own child key


def test_an_active_wallet_cannot_be_enrolled_again(cosigner: Cosigner) -> None:
    cosigner.active()
    with pytest.raises(AlreadyEnrolledError, match="already enrolled and active"):
        cosigner.enrol()


def test_activation_needs_a_valid_code(cosigner: Cosigner) -> None:
    enrolment = cosigner.enrol()
    wrong = f"{(int(cosigner.code(enrolment)) + 1) % 1_000_000:06d}"
    with pytest.raises(WrongCodeError, match="4 attempts left"):
        cosigner.service.activate(enrolment.address, wrong)
    with pytest.raises(NotActiveError):
        cosign(cosigner, enrolment, send_body(enrolment, 5))
    cosigner.service.activate(enrolment.address, cosigner.code(enrolment))
    assert cosigner.service.wallet(enrolment.address)[0].active


def test_wrong_codes_sent_to_activate_cannot_lock_an_active_wallet(cosigner: Cosigner) -> None:
    # Activation needs no signature: on an active wallet it must refuse before counting the code.
    enrolment = cosigner.active()
    for _ in range(10):
        with pytest.raises(StateError, match="already active"):
            cosigner.service.activate(enrolment.address, "000000")
    assert cosigner.service.wallet(enrolment.address)[0].locked_until == 0
    assert cosign(cosigner, enrolment, send_body(enrolment, 1)).status == "signed"


def test_a_cosigned_send_combines_into_a_transaction_the_chain_accepts(cosigner: Cosigner) -> None:
    enrolment = cosigner.active()
    body = send_body(enrolment, 5_000_000)
    view = cosign(cosigner, enrolment, body)
    assert enrolment.key.pubkeys[view.cosigner_index] == enrolment.cosigner_pubkey
    tx, wire = combined_tx(cosigner, enrolment, body, view)
    assert encode_tx(tx) == wire


def test_codes_of_the_neighbouring_steps_are_accepted(cosigner: Cosigner) -> None:
    enrolment = cosigner.active()
    cosigner.next_step()  # the step before is then not the activation's (used) one
    previous = cosigner.code(enrolment, offset_steps=-1)
    assert cosign(cosigner, enrolment, send_body(enrolment, 1), code=previous).status == "signed"
    following = cosigner.code(enrolment, offset_steps=1)
    assert cosign(cosigner, enrolment, send_body(enrolment, 1, sequence=1), code=following).status == "signed"
    too_late = cosigner.code(enrolment, offset_steps=3)
    with pytest.raises(WrongCodeError):
        cosign(cosigner, enrolment, send_body(enrolment, 1, sequence=2), code=too_late)


def test_a_code_cannot_be_replayed(cosigner: Cosigner) -> None:
    enrolment = cosigner.active()
    code = cosigner.code(enrolment)
    cosign(cosigner, enrolment, send_body(enrolment, 1), code=code)
    with pytest.raises(CodeReusedError, match="code already used"):
        cosign(cosigner, enrolment, send_body(enrolment, 2, sequence=1), code=code)
    # Nor an older code still inside the window.
    with pytest.raises(CodeReusedError):
        cosign(cosigner, enrolment, send_body(enrolment, 2, sequence=1), code=cosigner.code(enrolment, -1))
    cosigner.next_step()
    assert cosign(cosigner, enrolment, send_body(enrolment, 2, sequence=1)).status == "signed"


def test_wrong_codes_lock_the_wallet_for_a_while(cosigner: Cosigner) -> None:
    enrolment = cosigner.active()
    wrong = f"{(int(cosigner.code(enrolment)) + 7) % 1_000_000:06d}"
    body = send_body(enrolment, 1)
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongCodeError, match=f"{left} attempts? left"):
            cosign(cosigner, enrolment, body, code=wrong)
    with pytest.raises(LockedOutError, match="locked for 15 min 00 s"):
        cosign(cosigner, enrolment, body, code=wrong)
    cosigner.clock.advance(600)
    with pytest.raises(LockedOutError, match="locked for 5 min 00 s"):
        cosign(cosigner, enrolment, body)  # even the right code, while locked
    cosigner.clock.advance(300)
    assert cosign(cosigner, enrolment, body).status == "signed"


def test_the_transaction_must_be_signed_by_a_user_key_of_this_wallet(cosigner: Cosigner) -> None:
    enrolment = cosigner.active()
    body = send_body(enrolment, 1)
    with pytest.raises(NotAuthorisedError, match="not signed by this wallet's user or backup key"):
        cosign(cosigner, enrolment, body, key=PrivateKey.from_hex("44" * 32))
    # The backup key is one of the user's keys: it may ask too.
    assert cosign(cosigner, enrolment, body, key=cosigner.keys.backup).status == "signed"


def test_a_transaction_of_another_sender_or_chain_is_refused(cosigner: Cosigner) -> None:
    enrolment = cosigner.active()
    foreign = TxBody("gostaking-test", BOB, 0, 1_000, [MsgSendCoins(CAROL, "ugos", 1)])
    with pytest.raises(BadRequestError, match="not by the 2FA wallet"):
        cosign(cosigner, enrolment, foreign)
    other_chain = TxBody("gostaking-other", enrolment.address, 0, 1_000, [MsgSendCoins(CAROL, "ugos", 1)])
    with pytest.raises(BadRequestError, match="for chain 'gostaking-other'"):
        cosign(cosigner, enrolment, other_chain)


def test_daily_limit_counts_24_rolling_hours(cosigner: Cosigner) -> None:
    enrolment = cosigner.active()
    set_policy(cosigner, enrolment, Policy(daily_limits={"ugos": 10_000_000}))
    assert cosign(cosigner, enrolment, send_body(enrolment, 6_000_000)).status == "signed"
    cosigner.next_step()
    code = cosigner.code(enrolment)
    with pytest.raises(PolicyRefusedError, match=r"daily limit of 10000000 ugos exceeded.*3999000 ugos remain"):
        cosign(cosigner, enrolment, send_body(enrolment, 4_000_000, sequence=1), code=code)
    # The refused transaction did not use the code up.
    assert cosign(cosigner, enrolment, send_body(enrolment, 3_000_000, sequence=1), code=code).status == "signed"
    cosigner.clock.advance(86_400)
    assert cosign(cosigner, enrolment, send_body(enrolment, 9_000_000, sequence=2)).status == "signed"


def test_allow_list_limits_recipients(cosigner: Cosigner) -> None:
    enrolment = cosigner.active()
    set_policy(cosigner, enrolment, Policy(allowlist=[BOB]))
    with pytest.raises(PolicyRefusedError, match=f"recipient {CAROL} is not on your allow-list"):
        cosign(cosigner, enrolment, send_body(enrolment, 1, to=CAROL))
    assert cosign(cosigner, enrolment, send_body(enrolment, 1, to=BOB)).status == "signed"


def test_large_amounts_are_held_then_signed_after_the_delay(cosigner: Cosigner) -> None:
    enrolment = cosigner.active()
    # A longer delay is a tightening, so it applies at once (a shorter one would wait the current delay).
    set_policy(cosigner, enrolment, Policy(delay_thresholds={"ugos": 50_000_000}, delay_seconds=100_000))
    small = cosign(cosigner, enrolment, send_body(enrolment, 40_000_000))
    assert small.status == "signed"
    cosigner.next_step()
    held = cosign(cosigner, enrolment, send_body(enrolment, 60_000_000, sequence=1))
    assert held.status == "held" and held.cosigner_signature is None
    assert re.fullmatch("[0-9a-f]{32}", held.token)  # a command-line argument: never begins with '-'
    assert held.release_at == int(cosigner.clock.now) + 100_000
    cosigner.clock.advance(99_999)
    assert cosigner.service.approval(held.token).status == "held"
    cosigner.clock.advance(1)
    released = cosigner.service.approval(held.token)
    assert released.status == "signed" and released.cosigner_signature is not None


def test_a_held_transaction_can_be_cancelled_and_stops_counting(cosigner: Cosigner) -> None:
    enrolment = cosigner.active()
    set_policy(
        cosigner,
        enrolment,
        Policy(daily_limits={"ugos": 100_000_000}, delay_thresholds={"ugos": 50_000_000}),
    )
    held = cosign(cosigner, enrolment, send_body(enrolment, 90_000_000))
    assert held.status == "held"
    cosigner.next_step()
    with pytest.raises(PolicyRefusedError, match="daily limit"):
        cosign(cosigner, enrolment, send_body(enrolment, 20_000_000, sequence=1))
    stranger = PrivateKey.from_hex("55" * 32)
    with pytest.raises(NotAuthorisedError):
        cosigner.service.cancel(held.token, stranger.sign_digest(request_digest("cancel", enrolment.address, b"x")))
    signature = cosigner.keys.user.sign_digest(request_digest("cancel", enrolment.address, held.token.encode()))
    assert cosigner.service.cancel(held.token, signature).status == "cancelled"
    # Its 90 GOS no longer count: 20 GOS fit in the daily limit again at once.
    assert cosign(cosigner, enrolment, send_body(enrolment, 20_000_000, sequence=1)).status == "signed"
    cosigner.clock.advance(86_400)
    assert cosigner.service.approval(held.token).status == "cancelled"  # never signed
    with pytest.raises(StateError, match="only a held or waiting one"):
        cosigner.service.cancel(held.token, signature)


def test_tightening_applies_at_once_loosening_after_the_delay(cosigner: Cosigner) -> None:
    enrolment = cosigner.active()
    tight = Policy(daily_limits={"ugos": 1_000_000}, delay_seconds=90_000)
    view = set_policy(cosigner, enrolment, tight)
    assert view.policy == tight and view.pending is None
    loose = Policy(daily_limits={"ugos": 100_000_000}, delay_seconds=90_000)
    view = set_policy(cosigner, enrolment, loose)
    assert view.policy == tight and view.pending == loose
    assert view.pending_effective_at == int(cosigner.clock.now) - 30 + 90_000
    with pytest.raises(PolicyRefusedError, match="daily limit"):
        cosign(cosigner, enrolment, send_body(enrolment, 5_000_000))
    cosigner.clock.advance(90_000)
    assert cosigner.service.policy(enrolment.address).policy == loose
    assert cosign(cosigner, enrolment, send_body(enrolment, 5_000_000)).status == "signed"


def test_a_policy_change_needs_the_user_signature_and_a_code(cosigner: Cosigner) -> None:
    enrolment = cosigner.active()
    policy = Policy(daily_limits={"ugos": 1})
    forged = PrivateKey.from_hex("66" * 32).sign_digest(
        request_digest("policy", enrolment.address, encode_policy(policy))
    )
    with pytest.raises(NotAuthorisedError):
        cosigner.service.set_policy(enrolment.address, encode_policy(policy), cosigner.code(enrolment), forged)
    signature = cosigner.keys.user.sign_digest(request_digest("policy", enrolment.address, encode_policy(policy)))
    with pytest.raises(WrongCodeError):
        cosigner.service.set_policy(enrolment.address, encode_policy(policy), "000000", signature)
    with pytest.raises(BadRequestError, match="non-negative"):
        cosigner.service.set_policy(
            enrolment.address, b'{"daily_limits": {"ugos": -1}}', cosigner.code(enrolment), signature
        )


def test_messages_are_counted_or_refused_by_kind(cosigner: Cosigner) -> None:
    enrolment = cosigner.active()
    set_policy(cosigner, enrolment, Policy(daily_limits={"ugos": 10_000, "btc": 100}))
    stake = TxBody("gostaking-test", enrolment.address, 0, 1_000, [MsgStakeNode(BOB, 10**12)])
    assert cosign(cosigner, enrolment, stake).status == "signed"  # stays in the account: no limit applies
    cosigner.next_step()
    swap = TxBody("gostaking-test", enrolment.address, 1, 1_000, [MsgSwap("btc", "btc", 101, 0)])
    with pytest.raises(PolicyRefusedError, match="daily limit of 100 btc"):
        cosign(cosigner, enrolment, swap)
    register = TxBody("gostaking-test", enrolment.address, 1, 1_000, [MsgRegisterNode(b"\x01" * 32, "n")])
    with pytest.raises(PolicyRefusedError, match="does not co-sign 'register_node' messages"):
        cosign(cosigner, enrolment, register)


def test_a_wrong_seed_cannot_read_the_totp_secrets(cosigner: Cosigner) -> None:
    enrolment = cosigner.active()
    wrong = CosignerService(
        open_store(cosigner.url),
        CosignerKeys(seed_from_mnemonic("zoo " * 11 + "wrong")),
        cosigner.service.settings,
        Clock(cosigner.clock.now),
    )
    body = send_body(enrolment, 1)
    signature = cosigner.keys.user.sign_digest(sign_bytes(body))
    with pytest.raises(CosignerError, match="wrong --seed-file"):
        wrong.cosign_with_code(enrolment.address, encode_body(body), signature, cosigner.code(enrolment))


def test_tokens_are_hex_so_that_none_reads_as_a_command_line_option() -> None:
    """An approval's token is passed to `gostaking wallet 2fa release NAME TOKEN`. URL-safe base64 tokens began
    with '-' one time in 64, and the release then failed as an unknown option (exit 2)."""
    tokens = {new_token() for _ in range(2_000)}
    assert len(tokens) == 2_000
    assert all(re.fullmatch("[0-9a-f]{32}", token) for token in tokens)
