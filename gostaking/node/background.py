"""A loop on a daemon thread between `start` and `stop`: how the block producer and the index follower run."""

import threading


class BackgroundLoop:
    """Runs `run` on one daemon thread named `thread_name`; `stop` sets `_stop` and waits for the thread.

    `run` must return soon after `_stop` is set (wait on it between steps, not with time.sleep); a subclass that
    waits on another event too wakes it in `_interrupt`. Stopping lets the step in progress finish.
    """

    def __init__(self, thread_name: str) -> None:
        """A loop whose thread is called `thread_name`; call `start` to run it."""
        self._thread_name = thread_name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """True while the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def run(self) -> None:
        """The loop itself (on the calling thread; `start` runs it on its own)."""
        raise NotImplementedError

    def _interrupt(self) -> None:
        """Wake a `run` waiting on something other than `_stop` (nothing by default)."""

    def start(self) -> None:
        """Run the loop on a daemon thread."""
        if self._thread is not None:
            raise RuntimeError(f"{self._thread_name} already started")
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name=self._thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the loop after the step in progress, and wait for the thread."""
        self._stop.set()
        self._interrupt()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
