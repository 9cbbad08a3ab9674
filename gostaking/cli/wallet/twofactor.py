"""`gostaking wallet 2fa …`: 2FA wallets co-signed by a cosigner service (docs/cosigner.md).

The work is in gostaking/wallet/cosigner_client.py (client, descriptor, signing) and gostaking/wallet/multisig.py
(the transaction file and combining); these commands read options, ask for passphrases and print.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from gostaking.chain.types.tx import Msg, MsgSendCoins, TxBody
from gostaking.cli.amounts import parse_amount, parse_gos_amount
from gostaking.cli.client import open_api
from gostaking.cli.common import print_json
from gostaking.cli.errors import CliError
from gostaking.cli.options import (
    API_DEFAULT,
    ApiOption,
    FeeOption,
    HomeOption,
    KeyringOption,
    MemoOption,
    TimeoutOption,
    WaitOption,
    load_seed,
    open_keyring,
    reads_passphrase,
)
from gostaking.cli.tx import chain_denoms, resolve_address, send_and_report
from gostaking.cli.wallet.app import app
from gostaking.client import NodeApi
from gostaking.cosigner.policy import DEFAULT_DELAY_SECONDS, Policy, PolicyError, validate_policy
from gostaking.cosigner.protocol import ProtocolError
from gostaking.cosigner.totp import qr_terminal
from gostaking.wallet.cosigner_client import (
    Approval,
    CosignerClient,
    CosignerClientError,
    TwoFactorStore,
    TwoFactorWallet,
    UserKeys,
    signed_by_user,
    signed_for_recovery,
    user_keys_of,
    with_cosigner_signature,
)
from gostaking.wallet.keyring import Keyring, KeyringError
from gostaking.wallet.multisig import MultisigStore, UnsignedTx, parse_pubkey, read_tx_file, write_tx_file

twofactor_app = typer.Typer(
    help="2FA wallets: a 2-of-3 account of your key, your backup key (same seed) and a cosigner's key, which signs "
    "only after your phone code or passkey and within your policy."
)
app.add_typer(twofactor_app, name="2fa", no_args_is_help=True)
policy_app = typer.Typer(help="The spending policy the cosigner enforces.")
twofactor_app.add_typer(policy_app, name="policy", no_args_is_help=True)
passkey_app = typer.Typer(help="Passkeys ('fingerprint'): approve with your authenticator instead of a code.")
twofactor_app.add_typer(passkey_app, name="passkey", no_args_is_help=True)

NameArgument = Annotated[str, typer.Argument(help="name of the 2FA wallet")]
FromOption = Annotated[str, typer.Option("--from", help="name of the 2FA wallet")]
CodeOption = Annotated[str | None, typer.Option("--code", help="the 6-digit code of your authenticator app")]
RequiredCode = Annotated[str, typer.Option("--code", help="the 6-digit code of your authenticator app")]
PasskeyOption = Annotated[
    bool, typer.Option("--passkey", help="approve on the cosigner's page with your passkey instead of a code")
]
TokenArgument = Annotated[str, typer.Argument(help="the approval's token (printed when it was held)")]


def _wallet(home: Path | None, keyring: Path | None, name: str) -> tuple[Keyring, TwoFactorWallet]:
    ring = open_keyring(home, keyring)
    return ring, TwoFactorStore(ring.directory).show(name)


def _keys(ring: Keyring, wallet: TwoFactorWallet) -> UserKeys:
    return user_keys_of(wallet, load_seed(ring, wallet.wallet))


@twofactor_app.command("create")
@reads_passphrase()
def create(
    name: NameArgument,
    wallet: Annotated[str, typer.Option("--wallet", help="the HD wallet (`wallet create`) whose keys you hold")],
    cosigner: Annotated[str, typer.Option("--cosigner", help="the cosigner's URL")],
    qr_svg: Annotated[Path | None, typer.Option("--qr-svg", help="also write the QR code to this SVG file")] = None,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Enrol a 2FA wallet: send the cosigner your two PUBLIC keys, get its key, the 2-of-3 address and the TOTP
    secret (QR code for your authenticator app); then activate with the first code."""
    ring = open_keyring(home, keyring)
    store, multisig = TwoFactorStore(ring.directory), MultisigStore(ring.directory)
    for path in (store.path(name), multisig.path(name)):
        if path.exists():
            raise CliError(f"{path} exists: choose another name")
    keys = UserKeys.from_seed(load_seed(ring, wallet))
    client = CosignerClient(cosigner)
    try:
        enrolled = client.enrol(keys)
    finally:
        client.close()
    descriptor = TwoFactorWallet(
        name, wallet, client.url, keys.user.public_key, keys.backup.public_key, enrolled.cosigner_pubkey
    )
    store.add(descriptor)
    multisig.add(name, descriptor.key)  # the generic offline flow (`--generate-only`, `wallet sign`) knows it too
    if qr_svg is not None:
        qr_svg.write_text(enrolled.qr_svg)
    typer.echo(qr_terminal(enrolled.otpauth_uri), err=True)
    print_json(
        {
            "name": name,
            "address": descriptor.address,
            "cosigner_pubkey": descriptor.cosigner_pubkey.hex(),
            "otpauth_uri": enrolled.otpauth_uri,
            "next": f"scan the QR code (or the otpauth URI), then `gostaking wallet 2fa activate {name} --code …`",
        }
    )


