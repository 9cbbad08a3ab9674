"""Answers of the routes that show the committed chain state (the node views of the explorer: nodes with uptime, the
resource-sharing graph, the dashboard, the node list and pages), computed once per committed height and kept as
JSON until the next block commits.

These routes read a hundred nodes or hundreds of bonds in the node process, whose GIL the block producer shares:
computed for every request (then under the state lock), eight readers of the explorer's node pages kept the
producer waiting for the lock and the GIL (blocks took up to 200 ms instead of 3) and one another (p99 ~200 ms).
The state does not change between two commits, so each answer is computed once per committed height (and index
height, for the views that show the index too) and key, by one thread while the others wait for it, then served
from memory on the event loop. An answer that is a short read (`read_answer`) is made on the event loop, as
deps.read_state reads. Parts of an answer that most blocks do not change (one node's graph) are kept across heights
while what they show stays equal (`KeptParts`). The routes still declare their response models (the OpenAPI
document is unchanged); the JSON is the model's own.
"""

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import msgspec
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from gostaking.chain.state import State
from gostaking.node.app import GoStakingApp

from .deps import read_state

Answer = BaseModel | dict[str, Any]
"""A route's answer: its response model, or the plain JSON object of one (as explorer.view_json builds them)."""
Stamp = tuple[int, ...]
"""What an answer was computed at: the committed height, and the index's height for the views that read it."""

MAX_KEYS = 1024
"""Answers kept per route and height (a route's keys are its parameters: one page of nodes, one node's graph…)."""
MAX_BYTES = 16 * 2**20
"""JSON kept per route (a block's answer may be megabytes): the oldest answers go first; a larger one is not kept."""


class HeightAnswers:
    """The JSON answers of one route, per app, valid while the stamp they were computed at is current."""

    def __init__(self, max_keys: int = MAX_KEYS, max_bytes: int = MAX_BYTES) -> None:
        """Keep up to `max_keys` answers and `max_bytes` of JSON per app (beyond, the oldest are dropped)."""
        self.max_keys = max_keys
        self.max_bytes = max_bytes
        self._computing = threading.Lock()
        self._lock = threading.Lock()  # held only to change the answers kept: the event loop may take it
        self._answers: weakref.WeakKeyDictionary[GoStakingApp, dict[Hashable, tuple[Stamp, bytes]]] = (
            weakref.WeakKeyDictionary()
        )

    async def answer(self, app: GoStakingApp, stamp: Stamp, key: Hashable, compute: Callable[[], Answer]) -> Response:
        """The answer for `key` at `stamp`: from memory on the event loop, else `compute`d on a worker thread by one
        request while the others for it wait."""
        body = self._current(app, stamp, key)
        if body is None:
            body = await run_in_threadpool(self._compute, app, stamp, key, compute)
        return _json(body)

    async def read_answer(
        self, app: GoStakingApp, stamp: Stamp, key: Hashable, view: Callable[[State], Answer]
    ) -> Response:
        """As `answer`, for an answer that is a short read of the committed state: made on the event loop as
        deps.read_state reads, which saves a thread hand-off per new answer (the loop makes one answer at a
        time)."""
        body = self._current(app, stamp, key)
        if body is None:
            body = await read_state(app, lambda state: self._keep(app, stamp, key, view(state)))
        return _json(body)

    def _current(self, app: GoStakingApp, stamp: Stamp, key: Hashable) -> bytes | None:
        """The kept answer for `key` if it was made at `stamp`."""
        kept = self._answers.get(app, {}).get(key)
        return kept[1] if kept is not None and kept[0] == stamp else None

    def _compute(self, app: GoStakingApp, stamp: Stamp, key: Hashable, compute: Callable[[], Answer]) -> bytes:
        with self._computing:  # one computes; the others find its answer (they would only share the GIL meanwhile)
            kept = self._answers.get(app, {}).get(key)
            if kept is not None and kept[0] >= stamp:  # computed meanwhile, at this stamp or a later one
                return kept[1]
            return self._keep(app, stamp, key, compute())

    def _keep(self, app: GoStakingApp, stamp: Stamp, key: Hashable, answer: Answer) -> bytes:
        body = answer.model_dump_json().encode() if isinstance(answer, BaseModel) else msgspec.json.encode(answer)
        with self._lock:
            answers = self._answers.setdefault(app, {})
            for old in [k for k, (at, _) in answers.items() if at < stamp]:
                del answers[old]
            if len(body) > self.max_bytes:
                return body
            kept_bytes = sum(len(other) for _, other in answers.values())
            while answers and (len(answers) >= self.max_keys or kept_bytes + len(body) > self.max_bytes):
                kept_bytes -= len(answers.pop(next(iter(answers)))[1])
            answers[key] = (stamp, body)
        return body


class KeptParts:
    """JSON parts of answers that are a pure function of what they read from the state, kept per key while what
    they read stays equal, across heights.

    A HeightAnswers answer is computed again at every height, though most blocks change nothing it shows: one
    node's graph reads its 300 largest bonds in ~0.15 ms, but turning them into edges and vertices (hash power,
    amounts, totals) takes ~1.7 ms. The route reads its inputs (comparable values) from the state and passes them
    here with the rendering: equal inputs give the kept parts, which is exact because the rendering reads nothing
    else. The parts are encoded JSON (msgspec.Raw), spliced into the answer as they are."""

    def __init__(self, max_keys: int = 256, max_bytes: int = MAX_BYTES) -> None:
        """Keep the parts of up to `max_keys` keys and `max_bytes` of JSON (beyond, the least recently used go)."""
        self.max_keys = max_keys
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._kept: OrderedDict[Hashable, tuple[object, dict[str, msgspec.Raw], int]] = OrderedDict()
        self._kept_bytes = 0

    def parts(self, key: Hashable, inputs: object, render: Callable[[], dict[str, Any]]) -> dict[str, msgspec.Raw]:
        """The parts `render` makes of `inputs` (a value comparable with ==), kept from an earlier call with equal
        inputs for `key` if there was one."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] == inputs:
                self._kept.move_to_end(key)
                return kept[1]
        parts = {name: msgspec.Raw(msgspec.json.encode(value)) for name, value in render().items()}
        size = sum(len(part) for part in parts.values())
        with self._lock:
            old = self._kept.pop(key, None)
            if old is not None:
                self._kept_bytes -= old[2]
            if size > self.max_bytes:  # answered, not kept (nor does it push the others out)
                return parts
            while self._kept and (len(self._kept) >= self.max_keys or self._kept_bytes + size > self.max_bytes):
                self._kept_bytes -= self._kept.popitem(last=False)[1][2]
            self._kept[key] = (inputs, parts, size)
            self._kept_bytes += size
        return parts


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")
