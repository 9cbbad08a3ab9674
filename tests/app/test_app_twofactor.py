"""The app's 2FA page in Debian's chromium against a devnet and a real `gostaking cosigner serve` (its own process and
origin, the app's origin allowed by --cors-origin): a user creates a wallet, gets test funds, enrols with the
cosigner, activates with a code, funds the 2FA address, sends with a TOTP code, registers a passkey with chromium's
virtual authenticator and sends with it, tightens the policy, and sees a large send held (then cancelled), a send
over the daily limit refused, a wrong code refused, and a stopped cosigner reported. With a cosigner whose clock the
test moves: a held send released a day later, and five wrong codes locking 2FA. Every 2-of-3 transaction is built and
signed in the browser and accepted by the chain."""

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
import pytest
from app_harness import PHONE, NewPage
from app_pages import act, assert_controls_named, assert_fits_width, go, screenshot
from explorer_harness import REPO, DevnetProcess, wait_until
from free_ports import free_port
from playwright.sync_api import Locator, Page, expect
from test_app_liquid import funded_wallet

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cosigner"))
from cosigner_harness import Clock, make_service, serve_in_thread

from gostaking.cosigner.app import create_app
from gostaking.cosigner.protocol import two_factor_address, two_factor_key
from gostaking.cosigner.totp import STEP_SECONDS, WINDOW_STEPS
from gostaking.wallet.cosigner_client import UserKeys
from gostaking.wallet.hd import seed_from_mnemonic

GOS = 10**6
OUTCOME_TIMEOUT_MS = 30_000


@dataclass
class CosignerProcess:
    url: str
    process: "subprocess.Popen[bytes]"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def localhost(url: str) -> str:
    """The same origin named `localhost` (WebAuthn's relying party id; it refuses IP addresses)."""
    return url.replace("127.0.0.1", "localhost")


@pytest.fixture
def cosigner(devnet: DevnetProcess, tmp_path: Path) -> Iterator[CosignerProcess]:
    """`gostaking cosigner init` and `serve` as an operator runs them, for this devnet's chain and the app's origin."""
    seed_file = tmp_path / "cosigner.seed"
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    gostaking = [sys.executable, "-m", "gostaking", "cosigner"]
    subprocess.run([*gostaking, "init", "--seed-file", str(seed_file)], env=env, check=True, capture_output=True)
    port = free_port()
    command = [*gostaking, "serve", "--seed-file", str(seed_file), "--db", f"sqlite:///{tmp_path / 'cosigner.db'}",
               "--port", str(port), "--rp-id", "localhost", "--chain-id", devnet.get("/status")["chain_id"],
               "--cors-origin", localhost(devnet.url)]  # fmt: skip
    log = (tmp_path / "cosigner.log").open("wb")
    served = CosignerProcess(f"http://localhost:{port}", subprocess.Popen(command, env=env, stdout=log, stderr=log))

    def answering() -> bool:
        assert served.process.poll() is None, (tmp_path / "cosigner.log").read_text()
        try:
            return httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(answering, "the cosigner to answer", 30)
        yield served
    finally:
        served.stop()
        log.close()


SUBMIT_MARGIN_S = 10
"""A code is handed out only if the cosigner still accepts its step this long from now (the browser's round trip)."""


class Authenticator:
    """The phone's authenticator app: the code of each 30-second step of `now` (the cosigner's time), each step used
    once (the cosigner refuses a code of a step it has accepted). It hands out the earliest step the cosigner accepts
    (WINDOW_STEPS before now: a code typed just as it changed), so that four codes wait for one step boundary rather
    than two (unless the first comes in its step's last SUBMIT_MARGIN_S), and waits for the next step when the usable
    ones (before, now and next) are spent."""

    def __init__(
        self, otpauth_uri: str, now: Callable[[], float] = time.time, submitted_within_s: float = SUBMIT_MARGIN_S
    ) -> None:
        """`submitted_within_s`: how much later, on the cosigner's clock, a code handed out now reaches it."""
        self.totp = pyotp.TOTP(parse_qs(urlsplit(otpauth_uri).query)["secret"][0])
        self.now = now
        self.submitted_within_s = submitted_within_s
        self.last_step = -1

    def step(self, later_s: float = 0) -> int:
        return int(self.now() + later_s) // STEP_SECONDS

    def code(self) -> str:
        step = max(self.last_step + 1, self.step(self.submitted_within_s) - WINDOW_STEPS)
        while step > self.step() + WINDOW_STEPS:
            time.sleep(0.2)
        self.last_step = step
        return str(self.totp.at(step * STEP_SECONDS))

    def wrong_code(self) -> str:
        valid = {self.totp.at(step * STEP_SECONDS) for step in range(self.step() - 2, self.step() + 3)}
        return next(code for code in ("000000", "111111", "222222") if code not in valid)


