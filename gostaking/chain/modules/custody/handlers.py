"""Custody: deposits credited by m-of-n custodian attestations (never twice), withdrawals escrowed then
confirmed by m-of-n custodians, deposits taken back by their depositors debited on m-of-n custodian reports, and the
sanctions list and its holds decided by m of n of the compliance council."""

from msgspec.structs import replace

from gostaking.chain.constants import CUSTODY_ESCROW_ACCOUNT, LOCKED_ACCOUNT
from gostaking.chain.crypto import require_address
from gostaking.chain.env import Context
from gostaking.chain.errors import (
    AlreadyAttestedError,
    ConflictingAttestationError,
    InvalidMessageError,
    UnauthorizedError,
    require,
    require_amount,
)
from gostaking.chain.modules.bank.mutations import (
    burn_asset,
    mint_asset,
    move_asset,
    move_gos,
    move_units,
    receive_gos_from_bridge,
    send_gos_to_bridge,
)
from gostaking.chain.modules.bank.queries import get_balance
from gostaking.chain.modules.bank.tables import GOS_SUPPLY
from gostaking.chain.modules.compliance.mutations import approve_council_decision, drop_council_decision
from gostaking.chain.modules.compliance.queries import require_council_member, require_kyc_level
from gostaking.chain.modules.custody.events import (
    DepositAttestedEvent,
    DepositCreditedEvent,
    DepositHeldEvent,
    DepositReclaimedEvent,
    HoldResolvedEvent,
    ReclaimReportedEvent,
    SanctionsUpdatedEvent,
    WithdrawalCompletedEvent,
    WithdrawalRequestedEvent,
)
from gostaking.chain.modules.custody.mutations import (
    add_withdrawal,
    apply_sanctions_updates,
    store_deposit,
    store_reclaim,
    store_withdrawal,
)
from gostaking.chain.modules.custody.queries import (
    MAX_DEPOSIT_SENDERS,
    MAX_EXTERNAL_ADDRESS_LENGTH,
    MAX_EXTERNAL_ID_LENGTH,
    compute_deposit_key,
    compute_deposit_senders,
    compute_sanctions_subject,
    get_hosted_chain,
    is_any_sanctioned,
    is_custodian,
    is_sanctioned,
)
from gostaking.chain.modules.custody.tables import DEPOSITS, RECLAIMS, WITHDRAWALS
from gostaking.chain.modules.lock.queries import compute_lock_pool_id, get_locked_amount
from gostaking.chain.modules.mining.mutations import change_position
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.state import State
from gostaking.chain.types.custody import Deposit, Reclaim, Withdrawal, WithdrawalStatus
from gostaking.chain.types.tx import (
    MsgAttestDeposit,
    MsgConfirmWithdrawal,
    MsgReportReclaim,
    MsgRequestWithdrawal,
    MsgResolveHold,
    MsgUpdateSanctions,
)


def _require_text(value: str, limit: int, what: str) -> None:
    # ASCII, as the hosted chains' ids and addresses are: it also bounds the bytes of the state keys made of them
    # (up to 4 bytes a character otherwise), which the store limits (storage/stored_merkle.py MAX_STATE_KEY_SIZE).
    require(
        0 < len(value) <= limit and value.isascii() and value.isprintable() and value.strip() == value,
        InvalidMessageError,
        f"{what} must be 1..{limit} printable ASCII characters without surrounding spaces",
    )


def _require_senders(from_address: str) -> list[str]:
    """A deposit's sender: one external address, or up to MAX_DEPOSIT_SENDERS distinct ones separated by commas (a
    Bitcoin deposit names the address of every input, and each is screened)."""
    senders = compute_deposit_senders(from_address)
    if len(senders) == 1:
        _require_text(from_address, MAX_EXTERNAL_ADDRESS_LENGTH, "external sender address")
        return senders
    require(
        len(senders) <= MAX_DEPOSIT_SENDERS and len(set(senders)) == len(senders),
        InvalidMessageError,
        f"a deposit names 1..{MAX_DEPOSIT_SENDERS} distinct sender addresses",
    )
    for sender in senders:
        _require_text(sender, MAX_EXTERNAL_ADDRESS_LENGTH, "external sender address")
    return senders


def _require_custodian(state: State, sender: str) -> int:
    require(is_custodian(state, sender), UnauthorizedError, f"{sender} is not a custodian")
    return state.params.get().custody.threshold


