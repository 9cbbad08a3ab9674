"""The wallet's side of 2FA: the 2FA wallet's descriptor (public data), and a client of the cosigner's API.

A 2FA wallet is the 2-of-3 multisig of the HD wallet's everyday key (m/44'/118'/0'/0/0), its backup key
(m/44'/118'/1'/0/0, the same seed) and the cosigner's key. Only the two PUBLIC user keys ever reach the cosigner;
every request is authenticated by a user-key signature (protocol.request_digest), and the cosigner's answers are
checked here (its address is recomputed, its signature verified) before anything is stored or sent.

Descriptor file, `<keyring>/twofactor/<name>.json`, version 1 (public keys only):
    {"version": 1, "kind": "gostaking-2fa", "name", "wallet": HD wallet name, "address", "cosigner_url",
     "user_pubkey": hex, "backup_pubkey": hex, "cosigner_pubkey": hex}
The same account is also recorded as a multisig descriptor of that name (wallet/multisig.py), so the generic
offline flow (`tx … --generate-only`, `wallet sign`, `wallet combine`) works on it too.
"""

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from gostaking.chain.codec import sign_bytes
from gostaking.chain.types.tx import MultisigPubKey, TxBody
from gostaking.client.answers import read_answer
from gostaking.cosigner.policy import Policy, encode_policy
from gostaking.cosigner.protocol import (
    ProtocolError,
    decode_body,
    encode_body,
    enrolment_subject,
    request_digest,
    two_factor_address,
    two_factor_key,
)
from gostaking.wallet.descriptors import DescriptorFolder, read_versioned_json
from gostaking.wallet.hd import BACKUP_ACCOUNT, EVERYDAY_ACCOUNT, gos_key
from gostaking.wallet.keys import PrivateKey
from gostaking.wallet.multisig import MultisigError, UnsignedTx

DESCRIPTOR_VERSION = 1
DESCRIPTOR_KIND = "gostaking-2fa"
DIRECTORY_NAME = "twofactor"


class CosignerClientError(Exception):
    """The cosigner refused, did not answer, or answered something wrong; str() is one line for the user."""

    def __init__(self, message: str, error: str | None = None, status: int | None = None) -> None:
        """`error` is the cosigner's error class (e.g. CodeReusedError) and `status` its HTTP status, if any."""
        super().__init__(message)
        self.error = error
        self.status = status


@dataclass(frozen=True)
class UserKeys:
    """The two keys the user holds, both from the wallet's seed."""

    user: PrivateKey
    backup: PrivateKey

    @classmethod
    def from_seed(cls, seed: bytes) -> "UserKeys":
        """The everyday key (account 0) and the backup key (account 1) of a BIP-39 seed."""
        return cls(gos_key(seed, EVERYDAY_ACCOUNT), gos_key(seed, BACKUP_ACCOUNT))


@dataclass(frozen=True)
class TwoFactorWallet:
    """A 2FA wallet's public description, kept in the keyring directory."""

    name: str
    wallet: str
    cosigner_url: str
    user_pubkey: bytes
    backup_pubkey: bytes
    cosigner_pubkey: bytes

    @property
    def key(self) -> MultisigPubKey:
        """The 2-of-3 key."""
        return two_factor_key(self.user_pubkey, self.backup_pubkey, self.cosigner_pubkey)

    @property
    def address(self) -> str:
        """The gos1… address of the 2-of-3 account."""
        return two_factor_address(self.key)

    def index_of(self, pubkey: bytes) -> int:
        """The position of `pubkey` in the 2-of-3 key."""
        return self.key.pubkeys.index(pubkey)

    def to_json(self) -> dict[str, Any]:
        """The descriptor file's content."""
        return {
            "version": DESCRIPTOR_VERSION,
            "kind": DESCRIPTOR_KIND,
            "name": self.name,
            "wallet": self.wallet,
            "address": self.address,
            "cosigner_url": self.cosigner_url,
            "user_pubkey": self.user_pubkey.hex(),
            "backup_pubkey": self.backup_pubkey.hex(),
            "cosigner_pubkey": self.cosigner_pubkey.hex(),
        }


