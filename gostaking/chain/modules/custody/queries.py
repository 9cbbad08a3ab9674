"""Custody reads."""

import msgspec

from gostaking.chain.crypto import sha256
from gostaking.chain.modules.bank.queries import get_asset_supply
from gostaking.chain.modules.custody.tables import DEPOSITS, RECLAIMS, SANCTIONED, WITHDRAWAL_COUNT, WITHDRAWALS
from gostaking.chain.modules.lock.queries import require_asset
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.state import State
from gostaking.chain.types.custody import (
    CustodyBacking,
    Deposit,
    DepositStatus,
    Reclaim,
    SanctionEntry,
    Withdrawal,
    WithdrawalStatus,
)
from gostaking.chain.types.tx import SanctionUpdate

MAX_EXTERNAL_ID_LENGTH = 128
MAX_EXTERNAL_ADDRESS_LENGTH = 128
MAX_DEPOSIT_SENDERS = 16
"""A deposit's `from_address` names up to this many sender addresses (comma-separated: every distinct address
its inputs spend from, e.g. a Bitcoin transaction's inputs), each screened against the sanctions list."""
DEPOSIT_SENDER_SEPARATOR = ","


def is_custodian(state: State, address: str) -> bool:
    """True for members of the custodian set."""
    return address in state.params.get().custody.custodians


def get_hosted_chain(state: State, denom: str) -> str:
    """Where a denom lives outside GoStaking: the GOS ERC-20's chain for ugos, the asset's chain otherwise
    (UnknownAssetError for a denom that is not listed)."""
    if denom == GOS_DENOM:
        return state.params.get().custody.gos_token_chain
    return require_asset(state, denom).hosted_chain


def is_sanctioned(state: State, hosted_chain: str, external_address: str) -> bool:
    """True when the external address is on the sanctions list (addresses compare case-insensitively)."""
    return (hosted_chain, external_address.lower()) in state[SANCTIONED]


def compute_deposit_senders(from_address: str) -> list[str]:
    """The sender addresses a deposit's `from_address` names: one address, or several separated by commas."""
    return from_address.split(DEPOSIT_SENDER_SEPARATOR)


def get_sanction(state: State, hosted_chain: str, external_address: str) -> SanctionEntry | None:
    """The listing of an external address on the sanctions list (None: not listed)."""
    return state[SANCTIONED].get((hosted_chain, external_address.lower()))


def is_any_sanctioned(state: State, hosted_chain: str, external_addresses: list[str]) -> bool:
    """True when any of the external addresses is on the sanctions list."""
    return any(is_sanctioned(state, hosted_chain, address) for address in external_addresses)


def compute_deposit_key(hosted_chain: str, external_tx_id: str) -> str:
    """The 'hosted_chain:external_tx_id' name of a deposit used by MsgResolveHold and the API."""
    return f"{hosted_chain}:{external_tx_id}"


def compute_sanctions_subject(updates: list[SanctionUpdate]) -> str:
    """The council decision a batch of sanctions changes is approved under: sha256 of its canonical encoding, so
    that only identical batches add up (gateways compute it to see what they already approved)."""
    return "sanctions:" + sha256(msgspec.json.encode(updates)).hex()


def get_deposit(state: State, hosted_chain: str, external_tx_id: str) -> Deposit | None:
    """A deposit by hosted chain and the transaction id there, or None."""
    return state[DEPOSITS].get((hosted_chain, external_tx_id))


def get_deposits_page(
    state: State, status: DepositStatus | None, newest_first: bool, offset: int, limit: int
) -> tuple[int, list[tuple[tuple[str, str], Deposit]]]:
    """(matching deposits, a page of (key, deposit)) by first attestation height, equal heights in key order."""
    index, prefix = ("by_status", (status,)) if status is not None else ("by_first_seen", ())
    total, keys = state[DEPOSITS].page_index(index, prefix, offset, limit, reverse=newest_first)
    return total, state[DEPOSITS].rows(keys)


def get_reclaim(state: State, hosted_chain: str, external_tx_id: str) -> Reclaim | None:
    """The reported reclaim of a deposit (named like the deposit), or None."""
    return state[RECLAIMS].get((hosted_chain, external_tx_id))


def get_reclaims_page(
    state: State, newest_first: bool, offset: int, limit: int
) -> tuple[int, list[tuple[tuple[str, str], Reclaim]]]:
    """(reported reclaims, a page of (deposit key, reclaim)) by first report height, equal heights in key order."""
    total, keys = state[RECLAIMS].page_index("by_first_seen", (), offset, limit, reverse=newest_first)
    return total, state[RECLAIMS].rows(keys)


def compute_custody_backing(state: State, denom: str) -> CustodyBacking:
    """The chain's account of a custodied asset (not GOS): units credited, paid out and reclaimed, the reclaims'
    debits and shortfall, and the supply. O(deposits + withdrawals + reclaims): for invariants, audits and tools."""
    credited = sum(d.amount for d in state[DEPOSITS].values() if d.denom == denom and d.status == "credited")
    paid_out = sum(w.amount for w in state[WITHDRAWALS].values() if w.denom == denom and w.status == "completed")
    reclaimed = debited = shortfall = 0
    for key, reclaim in state[RECLAIMS].items_sorted():
        deposit = state[DEPOSITS].get(key)
        if reclaim.status == "applied" and deposit is not None and deposit.denom == denom:
            reclaimed += reclaim.liability
            debited += reclaim.debited
            shortfall += reclaim.shortfall
    return CustodyBacking(
        denom=denom,
        credited=credited + reclaimed,
        paid_out=paid_out,
        reclaimed=reclaimed,
        debited=debited,
        shortfall=shortfall,
        supply=get_asset_supply(state, denom),
    )


def get_withdrawal(state: State, withdrawal_id: int) -> Withdrawal | None:
    """A withdrawal by id, or None."""
    return state[WITHDRAWALS].get(withdrawal_id)


def get_withdrawal_count(state: State) -> int:
    """Withdrawals ever requested (their ids are 0 .. count - 1)."""
    return state[WITHDRAWAL_COUNT].get()


def get_withdrawals_page(
    state: State,
    status: WithdrawalStatus | None,
    owner: str | None,
    newest_first: bool,
    offset: int,
    limit: int,
) -> tuple[int, list[tuple[int, Withdrawal]]]:
    """(matching withdrawals, a page of (id, withdrawal)) by id, optionally only one status and/or owner."""
    filters = {"owner": owner, "status": status}
    total, ids = state[WITHDRAWALS].page_numbered(
        get_withdrawal_count(state), filters, offset, limit, newest_first=newest_first
    )
    return total, state[WITHDRAWALS].rows(ids)


def get_sanctions_page(
    state: State, hosted_chain: str | None, offset: int, limit: int
) -> tuple[int, list[tuple[tuple[str, str], SanctionEntry]]]:
    """(listed addresses, a page of ((hosted chain, address), entry)) in key order, optionally of one chain."""
    prefix = () if hosted_chain is None else (hosted_chain,)
    total, keys = state[SANCTIONED].page_index("by_key", prefix, offset, limit)
    return total, state[SANCTIONED].rows(keys)
