"""`gostaking wallet multisig create|show|list`, `wallet sign` and `wallet combine`: k-of-n accounts and the
offline signing flow (`tx … --generate-only` → each member `wallet sign` → `wallet combine` → `tx broadcast`).
The work is in gostaking/wallet/multisig.py; docs/multisig.md describes the flow and the file formats."""

from pathlib import Path
from typing import Annotated

import typer

from gostaking.cli.common import print_json, print_table
from gostaking.cli.errors import CliError
from gostaking.cli.options import HomeOption, JsonOption, KeyringOption, load_key, open_keyring, reads_passphrase
from gostaking.cli.wallet.app import app
from gostaking.wallet.multisig import (
    MultisigAccount,
    MultisigStore,
    add_signature,
    combine,
    member_index,
    multisig_key,
    parse_pubkey,
    read_tx_file,
    write_tx_file,
)

multisig_app = typer.Typer(help="k-of-n multisig accounts (public keys only; no key leaves its owner).")
app.add_typer(multisig_app, name="multisig", no_args_is_help=True)

NameArgument = Annotated[str, typer.Argument(help="name of the multisig account")]


def _store(home: Path | None, keyring: Path | None) -> MultisigStore:
    return MultisigStore(open_keyring(home, keyring).directory)


def _describe(account: MultisigAccount) -> dict[str, object]:
    return {
        "name": account.name,
        "address": account.address,
        "threshold": account.key.threshold,
        "pubkeys": [pubkey.hex() for pubkey in account.key.pubkeys],
    }


@multisig_app.command("create")
def create(
    name: NameArgument,
    threshold: Annotated[int, typer.Option("--threshold", help="signatures needed (k of the n keys)")],
    pubkey: Annotated[
        list[str] | None, typer.Option("--pubkey", help="a member's public key, 66 hex digits (`keys show`)")
    ] = None,
    key: Annotated[list[str] | None, typer.Option("--key", help="a member key of this keyring, by name")] = None,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Record a k-of-n multisig account from its members' public keys and print its address (nothing is sent:
    the account exists on chain once funds arrive)."""
    ring = open_keyring(home, keyring)
    pubkeys = [parse_pubkey(text) for text in pubkey or []] + [ring.show(name_).public_key for name_ in key or []]
    if not pubkeys:
        raise CliError("give the members' keys with --pubkey HEX or --key NAME (repeatable)")
    account = MultisigStore(ring.directory).add(name, multisig_key(threshold, pubkeys))
    typer.echo(f"created {account.key.threshold}-of-{len(account.key.pubkeys)} multisig {name!r}: {account.address}")


@multisig_app.command("show")
def show(name: NameArgument, home: HomeOption = None, keyring: KeyringOption = None) -> None:
    """Print a multisig account: address, threshold and member keys (share this with the co-signers)."""
    print_json(_describe(_store(home, keyring).show(name)))


@multisig_app.command("list")
def list_accounts(home: HomeOption = None, keyring: KeyringOption = None, json: JsonOption = False) -> None:
    """List the multisig accounts of the keyring."""
    accounts = _store(home, keyring).list()
    if json:
        print_json([_describe(account) for account in accounts])
        return
    rows = [(a.name, f"{a.key.threshold}-of-{len(a.key.pubkeys)}", a.address) for a in accounts]
    print_table(rows, ("NAME", "KEYS", "ADDRESS"))


@app.command("sign")
@reads_passphrase()
def sign(
    file: Annotated[Path, typer.Argument(help="transaction file from `tx … --generate-only`")],
    from_name: Annotated[str, typer.Option("--from", help="your member key in the keyring")],
    out: Annotated[Path | None, typer.Option("--out", help="write here instead of adding to FILE")] = None,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Add your signature to a multisig transaction file (refused for a key outside the multisig)."""
    unsigned = read_tx_file(file)
    ring = open_keyring(home, keyring)
    # Checked before the passphrase prompt: nobody should type a passphrase for a signature that cannot count.
    member_index(unsigned, ring.show(from_name).public_key)
    signed = add_signature(unsigned, load_key(ring, from_name))
    target = out or file
    write_tx_file(target, signed)
    print_json({"file": str(target), "signatures": len(signed.signatures), "signatures_needed": signed.missing})


@app.command("combine")
def combine_files(
    files: Annotated[list[Path], typer.Argument(help="the signed copies of one transaction file")],
    out: Annotated[Path | None, typer.Option("--out", help="write here \\[default: the first FILE]")] = None,
) -> None:
    """Merge the signatures of several copies of a multisig transaction into one complete file for `tx broadcast`
    (refused for different transactions, a signature given twice, or fewer than the threshold)."""
    combined = combine([(str(path), read_tx_file(path)) for path in files])
    target = out or files[0]
    write_tx_file(target, combined)
    print_json({"file": str(target), "signatures": len(combined.signatures), "signatures_needed": 0})