def part_of(page: Page, title: str) -> Locator:
    """The page's section headed `title`."""
    return page.locator("main .page section").filter(has=page.get_by_role("heading", name=title, exact=True))


def outcome_of(page: Page, title: str) -> Locator:
    return part_of(page, title).locator(".outcome")


def code_field(page: Page, title: str) -> Locator:
    return part_of(page, title).get_by_label("Authenticator code")


def click_and_wait(page: Page, button: str, part: str, state: str) -> str:
    """Click `button` in the section headed `part`; the outcome's text once it has `state` (ok, error, held)."""
    outcome = outcome_of(page, part)
    page.get_by_role("button", name=button, exact=True).click()
    expect(outcome).to_have_attribute("data-state", re.compile("ok|error|held"), timeout=OUTCOME_TIMEOUT_MS)
    assert outcome.get_attribute("data-state") == state, outcome.inner_text()
    return outcome.inner_text()


def send_form(page: Page, recipient: str, amount: str, code: str = "") -> None:
    page.get_by_role("textbox", name="Recipient (gos1…)").fill(recipient)
    page.get_by_role("textbox", name="Amount").fill(amount)
    code_field(page, "Send from the 2FA account").fill(code)


def enrol(page: Page, cosigner_url: str) -> tuple[str, str]:
    """Enrol on the 2FA page with the cosigner at `cosigner_url`: the otpauth URI shown and the 2FA address."""
    go(page, "2FA")
    page.get_by_role("textbox", name="Cosigner URL").fill(cosigner_url)
    click_and_wait(page, "Enrol with the cosigner", "Cosigner", "ok")
    otpauth_uri = page.get_by_role("textbox", name="Authenticator URI").input_value()
    assert otpauth_uri.startswith("otpauth://totp/")
    return otpauth_uri, page.locator("[data-twofactor-address]").inner_text().strip()


def fund(page: Page, address: str, gos: str) -> None:
    """Send `gos` GOS from the wallet to `address` on the Send page (like any address), back to the 2FA page."""
    go(page, "Send")
    page.get_by_role("textbox", name="Recipient (gos1…)").fill(address)
    page.get_by_role("textbox", name="Amount").fill(gos)
    act(page, "Send")
    go(page, "2FA")
    expect(page.locator("main .balance")).to_have_text(f"Balance: {gos} GOS")


def free_ugos(devnet: DevnetProcess, address: str) -> int:
    return int(devnet.get(f"/accounts/{address}")["gos"]["ugos"])


