"""A 2FA wallet through the CLI against a live devnet and a cosigner on HTTP (its clock controlled by the test):
`wallet 2fa create`/`activate`, the everyday `wallet 2fa send --code`, the generic `tx … --generate-only` →
`wallet 2fa sign` → `tx broadcast`, the policy and a held send, leaving with `wallet 2fa import` + `recover`
(user + backup keys, no cosigner), and `send --passkey` approved in chromium with a virtual authenticator. Every
refusal (a reused code, a limit, a wrong code) is one line, and nothing is sent."""

import json
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cli_harness import LiveDevnet
from free_ports import free_port
from sqlalchemy import select
from typer.testing import CliRunner

from gostaking.cli.main import app
from gostaking.cosigner.app import create_app
from gostaking.cosigner.store import Approval, open_store, transaction
from gostaking.cosigner.totp import STEP_SECONDS, code_at
from gostaking.wallet.cosigner_client import TwoFactorStore
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cosigner"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "explorer"))
from cosigner_harness import USER_MNEMONIC, Clock, make_service, serve_in_thread
from explorer_harness import CHROMIUM, CHROMIUM_ARGS

GOS = 10**6


@dataclass
class CosignerProcess:
    url: str
    clock: Clock
    stop: Callable[[], None]
    database: str


@pytest.fixture
def cosigner(tmp_path: Path, live_devnet: LiveDevnet) -> Iterator[CosignerProcess]:
    port = free_port()
    url = f"http://localhost:{port}"
    clock = Clock()
    database = f"sqlite:///{tmp_path / 'cosigner.db'}"
    service = make_service(database, clock, origin=url, chain_id=live_devnet.node.chain_id)
    with serve_in_thread(create_app(service), port) as stop:
        yield CosignerProcess(url, clock, stop, database)


def cli(home: Path, api: str, *args: str) -> tuple[int, str, str]:
    """Run `gostaking ARGS` with `home`'s keyring; (exit code, stdout, stderr)."""
    env = {"GOSTAKING_HOME": str(home), "GOSTAKING_API": api, "GOSTAKING_PASSPHRASE": ""}
    result = CliRunner().invoke(app, list(args), env=env)
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.stdout, result.stderr


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


def balance(api: str, address: str) -> dict[str, int]:
    document = httpx.get(f"{api}/accounts/{address}").json()
    return {entry["denom"]: int(entry["amount"]) for entry in document["balances"]}


def next_sequence(api: str, address: str) -> int:
    return int(httpx.get(f"{api}/accounts/{address}").json()["next_sequence"])


