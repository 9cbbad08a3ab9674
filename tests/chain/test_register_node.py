"""MsgRegisterNode (nodes.handlers.process_register_node) and the epoch election of the mining set.

Rules (DESIGN.md): a node registers with an operator and a consensus (ed25519, 32-byte) key; it is a candidate
when votes ≥ min_votes AND stake ≥ min_stake. At each epoch's end the mining set is the top `mining_by_stake`
candidates by stake, then the top `mining_by_votes` by votes among the rest; ties go to the earlier
registration. Mining nodes have equal consensus power; validator updates give power 0 to removed nodes.
With no eligible node at all the previous set stays.
"""

import pytest

from gostaking.chain.crypto import consensus_address
from gostaking.chain.errors import InvalidMessageError, NodeAlreadyRegisteredError
from gostaking.chain.modules.nodes.mutations import MINING_NODE_POWER
from gostaking.chain.modules.nodes.queries import (
    STATUS_CANDIDATE,
    STATUS_MINING,
    STATUS_REGISTERED,
    get_node_status,
)
from gostaking.chain.types.block import BlockResult
from gostaking.chain.types.nodes import Node, NodeCounters
from gostaking.chain.types.tx import MsgRegisterNode, MsgUnstakeNode, MsgUnvoteNode
from gostaking.wallet.keys import PrivateKey

from harness import (
    GOS,
    Chain,
    bond_all,
    consensus_key,
    events_of,
    execute,
    expect_msg_failure,
    expect_rejected,
    fund_gos,
    key,
    make_chain,
    register_nodes,
    run_to_epoch_end,
    with_params,
)

BOB, CAROL, WHALE = key(2), key(3), key(9)
GENESIS_OPERATOR = key(1000).address
GENESIS_KEY = consensus_key(1)
NEW_KEY = bytes(range(32))


# --- registration --------------------------------------------------------------------------------------------


@pytest.fixture
def chain() -> Chain:
    c = make_chain()
    fund_gos(c, BOB.address, 10 * GOS)
    fund_gos(c, CAROL.address, 10 * GOS)
    return c


def test_registration_adds_a_node_that_is_not_yet_a_candidate(chain: Chain) -> None:
    height = chain.height + 1
    result, diff = execute(chain, chain.tx(BOB, MsgRegisterNode(NEW_KEY, "Bob's node 节点")))
    assert result.code == 0, result.log
    node = Node(consensus_pubkey=NEW_KEY, moniker="Bob's node 节点", registration_index=1, registered_height=height)
    assert chain.state.nodes.get(BOB.address) == node
    assert diff["nodes"] == {BOB.address: (None, node)}
    assert diff["node_by_consensus"] == {consensus_address(NEW_KEY): (None, BOB.address)}
    assert diff["node_counters"] == {"": (NodeCounters(1), NodeCounters(2))}  # the genesis node was number 0
    assert set(diff) == {"accounts", "balances", "nodes", "node_by_consensus", "node_counters"}
    assert events_of(result, "node_registered") == [
        {"operator": BOB.address, "moniker": "Bob's node 节点", "consensus": consensus_address(NEW_KEY)}
    ]
    run_to_epoch_end(chain)
    assert get_node_status(chain.state, BOB.address) == STATUS_REGISTERED
    assert chain.state.mining_set.get().operators == (GENESIS_OPERATOR,)


def test_registration_indexes_follow_registration_order(chain: Chain) -> None:
    block = chain.block(
        chain.tx(CAROL, MsgRegisterNode(consensus_key(7), "carol")),
        chain.tx(BOB, MsgRegisterNode(consensus_key(8), "bob")),
    )
    assert [r.code for r in block.tx_results] == [0, 0]
    assert chain.state.nodes.get(CAROL.address).registration_index == 1
    assert chain.state.nodes.get(BOB.address).registration_index == 2


def test_operator_cannot_register_twice(chain: Chain) -> None:
    assert chain.run(BOB, MsgRegisterNode(NEW_KEY, "bob")).code == 0
    again = MsgRegisterNode(consensus_key(50), "bob-2")
    result = expect_msg_failure(chain, BOB, again, error=NodeAlreadyRegisteredError)
    assert "already runs a node" in result.log


