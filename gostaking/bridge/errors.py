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
