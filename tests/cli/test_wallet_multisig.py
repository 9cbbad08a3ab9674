"""Multisig accounts through the CLI: `wallet multisig create|show|list`, `tx … --generate-only`, `wallet sign`,
`wallet combine` and `tx broadcast`, against a live in-process devnet; and every refusal as one clear line with
nothing written or sent."""

import json
import shutil
from pathlib import Path

import httpx
import pytest
from cli_harness import LiveDevnet
from typer.testing import CliRunner

from gostaking.chain.codec import decode_tx
from gostaking.chain.crypto import multisig_address
from gostaking.cli.main import app
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.multisig import read_tx_file

PASSPHRASE = "pw-long-enough"
OFFLINE_API = "http://127.0.0.1:9"  # the discard port: nothing answers there


def cli(home: Path, *args: str, api: str = OFFLINE_API) -> tuple[int, str]:
    env = {"GOSTAKING_HOME": str(home), "GOSTAKING_API": api, "GOSTAKING_PASSPHRASE": PASSPHRASE}
    result = CliRunner().invoke(app, list(args), env=env)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def one_error_line(output: str) -> str:
    """The CLI's failure: exactly one line, `error: …`."""
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    return lines[0]


def make_members(home: Path) -> dict[str, str]:
    """Keys m1, m2 (unencrypted), m3 (encrypted) and outsider; returns name → public key hex as `keys show` prints."""
    pubkeys = {}
    for name in ("m1", "m2", "m3", "outsider"):
        args = ("keys", "add", name) if name == "m3" else ("keys", "add", name, "--no-passphrase")
        assert cli(home, *args)[0] == 0
        code, out = cli(home, "keys", "show", name)
        assert code == 0, out
        pubkeys[name] = json.loads(out)["public_key"]
    return pubkeys


def create_team(home: Path, pubkeys: dict[str, str]) -> str:
    """A 2-of-3 multisig 'team' of m1, m2 (by public key, as a co-signer would give it) and m3; its address."""
    code, out = cli(home, "wallet", "multisig", "create", "team", "--threshold", "2", "--key", "m1", "--pubkey",
                    pubkeys["m2"], "--key", "m3")  # fmt: skip
    assert code == 0, out
    expected = multisig_address(2, sorted(bytes.fromhex(pubkeys[name]) for name in ("m1", "m2", "m3")))
    assert out.strip() == f"created 2-of-3 multisig 'team': {expected}"
    return expected


def test_keys_show_prints_the_public_key_co_signers_exchange(tmp_path: Path) -> None:
    home = tmp_path / "user"
    assert cli(home, "keys", "add", "m1", "--no-passphrase")[0] == 0
    code, out = cli(home, "keys", "show", "m1")
    assert code == 0
    assert Keyring(home / "keys").show("m1").public_key.hex() in out