def test_genesis_operator_cannot_register_again(chain: Chain) -> None:
    expect_msg_failure(chain, key(1000), MsgRegisterNode(consensus_key(50), "again"), error=NodeAlreadyRegisteredError)


@pytest.mark.parametrize("taken", ["genesis", "bob"])
def test_consensus_key_of_another_node_is_refused(chain: Chain, taken: str) -> None:
    assert chain.run(BOB, MsgRegisterNode(NEW_KEY, "bob")).code == 0
    pubkey = GENESIS_KEY if taken == "genesis" else NEW_KEY
    result = expect_msg_failure(chain, CAROL, MsgRegisterNode(pubkey, "carol"), error=NodeAlreadyRegisteredError)
    assert "consensus key belongs to another node" in result.log


def test_same_key_twice_in_one_tx_reverts_both(chain: Chain) -> None:
    expect_msg_failure(
        chain,
        BOB,
        MsgRegisterNode(NEW_KEY, "bob"),
        MsgRegisterNode(NEW_KEY, "bob"),
        error=NodeAlreadyRegisteredError,
    )
    assert BOB.address not in chain.state.nodes


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_consensus_key_must_be_32_bytes(chain: Chain, length: int) -> None:
    result = expect_rejected(chain, chain.tx(BOB, MsgRegisterNode(b"\x07" * length, "bob")), InvalidMessageError)
    assert "32 bytes" in result.log


@pytest.mark.parametrize(
    "moniker",
    ["", "x" * 65, "é" * 33, "line\nbreak", "tab\there", "nul\x00", "\u200b"],
    ids=["empty", "65-bytes", "66-utf8-bytes", "newline", "tab", "nul", "zero-width-space"],
)
def test_bad_moniker_is_refused(chain: Chain, moniker: str) -> None:
    expect_rejected(chain, chain.tx(BOB, MsgRegisterNode(NEW_KEY, moniker)), InvalidMessageError)


@pytest.mark.parametrize("moniker", ["x" * 64, "é" * 32, "node 1", "节点一号"])
def test_good_moniker_is_accepted(chain: Chain, moniker: str) -> None:
    assert chain.run(BOB, MsgRegisterNode(NEW_KEY, moniker)).code == 0
    assert chain.state.nodes.get(BOB.address).moniker == moniker


# --- election -------------------------------------------------------------------------------------------------

SMALL = with_params(
    nodes={"min_votes_ugos": GOS, "min_stake_ugos": GOS, "mining_by_stake": 2, "mining_by_votes": 2, "epoch_blocks": 10}
)


def _operators(first: int, count: int) -> list[PrivateKey]:
    return [key(first + i) for i in range(count)]


def _updates(result: BlockResult) -> dict[bytes, int]:
    updates = {u.consensus_pubkey: u.power for u in result.validator_updates}
    assert len(updates) == len(result.validator_updates)  # one update per key
    return updates


def _elect(chain: Chain, backing: dict[str, tuple[int, int]]) -> BlockResult:
    """Stake and vote (stake, votes) ugos on each operator, then run to the end of the epoch."""
    bonds = [(op, "stake", s) for op, (s, _) in backing.items()] + [(op, "vote", v) for op, (_, v) in backing.items()]
    # fund the whale while the genesis node (key(1000)) still mines, with 200 GOS to spare for later txs
    fund_gos(chain, WHALE.address, sum(a for _, _, a in bonds) + 200 * GOS)
    bond_all(chain, WHALE, bonds)
    return run_to_epoch_end(chain)


