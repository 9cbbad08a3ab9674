"""Where an app process's time goes under CometBFT: per ABCI request type, and optionally a cProfile of its requests.

Off unless the app process's environment asks for it (the benchmark and an operator chasing a slow node set it):

GOSTAKING_ABCI_TRACE=<prefix>   per request type: count, total, CPU and largest handling time; per connection: batches
                                (requests that arrived together), their sizes and the time from a batch's arrival
                                to its last answer being written; the cyclic GC's collections per generation.
                                Written as JSON to <prefix>.<pid>.json when the server closes (one file per app
                                process of a localnet).
GOSTAKING_ABCI_PROFILE=<prefix> a cProfile of the request handling, written to <prefix>.<pid>.prof when the server
                                closes: `python -m pstats <file>`.

Off, the server pays one test per read.
"""

import cProfile
import gc
import json
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

TRACE_ENV = "GOSTAKING_ABCI_TRACE"
PROFILE_ENV = "GOSTAKING_ABCI_PROFILE"


@dataclass
class _Totals:
    count: int = 0
    seconds: float = 0.0
    max_seconds: float = 0.0
    cpu_seconds: float = 0.0
    """The thread's CPU time: on a loaded machine the wall time also counts the waits for a core."""

    def add(self, count: int, seconds: float, cpu_seconds: float = 0.0) -> None:
        self.count += count
        self.seconds += seconds
        self.max_seconds = max(self.max_seconds, seconds)
        self.cpu_seconds += cpu_seconds

    def as_json(self) -> dict[str, float]:
        return {
            "count": self.count,
            "total_ms": round(self.seconds * 1000, 3),
            "mean_us": round(self.seconds * 1e6 / self.count, 1) if self.count else 0.0,
            "max_ms": round(self.max_seconds * 1000, 3),
            "cpu_mean_us": round(self.cpu_seconds * 1e6 / self.count, 1) if self.count else 0.0,
        }


@dataclass
class RequestTrace:
    """Counters the server fills while it runs; `write` saves them (and the profile) where the environment says."""

    trace_path: Path | None
    profile_path: Path | None
    requests: defaultdict[str, _Totals] = field(default_factory=lambda: defaultdict(_Totals))
    batches: defaultdict[str, _Totals] = field(default_factory=lambda: defaultdict(_Totals))
    """Per connection ("consensus", "mempool" or "other"): batches (the requests other than Flush that one read
    brought) with the time from their arrival to the last answer written, and under "<connection> requests" how
    many requests they held."""
    started: float = field(default_factory=time.perf_counter)
    profiler: cProfile.Profile | None = None

    collections: defaultdict[str, _Totals] = field(default_factory=lambda: defaultdict(_Totals))
    """The cyclic GC's collections by generation, with their pauses."""
    _collection_started: float = 0.0

    def __post_init__(self) -> None:
        if self.profile_path is not None:
            self.profiler = cProfile.Profile()
        if self.trace_path is not None:
            gc.callbacks.append(self._on_collection)

    def _on_collection(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._collection_started = time.perf_counter()
        else:
            self.collections[f"generation {info['generation']}"].add(1, time.perf_counter() - self._collection_started)

    @classmethod
    def from_environment(cls) -> "RequestTrace | None":
        """The trace the environment asks for, or None (the usual case)."""
        trace, profile = os.environ.get(TRACE_ENV, ""), os.environ.get(PROFILE_ENV, "")
        if not trace and not profile:
            return None
        pid = os.getpid()
        return cls(Path(f"{trace}.{pid}.json") if trace else None, Path(f"{profile}.{pid}.prof") if profile else None)

    def request_done(self, kind: str, seconds: float, cpu_seconds: float) -> None:
        """One request of type `kind` took `seconds` (`cpu_seconds` of the thread's CPU) to decode, handle and
        encode."""
        self.requests[kind].add(1, seconds, cpu_seconds)

    def batch_done(self, connection: str, size: int, seconds: float) -> None:
        """A batch of `size` requests on `connection` was answered `seconds` after it arrived."""
        self.batches[connection].add(1, seconds)
        self.batches[connection + " requests"].add(size, 0.0)

    def write(self) -> None:
        """Save what was asked for."""
        if self.trace_path is not None:
            document = {
                "wall_s": round(time.perf_counter() - self.started, 3),
                "cpu_s": round(time.process_time(), 3),
                "requests": {kind: totals.as_json() for kind, totals in sorted(self.requests.items())},
                "batches": {name: totals.as_json() for name, totals in sorted(self.batches.items())},
                "gc": {name: totals.as_json() for name, totals in sorted(self.collections.items())},
                "gc_frozen_objects": gc.get_freeze_count(),
            }
            self.trace_path.write_text(json.dumps(document, indent=1) + "\n")
        if self.profiler is not None and self.profile_path is not None:
            self.profiler.dump_stats(str(self.profile_path))
