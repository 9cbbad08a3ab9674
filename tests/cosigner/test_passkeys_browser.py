"""The "fingerprint": passkey registration and transaction approval on the cosigner's own page, in chromium driven
by Playwright with a CDP virtual authenticator (ctap2, internal, user verification). Also: an assertion is bound
to its transaction (it does not approve another one) and cannot be used twice, and an authenticator that did not
verify the user approves nothing."""

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cosigner_harness import USER_MNEMONIC, Clock, Cosigner, make_service, serve_in_thread

from gostaking.chain.codec import decode_tx, sign_bytes
from gostaking.chain.crypto import require_multisig_signed
from gostaking.chain.types.tx import MsgSendCoins, TxBody
from gostaking.cosigner.app import create_app
from gostaking.cosigner.service import Enrolment
from gostaking.wallet.cosigner_client import (
    CosignerClient,
    CosignerClientError,
    TwoFactorWallet,
    UserKeys,
    signed_by_user,
    with_cosigner_signature,
)
from gostaking.wallet.hd import seed_from_mnemonic
from gostaking.wallet.keys import PrivateKey
from gostaking.wallet.multisig import UnsignedTx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "explorer"))
from explorer_harness import CHROMIUM, CHROMIUM_ARGS

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
from free_ports import free_port
from playwright.sync_api import Browser, CDPSession, Page, Request, Route, sync_playwright

BOB = PrivateKey.from_hex("11" * 32).address


