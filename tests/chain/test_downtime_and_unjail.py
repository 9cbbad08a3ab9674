"""Downtime jailing from decided_last_commit (BlockEnv.absent) and MsgUnjailNode."""

from gostaking.chain.errors import InvalidMessageError, NodeJailedError, UnknownNodeError
from gostaking.chain.types.tx import MsgStakeNode, MsgUnjailNode, MsgVoteNode

from harness import (
    GOS,
    Chain,
    assert_error,
    consensus_key,
    events_of,
    expect_msg_failure,
    fund_gos,
    key,
    make_chain,
    run_to_epoch_end,
    with_params,
)

PARAMS = with_params(
    nodes={"downtime_window_blocks": 10, "min_signed_per_window_ppm": 500_000, "downtime_jail_blocks": 5}
)
OFFLINE = key(1001)  # operator of the second genesis node, consensus_key(2)


def make() -> Chain:
    return make_chain(params=PARAMS, node_count=3)


def test_missing_more_than_half_a_window_jails_and_removes_the_validator() -> None:
    chain = make()
    for _ in range(5):  # 5 of a 10-block window may be missed
        result = chain.block(absent=[consensus_key(2)])
        assert result.validator_updates == ()
    node = chain.state.nodes.get(OFFLINE.address)
    assert node is not None and not node.jailed and node.missed_in_window == 5
    result = chain.block(absent=[consensus_key(2)])
    assert [(u.consensus_pubkey, u.power) for u in result.validator_updates] == [(consensus_key(2), 0)]
    node = chain.state.nodes.get(OFFLINE.address)
    assert node is not None and node.jailed and node.jailed_until == chain.height + 5
    assert OFFLINE.address not in chain.state.mining_set.get().operators
    assert events_of(result, "node_jailed") == [
        {"node": OFFLINE.address, "reason": "downtime", "until": str(chain.height + 5)}
    ]


def test_an_occasionally_absent_validator_is_never_jailed() -> None:
    chain = make()
    for height in range(60):
        chain.block(absent=[consensus_key(2)] if height % 3 == 0 else [])
    node = chain.state.nodes.get(OFFLINE.address)
    assert node is not None and not node.jailed
    assert OFFLINE.address in chain.state.mining_set.get().operators


def test_a_jailed_node_earns_no_mining_reward_even_if_it_signs() -> None:
    chain = make()
    for _ in range(6):
        chain.block(absent=[consensus_key(2)])
    before = chain.gos(OFFLINE.address)
    chain.block()  # all three genesis keys sign; only the two mining nodes are paid
    assert chain.gos(OFFLINE.address) == before


def test_the_last_mining_node_is_never_removed() -> None:
    chain = make_chain(params=PARAMS, node_count=1)
    for _ in range(6):
        result = chain.block(absent=[consensus_key(1)])
    assert result.validator_updates == ()
    assert events_of(result, "last_validator_kept") == [{"node": key(1000).address}]
    assert chain.state.mining_set.get().operators == (key(1000).address,)


def test_unjail_after_the_jail_time_and_re_election() -> None:
    chain = make()
    fund_gos(chain, OFFLINE.address, 300 * GOS)
    for _ in range(6):
        chain.block(absent=[consensus_key(2)])
    assert_error(expect_msg_failure(chain, OFFLINE, MsgUnjailNode(), error=NodeJailedError), NodeJailedError)
    jailed_until = chain.state.nodes.get(OFFLINE.address).jailed_until  # type: ignore[union-attr]
    while chain.height + 1 < jailed_until:
        chain.block()
    # Backing while jailed is refused; after unjailing it counts and the next election brings the node back.
    assert chain.run(OFFLINE, MsgUnjailNode()).code == 0
    assert (
        chain.run(OFFLINE, MsgVoteNode(OFFLINE.address, 100 * GOS), MsgStakeNode(OFFLINE.address, 100 * GOS)).code == 0
    )
    run_to_epoch_end(chain)
    assert OFFLINE.address in chain.state.mining_set.get().operators


def test_unjail_of_a_free_node_or_of_no_node_fails() -> None:
    chain = make()
    fund_gos(chain, key(5).address, 10 * GOS)
    fund_gos(chain, OFFLINE.address, 10 * GOS)
    expect_msg_failure(chain, OFFLINE, MsgUnjailNode(), error=InvalidMessageError)
    expect_msg_failure(chain, key(5), MsgUnjailNode(), error=UnknownNodeError)


def test_votes_for_a_jailed_node_are_refused() -> None:
    chain = make()
    fund_gos(chain, key(5).address, 10 * GOS)
    for _ in range(6):
        chain.block(absent=[consensus_key(2)])
    expect_msg_failure(chain, key(5), MsgVoteNode(OFFLINE.address, GOS), error=NodeJailedError)
