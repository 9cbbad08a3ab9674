"""Custody reads."""

from gostaking.chain.state import State

MAX_EXTERNAL_ID_LENGTH = 128
MAX_EXTERNAL_ADDRESS_LENGTH = 128


def is_custodian(state: State, address: str) -> bool:
    """True for members of the custodian set."""
    return address in state.params.get().custody.custodians


def is_sanctioned(state: State, hosted_chain: str, external_address: str) -> bool:
    """True when the external address is on the sanctions list (addresses compare case-insensitively)."""
    return (hosted_chain, external_address.lower()) in state.sanctioned


def compute_deposit_key(hosted_chain: str, external_tx_id: str) -> str:
    """The 'hosted_chain:external_tx_id' name of a deposit used by MsgResolveHold and the API."""
    return f"{hosted_chain}:{external_tx_id}"
