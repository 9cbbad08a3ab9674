"""Errors of the custody gateway. Each says what failed and, where it helps, what to do about it."""


class BridgeError(Exception):
    """Base class of gateway errors."""


class NodeApiError(BridgeError):
    """The GoStaking node API answered with an error or could not be reached."""


class TxRejectedError(NodeApiError):
    """The node refused a transaction at submission (check_tx); `error` is the chain's error class name."""

    def __init__(self, error: str, code: int, message: str) -> None:
        super().__init__(f"{error} (code {code}): {message}")
        self.error = error
        self.code = code


class StateFileError(BridgeError):
    """The gateway's state file is unreadable, damaged or used by another process."""


class RpcError(BridgeError):
    """A hosted-chain node (Bitcoin Core, EVM) answered with an error or could not be reached."""


class ScriptError(BridgeError):
    """A lock script, address or PSBT is malformed or does not match what the gateway expects."""


class SanctionsFormatError(BridgeError):
    """An OFAC SDN file does not follow the published format."""


class PriceFeedError(BridgeError):
    """Prices could not be fetched or combined (too few exchanges, bad tickers)."""


class StateVerificationError(BridgeError):
    """What the node said about the chain's state fails verification: a Merkle proof that does not reach its app
    hash, an app hash the trust anchor (CometBFT's signed headers, or a quorum of nodes) contradicts, or a record
    that differs from what the node's own blocks announced. The gateway refuses to pay or sign on it."""


class VerificationUnavailableError(BridgeError):
    """The node's state could not be verified yet (the next header is not committed, too few quorum nodes
    answered, a CometBFT RPC is down): nothing is paid or signed on it in this pass; the next pass tries again."""