class TwoFactorStore(DescriptorFolder):
    """The 2FA wallet descriptors of one keyring directory."""

    def __init__(self, keyring_directory: Path) -> None:
        """Descriptors under `<keyring_directory>/twofactor/`."""
        super().__init__(keyring_directory, DIRECTORY_NAME)

    def add(self, wallet: TwoFactorWallet) -> None:
        """Store a new descriptor; CosignerClientError if the name is taken."""
        try:
            self.create(wallet.name, wallet.to_json())
        except FileExistsError:
            raise CosignerClientError(
                f"a 2FA wallet named {wallet.name!r} already exists in {self.directory}"
            ) from None

    def show(self, name: str) -> TwoFactorWallet:
        """The descriptor `name`; CosignerClientError if missing, damaged or edited (its address must match)."""
        path = self.path(name)
        document = read_versioned_json(
            path,
            DESCRIPTOR_KIND,
            DESCRIPTOR_VERSION,
            CosignerClientError,
            missing=f"no 2FA wallet named {name!r}: create it with `wallet 2fa create`",
            unreadable=f"cannot read 2FA wallet file {path}",
            other_kind=f"{path} is not a 2FA wallet file",
        )
        try:
            wallet = TwoFactorWallet(
                name=str(document["name"]),
                wallet=str(document["wallet"]),
                cosigner_url=str(document["cosigner_url"]),
                user_pubkey=bytes.fromhex(document["user_pubkey"]),
                backup_pubkey=bytes.fromhex(document["backup_pubkey"]),
                cosigner_pubkey=bytes.fromhex(document["cosigner_pubkey"]),
            )
            address = wallet.address
        except (KeyError, TypeError, ValueError) as error:
            raise CosignerClientError(f"2FA wallet file {path} is damaged: {error}") from None
        if address != document.get("address"):
            raise CosignerClientError(
                f"2FA wallet file {path} names address {document.get('address')}, its keys {address}"
            )
        return wallet


@dataclass(frozen=True)
class Enrolled:
    """The cosigner's answer to an enrolment, checked: its key, the 2-of-3 address and the TOTP URI."""

    cosigner_pubkey: bytes
    address: str
    otpauth_uri: str
    qr_svg: str


@dataclass(frozen=True)
class Approval:
    """Where a request to co-sign stands (`signed`, `held`, `waiting`, `cancelled`, `expired`)."""

    token: str
    status: str
    release_at: int
    cosigner_index: int
    cosigner_signature: bytes | None
    page: str


