"""The cosigner's HTTP API through the wallet's client (CosignerClient over the app in process): enrolment,
activation, a co-signed transaction completed by the client, errors as one line, and the client refusing a
cosigner that lies about the address or signs another transaction."""

from typing import Any

import httpx
import pytest
from cosigner_harness import Cosigner
from fastapi.testclient import TestClient

from gostaking.chain.codec import decode_tx, sign_bytes
from gostaking.chain.crypto import require_multisig_signed
from gostaking.chain.types.tx import MsgSendCoins, TxBody
from gostaking.cosigner.app import create_app
from gostaking.cosigner.policy import Policy
from gostaking.cosigner.totp import code_at
from gostaking.wallet.cosigner_client import (
    CosignerClient,
    CosignerClientError,
    TwoFactorWallet,
    signed_by_user,
    with_cosigner_signature,
)
from gostaking.wallet.keys import PrivateKey
from gostaking.wallet.multisig import UnsignedTx

BOB = PrivateKey.from_hex("11" * 32).address


def client_of(cosigner: Cosigner) -> CosignerClient:
    return CosignerClient("http://cosigner.test", http=TestClient(create_app(cosigner.service)))


def enrolled_wallet(cosigner: Cosigner, client: CosignerClient) -> tuple[TwoFactorWallet, str]:
    enrolled = client.enrol(cosigner.keys)
    wallet = TwoFactorWallet(
        "savings",
        "main",
        client.url,
        cosigner.keys.user.public_key,
        cosigner.keys.backup.public_key,
        enrolled.cosigner_pubkey,
    )
    assert wallet.address == enrolled.address and enrolled.qr_svg.startswith("<svg")
    secret = enrolled.otpauth_uri.split("secret=")[1].split("&")[0]
    return wallet, secret


def test_enrol_activate_and_cosign_over_http(cosigner: Cosigner) -> None:
    client = client_of(cosigner)
    wallet, secret = enrolled_wallet(cosigner, client)
    assert client.status(wallet.address)["active"] is False
    client.activate(wallet.address, code_at(secret, cosigner.clock.now))
    assert client.status(wallet.address)["active"] is True
    cosigner.next_step()

    body = TxBody("gostaking-test", wallet.address, 0, 1_000, [MsgSendCoins(BOB, "ugos", 2_000_000)])
    unsigned = signed_by_user(wallet, UnsignedTx(body, wallet.key), cosigner.keys)
    user_signature = unsigned.signatures[wallet.index_of(wallet.user_pubkey)]
    approval = client.cosign(wallet, body, user_signature, code_at(secret, cosigner.clock.now))
    complete = with_cosigner_signature(unsigned, approval)
    tx = decode_tx(complete.wire_bytes())
    assert tx.multisig is not None
    require_multisig_signed(sign_bytes(body), tx.multisig, wallet.address)

    # The same code again: refused with the cosigner's one-line reason, nothing signed.
    with pytest.raises(CosignerClientError, match=r"^cosigner: code already used") as refused:
        client.cosign(wallet, body, user_signature, code_at(secret, cosigner.clock.now))
    assert refused.value.error == "CodeReusedError" and refused.value.status == 409

    cosigner.next_step()
    changed = client.set_policy(
        wallet.address, Policy(daily_limits={"ugos": 5}), code_at(secret, cosigner.clock.now), cosigner.keys.user
    )
    assert changed["policy"]["daily_limits"] == {"ugos": 5} and changed["pending"] is None
    assert client.policy(wallet.address)["policy"]["daily_limits"] == {"ugos": 5}


def test_malformed_requests_get_one_line_errors(cosigner: Cosigner) -> None:
    http = TestClient(create_app(cosigner.service))
    answer = http.post("/v1/wallets/gos1nobody/activate", json={"code": "123456"})
    assert answer.status_code == 404
    assert answer.json() == {
        "error": "UnknownWalletError",
        "message": "no 2FA wallet gos1nobody is enrolled with this cosigner",
    }
    answer = http.post("/v1/enrol", json={"user_pubkey": "zz", "backup_pubkey": "00", "signature": "00"})
    assert answer.status_code == 422


class LyingCosigner(httpx.BaseTransport):
    """The real cosigner's answers with one field changed."""

    def __init__(self, cosigner: Cosigner, change: dict[str, Any]) -> None:
        self._inner = TestClient(create_app(cosigner.service))
        self._change = change

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._inner.request(request.method, request.url.path, content=request.content, headers=request.headers)
        document = {**answer.json(), **self._change}
        return httpx.Response(answer.status_code, json=document)


def test_the_client_refuses_a_cosigner_that_lies(cosigner: Cosigner) -> None:
    liar = CosignerClient(
        "http://cosigner.test",
        http=httpx.Client(base_url="http://cosigner.test", transport=LyingCosigner(cosigner, {"address": BOB})),
    )
    with pytest.raises(CosignerClientError, match=r"but the keys make .*: refused"):
        liar.enrol(cosigner.keys)

    client = client_of(cosigner)
    wallet, secret = enrolled_wallet(cosigner, client)
    client.activate(wallet.address, code_at(secret, cosigner.clock.now))
    cosigner.next_step()
    body = TxBody("gostaking-test", wallet.address, 0, 1_000, [MsgSendCoins(BOB, "ugos", 1)])
    other = TxBody("gostaking-test", wallet.address, 0, 1_000, [MsgSendCoins(BOB, "ugos", 999)])
    unsigned = signed_by_user(wallet, UnsignedTx(other, wallet.key), cosigner.keys)
    approval = client.cosign(
        wallet, other, unsigned.signatures[wallet.index_of(wallet.user_pubkey)], code_at(secret, cosigner.clock.now)
    )
    # A signature over another body does not complete this one.
    with pytest.raises(CosignerClientError, match="does not verify"):
        with_cosigner_signature(signed_by_user(wallet, UnsignedTx(body, wallet.key), cosigner.keys), approval)
