"""`gostaking wallet create|restore|show|addresses|export-xpub`, and an HD wallet as `--from` of a transaction.

The interactive `create` runs in a real pseudo-terminal (the phrase is read off the screen and words are typed back
as a user would); the other commands run through typer's CliRunner. Expected addresses are the published vectors
of tests/wallet/test_wallet_hd_vectors.py (BIP-84, the well-known Ethereum address) and the GOS address cross-checked
there without gostaking's code.
"""

import json
import os
import pty
import re
import select
import stat
import subprocess
import sys
import time
from pathlib import Path

from cli_harness import LiveDevnet
from typer.testing import CliRunner

from gostaking.cli.main import app
from gostaking.wallet.hd import normalize_mnemonic
from gostaking.wallet.keyring import Keyring

PASSPHRASE = "wallet-passphrase"
ABANDON = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
GOS_FIRST = "gos1fytfvr5764zq4p0adzxp7kzk7nwy9979p27tq7"
BTC_FIRST = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
BTC_FIRST_CHANGE = "bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el"
BTC_ZPUB = (
    "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs"
)
ETH_FIRST = "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
GOSTAKING = Path(sys.executable).parent / "gostaking"


def cli(home: Path, *args: str, input_text: str | None = None, **env: str) -> tuple[int, str]:
    environment = {"GOSTAKING_HOME": str(home), "GOSTAKING_PASSPHRASE": PASSPHRASE, **env}
    result = CliRunner().invoke(app, list(args), input=input_text, env=environment)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def last_line(out: str) -> str:
    return out.strip().splitlines()[-1]