def _require_withdrawal(state: State, withdrawal_id: int, status: str) -> Withdrawal:
    withdrawal = state[WITHDRAWALS].get(withdrawal_id)
    if withdrawal is None or withdrawal.status != status:
        found = "no such withdrawal" if withdrawal is None else f"it is {withdrawal.status}"
        raise InvalidMessageError(f"withdrawal {withdrawal_id} is not {status}: {found}")
    return withdrawal


def _is_evm_address(text: str) -> bool:
    digits = text[2:]
    return (
        text[:2] in ("0x", "0X")
        and len(digits) == 40
        and all(c in "0123456789abcdefABCDEF" for c in digits)
        and int(digits, 16) != 0
    )


def _credit(state: State, recipient: str, denom: str, amount: int) -> None:
    """Credit an arrived deposit: wrapped units of an asset, or native GOS swapped back from the ERC-20."""
    if denom == GOS_DENOM:
        receive_gos_from_bridge(state, recipient, amount)
    else:
        mint_asset(state, recipient, denom, amount)


def _can_credit(state: State, denom: str, amount: int) -> bool:
    return denom != GOS_DENOM or amount <= state[GOS_SUPPLY].get().bridged_out_ugos


def check_attest_deposit(state: State, msg: MsgAttestDeposit) -> None:
    """A listed denom on its own hosted chain, a well-formed external tx id and sender(s), a gos1 recipient, an
    amount within 1..2^256-1."""
    hosted_chain = get_hosted_chain(state, msg.denom)
    require(msg.hosted_chain == hosted_chain, InvalidMessageError, f"{msg.denom} lives on {hosted_chain}")
    _require_text(msg.external_tx_id, MAX_EXTERNAL_ID_LENGTH, "external tx id")
    _require_senders(msg.from_address)
    require_address(msg.recipient, "recipient")
    require_amount(msg.amount)


def process_attest_deposit(state: State, ctx: Context, msg: MsgAttestDeposit) -> None:
    """Record a custodian's attestation; the threshold-th matching one credits the wrapped units (or holds
    them when the sender on the hosted chain is sanctioned). Later attestations change nothing."""
    threshold = _require_custodian(state, ctx.sender)
    senders = compute_deposit_senders(msg.from_address)
    key = (msg.hosted_chain, msg.external_tx_id)
    deposit = state[DEPOSITS].get(key)
    if deposit is None:
        deposit = Deposit(msg.from_address, msg.recipient, msg.denom, msg.amount, (), "pending", ctx.height)
    content = (deposit.from_address, deposit.recipient, deposit.denom, deposit.amount)
    require(
        content == (msg.from_address, msg.recipient, msg.denom, msg.amount),
        ConflictingAttestationError,
        f"deposit {compute_deposit_key(*key)} was attested with different details",
    )
    require(ctx.sender not in deposit.attesters, AlreadyAttestedError, "this custodian already attested it")
    require(
        deposit.status != "reclaimed",
        InvalidMessageError,
        f"deposit {compute_deposit_key(*key)} went back to its depositor",
    )
    deposit = replace(deposit, attesters=(*deposit.attesters, ctx.sender))
    if deposit.status == "pending" and len(deposit.attesters) >= threshold:
        if is_any_sanctioned(state, msg.hosted_chain, senders):
            deposit = replace(deposit, status="held", resolved_height=ctx.height)
            ctx.emit(DepositHeldEvent(deposit=compute_deposit_key(*key), reason="sanctioned sender"))
        elif not _can_credit(state, msg.denom, msg.amount):
            # More GOS attested back than ever left the chain: a custodian or bridge fault, for review.
            deposit = replace(deposit, status="held", resolved_height=ctx.height)
            ctx.emit(DepositHeldEvent(deposit=compute_deposit_key(*key), reason="exceeds GOS bridged out"))
        else:
            _credit(state, msg.recipient, msg.denom, msg.amount)
            deposit = replace(deposit, status="credited", resolved_height=ctx.height)
            ctx.emit(
                DepositCreditedEvent(
                    deposit=compute_deposit_key(*key), recipient=msg.recipient, denom=msg.denom, amount=msg.amount
                )
            )
    store_deposit(state, key, deposit)
    ctx.emit(
        DepositAttestedEvent(
            deposit=compute_deposit_key(*key), custodian=ctx.sender, attestations=len(deposit.attesters)
        )
    )


