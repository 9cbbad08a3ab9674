"""Seeded simulations of every message kind (valid and invalid), absent validators, double signs, elections,
burns, governance, custody, compliance, the exchange and node restarts: invariants hold after every block, a seed
always gives the same app hashes (with or without restarts), and the recorded vectors pin the chain's exact
behaviour (state writes, results, events).

Sizes: the CI run is 10,000 blocks (`GOSTAKING_SIM_BLOCKS`); `make sim-nightly` runs 100,000."""

import json
import os
from pathlib import Path

import pytest

from gostaking.chain.state import registry_of

from simulation import CHECKPOINT_EVERY, RESTART_EVERY, VECTOR_BLOCKS, Simulation

VECTORS = json.loads((Path(__file__).parent / "vectors" / "simulation.json").read_text())


@pytest.mark.parametrize("seed", sorted(VECTORS["runs"]))
def test_a_run_reproduces_its_recorded_app_hashes_and_results(seed: str) -> None:
    """A refactor that changes any state write, event or result of any block shows here, at the first
    checkpoint that differs."""
    recorded = VECTORS["runs"][seed]
    simulation = Simulation(int(seed))  # invariants are checked after every block
    for height in range(VECTOR_BLOCKS):
        simulation.step()
        if (height + 1) % CHECKPOINT_EVERY == 0:
            assert simulation.app_hashes[height + 1] == recorded["app_hashes"][str(height + 1)], height + 1
    assert simulation.digest.hex() == recorded["digest"]
    assert simulation.restarts == VECTOR_BLOCKS // RESTART_EVERY  # the vectors hold across restarts


def test_every_outcome_is_exercised() -> None:
    """The simulation reaches what it claims to: successes and each kind of failure, elections with jailing and
    slashing, burns, executed governance, credited deposits and completed withdrawals."""
    simulation = Simulation(2).run(VECTOR_BLOCKS)
    state = simulation.state
    assert simulation.counts["ok"] > 500
    for error in ("InsufficientFundsError", "InvalidMessageError", "UnauthorizedError", "BadSequenceError"):
        assert simulation.counts[error] > 10, error
    assert state.gos_supply.get().burned_ugos > 0
    assert state.gos_supply.get().slashed_ugos > 0
    assert any(node.tombstoned for node in state.nodes.values())
    assert any(d.status == "credited" for d in state.deposits.values())
    assert any(w.status == "completed" for w in state.withdrawals.values())
    assert any(r.status == "applied" for r in state.reclaims.values())
    # Every message kind the registry knows is sent (a new module's messages need a `_msg_…` in simulation.py).
    assert set(simulation.message_counts) == {t.__name__ for t in registry_of(None).message_types}
    assert any(p.status == "executed" for p in state.proposals.values())


def test_a_long_run_keeps_every_invariant_and_gives_the_same_app_hashes_with_or_without_restarts() -> None:
    blocks = int(os.environ.get("GOSTAKING_SIM_BLOCKS", "10000"))
    first = Simulation(11).run(blocks)  # invariants after every block, a restart every RESTART_EVERY blocks
    second = Simulation(11, check_every_block=False, restart_every=0).run(blocks)
    assert first.restarts == blocks // RESTART_EVERY and second.restarts == 0
    assert first.app_hashes == second.app_hashes
    assert first.digest == second.digest
    assert first.state.height.get() == blocks and first.counts["ok"] > blocks // 10
