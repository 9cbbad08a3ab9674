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

    def __init__(self, message: str, code: int | None = None) -> None:
        """`code`: the node's JSON-RPC error code, when it answered with one."""
        super().__init__(message)
        self.code = code


class DeepReorgError(RpcError):
    """The last block a deposit watcher read is no longer on its node's best chain: a reorganization as deep as the
    watcher's confirmation depth or deeper, so deposits it already attested may be gone. The watcher stops (an
    error each pass, the gateway command exits) rather than guess: an operator checks what was attested from that
    block on and moves the cursor by hand."""

    def __init__(self, chain: str, height: int, read_hash: str, current_hash: str | None, tip: int, depth: int) -> None:
        """`read_hash`: the block the watcher read at `height`; `current_hash`: the node's block there now (None
        when its chain, ending at `tip`, is shorter)."""
        now = f"is now {current_hash}" if current_hash is not None else f"is gone (the chain ends at {tip})"
        super().__init__(
            f"{chain} block {height} {read_hash}, the last one this watcher read, left the node's best chain "
            f"(block {height} {now}, tip {tip}): a reorganization at least as deep as the {depth} confirmations it "
            f"waits for replaced blocks it read, and deposits attested from them may be gone; check them, then set "
            f"the watcher's cursor in the state file to a block of the new chain"
        )
        self.height = height
        self.read_hash = read_hash
        self.current_hash = current_hash


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
