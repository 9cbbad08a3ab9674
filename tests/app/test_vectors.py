"""The browser app signs exactly as the Python wallet: the shared vectors (vectors.json) are what the Python wallet
computes, and the app's JavaScript computes the same from them (vectors.test.mjs, under node)."""

import json
import shutil
import subprocess

import pytest
from app_vectors import VECTORS_FILE, body_of, build_vectors

from gostaking.chain.codec import decode_tx, encode, encode_tx, sign_bytes
from gostaking.chain.crypto import require_multisig_signed
from gostaking.wallet.hd import normalize_mnemonic

REPO = VECTORS_FILE.parents[2]


def test_checked_in_vectors_are_the_python_wallets() -> None:
    assert json.loads(VECTORS_FILE.read_text()) == build_vectors(), "regenerate: python tests/app/app_vectors.py"


def test_vectors_cover_every_message_the_app_sends_and_decode_canonically() -> None:
    vectors = json.loads(VECTORS_FILE.read_text())
    sent = {m["type"] for tx in vectors["txs"] for m in tx["body"]["msgs"]}
    app_messages = (REPO / "gostaking/app/src/codec.js").read_text()
    for tag in sent:
        assert f"{tag}:" in app_messages
    assert len(sent) == 19
    for tx in vectors["txs"]:
        decoded = decode_tx(bytes.fromhex(tx["wire"]))
        assert encode(decoded.body) == encode(body_of(tx["body"]))
    # The messy spelling of the first phrase normalizes to it, and derives the same key.
    assert normalize_mnemonic(vectors["keys"][3]["mnemonic"]) == vectors["keys"][0]["mnemonic"]
    assert vectors["keys"][3]["address"] == vectors["keys"][0]["address"]


def test_the_two_factor_vector_is_a_valid_multisig_transaction_of_its_address() -> None:
    vector = json.loads(VECTORS_FILE.read_text())["two_factor"]
    tx = decode_tx(bytes.fromhex(vector["tx"]["wire"]))
    assert tx.multisig is not None and encode_tx(tx).hex() == vector["tx"]["wire"]
    assert [key.hex() for key in tx.multisig.pubkey.pubkeys] == vector["sorted_pubkeys"]
    require_multisig_signed(sign_bytes(tx.body), tx.multisig, vector["address"])


def test_the_apps_javascript_reproduces_the_vectors() -> None:
    node = shutil.which("node")
    if node is None or not (REPO / "node_modules/@noble/secp256k1").exists():
        pytest.skip("node and the app's npm packages are needed: npm ci")
    # vectors.test.mjs, and units.test.mjs (exact amounts, locales, every language's texts).
    files = sorted(str(p) for p in VECTORS_FILE.parent.glob("*.test.mjs"))
    result = subprocess.run([node, "--test", *files], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "# pass 13" in result.stdout and "# fail 0" in result.stdout