@dataclass
class Served:
    cosigner: Cosigner
    client: CosignerClient
    wallet: TwoFactorWallet
    enrolment: Enrolment
    url: str


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A cosigner on http://localhost:<port> (a secure context; WebAuthn refuses IP addresses) with one active
    2FA wallet."""
    port = free_port()
    url = f"http://localhost:{port}"
    clock = Clock()
    service = make_service(f"sqlite:///{tmp_path / 'cosigner.db'}", clock, origin=url)
    cosigner = Cosigner(service, clock, UserKeys.from_seed(seed_from_mnemonic(USER_MNEMONIC)), "")
    with serve_in_thread(create_app(service), port):
        client = CosignerClient(url)
        enrolment = cosigner.active()
        wallet = TwoFactorWallet(
            "passkey",
            "main",
            url,
            cosigner.keys.user.public_key,
            cosigner.keys.backup.public_key,
            enrolment.cosigner_pubkey,
        )
        try:
            yield Served(cosigner, client, wallet, enrolment, url)
        finally:
            client.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, CDPSession, str]]:
    """A page with a virtual platform authenticator that verifies the user; also its CDP authenticator id."""
    context = browser.new_context()
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    cdp = context.new_cdp_session(tab)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]
    try:
        yield tab, cdp, authenticator
    finally:
        context.close()


def register_passkey(served: Served, tab: Page) -> None:
    cosigner = served.cosigner
    code = cosigner.code(served.enrolment)
    registration_page = served.client.begin_passkey_registration(served.wallet.address, code, cosigner.keys.user)
    cosigner.next_step()
    tab.goto(registration_page)
    tab.get_by_role("button", name="Add passkey").click()
    tab.wait_for_selector("#status:has-text('Passkey registered')")
    assert served.client.status(served.wallet.address)["passkeys"] == 1


def user_signed(served: Served, body: TxBody) -> UnsignedTx:
    return signed_by_user(served.wallet, UnsignedTx(body, served.wallet.key), served.cosigner.keys)


def test_register_a_passkey_and_approve_a_send_with_it(served: Served, page: tuple[Page, CDPSession, str]) -> None:
    tab, _, _ = page
    register_passkey(served, tab)
    body = TxBody("gostaking-test", served.wallet.address, 0, 1_000, [MsgSendCoins(BOB, "ugos", 3_000_000)])
    unsigned = user_signed(served, body)
    user_signature = unsigned.signatures[served.wallet.index_of(served.wallet.user_pubkey)]
    approval = served.client.request_passkey_approval(served.wallet, body, user_signature)
    assert approval.status == "waiting" and approval.cosigner_signature is None

    tab.goto(approval.page)
    tab.wait_for_selector(f"#details:has-text('{BOB}')")  # the page shows what is approved
    tab.get_by_role("button", name="Approve with your passkey").click()
    tab.wait_for_selector("#status:has-text('the transaction is co-signed')")

    signed = served.client.approval(served.wallet, body, approval.token)
    tx = decode_tx(with_cosigner_signature(unsigned, signed).wire_bytes())
    assert tx.multisig is not None
    require_multisig_signed(sign_bytes(body), tx.multisig, served.wallet.address)


def test_an_assertion_approves_only_its_own_transaction_once(
    served: Served, page: tuple[Page, CDPSession, str]
) -> None:
    tab, _, _ = page
    register_passkey(served, tab)
    first = TxBody("gostaking-test", served.wallet.address, 0, 1_000, [MsgSendCoins(BOB, "ugos", 1)])
    second = TxBody("gostaking-test", served.wallet.address, 0, 1_000, [MsgSendCoins(BOB, "ugos", 900_000_000)])
    index = served.wallet.index_of(served.wallet.user_pubkey)
    approvals = [
        served.client.request_passkey_approval(served.wallet, body, user_signed(served, body).signatures[index])
        for body in (first, second)
    ]
    captured: list[str] = []

    def capture(route: Route, request: Request) -> None:
        captured.append(request.post_data or "")
        route.abort()

    tab.route("**/assertion", capture)
    tab.goto(approvals[0].page)
    tab.get_by_role("button", name="Approve with your passkey").click()
    tab.wait_for_selector("#status.error")
    assert len(captured) == 1

    # The first transaction's assertion does not approve the second (its challenge is the first one's digest).
    refused = httpx.post(f"{served.url}/v1/approvals/{approvals[1].token}/assertion", content=captured[0])
    assert refused.status_code == 403 and "does not verify" in refused.json()["message"]
    assert served.client.approval(served.wallet, second, approvals[1].token).status == "waiting"
    # It approves its own transaction, once.
    accepted = httpx.post(f"{served.url}/v1/approvals/{approvals[0].token}/assertion", content=captured[0])
    assert accepted.status_code == 200 and accepted.json()["status"] == "signed"
    replayed = httpx.post(f"{served.url}/v1/approvals/{approvals[0].token}/assertion", content=captured[0])
    assert replayed.status_code == 409 and "not waiting" in replayed.json()["message"]


def test_no_approval_without_user_verification(served: Served, page: tuple[Page, CDPSession, str]) -> None:
    tab, cdp, authenticator = page
    register_passkey(served, tab)
    cdp.send("WebAuthn.setUserVerified", {"authenticatorId": authenticator, "isUserVerified": False})
    body = TxBody("gostaking-test", served.wallet.address, 0, 1_000, [MsgSendCoins(BOB, "ugos", 1)])
    index = served.wallet.index_of(served.wallet.user_pubkey)
    approval = served.client.request_passkey_approval(served.wallet, body, user_signed(served, body).signatures[index])

    # The browser itself refuses: the cosigner asks for user verification.
    tab.goto(approval.page)
    tab.get_by_role("button", name="Approve with your passkey").click()
    tab.wait_for_selector("#status.error")

    # A page that asks for less (tampered options) gets an assertion without it, which the cosigner refuses.
    def discourage(route: Route) -> None:
        options = route.fetch().json()
        route.fulfill(json={**options, "userVerification": "discouraged"})

    tab.route("**/v1/approvals/*/options", discourage)
    tab.goto(approval.page)
    tab.get_by_role("button", name="Approve with your passkey").click()
    tab.wait_for_selector("#status.error:has-text('does not verify')")
    assert "user verification" in (tab.text_content("#status") or "").lower()
    assert served.client.approval(served.wallet, body, approval.token).status == "waiting"


def test_a_passkey_approval_expires(served: Served, page: tuple[Page, CDPSession, str]) -> None:
    tab, _, _ = page
    body = TxBody("gostaking-test", served.wallet.address, 0, 1_000, [MsgSendCoins(BOB, "ugos", 1)])
    index = served.wallet.index_of(served.wallet.user_pubkey)
    signature = user_signed(served, body).signatures[index]
    with pytest.raises(CosignerClientError, match="this wallet has no passkey"):
        served.client.request_passkey_approval(served.wallet, body, signature)
    register_passkey(served, tab)
    approval = served.client.request_passkey_approval(served.wallet, body, signature)
    served.cosigner.clock.advance(301)
    assert served.client.approval(served.wallet, body, approval.token).status == "expired"
    tab.goto(approval.page)
    tab.get_by_role("button", name="Approve with your passkey").click()
    tab.wait_for_selector("#status.error:has-text('not waiting for a passkey')")


def test_a_cloned_authenticator_is_refused(served: Served, page: tuple[Page, CDPSession, str]) -> None:
    tab, cdp, authenticator = page
    register_passkey(served, tab)
    index = served.wallet.index_of(served.wallet.user_pubkey)

    def approve(amount: int, expect: str) -> str:
        body = TxBody("gostaking-test", served.wallet.address, 0, 1_000, [MsgSendCoins(BOB, "ugos", amount)])
        signature = user_signed(served, body).signatures[index]
        approval = served.client.request_passkey_approval(served.wallet, body, signature)
        tab.goto(approval.page)
        tab.get_by_role("button", name="Approve with your passkey").click()
        tab.wait_for_selector(f"#status:has-text('{expect}')")
        return served.client.approval(served.wallet, body, approval.token).status

    assert approve(1, "the transaction is co-signed") == "signed"
    assert approve(2, "the transaction is co-signed") == "signed"
    # A copy of the credential whose counter is behind the cosigner's record (a cloned key) is refused.
    (credential,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert credential["signCount"] >= 2
    cdp.send(
        "WebAuthn.removeCredential", {"authenticatorId": authenticator, "credentialId": credential["credentialId"]}
    )
    cdp.send("WebAuthn.addCredential", {"authenticatorId": authenticator, "credential": {**credential, "signCount": 0}})
    assert approve(3, "does not verify") == "waiting"
    assert "sign count" in (tab.text_content("#status") or "")
