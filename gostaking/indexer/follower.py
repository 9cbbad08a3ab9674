"""A background thread that keeps the index up with the chain (the devnet runs one beside the producer)."""

import logging
import threading
from typing import Any

from .indexer import Indexer

log = logging.getLogger(__name__)

DEFAULT_POLL_S = 0.5
MAX_BACKOFF_S = 10.0


class IndexFollower:
    """Runs `indexer.sync()` whenever a block is committed (`notify`) or every `poll_s` seconds.

    Polling covers drivers that do not call `notify` (e.g. a CometBFT-driven app); `notify` only makes the
    index follow sooner. Errors (e.g. the database is unreachable) are logged and retried with backoff; the
    chain never waits for the index.
    """

    def __init__(self, indexer: Indexer, poll_s: float = DEFAULT_POLL_S) -> None:
        """A follower for `indexer`; call `start` to run it."""
        self.indexer = indexer
        self.poll_s = poll_s
        self.failures = 0
        self.last_error = ""
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """True while the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def notify(self, _block: Any = None) -> None:
        """Wake the follower: a block was committed (usable as a producer after-commit hook)."""
        self._wake.set()

    def start(self) -> None:
        """Run on a daemon thread."""
        if self._thread is not None:
            raise RuntimeError("index follower already started")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="index-follower", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop after the batch in progress (each batch is one transaction, so stopping loses nothing)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _run(self) -> None:
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
