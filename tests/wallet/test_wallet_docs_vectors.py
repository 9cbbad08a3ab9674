"""Every row of docs/wallet.md's test-vector table is what the wallet code derives (the browser app checks the same
table), so the document cannot drift from the code."""

import hashlib
import re
from pathlib import Path

from gostaking.wallet.hd import (
    BtcNetwork,
    Chain,
    extended_public_key,
    gos_key,
    seed_from_mnemonic,
    wallet_addresses,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "wallet.md"
ROW = re.compile(r"^\|(?P<passphrase>[^|]+)\|(?P<network>[^|]*)\|(?P<path>[^|]+)\|(?P<value>.+)\|$")
PATH = re.compile(r"^m/(?P<purpose>44|84)'/(?P<coin>\d+)'/(?P<account>\d+)'(?:/(?P<change>[01])/(?P<index>\d+))?$")
COIN_CHAINS: dict[tuple[str, str], Chain] = {
    ("44", "118"): "gos",
    ("44", "60"): "eth",
    ("84", "0"): "btc",
    ("84", "1"): "btc",
}


def vector_rows() -> list[dict[str, str]]:
    text = DOC.read_text()
    mnemonic = re.search(r"Mnemonic `([a-z ]+)`", text)
    table = text.split("## Test vectors", 1)[1]
    rows = [match.groupdict() for line in table.splitlines() if (match := ROW.match(line))]
    assert mnemonic is not None
    return [{**row, "mnemonic": mnemonic.group(1)} for row in rows if row["path"].strip() not in ("path", "---")]


def derived(row: dict[str, str]) -> str:
    seed = seed_from_mnemonic(
        row["mnemonic"], "" if row["passphrase"].strip() == "(none)" else row["passphrase"].strip()
    )
    path = row["path"].strip().strip("`")
    if path == "seed":
        return seed.hex()
    parts = PATH.match(path)
    assert parts is not None, path
    chain = COIN_CHAINS[(parts["purpose"], parts["coin"])]
    network: BtcNetwork = row["network"].strip() or "mainnet"  # type: ignore[assignment]
    account = int(parts["account"])
    if parts["index"] is None:
        return extended_public_key(seed, chain, network=network, account=account)
    (address,) = wallet_addresses(
        seed, chain, network=network, account=account, change=int(parts["change"]), start=int(parts["index"])
    )
    assert address.path == path
    return address.address


def test_every_documented_vector_is_derived_by_the_code() -> None:
    rows = vector_rows()
    assert len(rows) >= 17
    for row in rows:
        value = re.findall(r"`([^`]+)`", row["value"])
        assert value, row
        assert derived(row) == value[0], row
        if "public key" in row["value"]:
            key = gos_key(seed_from_mnemonic(row["mnemonic"]))
            assert value[1] == key.public_key.hex()
            documented_hash = re.search(r"`sha256\(024f4e2a…05b62\)` = `([0-9a-f]{64})`", DOC.read_text())
            assert (
                documented_hash is not None and documented_hash.group(1) == hashlib.sha256(key.public_key).hexdigest()
            )
