"""A background thread that keeps the index up with the chain (the devnet runs one beside the producer)."""

import logging
import threading
from typing import Any

from gostaking.node.background import BackgroundLoop

from .indexer import Indexer

log = logging.getLogger(__name__)

DEFAULT_POLL_S = 0.5
MAX_BACKOFF_S = 10.0


class IndexFollower(BackgroundLoop):
    """Runs `indexer.sync()` whenever a block is committed (`notify`) or every `poll_s` seconds.

    Polling covers drivers that do not call `notify` (e.g. a CometBFT-driven app); `notify` only makes the
    index follow sooner. Errors (e.g. the database is unreachable) are logged and retried with backoff; the
    chain never waits for the index.
    """

    def __init__(self, indexer: Indexer, poll_s: float = DEFAULT_POLL_S) -> None:
        """A follower for `indexer`; call `start` to run it."""
        super().__init__("index-follower")
        self.indexer = indexer
        self.poll_s = poll_s
        self.failures = 0
        self.last_error = ""
        self._wake = threading.Event()

    def notify(self, _block: Any = None) -> None:
        """Wake the follower: a block was committed (usable as a producer after-commit hook)."""
        self._wake.set()

    def _interrupt(self) -> None:
        # Stopping lets the batch in progress finish: each batch is one transaction, so stopping loses nothing.
        self._wake.set()

    def run(self) -> None:
        """Sync, then wait for a block or the poll interval (longer after failures), until `stop`."""
        while not self._stop.is_set():
            self._wake.clear()
            delay = self.poll_s
            try:
                self.indexer.sync(should_stop=self._stop.is_set)
                self.failures = 0
                self.last_error = ""
            except Exception as error:
                self.failures += 1
                self.last_error = f"{type(error).__name__}: {error}"
                delay = min(MAX_BACKOFF_S, self.poll_s * 2**self.failures)
                log.exception("indexing failed (%d in a row); retrying in %.1f s", self.failures, delay)
            self._wake.wait(delay)
