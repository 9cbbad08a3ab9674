"""Custody reads."""

import msgspec

from gostaking.chain.crypto import sha256
from gostaking.chain.modules.custody.tables import SANCTIONED
from gostaking.chain.state import State
from gostaking.chain.types.tx import SanctionUpdate

MAX_EXTERNAL_ID_LENGTH = 128
MAX_EXTERNAL_ADDRESS_LENGTH = 128


def is_custodian(state: State, address: str) -> bool:
    """True for members of the custodian set."""
    return address in state.params.get().custody.custodians


def is_sanctioned(state: State, hosted_chain: str, external_address: str) -> bool:
    """True when the external address is on the sanctions list (addresses compare case-insensitively)."""
    return (hosted_chain, external_address.lower()) in state[SANCTIONED]


def compute_deposit_key(hosted_chain: str, external_tx_id: str) -> str:
    """The 'hosted_chain:external_tx_id' name of a deposit used by MsgResolveHold and the API."""
    return f"{hosted_chain}:{external_tx_id}"


def compute_sanctions_subject(updates: list[SanctionUpdate]) -> str:
    """The council decision a batch of sanctions changes is approved under: sha256 of its canonical encoding, so
    that only identical batches add up (gateways compute it to see what they already approved)."""
    return "sanctions:" + sha256(msgspec.json.encode(updates)).hex()