class CosignerClient:
    """A client of one cosigner's API."""

    def __init__(self, url: str, *, timeout_s: float = 15.0, http: httpx.Client | None = None) -> None:
        """A client of the cosigner at `url` (http:// or https://); tests may pass their own `http`."""
        if http is None and not url.startswith(("http://", "https://")):
            raise CosignerClientError(f"the cosigner URL must start with http:// or https://, got {url!r}")
        self.url = url.rstrip("/")
        self._http = http if http is not None else httpx.Client(base_url=self.url, timeout=timeout_s)

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def enrol(self, keys: UserKeys) -> Enrolled:
        """Enrol the two user keys; the cosigner's key and address are checked against each other."""
        user, backup = keys.user.public_key, keys.backup.public_key
        digest = request_digest("enrol", enrolment_subject(user, backup))
        answer = self._call(
            "POST",
            "/v1/enrol",
            {
                "user_pubkey": user.hex(),
                "backup_pubkey": backup.hex(),
                "signature": keys.user.sign_digest(digest).hex(),
            },
        )
        try:
            cosigner_pubkey = bytes.fromhex(answer["cosigner_pubkey"])
            address = two_factor_address(two_factor_key(user, backup, cosigner_pubkey))
        except (KeyError, TypeError, ValueError, ProtocolError) as error:
            raise CosignerClientError(f"the cosigner's enrolment answer is unusable: {error}") from None
        if answer.get("address") != address:
            raise CosignerClientError(
                f"the cosigner says the 2FA address is {answer.get('address')}, but the keys make {address}: refused"
            )
        return Enrolled(cosigner_pubkey, address, str(answer["otpauth_uri"]), str(answer.get("qr_svg", "")))

    def activate(self, address: str, code: str) -> None:
        """Turn 2FA on with the first code of the authenticator app."""
        self._call("POST", f"/v1/wallets/{address}/activate", {"code": code})

    def status(self, address: str) -> dict[str, Any]:
        """The cosigner's public record of the wallet (keys, active, passkeys, lockout)."""
        answer: dict[str, Any] = self._call("GET", f"/v1/wallets/{address}")
        return answer

    def cosign(self, wallet: TwoFactorWallet, body: TxBody, user_signature: bytes, code: str) -> Approval:
        """Ask the cosigner to sign `body` (which the user or backup key signed) after `code`; it answers `signed`
        or `held` (policy delay)."""
        request = self._cosign_request(body, user_signature)
        return self._approval(
            wallet, body, self._call("POST", f"/v1/wallets/{wallet.address}/cosign", {**request, "code": code})
        )

    def request_passkey_approval(self, wallet: TwoFactorWallet, body: TxBody, user_signature: bytes) -> Approval:
        """Open a passkey approval of `body`: the user approves it on the cosigner's page (`page`)."""
        request = self._cosign_request(body, user_signature)
        return self._approval(wallet, body, self._call("POST", f"/v1/wallets/{wallet.address}/approvals", request))

    def approval(self, wallet: TwoFactorWallet, body: TxBody, token: str) -> Approval:
        """An approval's state (a held one is signed by the cosigner once its delay has passed)."""
        return self._approval(wallet, body, self._call("GET", f"/v1/approvals/{token}"))

    def wait_for_approval(
        self, wallet: TwoFactorWallet, body: TxBody, token: str, timeout_s: float, poll_s: float = 1.0
    ) -> Approval:
        """Poll a waiting (passkey) approval until it is no longer waiting, or until `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while True:
            approval = self.approval(wallet, body, token)
            if approval.status != "waiting" or time.monotonic() >= deadline:
                return approval
            time.sleep(poll_s)

    def cancel(self, address: str, token: str, signer: PrivateKey) -> str:
        """Cancel a held or waiting approval; returns its new status."""
        signature = signer.sign_digest(request_digest("cancel", address, token.encode()))
        return str(self._call("POST", f"/v1/approvals/{token}/cancel", {"signature": signature.hex()})["status"])

    def policy(self, address: str) -> dict[str, Any]:
        """The policy in force and any pending loosening (`pending`, `pending_effective_at`)."""
        answer: dict[str, Any] = self._call("GET", f"/v1/wallets/{address}/policy")
        return answer

    def set_policy(self, address: str, policy: Policy, code: str, signer: PrivateKey) -> dict[str, Any]:
        """Change the policy (a loosening waits the current delay)."""
        canonical = encode_policy(policy)
        signature = signer.sign_digest(request_digest("policy", address, canonical))
        request = {"policy": json.loads(canonical), "code": code, "signature": signature.hex()}
        answer: dict[str, Any] = self._call("PUT", f"/v1/wallets/{address}/policy", request)
        return answer

    def begin_passkey_registration(self, address: str, code: str, signer: PrivateKey) -> str:
        """Open a passkey registration; returns the full URL of the page to open in a browser."""
        signature = signer.sign_digest(request_digest("passkey", address))
        answer = self._call("POST", f"/v1/wallets/{address}/passkeys", {"code": code, "signature": signature.hex()})
        return f"{self.url}{answer['page']}"

    def held_body(self, wallet: TwoFactorWallet, token: str) -> TxBody:
        """The transaction body of an approval (e.g. a held one, to release it), checked to be this wallet's."""
        answer = self._call("GET", f"/v1/approvals/{token}")
        try:
            body = decode_body(bytes.fromhex(str(answer["body"])))
        except (KeyError, ValueError) as error:
            raise CosignerClientError(f"the cosigner's approval is unusable: {error}") from None
        if body.sender != wallet.address:
            raise CosignerClientError(f"approval {token} is not of 2FA wallet {wallet.name!r}")
        return body

    def _cosign_request(self, body: TxBody, user_signature: bytes) -> dict[str, str]:
        return {"body": encode_body(body).hex(), "user_signature": user_signature.hex()}

    def _approval(self, wallet: TwoFactorWallet, body: TxBody, answer: dict[str, Any]) -> Approval:
        try:
            signature = bytes.fromhex(answer["cosigner_signature"]) if answer.get("cosigner_signature") else None
            approval = Approval(
                token=str(answer["token"]),
                status=str(answer["status"]),
                release_at=int(answer["release_at"]),
                cosigner_index=int(answer["cosigner_index"]),
                cosigner_signature=signature,
                page=f"{self.url}{answer['page']}",
            )
        except (KeyError, TypeError, ValueError) as error:
            raise CosignerClientError(f"the cosigner's answer is unusable: {error}") from None
        if approval.cosigner_index != wallet.index_of(wallet.cosigner_pubkey):
            raise CosignerClientError("the cosigner named a key position that is not its own")
        if bytes.fromhex(str(answer.get("body", ""))) != encode_body(body):
            raise CosignerClientError("the cosigner's approval is for another transaction")
        return approval

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.HTTPError as error:
            raise CosignerClientError(f"cannot reach the cosigner at {self.url}: {error}") from None
        document, refusal = read_answer(response)
        if document is not None:
            return document
        if refusal is not None:
            raise CosignerClientError(
                f"cosigner: {refusal['message']}", error=str(refusal.get("error")), status=response.status_code
            )
        raise CosignerClientError(f"cosigner: {method} {path} failed with HTTP {response.status_code}")