def test_2fa_wallet_end_to_end(live_devnet: LiveDevnet, cosigner: CosignerProcess, tmp_path: Path) -> None:
    home, api = tmp_path / "user", live_devnet.url
    Keyring(home / "keys").add_wallet("main", USER_MNEMONIC, None)
    bob = PrivateKey.from_hex("11" * 32).address
    fee = int(httpx.get(f"{api}/params").json()["tx"]["min_fee_ugos"])

    # Enrolment: the QR code on stderr, the address and otpauth URI on stdout; then activation with a code.
    qr_file = tmp_path / "qr.svg"
    code, out, err = cli(home, api, "wallet", "2fa", "create", "savings", "--wallet", "main", "--cosigner",
                         cosigner.url, "--qr-svg", str(qr_file))  # fmt: skip
    assert code == 0, err
    created = json.loads(out)
    secret = created["otpauth_uri"].split("secret=")[1].split("&")[0]
    address = created["address"]
    assert address == TwoFactorStore(home / "keys").show("savings").address
    assert (qr_file.read_text().startswith("<svg") and "█" in err) or "▀" in err

    def now_code() -> str:
        return code_at(secret, cosigner.clock.now)

    code, out, err = cli(home, api, "wallet", "2fa", "activate", "savings", "--code", "000000")
    assert code == 1 and "wrong code: 4 attempts left" in one_error_line(err)
    code, out, err = cli(home, api, "wallet", "2fa", "activate", "savings", "--code", now_code())
    assert code == 0 and address in out, err
    cosigner.clock.advance(STEP_SECONDS)

    live_devnet.wait_for_height(12)  # the operator has mined GOS to fund the 2FA wallet
    code, out, err = cli(live_devnet.home, api, "tx", "send", address, "40gos", "--from", "operator", "--json")
    assert code == 0 and json.loads(out)["code"] == 0, err

    # The everyday path: your signature, the cosigner's after the code, one transaction.
    used = now_code()
    code, out, err = cli(home, api, "wallet", "2fa", "send", bob, "5gos", "--from", "savings", "--code", used)
    assert code == 0 and json.loads(out)["code"] == 0, err
    assert balance(api, bob)["ugos"] == 5 * GOS
    sequence = next_sequence(api, address)

    # The same code again: one line, nothing sent.
    code, out, err = cli(home, api, "wallet", "2fa", "send", bob, "1gos", "--from", "savings", "--code", used)
    assert code == 1 and "code already used" in one_error_line(err) and out == ""
    assert balance(api, bob)["ugos"] == 5 * GOS and next_sequence(api, address) == sequence

    # A daily limit (a tightening: in force at once); above it, one line and nothing sent, the code not spent.
    cosigner.clock.advance(STEP_SECONDS)
    code, out, err = cli(home, api, "wallet", "2fa", "policy", "set", "savings", "--code", now_code(),
                         "--daily-limit", "8gos")  # fmt: skip
    assert code == 0 and json.loads(out)["policy"]["daily_limits"] == {"ugos": 8 * GOS}, err
    cosigner.clock.advance(STEP_SECONDS)
    code, out, err = cli(home, api, "wallet", "2fa", "send", bob, "3gos", "--from", "savings", "--code", now_code())
    assert code == 1 and "daily limit of 8000000 ugos exceeded" in one_error_line(err)
    assert next_sequence(api, address) == sequence

    # Any transaction: generate, sign with the cosigner, broadcast.
    unsigned = tmp_path / "send.json"
    code, out, err = cli(home, api, "tx", "send", bob, "1gos", "--from", "savings", "--generate-only", str(unsigned))
    assert code == 0, err
    code, out, err = cli(home, api, "wallet", "2fa", "sign", str(unsigned), "--from", "savings", "--code", now_code())
    assert code == 0 and json.loads(out)["signatures_needed"] == 0, err
    code, out, err = cli(home, api, "tx", "broadcast", str(unsigned))  # one line, as other tx commands print
    assert code == 0 and re.fullmatch(
        rf"send 1 gos to {bob}: included in block \d+, fee [0-9.]+ gos, tx [0-9a-f]{{64}}\n", out
    ), (out, err)
    assert balance(api, bob)["ugos"] == 6 * GOS

    # Above the delay threshold: held, then released after the delay (a new threshold tightens: at once).
    cosigner.clock.advance(STEP_SECONDS)
    code, out, err = cli(home, api, "wallet", "2fa", "policy", "set", "savings", "--code", now_code(),
                         "--daily-limit", "8gos", "--delay-above", "0.5gos")  # fmt: skip
    assert code == 0 and json.loads(out)["pending"] is None, err
    cosigner.clock.advance(STEP_SECONDS)
    code, out, err = cli(home, api, "wallet", "2fa", "send", bob, "1gos", "--from", "savings", "--code", now_code())
    held = json.loads(out)
    assert code == 0 and held["status"] == "held", err
    code, out, err = cli(home, api, "wallet", "2fa", "release", "savings", held["token"])
    assert code == 1 and f"approval {held['token']} is held by your policy until" in one_error_line(err)
    assert balance(api, bob)["ugos"] == 6 * GOS
    cosigner.clock.now = held["release_at"]
    code, out, err = cli(home, api, "wallet", "2fa", "release", "savings", held["token"])
    assert code == 0 and json.loads(out)["code"] == 0, err
    assert balance(api, bob)["ugos"] == 7 * GOS

    # Leaving: the cosigner is gone, and so is the 2FA wallet file; the recovery phrase's two keys move everything.
    cosigner.stop()
    shutil.rmtree(home / "keys" / "twofactor")
    (home / "keys" / "multisig" / "savings.json").unlink()
    code, out, err = cli(home, api, "wallet", "2fa", "recover", "gos1nowhere", "--from", "savings")
    assert code == 1 and "no 2FA wallet named 'savings'" in one_error_line(err)
    code, out, err = cli(home, api, "wallet", "2fa", "import", "savings", "--wallet", "main", "--cosigner-pubkey",
                         created["cosigner_pubkey"])  # fmt: skip
    assert code == 0 and json.loads(out)["address"] == address, err
    rescue = PrivateKey.from_hex("22" * 32).address
    left = balance(api, address)["ugos"]
    code, out, err = cli(home, api, "wallet", "2fa", "recover", rescue, "--from", "savings")
    assert code == 0 and json.loads(out)["code"] == 0, err
    assert balance(api, address) == {}
    new_balance_fee = int(httpx.get(f"{api}/params").json()["tx"].get("new_balance_fee_ugos", 0))
    assert balance(api, rescue)["ugos"] == left - fee - new_balance_fee


