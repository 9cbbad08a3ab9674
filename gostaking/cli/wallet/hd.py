"""`gostaking wallet` commands: create, restore, show, addresses, export-xpub (HD wallet).

An HD wallet is a keyring entry holding a BIP-39 recovery phrase (see gostaking/wallet/keyring.py and
docs/wallet.md), so `--from NAME` signs with its everyday GOS key like with any key.

`create` shows the new phrase once and asks for two of its words back, chosen at random, before anything is
written. Scripts cannot type words back, and a phrase printed to stdout ends up in logs and terminal scrollback,
so the one non-interactive way is `--show-once-to FILE`: the phrase goes to a new file of mode 0600 (never an
existing one), which the user is told to copy offline and delete. There is deliberately no flag that prints the
phrase and skips the check.
"""

import secrets
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import click
import typer

from gostaking.cli.common import print_json, print_table
from gostaking.cli.errors import CliError
from gostaking.cli.keys import ring_for_new_key
from gostaking.cli.options import (
    NEW_PASSPHRASE_HELP,
    HomeOption,
    JsonOption,
    KeyringOption,
    load_seed,
    open_keyring,
    read_new_passphrase,
    reads_passphrase,
)
from gostaking.cli.wallet.app import app
from gostaking.files import write_atomic
from gostaking.wallet.hd import (
    CHAINS,
    BtcNetwork,
    Chain,
    WalletAddress,
    account_path,
    extended_public_key,
    generate_mnemonic,
    normalize_mnemonic,
    seed_from_mnemonic,
    wallet_addresses,
)
from gostaking.wallet.keyring import MIN_PASSPHRASE_LENGTH, KeyInfo, check_new_passphrase

CONFIRMED_WORDS = 2
"""How many words of a new phrase the user types back (chosen at random, so a skipped write-down is caught)."""
CONFIRM_ATTEMPTS = 3
PHRASE_FILE_MODE = 0o600
MAX_ADDRESS_COUNT = 1000


class ChainChoice(StrEnum):
    gos = "gos"
    btc = "btc"
    eth = "eth"


class NetworkChoice(StrEnum):
    mainnet = "mainnet"
    testnet = "testnet"
    regtest = "regtest"


NameArgument = Annotated[str, typer.Argument(help="wallet name (a keyring entry, usable with --from)")]
NoPassphraseOption = Annotated[
    bool,
    typer.Option(
        "--no-passphrase",
        help="store the recovery phrase UNENCRYPTED (throwaway devnet wallets only) instead of asking for a"
        f" passphrase of at least {MIN_PASSPHRASE_LENGTH} characters",
    ),
]
Bip39PassphraseOption = Annotated[
    bool,
    typer.Option(
        "--bip39-passphrase",
        help="also ask for a BIP-39 passphrase (the '25th word'): part of the seed, so the phrase alone no longer"
        " restores the wallet; forgetting it loses the funds",
    ),
]
NetworkOption = Annotated[NetworkChoice, typer.Option("--network", help="Bitcoin network of the BTC addresses")]
AccountOption = Annotated[int, typer.Option("--account", min=0, max=2**31 - 1, help="BIP-44/84 account number")]


