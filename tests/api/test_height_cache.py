"""Answers kept per committed height and parts kept while their inputs stay equal (api/height_cache.py), and the
bell that wakes the live streams at each commit (BlockBell in routes/explorer_views.py)."""

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from gostaking.api.errors import NotFoundError
from gostaking.api.height_cache import HeightAnswers, KeptParts
from gostaking.api.routes.explorer_views import BlockBell
from gostaking.api.schemas.common import GosAmount
from gostaking.node.runtime import open_devnet
from gostaking.node.settings import DevnetSettings
from gostaking.storage import MemoryStore


def test_an_answer_is_computed_once_per_height_and_key(tmp_path: Path) -> None:
    app = open_devnet(DevnetSettings(home=tmp_path), store=MemoryStore()).app
    answers = HeightAnswers()
    computed: list[Any] = []

    def compute(key: int) -> GosAmount:
        computed.append(key)
        return GosAmount(ugos=key, gos=str(key))

    async def ask(stamp: tuple[int, ...], key: int) -> Any:
        return json.loads((await answers.answer(app, stamp, key, lambda: compute(key))).body)

    async def scenario() -> None:
        assert await ask((1,), 5) == {"ugos": 5, "gos": "5"}
        assert await ask((1,), 5) == {"ugos": 5, "gos": "5"} and computed == [5]
        await ask((1,), 6)
        assert computed == [5, 6]
        await ask((2,), 5)  # a new height: computed again
        assert computed == [5, 6, 5]
        await asyncio.gather(*(ask((3,), 5) for _ in range(8)))  # at once: one computes, the others wait for it
        assert computed == [5, 6, 5, 5]

    asyncio.run(scenario())


def test_a_failed_answer_is_not_kept(tmp_path: Path) -> None:
    app = open_devnet(DevnetSettings(home=tmp_path), store=MemoryStore()).app
    answers = HeightAnswers()
    calls = 0

    def missing() -> GosAmount:
        nonlocal calls
        calls += 1
        raise NotFoundError("no such thing")

    async def scenario() -> None:
        for _ in range(2):
            with pytest.raises(NotFoundError):
                await answers.answer(app, (1,), "key", missing)

    asyncio.run(scenario())
    assert calls == 2


def test_the_bell_wakes_a_listening_stream_from_another_thread() -> None:
    bell = BlockBell()

    async def scenario() -> float:
        loop = asyncio.get_running_loop()
        with bell.listener() as rung:
            threading.Timer(0.05, bell.ring).start()
            started = loop.time()
            await asyncio.wait_for(rung.wait(), 5)
            return loop.time() - started

    assert asyncio.run(scenario()) < 1
    bell.ring()  # nobody listens any more: nothing to wake


def test_answers_beyond_the_budget_drop_the_oldest(tmp_path: Path) -> None:
    app = open_devnet(DevnetSettings(home=tmp_path), store=MemoryStore()).app
    answers = HeightAnswers(max_keys=3, max_bytes=100)
    computed: list[int] = []

    def compute(key: int) -> dict[str, Any]:
        computed.append(key)
        return {"key": key, "pad": "x" * (200 if key == 9 else 10)}

    async def ask(key: int) -> None:
        await answers.answer(app, (1,), key, lambda: compute(key))

    async def scenario() -> None:
        for key in (1, 2, 3, 4):  # 4 drops 1 (three answers at most)
            await ask(key)
        await ask(1)
        assert computed == [1, 2, 3, 4, 1]
        await ask(9)  # larger than the budget: answered, not kept
        await ask(9)
        assert computed[-2:] == [9, 9]

    asyncio.run(scenario())


def test_parts_are_rendered_again_only_when_their_inputs_change() -> None:
    kept = KeptParts()
    rendered: list[object] = []

    def parts(key: str, inputs: object) -> dict[str, Any]:
        def render() -> dict[str, Any]:
            rendered.append(inputs)
            return {"items": [inputs], "count": 1}

        return {name: json.loads(bytes(raw)) for name, raw in kept.parts(key, inputs, render).items()}

    assert parts("a", (1, [2, 3])) == {"items": [[1, [2, 3]]], "count": 1}
    assert parts("a", (1, [2, 3])) == {"items": [[1, [2, 3]]], "count": 1}  # equal, not the same object
    assert rendered == [(1, [2, 3])]
    parts("b", (1, [2, 3]))  # another key is rendered apart
    assert parts("a", (1, [2, 4])) == {"items": [[1, [2, 4]]], "count": 1}
    assert rendered == [(1, [2, 3]), (1, [2, 3]), (1, [2, 4])]


def test_parts_beyond_the_budget_drop_the_least_recently_used() -> None:
    kept = KeptParts(max_keys=2, max_bytes=100)
    rendered: list[str] = []

    def ask(key: str, size: int = 10) -> None:
        def render() -> dict[str, Any]:
            rendered.append(key)
            return {"pad": "x" * size}

        kept.parts(key, size, render)

    ask("a"), ask("b"), ask("a"), ask("c")  # c drops b, the least recently used
    ask("a"), ask("b")
    assert rendered == ["a", "b", "c", "b"]
    ask("big", 200), ask("big", 200)  # larger than the budget: rendered each time, never kept
    assert rendered[-2:] == ["big", "big"]
    ask("a"), ask("b")  # and the kept ones stay
    assert rendered[-2:] == ["big", "big"]
