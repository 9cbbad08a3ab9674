"""Cosigner test harness: a controllable clock, the service on a throwaway SQLite file or PostgreSQL database,
the user keys of a fixed recovery phrase, and the code an authenticator app would show."""

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import create_engine

from gostaking.chain.codec import decode_tx, sign_bytes
from gostaking.chain.crypto import require_multisig_signed
from gostaking.chain.types.tx import Tx, TxBody
from gostaking.cosigner import totp
from gostaking.cosigner.keys import CosignerKeys
from gostaking.cosigner.passkeys import RelyingParty
from gostaking.cosigner.policy import Policy, encode_policy
from gostaking.cosigner.protocol import encode_body, enrolment_subject, request_digest
from gostaking.cosigner.service import ApprovalView, CosignerService, CosignerSettings, Enrolment, PolicyView
from gostaking.cosigner.store import Base, open_store
from gostaking.wallet.cosigner_client import UserKeys
from gostaking.wallet.hd import seed_from_mnemonic
from gostaking.wallet.keys import PrivateKey
from gostaking.wallet.multisig import UnsignedTx

# The PostgreSQL server fixture is the indexer tests' (one throwaway server per session, or $GOSTAKING_TEST_...).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "indexer"))
from indexer_harness import postgres_url

__all__ = ["postgres_url"]

USER_MNEMONIC = "abandon " * 11 + "about"
"""The BIP-39 test vector phrase: the user's wallet."""
COSIGNER_MNEMONIC = "legal winner thank year wave sausage worth useful legal winner thank yellow"
"""Another BIP-39 test vector phrase: the operator's seed file."""
START = 1_800_000_000
"""The controlled clock's first reading (unix seconds, at the start of a TOTP step)."""


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Cosigner:
    """A service under test and what the test needs around it."""

    service: CosignerService
    clock: Clock
    keys: UserKeys
    url: str

    def enrol(self) -> Enrolment:
        user, backup = self.keys.user.public_key, self.keys.backup.public_key
        signature = self.keys.user.sign_digest(request_digest("enrol", enrolment_subject(user, backup)))
        return self.service.enrol(user, backup, signature)

    def code(self, enrolment: Enrolment, offset_steps: int = 0) -> str:
        """The code the user's app shows now (or `offset_steps` steps away)."""
        secret = enrolment.otpauth_uri.split("secret=")[1].split("&")[0]
        return totp.code_at(secret, self.clock.now + offset_steps * totp.STEP_SECONDS)

    def next_step(self) -> None:
        """Move the clock to the next TOTP step (a new code)."""
        self.clock.advance(totp.STEP_SECONDS)

    def active(self) -> Enrolment:
        """An enrolled and activated wallet; the clock then moves to a fresh step."""
        enrolment = self.enrol()
        self.service.activate(enrolment.address, self.code(enrolment))
        self.next_step()
        return enrolment


def cosign(
    cosigner: Cosigner, enrolment: Enrolment, body: TxBody, code: str | None = None, key: PrivateKey | None = None
) -> ApprovalView:
    """Ask for the cosignature of `body`, signed by the user's key (or `key`), with the code shown now."""
    signer = key or cosigner.keys.user
    return cosigner.service.cosign_with_code(
        enrolment.address, encode_body(body), signer.sign_digest(sign_bytes(body)), code or cosigner.code(enrolment)
    )


def set_policy(cosigner: Cosigner, enrolment: Enrolment, policy: Policy) -> PolicyView:
    """Set the wallet's policy (signed by the user's key, with the code shown now); the clock moves a step on."""
    signature = cosigner.keys.user.sign_digest(request_digest("policy", enrolment.address, encode_policy(policy)))
    view = cosigner.service.set_policy(enrolment.address, encode_policy(policy), cosigner.code(enrolment), signature)
    cosigner.next_step()
    return view


def combined_tx(cosigner: Cosigner, enrolment: Enrolment, body: TxBody, view: ApprovalView) -> tuple[Tx, bytes]:
    """The user's signature and the cosigner's combined into the 2-of-3 transaction, decoded as the chain decodes
    it and its multisig verified (AssertionError or a ChainError otherwise); with its wire bytes."""
    assert view.status == "signed" and view.cosigner_signature is not None
    user_index = enrolment.key.pubkeys.index(cosigner.keys.user.public_key)
    user_signature = cosigner.keys.user.sign_digest(sign_bytes(body))
    signatures = {user_index: user_signature, view.cosigner_index: view.cosigner_signature}
    wire = UnsignedTx(body, enrolment.key, signatures).wire_bytes()
    tx = decode_tx(wire)
    assert tx.multisig is not None
    require_multisig_signed(sign_bytes(tx.body), tx.multisig, enrolment.address)
    return tx, wire


def make_service(
    url: str, clock: Clock, *, origin: str = "http://localhost:8650", chain_id: str = "gostaking-test"
) -> CosignerService:
    party = RelyingParty(rp_id="localhost", name="GoStaking test", origin=origin)
    keys = CosignerKeys(seed_from_mnemonic(COSIGNER_MNEMONIC))
    return CosignerService(open_store(url), keys, CosignerSettings(party, chain_id=chain_id), clock)


def fresh_database(url: str) -> str:
    """`url` with none of the cosigner's tables (they are created again on open)."""
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def cosigner(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cosigner]:
    """The service on SQLite, then on PostgreSQL (skipped when no server can be started)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cosigner.db'}"
    else:
        url = fresh_database(request.getfixturevalue("postgres_url"))
    clock = Clock()
    yield Cosigner(make_service(url, clock), clock, UserKeys.from_seed(seed_from_mnemonic(USER_MNEMONIC)), url)


@contextmanager
def serve_in_thread(app: FastAPI, port: int) -> Iterator[Callable[[], None]]:
    """Serve `app` on 127.0.0.1:`port` (uvicorn in a thread) for the block; yields a function stopping it early."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()

    def stop() -> None:
        server.should_exit = True
        thread.join(10)

    deadline = time.monotonic() + 10
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "the cosigner did not start"
            time.sleep(0.05)
    try:
        yield stop
    finally:
        stop()