class Terminal:
    """`gostaking ARGS` on a pseudo-terminal, read and typed into as a user would."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [str(GOSTAKING), *args], stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.screen = ""  # printed and not matched yet
        self.transcript = ""  # everything printed

    def expect(self, pattern: str, timeout_s: float = 30.0) -> re.Match[str]:
        """Read until `pattern` appears in what was printed since the last match; return its match."""
        deadline = time.monotonic() + timeout_s
        while (match := re.search(pattern, self.screen, re.DOTALL)) is None:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {pattern!r} in {self.screen!r}"
            if select.select([self.master], [], [], remaining)[0]:
                try:
                    self._add(os.read(self.master, 4096).decode())
                except OSError:  # the process ended and closed the terminal
                    assert re.search(pattern, self.screen), f"no {pattern!r} in {self.screen!r}"
        self.screen = self.screen[match.end() :]
        return match

    def _add(self, text: str) -> None:
        self.screen += text
        self.transcript += text

    def type(self, line: str) -> None:
        os.write(self.master, f"{line}\n".encode())

    def finish(self) -> tuple[int, str]:
        """Exit status and everything printed after the last match."""
        while select.select([self.master], [], [], 30)[0]:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                break
            if not chunk:
                break
            self._add(chunk.decode())
        os.close(self.master)
        return self.process.wait(30), self.screen


def terminal_env(home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "GOSTAKING_HOME": str(home),
        "GOSTAKING_PASSPHRASE": PASSPHRASE,
        "TERM": "xterm",
    }


def read_phrase(terminal: Terminal) -> list[str]:
    shown = terminal.expect(r"shown only this once\.\s*(.*?)\s*Press Enter once it is written down", 60).group(1)
    numbered = re.findall(r"(\d+)\. ([a-z]+)", shown)
    assert [int(number) for number, _ in numbered] == list(range(1, len(numbered) + 1))
    return [word for _, word in numbered]


def test_create_shows_the_phrase_once_and_wants_two_words_back(tmp_path: Path) -> None:
    terminal = Terminal(["wallet", "create", "mine", "--words", "12"], terminal_env(tmp_path))
    words = read_phrase(terminal)
    assert len(words) == 12 and normalize_mnemonic(" ".join(words))
    terminal.type("")
    terminal.expect("\x1b\\[2J")  # the screen is cleared before the check
    first = int(terminal.expect(r"Word #(\d+) of your recovery phrase: ").group(1))
    terminal.type("notaword")  # a mistake is asked again
    terminal.expect(f"that is not word #{first}; check your written copy")
    assert int(terminal.expect(r"Word #(\d+) of your recovery phrase: ").group(1)) == first
    terminal.type(words[first - 1].upper())
    second = int(terminal.expect(r"Word #(\d+) of your recovery phrase: ").group(1))
    assert second > first
    terminal.type(words[second - 1])
    code, rest = terminal.finish()
    assert code == 0, rest
    assert "notaword" not in terminal.transcript  # typed words are not echoed
    ring = Keyring(tmp_path / "keys")
    info = ring.show("mine")
    assert info.hd and info.encrypted and f"created HD wallet 'mine': {info.address}" in rest
    assert ring.load_wallet("mine", PASSPHRASE).mnemonic == " ".join(words)


def test_create_writes_nothing_when_the_words_do_not_match(tmp_path: Path) -> None:
    terminal = Terminal(["wallet", "create", "mine"], terminal_env(tmp_path))
    assert len(read_phrase(terminal)) == 24
    terminal.type("")
    for _ in range(3):
        terminal.expect(r"Word #\d+ of your recovery phrase: ")
        terminal.type("zzz")
    code, rest = terminal.finish()
    assert code == 1
    assert re.search(r"error: word #\d+ did not match your copy 3 times: no wallet was created", rest), rest
    assert not (tmp_path / "keys" / "mine.json").exists()


def test_restore_reads_the_phrase_without_echo_at_a_terminal_and_from_a_pipe(tmp_path: Path) -> None:
    terminal = Terminal(["wallet", "restore", "typed"], terminal_env(tmp_path))
    terminal.expect("Recovery phrase \\(words separated by spaces\\): ", 60)
    terminal.type(ABANDON)
    code, rest = terminal.finish()
    assert code == 0 and f"restored HD wallet 'typed': {GOS_FIRST}" in rest, rest
    assert "about" not in terminal.transcript

    piped = subprocess.run(
        [str(GOSTAKING), "wallet", "restore", "piped"],
        input=f"{ABANDON}\n",
        capture_output=True,
        text=True,
        env=terminal_env(tmp_path),
        start_new_session=True,  # no controlling terminal, as under cron or CI
        timeout=60,
    )
    assert piped.returncode == 0 and f"restored HD wallet 'piped': {GOS_FIRST}" in piped.stdout, piped.stderr
    assert "about" not in piped.stdout + piped.stderr


def test_create_for_scripts_writes_the_phrase_to_a_new_private_file(tmp_path: Path) -> None:
    phrase_file = tmp_path / "phrase.txt"
    code, out = cli(tmp_path, "wallet", "create", "scripted", "--show-once-to", str(phrase_file))
    assert code == 0, out
    assert stat.S_IMODE(phrase_file.stat().st_mode) == 0o600
    phrase = phrase_file.read_text().strip()
    assert len(phrase.split()) == 24 and phrase not in out
    assert Keyring(tmp_path / "keys").load_wallet("scripted", PASSPHRASE).mnemonic == phrase
    assert f"recovery phrase written to {phrase_file}: copy it offline, then delete the file" in out

    code, out = cli(tmp_path, "wallet", "create", "again", "--show-once-to", str(phrase_file))
    assert (code, last_line(out)) == (
        1,
        f"error: --show-once-to {phrase_file}: give a new file in an existing directory",
    )
    assert phrase_file.read_text().strip() == phrase and not (tmp_path / "keys" / "again.json").exists()
    code, out = cli(
        tmp_path, "wallet", "create", "short", "--show-once-to", str(tmp_path / "p2"), GOSTAKING_PASSPHRASE="x"
    )
    assert code == 1 and "at least 10 characters" in last_line(out) and "recovery phrase" not in out.lower()
    assert not (tmp_path / "p2").exists() and not (tmp_path / "keys" / "short.json").exists()
    code, out = cli(tmp_path, "wallet", "create", "scripted", "--show-once-to", str(tmp_path / "p3"))
    assert (code, last_line(out)) == (1, f"error: a key named 'scripted' already exists in {tmp_path / 'keys'}")
    assert not (tmp_path / "p3").exists()


def test_restore_show_addresses_and_xpubs_of_a_known_phrase(tmp_path: Path) -> None:
    code, out = cli(tmp_path, "wallet", "restore", "known", input_text=f"  {ABANDON.upper()} \n")
    assert code == 0, out
    assert ABANDON not in out.lower()  # the phrase is read without echo
    for address in (GOS_FIRST, BTC_FIRST, ETH_FIRST):
        assert address in out
    assert f"restored HD wallet 'known': {GOS_FIRST}" in out

    code, out = cli(tmp_path, "wallet", "show", "known", "--json")
    shown = json.loads(out)
    assert (code, shown["address"], shown["encrypted"], shown["network"]) == (0, GOS_FIRST, True, "mainnet")
    assert shown["addresses"] == [
        {"chain": "gos", "path": "m/44'/118'/0'/0/0", "address": GOS_FIRST},
        {"chain": "btc", "path": "m/84'/0'/0'/0/0", "address": BTC_FIRST},
        {"chain": "eth", "path": "m/44'/60'/0'/0/0", "address": ETH_FIRST},
    ]
    code, out = cli(tmp_path, "wallet", "show", "known", "--network", "regtest")
    assert code == 0 and "m/84'/1'/0'/0/0" in out and re.search(r"bcrt1q[0-9a-z]+", out) and ETH_FIRST in out

    code, out = cli(tmp_path, "wallet", "addresses", "known", "--chain", "btc", "--change", "--count", "1")
    assert code == 0 and BTC_FIRST_CHANGE in out and "m/84'/0'/0'/1/0" in out
    code, out = cli(tmp_path, "wallet", "addresses", "known", "--count", "3", "--json")
    rows = json.loads(out)
    assert [row["chain"] for row in rows] == ["gos"] * 3 + ["btc"] * 3 + ["eth"] * 3
    assert (rows[0]["address"], rows[3]["address"], rows[6]["address"]) == (GOS_FIRST, BTC_FIRST, ETH_FIRST)
    code, out = cli(
        tmp_path, "wallet", "addresses", "known", "--chain", "btc", "--network", "testnet", "--account", "1", "--json"
    )
    rows = json.loads(out)
    assert len(rows) == 5 and all(row["address"].startswith("tb1q") for row in rows)
    assert [row["path"] for row in rows] == [f"m/84'/1'/1'/0/{index}" for index in range(5)]

    code, out = cli(tmp_path, "wallet", "export-xpub", "known", "--chain", "btc")
    assert (code, out.strip()) == (0, BTC_ZPUB)
    code, out = cli(tmp_path, "wallet", "export-xpub", "known", "--chain", "btc", "--network", "regtest")
    assert code == 0 and out.startswith("vpub")
    code, out = cli(tmp_path, "wallet", "export-xpub", "known", "--json")
    exported = json.loads(out)
    assert [(row["chain"], row["path"]) for row in exported] == [
        ("gos", "m/44'/118'/0'"),
        ("btc", "m/84'/0'/0'"),
        ("eth", "m/44'/60'/0'"),
    ]
    assert exported[1]["xpub"] == BTC_ZPUB and exported[0]["xpub"].startswith("xpub")

    code, out = cli(tmp_path, "keys", "list")
    assert code == 0 and re.search(rf"known\s+{GOS_FIRST}\s+encrypted\s+HD wallet", out)
    code, out = cli(tmp_path, "keys", "show", "known")
    assert json.loads(out)["hd_wallet"] is True


def test_restore_with_a_bip39_passphrase_gives_another_wallet(tmp_path: Path) -> None:
    code, out = cli(
        tmp_path, "wallet", "restore", "hidden", "--bip39-passphrase", input_text=f"{ABANDON}\nTREZOR\nTREZOR\n"
    )
    assert code == 0, out
    assert GOS_FIRST not in out and "check these are your addresses" in out
    assert Keyring(tmp_path / "keys").load_wallet("hidden", PASSPHRASE).bip39_passphrase == "TREZOR"


def test_mistakes_are_one_line_errors_and_write_nothing(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    checksum = ABANDON.replace("about", "abandon")
    code, out = cli(tmp_path, "wallet", "restore", "w", input_text=f"{checksum}\n")
    assert (code, last_line(out)) == (
        1,
        "error: the recovery phrase's checksum does not match: a word is wrong or out of order",
    )
    code, out = cli(tmp_path, "wallet", "restore", "w", input_text=ABANDON.replace("about", "abuot") + "\n")
    assert (code, last_line(out)) == (1, "error: 'abuot' is not a word of the BIP-39 English list")
    code, out = cli(tmp_path, "wallet", "restore", "w", input_text="abandon about\n")
    assert (code, last_line(out)) == (1, "error: a recovery phrase has 12, 15, 18, 21 or 24 words, not 2")
    assert not keys.exists() or list(keys.iterdir()) == []

    assert cli(tmp_path, "wallet", "restore", "w", input_text=ABANDON + "\n")[0] == 0
    code, out = cli(tmp_path, "wallet", "show", "w", GOSTAKING_PASSPHRASE="not-the-passphrase")
    assert (code, last_line(out)) == (1, "error: wrong passphrase for wallet 'w'")
    code, out = cli(tmp_path, "wallet", "restore", "w")  # refused before the phrase is asked
    assert (code, last_line(out)) == (1, f"error: a key named 'w' already exists in {keys}")
    code, out = cli(tmp_path, "wallet", "addresses", "w", "--change")
    assert (code, last_line(out)) == (1, "error: --change is for BTC only: add --chain btc")
    code, out = cli(tmp_path, "wallet", "create", "x", "--words", "13")
    assert (code, last_line(out)) == (1, "error: --words is 12 or 24")

    assert cli(tmp_path, "keys", "add", "single")[0] == 0
    for command in ("show", "addresses", "export-xpub"):
        code, out = cli(tmp_path, "wallet", command, "single", GOSTAKING_PASSPHRASE="never asked")
        assert (code, last_line(out)) == (1, "error: 'single' is a single key, not an HD wallet")
    code, out = cli(tmp_path, "wallet", "show", "nobody")
    assert (code, last_line(out)) == (1, f"error: no key named 'nobody' in {keys}")
    assert sorted(path.name for path in keys.iterdir()) == ["single.json", "w.json"]


def test_an_hd_wallet_signs_transactions_with_from(live_devnet: LiveDevnet, tmp_path: Path) -> None:
    user = tmp_path / "user"
    api = {"GOSTAKING_API": live_devnet.url}
    assert cli(user, "wallet", "restore", "hd", input_text=ABANDON + "\n")[0] == 0
    assert cli(user, "keys", "add", "bob", "--no-passphrase")[0] == 0
    bob = Keyring(user / "keys").show("bob").address
    live_devnet.wait_for_height(12)  # the operator has mined enough GOS for the faucet
    code, out = cli(user, "faucet", "hd", "--wait", **api)
    assert code == 0 and f"to {GOS_FIRST}" in out, out

    code, out = cli(user, "tx", "send", "bob", "2gos", "--from", "hd", "--json", **api)
    assert code == 0, out
    result = json.loads(out)
    assert result["status"] == "included" and result["code"] == 0, result
    code, out = cli(user, "query", "tx", result["tx_hash"], **api)
    assert code == 0 and GOS_FIRST in out and bob in out, out

    code, out = cli(user, "tx", "send", "bob", "1gos", "--from", "hd", GOSTAKING_PASSPHRASE="wrong-passphrase", **api)
    assert (code, last_line(out)) == (1, "error: wrong passphrase for wallet 'hd'")