@app.command("create")
@reads_passphrase(NEW_PASSPHRASE_HELP)
def create_wallet(
    name: NameArgument,
    words: Annotated[int, typer.Option("--words", help="length of the recovery phrase: 12 or 24 words")] = 24,
    bip39_passphrase: Bip39PassphraseOption = False,
    no_passphrase: NoPassphraseOption = False,
    show_once_to: Annotated[
        Path | None,
        typer.Option(
            "--show-once-to",
            help="for scripts: write the phrase to this NEW file (mode 0600) instead of showing it and asking for"
            " words back; copy it offline, then delete the file",
        ),
    ] = None,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Create an HD wallet: a new recovery phrase for GOS, BTC and ETH, shown once and confirmed."""
    if words not in (12, 24):
        raise CliError("--words is 12 or 24")
    ring = ring_for_new_key(name, home, keyring)
    if show_once_to is not None and (show_once_to.exists() or not show_once_to.parent.is_dir()):
        raise CliError(f"--show-once-to {show_once_to}: give a new file in an existing directory")
    passphrase = None if no_passphrase else read_new_passphrase()
    if passphrase is not None:
        check_new_passphrase(passphrase)  # a short $GOSTAKING_PASSPHRASE: refused before a phrase is shown
    seed_passphrase = _read_bip39_passphrase() if bip39_passphrase else ""
    mnemonic = generate_mnemonic(words)
    if show_once_to is None:
        _show_and_confirm(mnemonic)
        info = ring.add_wallet(name, mnemonic, passphrase, seed_passphrase)
    else:
        try:
            write_atomic(show_once_to, (mnemonic + "\n").encode(), mode=PHRASE_FILE_MODE, exclusive=True)
        except FileExistsError:
            raise CliError(f"--show-once-to {show_once_to}: the file appeared meanwhile; nothing written") from None
        try:
            info = ring.add_wallet(name, mnemonic, passphrase, seed_passphrase)
        except BaseException:
            show_once_to.unlink()  # its phrase belongs to no wallet: leave nothing behind
            raise
        typer.echo(f"recovery phrase written to {show_once_to}: copy it offline, then delete the file")
    _report_stored("created", info, seed_from_mnemonic(mnemonic, seed_passphrase))


@app.command("restore")
@reads_passphrase(NEW_PASSPHRASE_HELP)
def restore_wallet(
    name: NameArgument,
    bip39_passphrase: Bip39PassphraseOption = False,
    no_passphrase: NoPassphraseOption = False,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Restore an HD wallet from its recovery phrase, typed at a prompt (kept out of the shell history)."""
    ring = ring_for_new_key(name, home, keyring)
    mnemonic = normalize_mnemonic(_read_phrase())  # a wrong word or checksum stops here, before any other question
    passphrase = None if no_passphrase else read_new_passphrase()
    seed_passphrase = _read_bip39_passphrase() if bip39_passphrase else ""
    info = ring.add_wallet(name, mnemonic, passphrase, seed_passphrase)
    _report_stored("restored", info, seed_from_mnemonic(mnemonic, seed_passphrase))
    if seed_passphrase:
        typer.echo("  (a mistyped BIP-39 passphrase gives another, empty wallet: check these are your addresses)")


@app.command("show")
@reads_passphrase()
def show_wallet(
    name: NameArgument,
    network: NetworkOption = NetworkChoice.mainnet,
    home: HomeOption = None,
    keyring: KeyringOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the first address of account 0 on every chain, with its derivation path (nothing secret)."""
    ring = open_keyring(home, keyring)
    info = ring.show(name)
    seed = load_seed(ring, name)
    rows = [_first_address(seed, chain, network.value) for chain in CHAINS]
    if as_json:
        print_json({**_describe(info), "network": network.value, "addresses": [_address_json(row) for row in rows]})
        return
    state = "encrypted" if info.encrypted else "UNENCRYPTED"
    typer.echo(f"HD wallet {info.name!r} ({state}, {info.path}); BTC on {network.value}")
    print_table([(row.chain.upper(), row.path, row.address) for row in rows], ("chain", "path", "address"))


@app.command("addresses")
@reads_passphrase()
def list_addresses(
    name: NameArgument,
    chain: Annotated[
        ChainChoice | None, typer.Option("--chain", help="one chain \\[default: gos, btc and eth]")
    ] = None,
    network: NetworkOption = NetworkChoice.mainnet,
    account: AccountOption = 0,
    change: Annotated[bool, typer.Option("--change", help="BTC change addresses (BIP-84 chain 1)")] = False,
    start: Annotated[int, typer.Option("--start", min=0, max=2**31 - 1, help="first address index")] = 0,
    count: Annotated[int, typer.Option("--count", min=1, max=MAX_ADDRESS_COUNT, help="addresses per chain")] = 5,
    home: HomeOption = None,
    keyring: KeyringOption = None,
    as_json: JsonOption = False,
) -> None:
    """List a wallet's addresses with their derivation paths."""
    chains: tuple[Chain, ...] = CHAINS if chain is None else (chain.value,)
    if change and chains != ("btc",):
        raise CliError("--change is for BTC only: add --chain btc")
    if start + count > 2**31:
        raise CliError(f"--start {start} --count {count} goes past the last address index (2^31-1)")
    ring = open_keyring(home, keyring)
    seed = load_seed(ring, name)
    rows = [
        row
        for one in chains
        for row in wallet_addresses(
            seed, one, network=network.value, account=account, change=int(change), start=start, count=count
        )
    ]
    if as_json:
        print_json([_address_json(row) for row in rows])
        return
    print_table([(row.chain.upper(), row.path, row.address) for row in rows], ("chain", "path", "address"))


@app.command("export-xpub")
@reads_passphrase()
def export_xpub(
    name: NameArgument,
    chain: Annotated[
        ChainChoice | None,
        typer.Option("--chain", help="print only this chain's key, alone on a line \\[default: a table of all]"),
    ] = None,
    network: NetworkOption = NetworkChoice.mainnet,
    account: AccountOption = 0,
    home: HomeOption = None,
    keyring: KeyringOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print an account's extended public key (zpub/vpub for BTC, xpub for GOS and ETH) for watch-only use: it
    reveals every address of the account, but cannot spend."""
    chains: tuple[Chain, ...] = CHAINS if chain is None else (chain.value,)
    ring = open_keyring(home, keyring)
    seed = load_seed(ring, name)
    rows = [
        (
            one,
            account_path(one, network=network.value, account=account),
            extended_public_key(seed, one, network=network.value, account=account),
        )
        for one in chains
    ]
    if as_json:
        print_json([{"chain": one, "network": network.value, "path": path, "xpub": xpub} for one, path, xpub in rows])
    elif chain is not None:
        typer.echo(rows[0][2])
    else:
        print_table([(one.upper(), path, xpub) for one, path, xpub in rows], ("chain", "path", "extended public key"))


def _read_phrase() -> str:
    """The recovery phrase: typed without echo at a terminal, else the first line of stdin (scripts pipe it; a
    hidden prompt would read the controlling terminal instead of the pipe)."""
    if sys.stdin.isatty():
        return str(typer.prompt("Recovery phrase (words separated by spaces)", hide_input=True))
    return sys.stdin.readline()


def _read_bip39_passphrase() -> str:
    """The BIP-39 passphrase, typed twice without echo (it cannot be checked later: another one is another wallet)."""
    return str(
        typer.prompt(
            "BIP-39 passphrase (part of the seed: without it the phrase restores a different, empty wallet)",
            hide_input=True,
            confirmation_prompt="Repeat the BIP-39 passphrase",
        )
    )


def _show_and_confirm(mnemonic: str) -> None:
    """Show `mnemonic` once, then ask for CONFIRMED_WORDS of its words (random positions) until each is right or
    CONFIRM_ATTEMPTS are used (CliError: nothing is written)."""
    words = mnemonic.split()
    typer.echo(
        f"\nYour recovery phrase ({len(words)} words). Write it down on paper, in order, and keep it offline.\n"
        "Anyone who reads it controls this wallet's GOS, BTC and ETH; without it, a lost or forgotten keyring file"
        " is lost money.\nIt is shown only this once.\n"
    )
    columns = 4
    for row in range(0, len(words), columns):
        typer.echo("  ".join(f"{i + 1:>2}. {words[i]:<9}" for i in range(row, min(row + columns, len(words)))))
    typer.echo("")
    typer.prompt("Press Enter once it is written down", default="", show_default=False)
    click.clear()  # off the screen before the check (a no-op when not writing to a terminal)
    for position in sorted(secrets.SystemRandom().sample(range(len(words)), CONFIRMED_WORDS)):
        for attempt in range(1, CONFIRM_ATTEMPTS + 1):
            typed = str(typer.prompt(f"Word #{position + 1} of your recovery phrase", hide_input=True))
            if typed.strip().lower() == words[position]:
                break
            if attempt == CONFIRM_ATTEMPTS:
                raise CliError(
                    f"word #{position + 1} did not match your copy {CONFIRM_ATTEMPTS} times: no wallet was created"
                    " (run `gostaking wallet create` again for a new phrase)"
                )
            typer.echo(f"Error: that is not word #{position + 1}; check your written copy.", err=True)


def _report_stored(verb: str, info: KeyInfo, seed: bytes) -> None:
    typer.echo(f"{verb} HD wallet {info.name!r}: {info.address}")
    typer.echo(f"  stored {'encrypted' if info.encrypted else 'UNENCRYPTED'} in {info.path}")
    for chain in CHAINS:
        row = _first_address(seed, chain, "mainnet")
        typer.echo(f"  {row.chain.upper()} {row.path}  {row.address}")


def _first_address(seed: bytes, chain: Chain, network: BtcNetwork) -> WalletAddress:
    return wallet_addresses(seed, chain, network=network)[0]


def _describe(info: KeyInfo) -> dict[str, object]:
    return {"name": info.name, "address": info.address, "encrypted": info.encrypted, "file": str(info.path)}


def _address_json(row: WalletAddress) -> dict[str, str]:
    return {"chain": row.chain, "path": row.path, "address": row.address}