def test_top_by_stake_then_top_by_votes_among_the_rest() -> None:
    chain = make_chain(params=SMALL)
    ops = _operators(2000, 9)
    keys = register_nodes(chain, ops)
    a, b, c, d, e, f, g, h, j = (op.address for op in ops)
    backing = {
        a: (50 * GOS, 1 * GOS),
        b: (40 * GOS, 60 * GOS),
        c: (30 * GOS, 50 * GOS),
        d: (20 * GOS, 40 * GOS),
        e: (10 * GOS, 70 * GOS),
        f: (5 * GOS, 2 * GOS),
        g: (90 * GOS, GOS - 1),  # the most stake, but votes below min_votes: not a candidate
        h: (GOS - 1, 99 * GOS),  # the most votes, but stake below min_stake: not a candidate
        j: (GOS, GOS),  # exactly at both thresholds: a candidate
    }
    result = _elect(chain, backing)
    # eligible: a b c d e f j. By stake: a (50), b (40). Among the rest by votes: e (70), c (50).
    mining_set = chain.state.mining_set.get()
    assert mining_set.operators == (a, b, e, c)
    assert mining_set.candidates == (d, f, j)  # in registration order
    assert mining_set.elected_height == chain.height
    key_of = dict(zip((op.address for op in ops), keys, strict=True))
    assert _updates(result) == {
        GENESIS_KEY: 0,  # the genesis node has no backing: removed
        **{key_of[op]: MINING_NODE_POWER for op in (a, b, c, e)},
    }
    statuses = {op: get_node_status(chain.state, op) for op in (a, b, c, d, e, f, g, h, j)}
    assert statuses == {
        a: STATUS_MINING, b: STATUS_MINING, c: STATUS_MINING, e: STATUS_MINING,
        d: STATUS_CANDIDATE, f: STATUS_CANDIDATE, j: STATUS_CANDIDATE,
        g: STATUS_REGISTERED, h: STATUS_REGISTERED,
    }  # fmt: skip
    assert get_node_status(chain.state, GENESIS_OPERATOR) == STATUS_REGISTERED
    # candidates (only) carry reward weight vote + 3 × stake
    assert chain.state.nodes.get(d).candidate_units == 40 * GOS + 3 * 20 * GOS
    assert chain.state.nodes.get(a).candidate_units == 0
    assert chain.state.candidate_pool.get().total_units == (40 + 60) * GOS + (2 + 15) * GOS + 4 * GOS

    # Next epoch: d gets 100 GOS more stake and leads by stake; c drops out, b comes in by votes.
    bond_all(chain, WHALE, [(d, "stake", 100 * GOS)])
    result = run_to_epoch_end(chain)
    assert chain.state.mining_set.get().operators == (d, a, e, b)
    assert chain.state.mining_set.get().candidates == (c, f, j)
    assert _updates(result) == {key_of[c]: 0, key_of[d]: MINING_NODE_POWER}  # nodes that stay: no update
    assert events_of(result, "election")[0]["epoch"] == str(chain.height // 10)


def _rank(
    backing: dict[str, tuple[int, int]], order: list[str], by_stake: int, by_votes: int, minimum: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The election rule written out: eligible = both thresholds met; top `by_stake` by stake, then top
    `by_votes` by votes among the rest; ties to the earlier registration (position in `order`)."""
    eligible = [op for op in order if backing[op][0] >= minimum and backing[op][1] >= minimum]
    first = sorted(eligible, key=lambda op: (-backing[op][0], order.index(op)))[:by_stake]
    rest = [op for op in eligible if op not in first]
    second = sorted(rest, key=lambda op: (-backing[op][1], order.index(op)))[:by_votes]
    return (*first, *second), tuple(op for op in eligible if op not in first + second)


def test_thirty_two_nodes_two_by_stake_and_two_by_votes() -> None:
    chain = make_chain(params=SMALL)
    ops = [op.address for op in _operators(2400, 32)]
    register_nodes(chain, _operators(2400, 32))
    # distinct stakes and votes (two permutations of 1..32 GOS); every 8th node misses one threshold
    backing = {op: ((i * 5 % 32 + 1) * GOS, (i * 11 % 32 + 1) * GOS) for i, op in enumerate(ops)}
    for i in range(0, 32, 8):
        stake, votes = backing[ops[i]]
        backing[ops[i]] = (stake, GOS - 1) if i % 16 else (GOS - 1, votes)
    _elect(chain, backing)
    mining, candidates = _rank(backing, ops, 2, 2, GOS)
    assert len(candidates) == 32 - 4 - 4
    assert chain.state.mining_set.get().operators == mining
    assert chain.state.mining_set.get().candidates == candidates
    # the top stakes (32, 31 GOS) belong to eligible nodes here; the vote winners are the best of the rest
    assert [backing[op][0] for op in mining[:2]] == [32 * GOS, 31 * GOS]


def test_ties_go_to_the_earlier_registration() -> None:
    chain = make_chain(params=with_params(SMALL, nodes={"mining_by_stake": 1, "mining_by_votes": 1}))
    # Register in descending address order so that address order and registration order disagree.
    ops = sorted(_operators(2100, 3), key=lambda k: k.address, reverse=True)
    register_nodes(chain, ops)
    p, q, r = (op.address for op in ops)
    assert p > q > r
    _elect(chain, {p: (10 * GOS, 10 * GOS), q: (10 * GOS, 10 * GOS), r: (5 * GOS, 10 * GOS)})
    # stake: p and q tie at 10 → p (registered first); votes among q, r: tie at 10 → q
    assert chain.state.mining_set.get().operators == (p, q)
    assert chain.state.mining_set.get().candidates == (r,)


def test_real_fifteen_by_stake_and_fifteen_by_votes() -> None:
    params = with_params(nodes={"min_votes_ugos": GOS, "min_stake_ugos": GOS, "epoch_blocks": 10})
    assert (params.nodes.mining_by_stake, params.nodes.mining_by_votes) == (15, 15)
    chain = make_chain(params=params)
    ops = [op.address for op in _operators(3000, 33)]
    keys = register_nodes(chain, _operators(3000, 33))
    # distinct stakes and votes: two different permutations of 1..33 GOS
    backing = {op: ((i * 7 % 33 + 1) * GOS, (i * 13 % 33 + 1) * GOS) for i, op in enumerate(ops)}
    assert len({s for s, _ in backing.values()}) == len({v for _, v in backing.values()}) == 33
    result = _elect(chain, backing)

    by_stake = sorted(ops, key=lambda op: -backing[op][0])[:15]
    rest = [op for op in ops if op not in by_stake]
    by_votes = sorted(rest, key=lambda op: -backing[op][1])[:15]
    mining_set = chain.state.mining_set.get()
    assert mining_set.operators == (*by_stake, *by_votes)
    assert len(set(mining_set.operators)) == 30
    assert mining_set.candidates == tuple(op for op in ops if op not in by_stake + by_votes)
    assert len(mining_set.candidates) == 3
    key_of = dict(zip(ops, keys, strict=True))
    assert _updates(result) == {GENESIS_KEY: 0, **{key_of[op]: MINING_NODE_POWER for op in mining_set.operators}}


def test_previous_set_kept_when_nobody_is_eligible() -> None:
    chain = make_chain(params=SMALL)
    ops = _operators(2200, 2)
    register_nodes(chain, ops)
    a, b = (op.address for op in ops)
    result = _elect(chain, {a: (0, 50 * GOS), b: (50 * GOS, 0)})  # each misses one threshold
    assert chain.state.mining_set.get().operators == (GENESIS_OPERATOR,)
    assert chain.state.mining_set.get().candidates == ()
    assert result.validator_updates == ()
    assert events_of(result, "election_kept_previous_set") == [{"epoch": str(chain.height // 10)}]


def test_previous_elected_set_kept_when_every_node_loses_eligibility() -> None:
    chain = make_chain(params=SMALL)
    ops = _operators(2300, 3)
    keys = register_nodes(chain, ops)
    a, b, c = (op.address for op in ops)
    first = _elect(chain, {a: (30 * GOS, 3 * GOS), b: (20 * GOS, 2 * GOS), c: (10 * GOS, 1 * GOS)})
    assert chain.state.mining_set.get().operators == (a, b, c)
    assert _updates(first) == {GENESIS_KEY: 0, keys[0]: 10, keys[1]: 10, keys[2]: 10}
    # the whale redeems every stake: nobody meets min_stake any more
    unbonds = [MsgUnstakeNode(op, s * GOS) for op, s in ((a, 30), (b, 20), (c, 10))]
    assert chain.run(WHALE, *unbonds, MsgUnvoteNode(a, 3 * GOS)).code == 0
    result = run_to_epoch_end(chain)
    assert chain.state.mining_set.get().operators == (a, b, c)
    assert chain.state.mining_set.get().candidates == ()
    assert result.validator_updates == ()
    assert len(events_of(result, "election_kept_previous_set")) == 1