def check_report_reclaim(state: State, msg: MsgReportReclaim) -> None:
    """Well-formed deposit and reclaim transaction ids."""
    _require_text(msg.external_tx_id, MAX_EXTERNAL_ID_LENGTH, "external tx id")
    _require_text(msg.reclaim_tx_id, MAX_EXTERNAL_ID_LENGTH, "reclaim tx id")


def process_report_reclaim(state: State, ctx: Context, msg: MsgReportReclaim) -> None:
    """Record a custodian's report that a deposit's output went back to its depositor (the lock's timelocked path,
    open once the custodians failed to sweep it in time). Reports must agree exactly on the reclaiming transaction;
    the threshold-th closes the deposit (status reclaimed: it can no longer be credited or released) and debits
    what it credited: the recipient's balance first, then its locks; what has moved beyond reach is recorded as
    the reclaim's shortfall. Later reports are recorded and change nothing."""
    threshold = _require_custodian(state, ctx.sender)
    key = (msg.hosted_chain, msg.external_tx_id)
    name = compute_deposit_key(*key)
    deposit = state[DEPOSITS].get(key)
    if deposit is None:
        raise InvalidMessageError(f"no deposit {name} has been attested")
    require(deposit.denom != GOS_DENOM, InvalidMessageError, "a swap of the GOS ERC-20 is a burn: it has no reclaim")
    reclaim = state[RECLAIMS].get(key) or Reclaim(msg.reclaim_tx_id, (), "pending", ctx.height)
    require(
        reclaim.reclaim_tx_id == msg.reclaim_tx_id,
        ConflictingAttestationError,
        f"the reclaim of deposit {name} was reported in another transaction",
    )
    require(ctx.sender not in reclaim.reporters, AlreadyAttestedError, "this custodian already reported it")
    reclaim = replace(reclaim, reporters=(*reclaim.reporters, ctx.sender))
    if reclaim.status == "pending" and len(reclaim.reporters) >= threshold:
        reclaim = _apply_reclaim(state, ctx, key, deposit, reclaim)
    store_reclaim(state, key, reclaim)
    ctx.emit(
        ReclaimReportedEvent(
            deposit=name, custodian=ctx.sender, reclaim_tx=msg.reclaim_tx_id, reports=len(reclaim.reporters)
        )
    )


def _apply_reclaim(state: State, ctx: Context, key: tuple[str, str], deposit: Deposit, reclaim: Reclaim) -> Reclaim:
    """Close a reclaimed deposit and debit what it credited; returns the applied reclaim."""
    liability = deposit.amount if deposit.status == "credited" else 0
    from_balance = min(liability, get_balance(state, deposit.recipient, deposit.denom))
    if from_balance:
        burn_asset(state, deposit.recipient, deposit.denom, from_balance)
    from_locks = min(liability - from_balance, get_locked_amount(state, deposit.recipient, deposit.denom))
    if from_locks:
        change_position(state, ctx, deposit.recipient, compute_lock_pool_id(deposit.denom), -from_locks)
        burn_asset(state, LOCKED_ACCOUNT, deposit.denom, from_locks)
    debited = from_balance + from_locks
    if deposit.status == "held":  # the council can no longer decide it: its pending approvals are moot
        for outcome in ("release", "reject"):
            drop_council_decision(state, f"hold:deposit:{compute_deposit_key(*key)}:{outcome}")
    store_deposit(state, key, replace(deposit, status="reclaimed", resolved_height=ctx.height))
    ctx.emit(
        DepositReclaimedEvent(
            deposit=compute_deposit_key(*key),
            recipient=deposit.recipient,
            denom=deposit.denom,
            amount=liability,
            debited=debited,
            from_locks=from_locks,
            shortfall=liability - debited,
            reclaim_tx=reclaim.reclaim_tx_id,
        )
    )
    return replace(
        reclaim,
        status="applied",
        liability=liability,
        debited=debited,
        shortfall=liability - debited,
        resolved_height=ctx.height,
    )


