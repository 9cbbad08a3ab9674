"""The cosigner's logic: enrolment, TOTP and passkey checks, the policy, and signing with the user's cosigner key.

Every rule of docs/cosigner.md is enforced here, once, for the HTTP shell (app.py) to call. Time comes from the
injected `clock` (unix seconds), so tests control TOTP steps, lockouts and delays.

Keys come from the operator's seed file (keys.py): the database holds public keys and sealed TOTP secrets only.
"""

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from gostaking.chain.codec import sign_bytes
from gostaking.chain.types.tx import MultisigPubKey, TxBody
from gostaking.cosigner import passkeys, totp
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
    UnknownWalletError,
    WrongCodeError,
)
from gostaking.cosigner.keys import CosignerKeys
from gostaking.cosigner.passkeys import PasskeyError, RelyingParty
from gostaking.cosigner.policy import (
    DAY_SECONDS,
    Outflow,
    Policy,
    PolicyError,
    check_outflow,
    decode_policy,
    encode_policy,
    loosens,
    outflow_of,
    validate_policy,
)
from gostaking.cosigner.protocol import (
    ProtocolError,
    decode_body,
    enrolment_subject,
    request_digest,
    signer_of,
    two_factor_address,
    two_factor_key,
)
from gostaking.cosigner.store import Approval, Passkey, PendingPolicy, Registration, Spend, User, transaction

Clock = Callable[[], float]


