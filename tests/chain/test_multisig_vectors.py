"""The multisig test vectors of docs/multisig.md (which the browser app reproduces) against the code: each table
row and the wire example are read from the document and recomputed here."""

import re
from pathlib import Path

from gostaking.chain.codec import encode_tx, sign_bytes
from gostaking.chain.crypto import multisig_address, sha256
from gostaking.chain.types.tx import KeySignature, MsgSendCoins, MultisigPubKey, MultisigSignature, Tx, TxBody
from gostaking.wallet.keys import PrivateKey
from gostaking.wallet.multisig import multisig_key

DOC = (Path(__file__).resolve().parents[2] / "docs" / "multisig.md").read_text()


def secret_key(secret: int) -> PrivateKey:
    return PrivateKey(secret.to_bytes(32, "big"))


def numbers(cell: str) -> list[int]:
    return [int(n) for n in cell.split(",")]


def test_the_documented_public_keys_are_those_of_the_secrets() -> None:
    rows = re.findall(r"^\| (\d) \| `([0-9a-f]{66})` \|$", DOC, re.MULTILINE)
    assert len(rows) == 5
    for secret, pubkey in rows:
        assert secret_key(int(secret)).public_key.hex() == pubkey


def test_the_documented_addresses_and_key_orders() -> None:
    rows = re.findall(r"^\| \d \| ([\d, ]+) \| (\d) \| ([\d, ]+) \| `(gos1[a-z0-9]+)`", DOC, re.MULTILINE)
    assert len(rows) == 6
    for secrets, threshold, sorted_secrets, address in rows:
        given = [secret_key(s).public_key for s in numbers(secrets)]
        key = multisig_key(int(threshold), given)  # the wallet sorts whatever order it is given
        assert key.pubkeys == [secret_key(s).public_key for s in numbers(sorted_secrets)]
        assert multisig_address(key.threshold, key.pubkeys) == address


def test_the_documented_wire_example_sign_bytes_and_id() -> None:
    keys = [secret_key(s) for s in (1, 2, 3)]
    key = MultisigPubKey(2, [k.public_key for k in keys])  # already in ascending order (vector 1)
    sender = multisig_address(2, key.pubkeys)
    body = TxBody("gostaking-devnet", sender, 0, 1000, [MsgSendCoins(keys[0].address, "ugos", 1_500_000)])
    digest = sign_bytes(body)
    signatures = [KeySignature(i, keys[i].sign_digest(digest)) for i in (0, 2)]
    raw = encode_tx(Tx(body, b"", MultisigSignature(key, signatures)))
    assert raw.decode() in DOC
    assert f"`{digest.hex()}`" in DOC
    assert f"`{sha256(raw).hex()}`" in DOC