def with_cosigner_signature(unsigned: UnsignedTx, approval: Approval) -> UnsignedTx:
    """`unsigned` (holding the user's signature) completed with the cosigner's, checked like any signature."""
    if approval.status != "signed" or approval.cosigner_signature is None:
        raise CosignerClientError(f"the cosigner has not signed yet (status: {approval.status})")
    signatures = {**unsigned.signatures, approval.cosigner_index: approval.cosigner_signature}
    try:
        return UnsignedTx(unsigned.body, unsigned.key, signatures)
    except MultisigError as error:
        raise CosignerClientError(f"the cosigner's signature does not verify: {error}") from None


def user_keys_of(wallet: TwoFactorWallet, seed: bytes) -> UserKeys:
    """The user and backup keys of `seed`, checked to be this 2FA wallet's (CosignerClientError if not)."""
    keys = UserKeys.from_seed(seed)
    if (keys.user.public_key, keys.backup.public_key) != (wallet.user_pubkey, wallet.backup_pubkey):
        raise CosignerClientError(
            f"the seed of wallet {wallet.wallet!r} does not make the keys of 2FA wallet {wallet.name!r}"
        )
    return keys


def signed_by_user(wallet: TwoFactorWallet, unsigned: UnsignedTx, keys: UserKeys) -> UnsignedTx:
    """`unsigned` with the user key's signature (CosignerClientError if it is not this wallet's transaction)."""
    if unsigned.key != wallet.key:
        raise CosignerClientError(f"the transaction is not from 2FA wallet {wallet.name!r} ({wallet.address})")
    signature = keys.user.sign_digest(sign_bytes(unsigned.body))
    return UnsignedTx(
        unsigned.body, unsigned.key, {**unsigned.signatures, wallet.index_of(wallet.user_pubkey): signature}
    )


def signed_for_recovery(wallet: TwoFactorWallet, unsigned: UnsignedTx, keys: UserKeys) -> UnsignedTx:
    """`unsigned` signed by the user and the backup key: complete without the cosigner (leaving it, or when it is
    gone). Both keys come from the seed, so the recovery phrase alone moves the funds."""
    with_user = signed_by_user(wallet, unsigned, keys)
    backup = keys.backup.sign_digest(sign_bytes(unsigned.body))
    signatures = {
        wallet.index_of(wallet.user_pubkey): with_user.signatures[wallet.index_of(wallet.user_pubkey)],
        wallet.index_of(wallet.backup_pubkey): backup,
    }
    return UnsignedTx(unsigned.body, unsigned.key, signatures)
