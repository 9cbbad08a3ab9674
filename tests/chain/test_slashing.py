"""Double signing (BlockEnv.misbehavior): 5% of the node's stake is burned, votes are untouched, the node is
tombstoned and leaves the validator set."""

from gostaking.chain.crypto import consensus_address
from gostaking.chain.errors import NodeJailedError
from gostaking.chain.modules.bank.queries import get_gos_supply_ugos
from gostaking.chain.modules.mining.queries import get_account_hash_power, get_position
from gostaking.chain.modules.staking.queries import get_delegation_shares, get_unbondings
from gostaking.chain.types.block import Misbehavior
from gostaking.chain.types.tx import MsgStakeNode, MsgUnjailNode, MsgUnstakeNode, MsgUnvoteNode, MsgVoteNode

from harness import GOS, TEST_PARAMS, consensus_key, events_of, expect_msg_failure, fund_gos, key, make_chain

SIGNER = key(1001)  # operator of genesis node 2 (consensus_key(2))
STAKERS = [key(10), key(11), key(12)]
STAKES = [100 * GOS, 333 * GOS + 1, 7]


def evidence(n: int, height: int) -> Misbehavior:
    return Misbehavior("duplicate_vote", consensus_address(consensus_key(n)), height)


def test_double_sign_burns_five_percent_of_each_stake_and_tombstones_the_node() -> None:
    chain = make_chain(node_count=3)
    for staker, amount in zip(STAKERS, STAKES, strict=True):
        fund_gos(chain, staker.address, amount + 50 * GOS)
        assert chain.run(staker, MsgStakeNode(SIGNER.address, amount), MsgVoteNode(SIGNER.address, 10 * GOS)).code == 0
    shares_before = [get_delegation_shares(chain.state, s.address, SIGNER.address, "stake") for s in STAKERS]
    votes_before = [get_delegation_shares(chain.state, s.address, SIGNER.address, "vote") for s in STAKERS]
    supply_before = chain.state.gos_supply.get()

    result = chain.block(misbehavior=[evidence(2, chain.height)])

    cuts = [-(-shares * 5 // 100) for shares in shares_before]  # 5%, rounded up per staker
    for staker, shares, cut, votes in zip(STAKERS, shares_before, cuts, votes_before, strict=True):
        assert get_delegation_shares(chain.state, staker.address, SIGNER.address, "stake") == shares - cut
        assert get_position(chain.state, staker.address, "stake").units == shares - cut
        assert get_delegation_shares(chain.state, staker.address, SIGNER.address, "vote") == votes
    node = chain.state.nodes.get(SIGNER.address)
    assert node is not None and node.tombstoned and node.jailed
    assert node.stake_shares == sum(shares_before) - sum(cuts)
    supply = chain.state.gos_supply.get()
    assert supply.slashed_ugos == sum(cuts)  # index is still 1: shares are ugos
    minted = supply.minted_ugos - supply_before.minted_ugos
    assert supply.total_shares == supply_before.total_shares + minted - sum(cuts)
    assert [(u.consensus_pubkey, u.power) for u in result.validator_updates] == [(consensus_key(2), 0)]
    assert SIGNER.address not in chain.state.mining_set.get().operators
    assert events_of(result, "node_slashed")[0]["burned"] == str(sum(cuts))
    assert get_account_hash_power(chain.state, STAKERS[0].address)["stake"] == 3 * 95 * GOS
    assert get_gos_supply_ugos(chain.state) == supply.total_shares


def test_repeated_evidence_punishes_once_and_unknown_validators_are_ignored() -> None:
    chain = make_chain(node_count=3)
    fund_gos(chain, STAKERS[0].address, 200 * GOS)
    assert chain.run(STAKERS[0], MsgStakeNode(SIGNER.address, 100 * GOS)).code == 0
    chain.block(misbehavior=[evidence(2, chain.height)])
    after_first = get_delegation_shares(chain.state, STAKERS[0].address, SIGNER.address, "stake")
    result = chain.block(misbehavior=[evidence(2, chain.height - 1), evidence(99, chain.height)])
    assert result.validator_updates == ()
    assert get_delegation_shares(chain.state, STAKERS[0].address, SIGNER.address, "stake") == after_first
    assert events_of(result, "node_slashed") == []


def test_a_tombstoned_node_can_never_unjail_or_take_stake() -> None:
    chain = make_chain(node_count=3)
    fund_gos(chain, SIGNER.address, 10 * GOS)
    fund_gos(chain, STAKERS[0].address, 10 * GOS)
    chain.block(misbehavior=[evidence(2, chain.height)])
    chain.blocks(50)
    expect_msg_failure(chain, SIGNER, MsgUnjailNode(), error=NodeJailedError)
    expect_msg_failure(chain, STAKERS[0], MsgStakeNode(SIGNER.address, GOS), error=NodeJailedError)


def test_stake_unbonding_since_the_infraction_is_slashed_and_earlier_unbonding_is_not() -> None:
    chain = make_chain(node_count=3)
    early, late, voter = STAKERS
    for staker in STAKERS:
        fund_gos(chain, staker.address, 200 * GOS)
    assert chain.run(early, MsgStakeNode(SIGNER.address, 100 * GOS)).code == 0
    assert chain.run(late, MsgStakeNode(SIGNER.address, 100 * GOS)).code == 0
    assert chain.run(voter, MsgVoteNode(SIGNER.address, 100 * GOS)).code == 0
    # `early` leaves before the fault; the node double-signs at `infraction`; `late` (all of its stake) and the
    # voter leave afterwards, before the evidence lands. Only `late`'s stake vouched for the fault and left.
    assert chain.run(early, MsgUnstakeNode(SIGNER.address, 40 * GOS)).code == 0
    infraction = chain.height + 1
    chain.block()
    assert chain.run(late, MsgUnstakeNode(SIGNER.address, 100 * GOS)).code == 0
    assert chain.run(voter, MsgUnvoteNode(SIGNER.address, 100 * GOS)).code == 0
    queued_before = {s.address: [u.shares for _, u in get_unbondings(chain.state, s.address)] for s in STAKERS}
    assert queued_before == {early.address: [40 * GOS], late.address: [100 * GOS], voter.address: [100 * GOS]}
    supply_before = chain.state.gos_supply.get()

    result = chain.block(misbehavior=[evidence(2, infraction)])

    queued = {s.address: [u.shares for _, u in get_unbondings(chain.state, s.address)] for s in STAKERS}
    assert queued == {early.address: [40 * GOS], late.address: [95 * GOS], voter.address: [100 * GOS]}
    bonded_cut = 3 * GOS  # early's remaining 60 GOS of stake, bonded during the fault
    assert get_delegation_shares(chain.state, early.address, SIGNER.address, "stake") == 60 * GOS - bonded_cut
    slashed = events_of(result, "node_slashed")[0]
    assert (slashed["burned"], slashed["burned_unbonding"]) == (str(bonded_cut + 5 * GOS), str(5 * GOS))
    assert chain.state.gos_supply.get().slashed_ugos - supply_before.slashed_ugos == bonded_cut + 5 * GOS

    # The slashed entry still completes on time, with what is left of it.
    late_before = chain.gos(late.address)
    chain.blocks(TEST_PARAMS.staking.stake_unbonding_blocks)
    assert chain.gos(late.address) == late_before + 95 * GOS
    assert get_unbondings(chain.state, late.address) == []


def test_a_whole_unbonding_entry_slashed_away_leaves_the_queue_working() -> None:
    chain = make_chain(node_count=3)
    fund_gos(chain, STAKERS[0].address, 10 * GOS)
    fund_gos(chain, STAKERS[1].address, 10 * GOS)
    assert chain.run(STAKERS[0], MsgStakeNode(SIGNER.address, 7)).code == 0
    assert chain.run(STAKERS[1], MsgStakeNode(SIGNER.address, 5 * GOS)).code == 0
    infraction = chain.height
    # 7 ugos: 5% rounded up per entry is 1 ugo, so a 1-ugo entry is burned whole.
    assert chain.run(STAKERS[0], MsgUnstakeNode(SIGNER.address, 6), MsgUnstakeNode(SIGNER.address, 1)).code == 0
    assert chain.run(STAKERS[1], MsgUnstakeNode(SIGNER.address, 5 * GOS)).code == 0
    chain.block(misbehavior=[evidence(2, infraction)])
    assert [u.shares for _, u in get_unbondings(chain.state, STAKERS[0].address)] == [5]
    before = [chain.gos(s.address) for s in STAKERS[:2]]
    chain.blocks(TEST_PARAMS.staking.stake_unbonding_blocks)
    assert [chain.gos(s.address) - b for s, b in zip(STAKERS[:2], before, strict=True)] == [5, 5 * GOS - GOS // 4]
    assert get_unbondings(chain.state, STAKERS[0].address) == []
