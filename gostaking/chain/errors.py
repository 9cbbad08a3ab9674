"""Typed chain errors. Handlers raise them through `require`; each carries a stable numeric code
that is reported in transaction results (0 means success)."""

from typing import NoReturn


class ChainError(Exception):
    """Base of every error a transaction or block can fail with."""

    code = 1


class DecodeError(ChainError):
    """Bytes are not a well-formed transaction."""

    code = 2


class InvalidSignatureError(ChainError):
    """The signature is malformed, non-canonical, or was not made by the sender's key."""

    code = 3


class WrongChainIdError(ChainError):
    """The transaction was signed for a different chain (replay protection)."""

    code = 4


class BadSequenceError(ChainError):
    """The transaction's sequence is not the sender's next sequence (replay protection)."""

    code = 5


class InsufficientFeeError(ChainError):
    """The fee is below the chain's minimum."""

    code = 6


class InsufficientFundsError(ChainError):
    """An account does not hold enough of a denomination."""

    code = 7


class InvalidAddressError(ChainError):
    """A string is not a valid gos1… address."""

    code = 8


class InvalidAmountError(ChainError):
    """An amount is zero, negative or otherwise out of range."""

    code = 9


class UnknownAssetError(ChainError):
    """The denomination is not registered, or cannot be used this way."""

    code = 10


class UnknownNodeError(ChainError):
    """No node is registered under that operator address."""

    code = 11


class NodeAlreadyRegisteredError(ChainError):
    """The operator or consensus key already belongs to a node."""

    code = 12


class InsufficientDelegationError(ChainError):
    """Redeeming more votes or stake than the account has on that node."""

    code = 13


class InvalidMessageError(ChainError):
    """A message field is malformed (memo too long, too many messages, bad key...)."""

    code = 14


class InvalidGenesisError(ChainError):
    """The genesis document violates a rule (e.g. a GOS premine)."""

    code = 15


class ModuleAccountError(ChainError):
    """Module accounts cannot sign transactions or receive transfers."""

    code = 16


class NodeJailedError(ChainError):
    """The node is jailed and cannot take new votes or stake."""

    code = 17


class UnauthorizedError(ChainError):
    """The sender may not perform this action (e.g. a price quote from a node outside the mining set)."""

    code = 18


class ConflictingAttestationError(ChainError):
    """A custodian's attestation of an external transfer differs from what other custodians attested."""

    code = 19


class AlreadyAttestedError(ChainError):
    """This custodian already attested or confirmed this transfer."""

    code = 20


class KycRequiredError(ChainError):
    """The service needs a KYC level the account does not have (or its attestation expired)."""

    code = 21


class AccountFrozenError(ChainError):
    """The account is frozen by the compliance council and cannot move funds."""

    code = 22


def require(condition: bool, error: type[ChainError], message: str) -> None:
    """Raise `error(message)` unless `condition` holds. Used instead of `assert`, which `-O` strips."""
    if not condition:
        raise error(message)


def fail(error: type[ChainError], message: str) -> NoReturn:
    """Raise `error(message)` unconditionally."""
    raise error(message)


MAX_AMOUNT = 2**256 - 1
"""Largest amount a message may carry (uint256, as on the hosted EVM chains)."""


def require_amount(amount: int) -> None:
    """Raise InvalidAmountError unless 0 < amount ≤ MAX_AMOUNT."""
    if not 0 < amount <= MAX_AMOUNT:  # not `require`: the message is formatted only when it is raised
        fail(InvalidAmountError, f"amount must be within 1..2^256-1, got {amount}")
