"""The "fingerprint": WebAuthn registration and assertion ceremonies on py_webauthn, with user verification
required (the authenticator checked a fingerprint, face or PIN, not only a touch).

An approval's challenge is the transaction's sign digest followed by 16 random bytes: the assertion then signs
over this very transaction (the browser puts the challenge in clientDataJSON, which the authenticator signs), and
no two ceremonies share a challenge.
"""

import json
import secrets
from dataclasses import dataclass

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

CEREMONY_TIMEOUT_MS = 120_000


class PasskeyError(ValueError):
    """A WebAuthn response does not verify; the message says why."""


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys are for: `rp_id` is the cosigner's host name (`localhost` in tests; WebAuthn refuses IP
    addresses), `origin` the exact origin its pages are served from, and `app_origins` the origins of web apps the
    operator lets call the API (`cosigner serve --cors-origin`), whose pages run the ceremonies themselves (the
    browser writes the page's origin into what the authenticator signs)."""

    rp_id: str
    name: str
    origin: str
    app_origins: tuple[str, ...] = ()

    @property
    def expected_origins(self) -> list[str]:
        """Every origin a ceremony may come from: the cosigner's pages, then the allowed apps'."""
        return [self.origin, *self.app_origins]


@dataclass(frozen=True)
class NewPasskey:
    """A verified registration: what the cosigner stores."""

    credential_id: bytes
    public_key: bytes
    sign_count: int


def approval_challenge(sign_digest: bytes) -> bytes:
    """A fresh challenge bound to the transaction with this sign digest."""
    return sign_digest + secrets.token_bytes(16)


def registration_challenge() -> bytes:
    """A fresh random registration challenge."""
    return secrets.token_bytes(32)


def registration_options(
    party: RelyingParty, user_id: int, user_name: str, challenge: bytes, existing: list[bytes]
) -> str:
    """The JSON options of navigator.credentials.create() for a new passkey of this user."""
    options = generate_registration_options(
        rp_id=party.rp_id,
        rp_name=party.name,
        user_id=str(user_id).encode(),
        user_name=user_name,
        challenge=challenge,
        timeout=CEREMONY_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=credential) for credential in existing],
    )
    return str(options_to_json(options))


def verify_registration(party: RelyingParty, challenge: bytes, credential: str) -> NewPasskey:
    """The passkey of a registration response (the browser's credential as JSON), or PasskeyError."""
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=party.rp_id,
            expected_origin=party.expected_origins,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise PasskeyError(f"the passkey registration does not verify: {error}") from None
    return NewPasskey(bytes(verified.credential_id), bytes(verified.credential_public_key), verified.sign_count)


def authentication_options(party: RelyingParty, challenge: bytes, credentials: list[bytes]) -> str:
    """The JSON options of navigator.credentials.get() for an approval."""
    options = generate_authentication_options(
        rp_id=party.rp_id,
        challenge=challenge,
        timeout=CEREMONY_TIMEOUT_MS,
        allow_credentials=[PublicKeyCredentialDescriptor(id=credential) for credential in credentials],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return str(options_to_json(options))


def verify_assertion(party: RelyingParty, challenge: bytes, credential: str, public_key: bytes, sign_count: int) -> int:
    """The authenticator's new sign counter after a valid assertion, or PasskeyError (wrong challenge, origin or
    key, no user verification, or a counter that did not increase: a cloned authenticator)."""
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=party.rp_id,
            expected_origin=party.expected_origins,
            credential_public_key=public_key,
            credential_current_sign_count=sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise PasskeyError(f"the passkey assertion does not verify: {error}") from None
    return int(verified.new_sign_count)


def credential_id_of(credential: str) -> bytes:
    """The raw credential id named by a browser response (its base64url `rawId`), or PasskeyError."""
    try:
        raw_id = json.loads(credential)["rawId"]
        return bytes(base64url_to_bytes(str(raw_id)))
    except (ValueError, KeyError, TypeError):
        raise PasskeyError("the passkey response has no valid rawId") from None