@twofactor_app.command("import")
@reads_passphrase()
def import_wallet(
    name: NameArgument,
    wallet: Annotated[str, typer.Option("--wallet", help="the HD wallet holding the user and backup keys")],
    cosigner_pubkey: Annotated[
        str, typer.Option("--cosigner-pubkey", help="the cosigner's key (66 hex digits; in any tx it signed)")
    ],
    cosigner: Annotated[str, typer.Option("--cosigner", help="the cosigner's URL, if it still runs")] = "",
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Rebuild a lost 2FA wallet file from your recovery phrase and the cosigner's public key (nothing is sent):
    then `recover` or `sign --recovery` work again."""
    ring = open_keyring(home, keyring)
    keys = UserKeys.from_seed(load_seed(ring, wallet))
    descriptor = TwoFactorWallet(
        name, wallet, cosigner.rstrip("/"), keys.user.public_key, keys.backup.public_key, parse_pubkey(cosigner_pubkey)
    )
    try:
        address = descriptor.address
    except ProtocolError as error:
        raise CliError(str(error)) from None
    TwoFactorStore(ring.directory).add(descriptor)
    if not MultisigStore(ring.directory).path(name).exists():
        MultisigStore(ring.directory).add(name, descriptor.key)
    print_json({"name": name, "address": address})


@twofactor_app.command("activate")
def activate(name: NameArgument, code: RequiredCode, home: HomeOption = None, keyring: KeyringOption = None) -> None:
    """Turn 2FA on with the first code your authenticator app shows."""
    _, wallet = _wallet(home, keyring, name)
    with _client(wallet) as client:
        client.activate(wallet.address, code)
    typer.echo(f"2FA is active for {wallet.address}")


@twofactor_app.command("status")
def status(name: NameArgument, home: HomeOption = None, keyring: KeyringOption = None) -> None:
    """The cosigner's record of the wallet, and its policy."""
    _, wallet = _wallet(home, keyring, name)
    with _client(wallet) as client:
        print_json({"name": name, **client.status(wallet.address), **client.policy(wallet.address)})


@twofactor_app.command("send")
@reads_passphrase()
def send(
    to: Annotated[str, typer.Argument(help="recipient address (gos1…) or a key name")],
    amount: Annotated[str, typer.Argument(help="e.g. 1.5gos, 1500000ugos, 0.25btc")],
    from_name: FromOption,
    code: CodeOption = None,
    passkey: PasskeyOption = False,
    api: ApiOption = API_DEFAULT,
    fee: FeeOption = None,
    memo: MemoOption = "",
    wait: WaitOption = True,
    timeout: TimeoutOption = 30.0,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Send GOS or an asset from a 2FA wallet: you sign, the cosigner signs after your code (or passkey), and the
    transaction is broadcast. Above your policy's threshold it is held instead (see `release`)."""
    _require_one_method(code, passkey)
    ring, wallet = _wallet(home, keyring, from_name)
    with open_api(api) as node:
        denom, units = parse_amount(amount, chain_denoms(node))
        msg = MsgSendCoins(resolve_address(to, ring, "recipient"), denom, units)
        body = _body(node, wallet, [msg], fee, memo)
        unsigned = signed_by_user(wallet, UnsignedTx(body, wallet.key), _keys(ring, wallet))
        with _client(wallet) as client:
            approval = _approve(client, wallet, unsigned, code, timeout)
        _finish(node, wallet, unsigned, approval, wait, timeout)


@twofactor_app.command("sign")
@reads_passphrase()
def sign(
    file: Annotated[Path, typer.Argument(help="transaction file of the 2FA wallet from `tx … --generate-only`")],
    from_name: FromOption,
    code: CodeOption = None,
    passkey: PasskeyOption = False,
    recovery: Annotated[
        bool, typer.Option("--recovery", help="sign with your user AND backup keys: no cosigner needed")
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", help="write here instead of replacing FILE")] = None,
    timeout: TimeoutOption = 120.0,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Complete any transaction of the 2FA wallet (`tx … --from NAME --generate-only FILE`): your signature and
    the cosigner's (after --code or --passkey), or with --recovery your two keys. Then `tx broadcast FILE`."""
    if recovery and (code is not None or passkey):
        raise CliError("--recovery signs with your two keys: give no --code or --passkey")
    if not recovery:
        _require_one_method(code, passkey)
    ring, wallet = _wallet(home, keyring, from_name)
    unsigned = read_tx_file(file)
    keys = _keys(ring, wallet)
    if recovery:
        complete = signed_for_recovery(wallet, unsigned, keys)
    else:
        signed = signed_by_user(wallet, unsigned, keys)
        with _client(wallet) as client:
            approval = _approve(client, wallet, signed, code, timeout)
        if approval.status != "signed":
            write_tx_file(out or file, signed)
            _report_not_signed(wallet, approval)
            return
        complete = with_cosigner_signature(signed, approval)
    write_tx_file(out or file, complete)
    print_json({"file": str(out or file), "signatures": len(complete.signatures), "signatures_needed": 0})


@twofactor_app.command("release")
@reads_passphrase()
def release(
    name: NameArgument,
    token: TokenArgument,
    api: ApiOption = API_DEFAULT,
    wait: WaitOption = True,
    timeout: TimeoutOption = 30.0,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Broadcast a held transaction once its delay has passed and the cosigner has signed it."""
    ring, wallet = _wallet(home, keyring, name)
    with _client(wallet) as client:
        body = client.held_body(wallet, token)
        approval = client.approval(wallet, body, token)
    if approval.status == "held":
        until = datetime.fromtimestamp(approval.release_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        raise CliError(f"approval {token} is held by your policy until {until}: release it after that")
    unsigned = signed_by_user(wallet, UnsignedTx(body, wallet.key), _keys(ring, wallet))
    with open_api(api) as node:
        _finish(node, wallet, unsigned, approval, wait, timeout)


@twofactor_app.command("cancel")
@reads_passphrase()
def cancel(name: NameArgument, token: TokenArgument, home: HomeOption = None, keyring: KeyringOption = None) -> None:
    """Cancel a held transaction (its amount stops counting against your daily limit)."""
    ring, wallet = _wallet(home, keyring, name)
    keys = _keys(ring, wallet)
    with _client(wallet) as client:
        typer.echo(f"approval {token}: {client.cancel(wallet.address, token, keys.user)}")


@twofactor_app.command("recover")
@reads_passphrase()
def recover(
    to: Annotated[str, typer.Argument(help="where everything goes: an address (gos1…) or a key name")],
    from_name: FromOption,
    api: ApiOption = API_DEFAULT,
    fee: FeeOption = None,
    wait: WaitOption = True,
    timeout: TimeoutOption = 30.0,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Leave the cosigner: move every liquid balance of the 2FA wallet to TO, signed by your user key and your
    backup key, both from your recovery phrase. The cosigner is not asked (it may be gone)."""
    ring, wallet = _wallet(home, keyring, from_name)
    recipient = resolve_address(to, ring, "recipient")
    with open_api(api) as node:
        balances = _balances(node, wallet.address)
        held_by_recipient = _balances(node, recipient)
        tx_params = node.get("/params")["tx"]
        fee_ugos = _fee(node, fee)
        # Each balance the recipient does not hold yet costs the sender a storage fee, in GOS (bank module).
        new_entries = sum(1 for denom, amount in balances.items() if amount and denom not in held_by_recipient)
        reserved = fee_ugos + new_entries * int(tx_params["new_balance_fee_ugos"])
        if balances.get("ugos", 0) <= reserved:
            raise CliError(
                f"{wallet.address} holds {balances.get('ugos', 0)} ugos, not more than the {reserved} ugos of fees "
                "this transfer costs: nothing can be moved until it holds GOS for them"
            )
        balances["ugos"] -= reserved
        msgs: list[Msg] = [
            MsgSendCoins(recipient, denom, amount) for denom, amount in sorted(balances.items()) if amount
        ]
        body = _body(node, wallet, msgs, fee, "")
        complete = signed_for_recovery(wallet, UnsignedTx(body, wallet.key), _keys(ring, wallet))
        send_and_report(node, complete.wire_bytes(), wallet.address, wait, timeout)


@policy_app.command("show")
def policy_show(name: NameArgument, home: HomeOption = None, keyring: KeyringOption = None) -> None:
    """The policy in force and any loosening waiting for its delay."""
    _, wallet = _wallet(home, keyring, name)
    with _client(wallet) as client:
        print_json(client.policy(wallet.address))


@policy_app.command("set")
@reads_passphrase()
def policy_set(
    name: NameArgument,
    code: RequiredCode,
    daily_limit: Annotated[
        list[str] | None, typer.Option("--daily-limit", help="at most this much per 24 hours, e.g. 100gos")
    ] = None,
    allow: Annotated[
        list[str] | None, typer.Option("--allow", help="only pay this recipient (repeat; none: anyone)")
    ] = None,
    delay_above: Annotated[
        list[str] | None, typer.Option("--delay-above", help="hold transactions taking out more than this, e.g. 50gos")
    ] = None,
    delay: Annotated[int, typer.Option("--delay", help="seconds a large transaction or a loosening waits")] = (
        DEFAULT_DELAY_SECONDS
    ),
    api: ApiOption = API_DEFAULT,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """Replace the policy. Tightening applies now; anything that loosens it waits the current delay."""
    ring, wallet = _wallet(home, keyring, name)
    with open_api(api) as node:
        assets = {asset.denom: asset.decimals for asset in node.assets()}
    policy = Policy(
        daily_limits=dict(parse_amount(text, assets) for text in daily_limit or []),
        allowlist=[_recipient(text, ring) for text in allow or []],
        delay_thresholds=dict(parse_amount(text, assets) for text in delay_above or []),
        delay_seconds=delay,
    )
    try:
        validate_policy(policy)
    except PolicyError as error:
        raise CliError(str(error)) from None
    keys = _keys(ring, wallet)
    with _client(wallet) as client:
        print_json(client.set_policy(wallet.address, policy, code, keys.user))


@passkey_app.command("add")
@reads_passphrase()
def passkey_add(name: NameArgument, code: RequiredCode, home: HomeOption = None, keyring: KeyringOption = None) -> None:
    """Open a passkey registration: prints the page to open in your browser (it asks your authenticator)."""
    ring, wallet = _wallet(home, keyring, name)
    keys = _keys(ring, wallet)
    with _client(wallet) as client:
        page = client.begin_passkey_registration(wallet.address, code, keys.user)
    typer.echo(f"open {page} in your browser to add the passkey (valid for 5 minutes)")


@contextmanager
def _client(wallet: TwoFactorWallet) -> Iterator[CosignerClient]:
    """A CosignerClient of the wallet's cosigner for a `with` block; its refusals become CliError."""
    client = CosignerClient(wallet.cosigner_url)
    try:
        yield client
    except CosignerClientError as error:
        raise CliError(str(error)) from None
    finally:
        client.close()


def _recipient(text: str, ring: Keyring) -> str:
    """An allow-list entry: a gos1… address or a key name (checked), else an external address as given (the
    recipient of withdrawals to another chain)."""
    if text.startswith("gos1"):
        return resolve_address(text, ring, "allow-list entry")
    try:
        return ring.show(text).address
    except KeyringError:
        return text


def _require_one_method(code: str | None, passkey: bool) -> None:
    if (code is None) == (not passkey):
        raise CliError("approve with --code 123456 (your authenticator app) or --passkey, one of them")


def _balances(node: NodeApi, address: str) -> dict[str, int]:
    return {entry["denom"]: int(entry["amount"]) for entry in node.get(f"/accounts/{address}")["balances"]}


def _fee(node: NodeApi, fee: str | None) -> int:
    if fee is not None:
        return parse_gos_amount(fee)
    return int(node.get("/params")["tx"]["min_fee_ugos"])


def _body(node: NodeApi, wallet: TwoFactorWallet, msgs: list[Msg], fee: str | None, memo: str) -> TxBody:
    return TxBody(node.chain_id(), wallet.address, node.next_sequence(wallet.address), _fee(node, fee), msgs, memo)


def _approve(
    client: CosignerClient, wallet: TwoFactorWallet, unsigned: UnsignedTx, code: str | None, timeout_s: float
) -> Approval:
    user_key_index = wallet.index_of(wallet.user_pubkey)
    signer_signature = unsigned.signatures[user_key_index]
    if code is not None:
        return client.cosign(wallet, unsigned.body, signer_signature, code)
    approval = client.request_passkey_approval(wallet, unsigned.body, signer_signature)
    typer.echo(f"approve in your browser: {approval.page}", err=True)
    return client.wait_for_approval(wallet, unsigned.body, approval.token, timeout_s)


def _finish(
    node: NodeApi, wallet: TwoFactorWallet, unsigned: UnsignedTx, approval: Approval, wait: bool, timeout_s: float
) -> None:
    if approval.status != "signed":
        _report_not_signed(wallet, approval)
        return
    complete = with_cosigner_signature(unsigned, approval)
    send_and_report(node, complete.wire_bytes(), wallet.address, wait, timeout_s)


def _report_not_signed(wallet: TwoFactorWallet, approval: Approval) -> None:
    if approval.status == "held":
        print_json(
            {
                "status": "held",
                "token": approval.token,
                "release_at": approval.release_at,
                "next": f"after release_at: `gostaking wallet 2fa release {wallet.name} {approval.token}` "
                f"(or cancel it: `wallet 2fa cancel {wallet.name} {approval.token}`)",
            }
        )
        return
    raise CliError(f"the cosigner did not sign: the approval is {approval.status}")