def test_enrol_activate_send_with_code_and_passkey_policy_and_refusals(
    new_page: NewPage, devnet: DevnetProcess, cosigner: CosignerProcess, artifacts: Path
) -> None:
    page = new_page(base_url=localhost(devnet.url))
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
               "isUserVerified": True}  # fmt: skip
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]

    mnemonic, address = funded_wallet(page)
    keys = UserKeys.from_seed(seed_from_mnemonic(mnemonic))

    # Enrol: the cosigner URL is remembered, the QR code is an image (another service's markup, never inserted).
    go(page, "2FA")
    assert_controls_named(page)
    screenshot(page, artifacts, "2fa-setup")
    otpauth_uri, two_factor = enrol(page, cosigner.url)
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    assert (qr.get_attribute("src") or "").startswith("data:image/svg+xml;base64,")
    assert page.locator("main svg").count() == 0
    phone = Authenticator(otpauth_uri)
    cosigner_pubkey = bytes.fromhex(httpx.get(f"{cosigner.url}/v1/wallets/{two_factor}").json()["pubkeys"]["cosigner"])
    # The browser's 2-of-3 account is the Python wallet's: user key, backup key (same phrase), cosigner key.
    wallet_key = two_factor_key(keys.user.public_key, keys.backup.public_key, cosigner_pubkey)
    assert two_factor == two_factor_address(wallet_key)
    screenshot(page, artifacts, "2fa-enrolled")

    # Activate: a wrong code first (refused, counted), then the app's code.
    activate_code = code_field(page, "Activate")
    activate_code.fill(phone.wrong_code())
    refused = click_and_wait(page, "Activate 2FA", "Activate", "error")
    assert refused == "The cosigner refused: wrong code: 4 attempts left before a lockout"
    activate_code.fill(phone.code())
    click_and_wait(page, "Activate 2FA", "Activate", "ok")
    expect(page.locator(".twofactor-status")).to_contain_text("2FA is active")

    # Fund the 2FA address from the wallet, like any address.
    fund(page, two_factor, "12")
    expect(page.locator("main .fee").first).to_contain_text("Fee: 0.001 GOS")

    # Send with a code: signed here by the user key, co-signed after the code, one 2-of-3 transaction on chain.
    before = free_ugos(devnet, address)
    send_form(page, address, "1.5", phone.code())
    sent = act(page, "Send with code", "Send from the 2FA account")
    tx = devnet.get(f"/txs/{sent}")
    assert tx["code"] == 0 and tx["sender"] == two_factor
    assert free_ugos(devnet, address) - before == 1_500_000
    screenshot(page, artifacts, "2fa-sent-with-code")

    # A passkey ("fingerprint"): registered after a code, then approving a send without one.
    code_field(page, "Passkeys").fill(phone.code())
    added = click_and_wait(page, "Register a passkey", "Passkeys", "ok")
    assert added == "Passkey registered: this account has 1."
    expect(page.locator(".twofactor-status")).to_contain_text("Passkeys: 1")
    send_form(page, address, "1")
    sent = act(page, "Send with passkey", "Send from the 2FA account")
    assert devnet.get(f"/txs/{sent}")["sender"] == two_factor
    (credential,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert credential["signCount"] >= 1 and credential["rpId"] == "localhost"

    # Policy: at most 8 GOS a day, anything above 2 GOS held (a tightening: it applies at once).
    page.get_by_role("textbox", name="Daily limit (GOS)").fill("8")
    page.get_by_role("textbox", name="Hold transactions above (GOS)").fill("2")
    code_field(page, "Policy").fill(phone.code())
    assert click_and_wait(page, "Save policy", "Policy", "ok") == "Policy saved: it applies now."
    expect(page.locator(".policy")).to_contain_text("Daily limit: 8 GOS")
    expect(page.locator(".policy")).to_contain_text("Held above: 2 GOS, for 1 day")
    screenshot(page, artifacts, "2fa-policy")

    # Above the threshold: held until the delay ends (the 24 hours of a new policy), nothing broadcast.
    sequence = devnet.get(f"/accounts/{two_factor}")["next_sequence"]
    send_form(page, address, "3")
    held = click_and_wait(page, "Send with passkey", "Send from the 2FA account", "held")
    assert held.startswith("Held by your policy until ")
    row = page.locator("table.held tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"3 GOS → {address}")
    row.get_by_role("button", name="Release").click()
    held_outcome = outcome_of(page, "Held transactions")
    expect(held_outcome).to_have_attribute("data-state", "error")
    expect(held_outcome).to_contain_text("Still held by your policy until ")
    screenshot(page, artifacts, "2fa-held")

    # Over the daily limit (2.5 GOS sent, 3 held, 3 more would pass 8): refused, with the numbers.
    send_form(page, address, "3")
    refused = click_and_wait(page, "Send with passkey", "Send from the 2FA account", "error")
    assert refused.startswith("The cosigner refused: daily limit of 8000000 ugos exceeded")
    # A wrong code is refused too, and nothing was sent by any of these.
    send_form(page, address, "0.5", phone.wrong_code())
    refused = click_and_wait(page, "Send with code", "Send from the 2FA account", "error")
    assert refused == "The cosigner refused: wrong code: 4 attempts left before a lockout"
    assert devnet.get(f"/accounts/{two_factor}")["next_sequence"] == sequence

    # Cancelled: the held send stops counting.
    row.get_by_role("button", name="Cancel").click()
    expect(held_outcome).to_have_text(
        "The held transaction is cancelled; it no longer counts against your daily limit."
    )
    expect(page.locator("table.held tbody tr")).to_have_count(0)

    page.set_viewport_size(PHONE)
    assert_fits_width(page)
    screenshot(page, artifacts, "2fa-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The cosigner stopped: said so, on the page and on an action.
    cosigner.stop()
    expect(page.locator(".twofactor-status")).to_contain_text("Cannot reach the cosigner")
    send_form(page, address, "0.5", "123456")  # any code: nobody is there to check it
    down = click_and_wait(page, "Send with code", "Send from the 2FA account", "error")
    assert down.startswith("Cannot reach the cosigner")
    screenshot(page, artifacts, "2fa-cosigner-down")

    # In Chinese: every text of the page translated.
    page.get_by_role("banner").get_by_role("combobox", name="Language").select_option("zh-CN")
    expect(page.get_by_role("heading", name="双重验证（2FA）账户", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="用通行密钥发送")).to_be_visible()
    assert_controls_named(page)
    screenshot(page, artifacts, "2fa-zh")


@pytest.fixture
def cosigner_with_clock(devnet: DevnetProcess, tmp_path: Path) -> Iterator[tuple[str, Clock]]:
    """The cosigner's app in this process with a clock the test moves (a policy's 24-hour delay in an instant), the
    app's origin allowed."""
    port = free_port()
    clock = Clock(time.time())
    database = f"sqlite:///{tmp_path / 'cosigner.db'}"
    chain_id = devnet.get("/status")["chain_id"]
    service = make_service(database, clock, origin=f"http://localhost:{port}", chain_id=chain_id)
    with serve_in_thread(create_app(service, (localhost(devnet.url),)), port):
        yield f"http://localhost:{port}", clock


def test_a_held_send_released_after_its_delay_and_a_lockout(
    new_page: NewPage, devnet: DevnetProcess, cosigner_with_clock: tuple[str, Clock], artifacts: Path
) -> None:
    cosigner_url, clock = cosigner_with_clock
    page = new_page(base_url=localhost(devnet.url))
    _, address = funded_wallet(page)
    otpauth_uri, two_factor = enrol(page, cosigner_url)
    # Each code reaches the cosigner a step later on its clock (code() below moves it on at once).
    phone = Authenticator(otpauth_uri, lambda: clock.now, submitted_within_s=STEP_SECONDS)

    def code() -> str:
        """The code of the cosigner's present; its clock then moves to the next step (each code is used once)."""
        shown = phone.code()
        clock.advance(STEP_SECONDS)
        return shown

    code_field(page, "Activate").fill(code())
    click_and_wait(page, "Activate 2FA", "Activate", "ok")
    fund(page, two_factor, "5")
    page.get_by_role("textbox", name="Hold transactions above (GOS)").fill("1")
    code_field(page, "Policy").fill(code())
    assert click_and_wait(page, "Save policy", "Policy", "ok") == "Policy saved: it applies now."

    send_form(page, address, "2", code())
    assert click_and_wait(page, "Send with code", "Send from the 2FA account", "held").startswith("Held by your policy")
    row = page.locator("table.held tbody tr")
    row.get_by_role("button", name="Release").click()
    expect(outcome_of(page, "Held transactions")).to_contain_text("Still held by your policy until ")

    # A day later the cosigner has signed it: Release broadcasts the transaction kept in this browser.
    clock.advance(86_400)
    before = free_ugos(devnet, address)
    released = act(page, "Release", "Held transactions")
    tx = devnet.get(f"/txs/{released}")
    assert tx["code"] == 0 and tx["sender"] == two_factor
    assert free_ugos(devnet, address) - before == 2 * GOS
    expect(row).to_have_count(0)

    # Five wrong codes in a row lock 2FA for 15 minutes: said by the action and by the account's status.
    send_form(page, address, "0.1", phone.wrong_code())
    for left in ("4 attempts", "3 attempts", "2 attempts", "1 attempt"):
        wrong = click_and_wait(page, "Send with code", "Send from the 2FA account", "error")
        assert wrong == f"The cosigner refused: wrong code: {left} left before a lockout"
    locked = click_and_wait(page, "Send with code", "Send from the 2FA account", "error")
    assert locked == (
        "The cosigner refused: wrong code; 5 wrong codes in a row: "
        "2FA is locked for 15 min 00 s after too many wrong codes"
    )
    expect(page.locator(".twofactor-status")).to_contain_text("locked after wrong codes until ")
    code_field(page, "Send from the 2FA account").fill(code())
    refused = click_and_wait(page, "Send with code", "Send from the 2FA account", "error")
    assert refused.startswith("The cosigner refused: 2FA is locked for 14 min")
    screenshot(page, artifacts, "2fa-locked")