def test_generate_sign_combine_broadcast_moves_the_funds(live_devnet: LiveDevnet, tmp_path: Path) -> None:
    home, url = tmp_path / "user", live_devnet.url
    pubkeys = make_members(home)
    team = create_team(home, pubkeys)
    code, out = cli(home, "wallet", "multisig", "show", "team")
    assert code == 0 and json.loads(out)["address"] == team and json.loads(out)["threshold"] == 2
    code, out = cli(home, "wallet", "multisig", "list")
    assert code == 0 and "team" in out and "2-of-3" in out and team in out

    live_devnet.wait_for_height(12)  # the operator has mined GOS to fund the multisig with
    code, out = cli(live_devnet.home, "tx", "send", team, "10gos", "--from", "operator", "--json", api=url)
    assert code == 0 and json.loads(out)["code"] == 0, out
    bob = Keyring(home / "keys").show("outsider").address

    unsigned = tmp_path / "send.json"
    code, out = cli(home, "tx", "send", "outsider", "1.5gos", "--from", "team", "--generate-only", str(unsigned),
                    "--memo", "from the team", api=url)  # fmt: skip
    assert code == 0, out
    assert json.loads(out) == {"file": str(unsigned), "from": team, "sequence": 0, "signatures_needed": 2}
    generated = read_tx_file(unsigned)
    assert (generated.body.sender, generated.body.memo, generated.signatures) == (team, "from the team", {})
    assert len(live_devnet.node.app.mempool) == 0  # nothing was sent

    first, second = tmp_path / "m1.json", tmp_path / "m3.json"
    shutil.copy(unsigned, first)
    shutil.copy(unsigned, second)
    code, out = cli(home, "wallet", "sign", str(first), "--from", "m1")
    assert code == 0 and json.loads(out)["signatures_needed"] == 1, out
    code, out = cli(home, "wallet", "sign", str(second), "--from", "m3")  # the encrypted key: passphrase from env
    assert code == 0, out

    code, out = cli(home, "tx", "broadcast", str(first), api=url)
    assert "1 of the 2 signatures a 2-of-3 multisig" in one_error_line(out) and code == 1
    complete = tmp_path / "complete.json"
    code, out = cli(home, "wallet", "combine", str(first), str(second), "--out", str(complete))
    assert code == 0 and json.loads(out)["signatures"] == 2, out

    code, out = cli(home, "tx", "broadcast", str(complete), "--json", api=url)
    assert code == 0, out
    result = json.loads(out)
    assert (result["status"], result["code"]) == ("included", 0), out
    assert "transfer" in [event["kind"] for event in result["events"]], out

    with httpx.Client(base_url=url) as api:
        assert api.get(f"/accounts/{bob}").json()["gos"]["gos"] == "1.5"
        account = api.get(f"/accounts/{team}").json()
        assert account["next_sequence"] == 1
        new_balance_fee = int(api.get("/params").json()["tx"]["new_balance_fee_ugos"])  # bob's first GOS
        assert account["gos"]["ugos"] == 10_000_000 - 1_500_000 - generated.body.fee - new_balance_fee
        tx = api.get(f"/txs/{result['tx_hash']}")
        assert tx.status_code == 200, tx.text
        shown = tx.json()
        assert (shown["sender"], shown["signature"], shown["body"]["memo"]) == (team, "", "from the team")
        assert shown["multisig"]["pubkey"]["pubkeys"] == sorted(pubkeys[n] for n in ("m1", "m2", "m3"))
        assert [s["index"] for s in shown["multisig"]["signatures"]] == sorted(
            sorted(pubkeys[n] for n in ("m1", "m2", "m3")).index(pubkeys[n]) for n in ("m1", "m3")
        )
        block = api.get(f"/blocks/{shown['height']}")
        assert block.status_code == 200, block.text
        in_block = block.json()["txs"][shown["index"]]
        assert in_block["multisig"] == shown["multisig"] and in_block["body"] == shown["body"]

    # The same signatures cannot move the funds again.
    code, out = cli(home, "tx", "broadcast", str(complete), api=url)
    assert "AlreadyIncludedError" in one_error_line(out) and code == 1


# --- refusals without a node ----------------------------------------------------------------------------------


@pytest.fixture
def offline_team(tmp_path: Path) -> tuple[Path, dict[str, str], Path]:
    """A keyring with the team multisig and its unsigned send, generated offline."""
    home = tmp_path / "user"
    pubkeys = make_members(home)
    create_team(home, pubkeys)
    unsigned = tmp_path / "send.json"
    code, out = cli(home, "tx", "send", "outsider", "1gos", "--from", "team", "--generate-only", str(unsigned),
                    "--chain-id", "gostaking-devnet", "--sequence", "4", "--fee", "0.001gos")  # fmt: skip
    assert code == 0, out
    return home, pubkeys, unsigned


def test_generate_only_offline_needs_chain_id_sequence_and_fee(offline_team: tuple[Path, dict[str, str], Path]) -> None:
    home, _, unsigned = offline_team
    assert read_tx_file(unsigned).body.sequence == 4
    code, out = cli(home, "tx", "send", "outsider", "1gos", "--from", "team", "--generate-only", "x.json")
    line = one_error_line(out)
    assert code == 1 and "cannot reach" in line and "give --chain-id, --sequence and --fee" in line
    assert not Path("x.json").exists()


def test_generate_only_is_for_a_known_multisig(offline_team: tuple[Path, dict[str, str], Path]) -> None:
    home, _, unsigned = offline_team
    code, out = cli(home, "tx", "send", "outsider", "1gos", "--from", "m1", "--generate-only", str(unsigned),
                    "--chain-id", "c", "--sequence", "0", "--fee", "0.001gos")  # fmt: skip
    assert code == 1 and "no multisig named 'm1'" in one_error_line(out)
    address = Keyring(home / "keys").show("m1").address
    code, out = cli(home, "tx", "send", "outsider", "1gos", "--from", address, "--generate-only", str(unsigned),
                    "--chain-id", "c", "--sequence", "0", "--fee", "0.001gos")  # fmt: skip
    assert code == 1 and f"no multisig with address {address}" in one_error_line(out)


def test_a_key_outside_the_multisig_cannot_sign(offline_team: tuple[Path, dict[str, str], Path]) -> None:
    home, _, unsigned = offline_team
    before = unsigned.read_bytes()
    code, out = cli(home, "wallet", "sign", str(unsigned), "--from", "outsider")
    outsider = Keyring(home / "keys").show("outsider").address
    assert code == 1 and f"key {outsider} is not one of the keys of 2-of-3 multisig" in one_error_line(out)
    assert unsigned.read_bytes() == before