def waiting_approval_page(cosigner: CosignerProcess, timeout_s: float = 20.0) -> str:
    """The page of the approval a `--passkey` command opened (read from the cosigner's database)."""
    sessions = open_store(cosigner.database)
    deadline = time.monotonic() + timeout_s
    while True:
        with transaction(sessions) as session:
            token = session.scalar(select(Approval.token).where(Approval.status == "waiting"))
        if token is not None:
            return f"{cosigner.url}/approve/{token}"
        assert time.monotonic() < deadline, "no passkey approval was opened"
        time.sleep(0.1)


def test_2fa_send_approved_with_a_passkey(live_devnet: LiveDevnet, cosigner: CosignerProcess, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    home, api = tmp_path / "user", live_devnet.url
    Keyring(home / "keys").add_wallet("main", USER_MNEMONIC, None)
    bob = PrivateKey.from_hex("33" * 32).address
    code, out, err = cli(home, api, "wallet", "2fa", "create", "daily", "--wallet", "main", "--cosigner", cosigner.url)
    assert code == 0, err
    created = json.loads(out)
    secret = created["otpauth_uri"].split("secret=")[1].split("&")[0]
    assert cli(home, api, "wallet", "2fa", "activate", "daily", "--code", code_at(secret, cosigner.clock.now))[0] == 0
    cosigner.clock.advance(STEP_SECONDS)
    live_devnet.wait_for_height(12)
    sent = ("tx", "send", created["address"], "10gos", "--from", "operator", "--json")
    code, out, err = cli(live_devnet.home, api, *sent)
    assert code == 0 and json.loads(out)["code"] == 0, err

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_context().new_page()
            tab.set_default_timeout(15_000)
            cdp = tab.context.new_cdp_session(tab)
            cdp.send("WebAuthn.enable")
            options = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                       "hasUserVerification": True, "isUserVerified": True}  # fmt: skip
            cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})

            code, out, err = cli(home, api, "wallet", "2fa", "passkey", "add", "daily", "--code",
                                 code_at(secret, cosigner.clock.now))  # fmt: skip
            assert code == 0, err
            tab.goto(out.split("open ")[1].split(" in your browser")[0])
            tab.get_by_role("button", name="Add passkey").click()
            tab.wait_for_selector("#status:has-text('Passkey registered')")

            # `send --passkey` waits for the approval: run it beside the browser that gives it.
            outcome: list[tuple[int, str, str]] = []
            command = ("wallet", "2fa", "send", bob, "2gos", "--from", "daily", "--passkey")
            sender = threading.Thread(target=lambda: outcome.append(cli(home, api, *command)))
            sender.start()
            tab.goto(waiting_approval_page(cosigner))
            tab.get_by_role("button", name="Approve with your passkey").click()
            tab.wait_for_selector("#status:has-text('the transaction is co-signed')")
            sender.join(60)
        finally:
            browser.close()
    assert outcome, "the send did not finish"
    code, out, err = outcome[0]
    assert code == 0 and json.loads(out)["code"] == 0, err
    assert balance(api, bob)["ugos"] == 2 * GOS
