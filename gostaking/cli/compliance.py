"""`gostaking compliance …`: KYC attestations by providers, freezes by the council, and reading them."""

import hashlib
from pathlib import Path
from typing import Annotated

import typer

from gostaking.chain.types.compliance import FreezeAction, UnfreezeAction
from gostaking.chain.types.tx import Msg, MsgApproveComplianceAction, MsgAttestKyc, MsgRevokeKyc
from gostaking.cli.common import (
    LimitOption,
    OffsetOption,
    TableOption,
    document_command,
    document_table_command,
    fetch_json,
    parse_id,
    print_json,
    print_json_or_table,
)
from gostaking.cli.errors import CliError
from gostaking.cli.options import API_DEFAULT, ApiOption, HomeOption, KeyringOption, TxOptions, open_keyring, tx_command
from gostaking.cli.tx import resolve_address, submit, submit_messages
from gostaking.wallet.keyring import Keyring

app = typer.Typer(help="Compliance: KYC levels, account freezes and the audit trail.", no_args_is_help=True)

AddressArgument = Annotated[str, typer.Argument(help="account (gos1…) or a key name")]
ReasonOption = Annotated[str, typer.Option("--reason", help="why (≤ 256 bytes; stored on chain, no personal data)")]
CaseOption = Annotated[str, typer.Option("--case", help="case id of the investigation (≤ 64 characters)")]


def hash_evidence(path: Path) -> bytes:
    """sha256 of an evidence file, computed locally: only the hash goes on chain, never the file."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise CliError(f"cannot read evidence file {path}: {error.strerror or error}") from None
    return digest.digest()


@tx_command(app, "attest-kyc")
def attest_kyc(
    address: AddressArgument,
    level: Annotated[int, typer.Argument(min=1, max=3, help="KYC level 1..3")],
    expires_height: Annotated[int, typer.Option("--expires-height", min=1, help="height the attestation ends at")],
    evidence_file: Annotated[
        Path, typer.Option("--evidence-file", help="evidence kept by the provider: hashed locally (sha256), not sent")
    ],
    tx: TxOptions,
) -> None:
    """As a KYC provider, attest an address's level until a height; only the evidence's hash is stored."""
    evidence_hash = hash_evidence(evidence_file)

    def build(_: dict[str, int], ring: Keyring) -> list[Msg]:
        return [MsgAttestKyc(resolve_address(address, ring, "address"), level, expires_height, evidence_hash)]

    submit(tx, build)


@tx_command(app, "revoke-kyc")
def revoke_kyc(address: AddressArgument, tx: TxOptions) -> None:
    """As a KYC provider, withdraw your attestation of an address."""

    def build(_: dict[str, int], ring: Keyring) -> list[Msg]:
        return [MsgRevokeKyc(resolve_address(address, ring, "address"))]

    submit(tx, build)


def _council_command(name: str, action: type[FreezeAction] | type[UnfreezeAction], summary: str) -> None:
    """Register freeze/unfreeze: a council member proposes the action (and approves it)."""

    def command(address: AddressArgument, reason: ReasonOption, case: CaseOption, tx: TxOptions) -> None:
        def build(_: dict[str, int], ring: Keyring) -> list[Msg]:
            return [MsgApproveComplianceAction(action=action(resolve_address(address, ring, "address"), reason, case))]

        submit(tx, build)

    command.__doc__ = summary
    tx_command(app, name)(command)


_council_command("freeze", FreezeAction, "As a council member, propose freezing an account (counts as your approval).")
_council_command(
    "unfreeze", UnfreezeAction, "As a council member, propose unfreezing an account (counts as your approval)."
)


@tx_command(app, "approve")
def approve(
    action_id: Annotated[str, typer.Argument(help="id of a pending action (see `compliance actions`)")], tx: TxOptions
) -> None:
    """As a council member, approve a pending freeze/unfreeze; the threshold-th approval executes it."""
    submit_messages(tx, [MsgApproveComplianceAction(parse_id(action_id, "action id"))])


@app.command("kyc")
def kyc(
    address: AddressArgument, api: ApiOption = API_DEFAULT, home: HomeOption = None, keyring: KeyringOption = None
) -> None:
    """An address's KYC level now, with the provider, expiry and evidence hash."""
    resolved = resolve_address(address, open_keyring(home, keyring), "address")
    print_json(fetch_json(api, f"/compliance/kyc/{resolved}"))


document_command(app, "providers", "/compliance/providers", "Admitted KYC providers.")
document_table_command(
    app,
    "frozen",
    "/compliance/frozen",
    "Frozen accounts with their case ids.",
    headers=("address", "case", "since", "action", "reason"),
    rows=lambda document: [
        (f["address"], f["case_id"], f["frozen_height"], f["action_id"], f["reason"]) for f in document
    ],
)


@app.command("actions")
def actions(
    status: Annotated[str | None, typer.Option("--status", help="pending or executed")] = None,
    address: Annotated[str | None, typer.Option("--address", help="only actions on this account")] = None,
    limit: LimitOption = 20,
    offset: OffsetOption = 0,
    api: ApiOption = API_DEFAULT,
    table: TableOption = False,
    home: HomeOption = None,
    keyring: KeyringOption = None,
) -> None:
    """The council's audit trail: every freeze and unfreeze with its approvers, newest first."""
    resolved = resolve_address(address, open_keyring(home, keyring), "address") if address is not None else None
    params = {"status": status, "address": resolved, "limit": limit, "offset": offset}
    print_json_or_table(
        fetch_json(api, "/compliance/actions", params),
        table,
        ("id", "kind", "status", "approvals", "case", "address"),
        lambda document: [
            (a["id"], a["kind"], a["status"], a["approvals"], a["case_id"], a["address"]) for a in document["actions"]
        ],
    )


document_table_command(
    app,
    "council-approvals",
    "/compliance/council-approvals",
    "Sanctions changes and hold decisions some council members approved, waiting for the threshold.",
    headers=("subject", "approvals", "since", "approvers"),
    rows=lambda document: [
        (a["subject"], a["approvals"], a["first_height"], " ".join(a["approvers"])) for a in document["approvals"]
    ],
)
document_command(app, "params", "/compliance/params", "KYC levels the services require, and the compliance council.")