def check_request_withdrawal(state: State, msg: MsgRequestWithdrawal) -> None:
    """Custody enabled, a listed denom, an amount within 1..2^256-1, a well-formed destination (for GOS, a 0x…
    address of the ERC-20's chain)."""
    get_hosted_chain(state, msg.denom)
    require(state.params.get().custody.threshold > 0, UnauthorizedError, "custody is not enabled on this chain")
    require_amount(msg.amount)
    _require_text(msg.external_address, MAX_EXTERNAL_ADDRESS_LENGTH, "external address")
    require(
        msg.denom != GOS_DENOM or _is_evm_address(msg.external_address),
        InvalidMessageError,
        "GOS leaves to the GOS ERC-20: the destination must be a non-zero 0x… address of 40 hex digits",
    )


def process_request_withdrawal(state: State, ctx: Context, msg: MsgRequestWithdrawal) -> None:
    """Escrow the units and queue the payout for the custodians (held if the destination is sanctioned)."""
    level = state.params.get().compliance.withdraw_min_kyc_level
    require_kyc_level(state, ctx.sender, ctx.height, level, "withdrawing from custody")
    if msg.denom == GOS_DENOM:  # a swap out to the GOS ERC-20
        escrow_shares = move_gos(state, ctx.sender, CUSTODY_ESCROW_ACCOUNT, msg.amount)
    else:
        move_asset(state, ctx.sender, CUSTODY_ESCROW_ACCOUNT, msg.denom, msg.amount)
        escrow_shares = 0
    held = is_sanctioned(state, get_hosted_chain(state, msg.denom), msg.external_address)
    status: WithdrawalStatus = "held" if held else "pending"
    withdrawal = Withdrawal(
        ctx.sender, msg.denom, msg.amount, msg.external_address, status, ctx.height, escrow_shares=escrow_shares
    )
    withdrawal_id = add_withdrawal(state, withdrawal)
    ctx.emit(
        WithdrawalRequestedEvent(
            id=withdrawal_id,
            owner=ctx.sender,
            denom=msg.denom,
            amount=msg.amount,
            to=msg.external_address,
            status=status,
        )
    )


def check_confirm_withdrawal(state: State, msg: MsgConfirmWithdrawal) -> None:
    """A well-formed external tx id."""
    _require_text(msg.external_tx_id, MAX_EXTERNAL_ID_LENGTH, "external tx id")


def process_confirm_withdrawal(state: State, ctx: Context, msg: MsgConfirmWithdrawal) -> None:
    """Record a custodian's confirmation; the threshold-th matching one completes the withdrawal (burns the
    escrowed units: they left custody)."""
    threshold = _require_custodian(state, ctx.sender)
    withdrawal = _require_withdrawal(state, msg.withdrawal_id, "pending")
    require(
        not withdrawal.external_tx_id or withdrawal.external_tx_id == msg.external_tx_id,
        ConflictingAttestationError,
        f"withdrawal {msg.withdrawal_id} was confirmed with another external tx id",
    )
    require(ctx.sender not in withdrawal.confirmers, AlreadyAttestedError, "this custodian already confirmed it")
    withdrawal = replace(withdrawal, external_tx_id=msg.external_tx_id, confirmers=(*withdrawal.confirmers, ctx.sender))
    if len(withdrawal.confirmers) >= threshold:
        if withdrawal.denom == GOS_DENOM:  # the ERC-20 was minted: the native GOS leaves the supply
            send_gos_to_bridge(state, CUSTODY_ESCROW_ACCOUNT, withdrawal.escrow_shares, withdrawal.amount)
        else:
            burn_asset(state, CUSTODY_ESCROW_ACCOUNT, withdrawal.denom, withdrawal.amount)
        withdrawal = replace(withdrawal, status="completed", resolved_height=ctx.height)
        ctx.emit(WithdrawalCompletedEvent(id=msg.withdrawal_id, external_tx_id=msg.external_tx_id))
    store_withdrawal(state, msg.withdrawal_id, withdrawal)


def check_update_sanctions(state: State, msg: MsgUpdateSanctions) -> None:
    """1..1000 updates, each with a well-formed hosted chain, address and source."""
    require(0 < len(msg.updates) <= 1_000, InvalidMessageError, "1..1000 sanctions updates per message")
    for update in msg.updates:
        _require_text(update.hosted_chain, 32, "hosted chain")
        _require_text(update.address, MAX_EXTERNAL_ADDRESS_LENGTH, "sanctioned address")
        _require_text(update.source, 64, "source")