def new_token() -> str:
    """A fresh token naming an approval or a passkey registration: 128 random bits in hex. Not URL-safe base64:
    a token is also a command-line argument (`gostaking wallet 2fa release NAME TOKEN`), and one in 64 of those
    begins with '-', which the command line reads as an option (the release then failed with "No such option")."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class CosignerSettings:
    """How the service behaves: the passkey relying party, the TOTP issuer name, the chain it signs for (None:
    any) and the lockout rule (`max_wrong_codes` in a row lock the wallet for `lockout_seconds`)."""

    party: RelyingParty
    issuer: str = "GoStaking"
    chain_id: str | None = None
    max_wrong_codes: int = 5
    lockout_seconds: int = 900
    ceremony_seconds: int = 300


@dataclass(frozen=True)
class Enrolment:
    """What enrolment returns: the 2-of-3 key and address, the cosigner's key, and the TOTP secret's URI."""

    address: str
    key: MultisigPubKey
    cosigner_pubkey: bytes
    otpauth_uri: str


@dataclass(frozen=True)
class ApprovalView:
    """Where an approval stands; `cosigner_signature` is set once `status` is `signed`."""

    token: str
    address: str
    status: str
    release_at: int
    cosigner_index: int
    cosigner_signature: bytes | None
    body: bytes


@dataclass(frozen=True)
class PolicyView:
    """The policy in force and a loosening waiting for its delay (None when there is none)."""

    policy: Policy
    pending: Policy | None
    pending_effective_at: int


class CosignerService:
    """The cosigner's operations, each one database transaction."""

    def __init__(
        self, sessions: sessionmaker[Session], keys: CosignerKeys, settings: CosignerSettings, clock: Clock = time.time
    ) -> None:
        """A service over the database `sessions`, signing with `keys`, reading time from `clock`."""
        self._sessions = sessions
        self._keys = keys
        self.settings = settings
        self._clock = clock

    def now(self) -> int:
        """The clock's time in whole unix seconds."""
        return int(self._clock())

    # -- enrolment ----------------------------------------------------------------------------------------------

    def enrol(self, user_pubkey: bytes, backup_pubkey: bytes, signature: bytes) -> Enrolment:
        """Create (or, while not yet activated, re-create the TOTP secret of) the 2FA wallet of these two keys.

        `signature` is the user key's over request_digest('enrol', enrolment_subject(...)): only the key's holder
        enrols it. The wallet is usable after `activate` with the first code of the returned otpauth URI.
        """
        digest = request_digest("enrol", enrolment_subject(user_pubkey, backup_pubkey))
        if _signer(digest, signature) != user_pubkey:
            raise NotAuthorisedError("the enrolment is not signed by the user key it enrols")
        secret = totp.new_secret()
        with transaction(self._sessions) as session:
            user = session.scalar(
                select(User).where(User.user_pubkey == user_pubkey, User.backup_pubkey == backup_pubkey)
            )
            if user is None:
                user = User(
                    address=f"enrolling:{secrets.token_hex(16)}",  # unique until the id names the key
                    user_pubkey=user_pubkey,
                    backup_pubkey=backup_pubkey,
                    cosigner_pubkey=b"",
                    totp_secret_sealed=b"",
                    policy_json=encode_policy(Policy()).decode(),
                    created_at=self.now(),
                )
                session.add(user)
                session.flush()  # assigns the id, which names the cosigner key
            elif user.active:
                raise AlreadyEnrolledError(f"2FA wallet {user.address} is already enrolled and active")
            cosigner_pubkey = self._keys.user_key(user.id).public_key
            key = _wallet_key(user_pubkey, backup_pubkey, cosigner_pubkey)
            user.cosigner_pubkey = cosigner_pubkey
            user.address = two_factor_address(key)
            user.totp_secret_sealed = self._keys.seal(secret, user.address)
            user.last_totp_step, user.failed_attempts, user.locked_until = -1, 0, 0  # a new secret, a new start
            uri = totp.provisioning_uri(secret, user.address, self.settings.issuer)
            return Enrolment(user.address, key, cosigner_pubkey, uri)

    def activate(self, address: str, code: str) -> None:
        """Turn 2FA on with the first valid code from the user's authenticator app.

        Refused for an active wallet before the code is looked at: activation needs no signature, so wrong codes
        sent to it must not count toward (and let anyone cause) an active wallet's lockout."""
        with transaction(self._sessions) as session:
            if self._user(session, address).active:
                raise StateError(f"2FA of {address} is already active")
        with self._code_checked(address, code, require_active=False) as (_, user):
            user.active = True

    # -- co-signing ---------------------------------------------------------------------------------------------

    def cosign_with_code(self, address: str, body_bytes: bytes, user_signature: bytes, code: str) -> ApprovalView:
        """Check the transaction and the code; sign it now, or hold it when the policy delays it."""
        body, signer = self._checked_body(address, body_bytes, user_signature)
        with self._code_checked(address, code, require_active=True, policy_first=body) as (session, user):
            approval = self._new_approval(session, user, body_bytes, signer, user_signature, status="checked")
            return self._accept(session, user, approval, body)

    def request_passkey_approval(self, address: str, body_bytes: bytes, user_signature: bytes) -> ApprovalView:
        """Open a passkey approval of the transaction (its page is /approve/<token>); refused at once if the
        policy would refuse it or the wallet has no passkey."""
        body, signer = self._checked_body(address, body_bytes, user_signature)
        with transaction(self._sessions) as session:
            user = self._active_user(session, address)
            if not self._passkeys(session, user):
                raise StateError("this wallet has no passkey: register one with `wallet 2fa passkey add`")
            self._check_policy(session, user, body)
            approval = self._new_approval(session, user, body_bytes, signer, user_signature, status="waiting")
            approval.challenge = passkeys.approval_challenge(sign_bytes(body))
            return self._view(user, approval)

    def passkey_approval_options(self, token: str) -> str:
        """The navigator.credentials.get() options of a waiting approval."""
        with transaction(self._sessions) as session:
            approval, user = self._approval(session, token)
            self._require_waiting(approval)
            credentials = [passkey.credential_id for passkey in self._passkeys(session, user)]
            assert approval.challenge is not None  # a waiting approval always has one
            return passkeys.authentication_options(self.settings.party, approval.challenge, credentials)

    def finish_passkey_approval(self, token: str, credential: str) -> ApprovalView:
        """Verify the browser's assertion (challenge, origin, user verification, a rising sign counter) and then
        treat the transaction as a code-approved one: policy, hold or sign."""
        with transaction(self._sessions) as session:
            approval, user = self._approval(session, token, lock=True)
            self._require_waiting(approval)
            credential_id = _passkey_call(passkeys.credential_id_of, credential)
            passkey = session.scalar(
                select(Passkey).where(Passkey.user_id == user.id, Passkey.credential_id == credential_id)
            )
            if passkey is None:
                raise NotAuthorisedError("this passkey is not registered to the wallet")
            assert approval.challenge is not None
            passkey.sign_count = _passkey_call(
                passkeys.verify_assertion,
                self.settings.party,
                approval.challenge,
                credential,
                passkey.public_key,
                passkey.sign_count,
            )
            return self._accept(session, user, approval, decode_body(approval.body))

    def approval(self, token: str) -> ApprovalView:
        """An approval's state; a held one whose delay has passed is signed now."""
        with transaction(self._sessions) as session:
            approval, user = self._approval(session, token, lock=True)
            if approval.status == "held" and approval.release_at <= self.now():
                self._sign(user, approval)
            elif approval.status == "waiting" and approval.created_at + self.settings.ceremony_seconds < self.now():
                approval.status = "expired"
            return self._view(user, approval)

    def cancel(self, token: str, signature: bytes) -> ApprovalView:
        """Cancel a held or waiting approval (signed by the user or backup key); its amounts stop counting."""
        with transaction(self._sessions) as session:
            approval, user = self._approval(session, token, lock=True)
            self._require_user_signature(user, "cancel", token.encode(), signature)
            if approval.status not in ("held", "waiting"):
                raise StateError(f"the approval is {approval.status}: only a held or waiting one can be cancelled")
            approval.status = "cancelled"
            session.execute(delete(Spend).where(Spend.approval_id == approval.id))
            return self._view(user, approval)

    # -- policy ---------------------------------------------------------------------------------------------------

    def policy(self, address: str) -> PolicyView:
        """The wallet's policy in force and any pending loosening."""
        with transaction(self._sessions) as session:
            user = self._user(session, address)
            return self._policy_view(session, user)

    def set_policy(self, address: str, policy_json: bytes, code: str, signature: bytes) -> PolicyView:
        """Change the policy (signed by a user key over its canonical JSON, and a code). A change that only
        tightens applies now; one that loosens anything waits the current policy's delay, then applies."""
        try:
            policy = decode_policy(policy_json)
        except PolicyError as error:
            raise BadRequestError(str(error)) from None
        with transaction(self._sessions) as session:
            user = self._user(session, address)
            self._require_user_signature(user, "policy", encode_policy(policy), signature)
        with self._code_checked(address, code, require_active=True) as (session, user):
            current = self._current_policy(session, user)
            session.execute(delete(PendingPolicy).where(PendingPolicy.user_id == user.id))
            if loosens(current, policy):
                policy_text = encode_policy(policy).decode()
                effective_at = self.now() + current.delay_seconds
                session.add(PendingPolicy(user_id=user.id, policy_json=policy_text, effective_at=effective_at))
            else:
                user.policy_json = encode_policy(policy).decode()
            session.flush()
            return self._policy_view(session, user)

    # -- passkey registration --------------------------------------------------------------------------------------

    def begin_passkey_registration(self, address: str, code: str, signature: bytes) -> str:
        """Open a passkey registration (signed by a user key, and a code); returns the token of its page."""
        with transaction(self._sessions) as session:
            user = self._user(session, address)
            self._require_user_signature(user, "passkey", b"", signature)
        with self._code_checked(address, code, require_active=True) as (session, user):
            token = new_token()
            session.add(
                Registration(
                    token=token,
                    user_id=user.id,
                    challenge=passkeys.registration_challenge(),
                    expires_at=self.now() + self.settings.ceremony_seconds,
                )
            )
            return token

    def passkey_registration_options(self, token: str) -> str:
        """The navigator.credentials.create() options of an open registration."""
        with transaction(self._sessions) as session:
            registration, user = self._registration(session, token)
            existing = [passkey.credential_id for passkey in self._passkeys(session, user)]
            return passkeys.registration_options(
                self.settings.party, user.id, user.address, registration.challenge, existing
            )

    def finish_passkey_registration(self, token: str, credential: str) -> int:
        """Verify the browser's new credential and store it; returns the wallet's number of passkeys."""
        with transaction(self._sessions) as session:
            registration, user = self._registration(session, token)
            new = _passkey_call(passkeys.verify_registration, self.settings.party, registration.challenge, credential)
            if session.scalar(select(Passkey.id).where(Passkey.credential_id == new.credential_id)) is not None:
                raise StateError("this passkey is already registered")
            session.add(
                Passkey(
                    user_id=user.id,
                    credential_id=new.credential_id,
                    public_key=new.public_key,
                    sign_count=new.sign_count,
                    created_at=self.now(),
                )
            )
            registration.done = True
            session.flush()
            return len(self._passkeys(session, user))

    def wallet(self, address: str) -> tuple[User, int]:
        """The wallet's public record and its number of passkeys."""
        with transaction(self._sessions) as session:
            user = self._user(session, address)
            return user, len(self._passkeys(session, user))

    # -- internals ------------------------------------------------------------------------------------------------

    def _checked_body(self, address: str, body_bytes: bytes, user_signature: bytes) -> tuple[TxBody, bytes]:
        """The body and the user key that signed it, after the checks that need no code."""
        try:
            body = decode_body(body_bytes)
        except ProtocolError as error:
            raise BadRequestError(str(error)) from None
        if body.sender != address:
            raise BadRequestError(f"the transaction is sent by {body.sender}, not by the 2FA wallet {address}")
        chain_id = self.settings.chain_id
        if chain_id is not None and body.chain_id != chain_id:
            raise BadRequestError(f"the transaction is for chain {body.chain_id!r}; this cosigner signs {chain_id!r}'s")
        signer = _signer(sign_bytes(body), user_signature)
        with transaction(self._sessions) as session:
            user = self._active_user(session, address)
            if signer not in (user.user_pubkey, user.backup_pubkey):
                raise NotAuthorisedError("the transaction is not signed by this wallet's user or backup key")
        return body, signer

    @contextmanager
    def _code_checked(
        self, address: str, code: str, *, require_active: bool, policy_first: TxBody | None = None
    ) -> Iterator[tuple[Session, User]]:
        """`with self._code_checked(...) as (session, user)`: the block runs in the transaction that accepted (and
        consumed) `code`. A wrong code is counted in a transaction of its own, since the request's is rolled back
        (which may lock the wallet), and the refusal is raised after."""
        try:
            with transaction(self._sessions) as session:
                user = self._user(session, address, lock=True)
                if require_active and not user.active:
                    raise NotActiveError(f"2FA of {user.address} is not activated")
                if policy_first is not None:
                    # A transaction the policy refuses costs no code: the user can fix it and use the same code.
                    self._check_policy(session, user, policy_first)
                self._verify_code(session, user, code)
                yield session, user
        except WrongCodeError:
            raise self._record_wrong_code(address) from None

    def _verify_code(self, session: Session, user: User, code: str) -> None:
        """Accept `code` for `user` or raise; a wrong code is recorded by the caller after the rollback."""
        now = self.now()
        if user.locked_until > now:
            raise LockedOutError(_locked_message(user.locked_until - now))
        step = totp.matching_step(self._keys.unseal(user.totp_secret_sealed, user.address), code.strip(), now)
        if step is None:
            raise WrongCodeError("wrong code")
        if step <= user.last_totp_step:
            raise CodeReusedError("code already used: wait for the next code of your authenticator app")
        # Compare-and-set: of two requests racing with one code, only one moves the step forward.
        claimed = session.execute(
            update(User)
            .where(User.id == user.id, User.last_totp_step < step)
            .values(last_totp_step=step, failed_attempts=0)
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            raise CodeReusedError("code already used: wait for the next code of your authenticator app")
        session.refresh(user)

    def _record_wrong_code(self, address: str) -> CosignerError:
        """Count a wrong code (in its own transaction, since the request's was rolled back); the error to raise."""
        with transaction(self._sessions) as session:
            user = self._user(session, address, lock=True)
            user.failed_attempts += 1
            if user.failed_attempts >= self.settings.max_wrong_codes:
                user.failed_attempts = 0
                user.locked_until = self.now() + self.settings.lockout_seconds
                return LockedOutError(
                    f"wrong code; {self.settings.max_wrong_codes} wrong codes in a row: "
                    + _locked_message(self.settings.lockout_seconds)
                )
            left = self.settings.max_wrong_codes - user.failed_attempts
            return WrongCodeError(f"wrong code: {left} attempt{'s' if left != 1 else ''} left before a lockout")

    def _accept(self, session: Session, user: User, approval: Approval, body: TxBody) -> ApprovalView:
        """Apply the policy to an authorised approval: refuse, hold until the delay ends, or sign now."""
        policy = self._current_policy(session, user)
        outflow, hold = self._check_policy(session, user, body, policy)
        now = self.now()
        for denom, amount in sorted(outflow.amounts.items()):
            session.add(Spend(user_id=user.id, approval_id=approval.id, denom=denom, amount=str(amount), at=now))
        if hold:
            approval.status = "held"
            approval.release_at = now + policy.delay_seconds
        else:
            self._sign(user, approval)
        session.flush()
        return self._view(user, approval)

    def _check_policy(
        self, session: Session, user: User, body: TxBody, policy: Policy | None = None
    ) -> tuple[Outflow, bool]:
        policy = policy if policy is not None else self._current_policy(session, user)
        try:
            outflow = outflow_of(body)
            return outflow, check_outflow(policy, outflow, self._spent_today(session, user))
        except PolicyError as error:
            raise PolicyRefusedError(str(error)) from None

    def _sign(self, user: User, approval: Approval) -> None:
        body = decode_body(approval.body)
        approval.cosigner_signature = self._keys.user_key(user.id).sign_digest(sign_bytes(body))
        approval.status = "signed"

    def _spent_today(self, session: Session, user: User) -> dict[str, int]:
        since = self.now() - DAY_SECONDS
        spent: dict[str, int] = {}
        for denom, amount in session.execute(
            select(Spend.denom, Spend.amount).where(Spend.user_id == user.id, Spend.at > since)
        ):
            spent[denom] = spent.get(denom, 0) + int(amount)
        return spent

    def _current_policy(self, session: Session, user: User) -> Policy:
        """The policy in force now: a pending loosening whose delay has passed replaces the stored one."""
        now = self.now()
        due = session.scalars(
            select(PendingPolicy)
            .where(PendingPolicy.user_id == user.id, PendingPolicy.effective_at <= now)
            .order_by(PendingPolicy.id)
        ).all()
        for pending in due:
            user.policy_json = pending.policy_json
            session.delete(pending)
        policy = decode_policy(user.policy_json.encode())
        validate_policy(policy)
        return policy

    def _policy_view(self, session: Session, user: User) -> PolicyView:
        policy = self._current_policy(session, user)
        pending = session.scalar(select(PendingPolicy).where(PendingPolicy.user_id == user.id))
        if pending is None:
            return PolicyView(policy, None, 0)
        return PolicyView(policy, decode_policy(pending.policy_json.encode()), pending.effective_at)

    def _new_approval(
        self, session: Session, user: User, body: bytes, signer: bytes, signature: bytes, status: str
    ) -> Approval:
        key = _wallet_key(user.user_pubkey, user.backup_pubkey, user.cosigner_pubkey)
        approval = Approval(
            token=new_token(),
            user_id=user.id,
            body=body,
            user_index=key.pubkeys.index(signer),
            user_signature=signature,
            status=status,
            created_at=self.now(),
        )
        session.add(approval)
        session.flush()
        return approval

    def _view(self, user: User, approval: Approval) -> ApprovalView:
        key = _wallet_key(user.user_pubkey, user.backup_pubkey, user.cosigner_pubkey)
        return ApprovalView(
            token=approval.token,
            address=user.address,
            status=approval.status,
            release_at=approval.release_at,
            cosigner_index=key.pubkeys.index(user.cosigner_pubkey),
            cosigner_signature=approval.cosigner_signature,
            body=approval.body,
        )

    def _require_user_signature(self, user: User, action: str, payload: bytes, signature: bytes) -> None:
        signer = _signer(request_digest(action, user.address, payload), signature)
        if signer not in (user.user_pubkey, user.backup_pubkey):
            raise NotAuthorisedError(f"the {action} request is not signed by this wallet's user or backup key")

    def _require_waiting(self, approval: Approval) -> None:
        if approval.status != "waiting":
            raise StateError(f"the approval is {approval.status}, not waiting for a passkey")
        if approval.created_at + self.settings.ceremony_seconds < self.now():
            approval.status = "expired"
            raise StateError("the approval expired: ask for a new one")

    def _user(self, session: Session, address: str, *, lock: bool = False) -> User:
        query = select(User).where(User.address == address)
        user = session.scalar(query.with_for_update() if lock else query)
        if user is None:
            raise UnknownWalletError(f"no 2FA wallet {address} is enrolled with this cosigner")
        return user

    def _active_user(self, session: Session, address: str) -> User:
        user = self._user(session, address)
        if not user.active:
            raise NotActiveError(f"2FA of {address} is not activated: confirm a first code with `wallet 2fa activate`")
        return user

    def _passkeys(self, session: Session, user: User) -> list[Passkey]:
        return list(session.scalars(select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.id)))

    def _approval(self, session: Session, token: str, *, lock: bool = False) -> tuple[Approval, User]:
        query = select(Approval).where(Approval.token == token)
        approval = session.scalar(query.with_for_update() if lock else query)
        if approval is None:
            raise UnknownWalletError("no approval of that name")
        user = session.get(User, approval.user_id)
        assert user is not None  # a foreign key
        return approval, user

    def _registration(self, session: Session, token: str) -> tuple[Registration, User]:
        registration = session.scalar(select(Registration).where(Registration.token == token))
        if registration is None or registration.done:
            raise UnknownWalletError("no open passkey registration of that name")
        if registration.expires_at < self.now():
            raise StateError("the passkey registration expired: start a new one")
        user = session.get(User, registration.user_id)
        assert user is not None
        return registration, user


def _wallet_key(user_pubkey: bytes, backup_pubkey: bytes, cosigner_pubkey: bytes) -> MultisigPubKey:
    try:
        return two_factor_key(user_pubkey, backup_pubkey, cosigner_pubkey)
    except ProtocolError as error:
        raise BadRequestError(str(error)) from None


def _signer(digest: bytes, signature: bytes) -> bytes:
    try:
        return signer_of(digest, signature)
    except ProtocolError as error:
        raise BadRequestError(str(error)) from None


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _passkey_call(function: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
    try:
        return function(*args, **kwargs)
    except PasskeyError as error:
        raise NotAuthorisedError(str(error)) from None


def _locked_message(seconds_left: int) -> str:
    minutes, seconds = divmod(max(seconds_left, 1), 60)
    return f"2FA is locked for {minutes} min {seconds:02d} s after too many wrong codes"