def test_a_member_signs_once(offline_team: tuple[Path, dict[str, str], Path]) -> None:
    home, _, unsigned = offline_team
    assert cli(home, "wallet", "sign", str(unsigned), "--from", "m2")[0] == 0
    code, out = cli(home, "wallet", "sign", str(unsigned), "--from", "m2")
    assert code == 1 and "has already signed this transaction" in one_error_line(out)


def test_signing_in_turn_then_combining_in_place(offline_team: tuple[Path, dict[str, str], Path]) -> None:
    home, pubkeys, unsigned = offline_team
    assert cli(home, "wallet", "sign", str(unsigned), "--from", "m1")[0] == 0
    assert cli(home, "wallet", "sign", str(unsigned), "--from", "m2")[0] == 0
    code, out = cli(home, "wallet", "combine", str(unsigned))
    assert code == 0, out
    tx = decode_tx(read_tx_file(unsigned).wire_bytes())
    assert tx.signature == b"" and tx.multisig is not None
    ordered = sorted(pubkeys[name] for name in ("m1", "m2", "m3"))
    assert [s.index for s in tx.multisig.signatures] == sorted(ordered.index(pubkeys[n]) for n in ("m1", "m2"))


def test_combine_refuses_a_duplicate_a_different_body_and_too_few(
    offline_team: tuple[Path, dict[str, str], Path], tmp_path: Path
) -> None:
    home, _, unsigned = offline_team
    a, b, other = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "other.json"
    shutil.copy(unsigned, a)
    shutil.copy(unsigned, b)
    assert cli(home, "wallet", "sign", str(a), "--from", "m1")[0] == 0
    assert cli(home, "wallet", "sign", str(b), "--from", "m1")[0] == 0
    code, out = cli(home, "wallet", "combine", str(a), str(b))
    assert code == 1 and f"signed in both {a} and {b}: give each signature once" in one_error_line(out)

    code, out = cli(home, "tx", "send", "outsider", "2gos", "--from", "team", "--generate-only", str(other),
                    "--chain-id", "gostaking-devnet", "--sequence", "4", "--fee", "0.001gos")  # fmt: skip
    assert code == 0, out
    assert cli(home, "wallet", "sign", str(other), "--from", "m3")[0] == 0
    code, out = cli(home, "wallet", "combine", str(a), str(other), "--out", str(tmp_path / "x.json"))
    assert code == 1 and "are different transactions (their bodies differ)" in one_error_line(out)

    code, out = cli(home, "wallet", "combine", str(a), "--out", str(tmp_path / "x.json"))
    assert code == 1 and "1 of the 2 signatures a 2-of-3 multisig" in one_error_line(out)
    assert not (tmp_path / "x.json").exists()


def test_a_signature_moved_onto_another_body_is_refused_when_read(
    offline_team: tuple[Path, dict[str, str], Path],
) -> None:
    home, _, unsigned = offline_team
    assert cli(home, "wallet", "sign", str(unsigned), "--from", "m1")[0] == 0
    document = json.loads(unsigned.read_text())
    document["body"]["fee"] += 1
    unsigned.write_text(json.dumps(document))
    code, out = cli(home, "wallet", "combine", str(unsigned))
    assert code == 1 and "is not by that key over this transaction" in one_error_line(out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--threshold", "3", "--key", "m1", "--key", "m2"), "threshold 3 is outside 1..2"),
        (("--threshold", "1", "--key", "m1", "--key", "m1"), "is given twice: a multisig needs distinct keys"),
        (("--threshold", "1", "--pubkey", "02abcd"), "is not a public key: expected 66 hex digits"),
        (
            (
                "--threshold",
                "1",
            ),
            "give the members' keys with --pubkey HEX or --key NAME",
        ),
        (("--threshold", "1", "--key", "nobody"), "no key named 'nobody'"),
    ],
)
def test_create_refuses_bad_keys_and_thresholds(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    home = tmp_path / "user"
    make_members(home)
    code, out = cli(home, "wallet", "multisig", "create", "bad", *args)
    assert code == 1 and message in one_error_line(out)
    assert not (home / "keys" / "multisig" / "bad.json").exists()


def test_an_edited_descriptor_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "user"
    create_team(home, make_members(home))
    path = home / "keys" / "multisig" / "team.json"
    document = json.loads(path.read_text())
    document["threshold"] = 1
    path.write_text(json.dumps(document))
    code, out = cli(home, "wallet", "multisig", "show", "team")
    assert code == 1 and "records address" in one_error_line(out)
    code, out = cli(home, "wallet", "multisig", "create", "team", "--threshold", "1", "--key", "m1")
    assert code == 1 and "a multisig named 'team' already exists" in one_error_line(out)