def process_update_sanctions(state: State, ctx: Context, msg: MsgUpdateSanctions) -> None:
    """Approve a batch of sanctions list changes; the council_threshold-th member sending the same batch applies it.

    The batch is named by the sha256 of its canonical encoding, so members approve exactly the same changes (the
    gateway's import diffs the SDN file against the chain's list, so members importing the same file send the same
    batches).
    """
    require_council_member(state, ctx.sender)
    if not approve_council_decision(state, ctx, compute_sanctions_subject(msg.updates)):
        return
    apply_sanctions_updates(state, msg.updates, ctx.height)
    ctx.emit(SanctionsUpdatedEvent(changes=len(msg.updates)))


def check_resolve_hold(state: State, msg: MsgResolveHold) -> None:
    """One deposit ('hosted_chain:external_tx_id') or one withdrawal id, not both."""
    require(bool(msg.deposit) != (msg.withdrawal_id >= 0), InvalidMessageError, "name one deposit or one withdrawal")
    if msg.deposit:
        hosted_chain, colon, external_tx_id = msg.deposit.partition(":")
        require(bool(colon), InvalidMessageError, "a deposit is named 'hosted_chain:external_tx_id'")
        _require_text(hosted_chain, 32, "hosted chain")
        _require_text(external_tx_id, MAX_EXTERNAL_ID_LENGTH, "external tx id")


def process_resolve_hold(state: State, ctx: Context, msg: MsgResolveHold) -> None:
    """Approve releasing or rejecting a held deposit or withdrawal; the council_threshold-th approval of the same
    outcome executes it (auditable events), and the approvals gathered for the other outcome are dropped."""
    require_council_member(state, ctx.sender)
    if msg.deposit:
        hosted_chain, _, external_tx_id = msg.deposit.partition(":")
        deposit = state[DEPOSITS].get((hosted_chain, external_tx_id))
        if deposit is None or deposit.status != "held":
            raise InvalidMessageError(f"no held deposit {msg.deposit}")
        require(
            not msg.release or _can_credit(state, deposit.denom, deposit.amount),
            InvalidMessageError,
            "more GOS than is bridged out: it cannot be credited",
        )
        if _council_decides_hold(state, ctx, f"deposit:{msg.deposit}", msg.release):
            _resolve_held_deposit(state, ctx, (hosted_chain, external_tx_id), deposit, msg.release)
    else:
        withdrawal = _require_withdrawal(state, msg.withdrawal_id, "held")
        if _council_decides_hold(state, ctx, f"withdrawal:{msg.withdrawal_id}", msg.release):
            _resolve_held_withdrawal(state, ctx, msg.withdrawal_id, withdrawal, msg.release)


def _council_decides_hold(state: State, ctx: Context, target: str, release: bool) -> bool:
    """This approval completes the council's decision on the hold (then the other outcome's approvals are moot)."""
    outcome, other = ("release", "reject") if release else ("reject", "release")
    if not approve_council_decision(state, ctx, f"hold:{target}:{outcome}"):
        return False
    drop_council_decision(state, f"hold:{target}:{other}")
    return True


def _resolve_held_deposit(state: State, ctx: Context, key: tuple[str, str], deposit: Deposit, release: bool) -> None:
    if release:
        _credit(state, deposit.recipient, deposit.denom, deposit.amount)
    status = "credited" if release else "rejected"
    store_deposit(state, key, replace(deposit, status=status, resolved_height=ctx.height))
    ctx.emit(HoldResolvedEvent(deposit=":".join(key), outcome=status, by=ctx.sender))


def _resolve_held_withdrawal(
    state: State, ctx: Context, withdrawal_id: int, withdrawal: Withdrawal, release: bool
) -> None:
    if release:
        withdrawal = replace(withdrawal, status="pending")
    else:
        if withdrawal.denom == GOS_DENOM:
            move_units(state, CUSTODY_ESCROW_ACCOUNT, withdrawal.owner, GOS_DENOM, withdrawal.escrow_shares)
        else:
            move_asset(state, CUSTODY_ESCROW_ACCOUNT, withdrawal.owner, withdrawal.denom, withdrawal.amount)
        withdrawal = replace(withdrawal, status="refunded", resolved_height=ctx.height)
    store_withdrawal(state, withdrawal_id, withdrawal)
    ctx.emit(HoldResolvedEvent(withdrawal=withdrawal_id, outcome=withdrawal.status, by=ctx.sender))
