"""The gateway state file: atomic replacement, one process at a time, clear errors for damaged files."""

from pathlib import Path

import pytest

from gostaking.bridge.errors import StateFileError
from gostaking.bridge.store import (
    MAX_DONE_KEYS,
    BridgeState,
    OutboxEntry,
    StateStore,
    TrackedWithdrawal,
    create_atomically,
)
from gostaking.chain.types.tx import MsgAttestDeposit, MsgConfirmWithdrawal


def test_state_round_trips_with_typed_messages(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.json")
    assert store.load() == BridgeState()
    state = BridgeState(cursors={"ethereum:0xvault": "41"})
    state.outbox.append(
        OutboxEntry("ethereum:0xab:1", MsgAttestDeposit("ethereum", "0xab:1", "0xf", "gos1x", "eth", 10**30))
    )
    state.outbox.append(OutboxEntry("withdrawal:3", MsgConfirmWithdrawal(3, "0xcd")))
    state.withdrawals[3] = TrackedWithdrawal(3, "gos1a", "eth", 5, "0xdest", "pending")
    store.save(state)
    assert store.load() == state
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was renamed away


def test_done_keys_are_bounded(tmp_path: Path) -> None:
    state = BridgeState()
    state.mark_done([f"k{i}" for i in range(MAX_DONE_KEYS + 10)])
    state.mark_done(["k15"])  # still known: not added twice
    assert len(state.done) == MAX_DONE_KEYS and state.done[-1] == f"k{MAX_DONE_KEYS + 9}"


def test_one_process_per_state_file(tmp_path: Path) -> None:
    with StateStore(tmp_path / "state.json"), pytest.raises(StateFileError, match="in use"):
        StateStore(tmp_path / "state.json").__enter__()
    with StateStore(tmp_path / "state.json"):
        pass  # released on exit


def test_damaged_state_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("{not json")
    with pytest.raises(StateFileError, match="not valid JSON"):
        StateStore(path).load()
    path.write_text('{"cursors": 5}')
    with pytest.raises(StateFileError, match="damaged"):
        StateStore(path).load()


def test_create_atomically_lets_exactly_one_writer_win(tmp_path: Path) -> None:
    target = tmp_path / "board" / "unsigned.psbt"
    assert create_atomically(target, b"first")
    assert not create_atomically(target, b"second")
    assert target.read_bytes() == b"first"
    assert sorted(p.name for p in target.parent.iterdir()) == ["unsigned.psbt"]  # no temporary left behind
