"""The ABCI server's request dispatch, driven by a fake CometBFT client over a real loopback socket."""

import asyncio
import json
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from abci_harness import (
    CHAIN_ID,
    GENESIS_TIME_MS,
    NODE_KEY,
    OPERATOR,
    FakeComet,
    RunningServer,
    genesis_json,
    requires_stubs,
    run_server,
)

import gostaking.node.app as app_module
from gostaking.chain.types.block import BlockEnv, Misbehavior
from gostaking.chain.types.tx import MsgSendCoins, MsgVoteNode
from gostaking.node.abci.framing import frame
from gostaking.node.abci.trace import PROFILE_ENV, TRACE_ENV
from gostaking.node.app import GoStakingApp
from gostaking.node.mempool import Mempool
from gostaking.storage import MemoryStore
from gostaking.wallet.keys import PrivateKey, sign_tx

pytestmark = requires_stubs
GOS = 10**6
NODE_ADDRESS = bytes.fromhex(NODE_KEY.address)
USER = PrivateKey((7).to_bytes(32, "big"))


def timestamp(client: FakeComet, time_ms: int) -> Any:
    stamp = client.types.google_dot_protobuf_dot_timestamp__pb2.Timestamp()
    stamp.seconds, stamp.nanos = divmod(time_ms, 1000)
    stamp.nanos *= 1_000_000
    return stamp


def init_chain(client: FakeComet, validators: list[tuple[bytes, int]] | None = None) -> Any:
    t = client.types
    from gostaking.node.abci.proto import crypto_keys

    keys: Any = crypto_keys()
    updates = [
        t.ValidatorUpdate(pub_key=keys.PublicKey(ed25519=key), power=power)
        for key, power in (validators if validators is not None else [(NODE_KEY.public_key, 10)])
    ]
    request = t.RequestInitChain(
        time=timestamp(client, GENESIS_TIME_MS),
        chain_id=CHAIN_ID,
        validators=updates,
        app_state_bytes=genesis_json(),
        initial_height=1,
    )
    return client.call(init_chain=request)


def finalize(client: FakeComet, height: int, txs: list[bytes], flag: int = 2, **extra: Any) -> Any:
    """FinalizeBlock at `height`; from height 2 on, the node's vote on the previous block has `flag`."""
    t = client.types
    votes = (
        [t.VoteInfo(validator=t.Validator(address=NODE_ADDRESS, power=10), block_id_flag=flag)] if height > 1 else []
    )
    request = t.RequestFinalizeBlock(
        txs=txs,
        decided_last_commit=t.CommitInfo(round=0, votes=votes),
        height=height,
        time=timestamp(client, GENESIS_TIME_MS + height * 1000),
        proposer_address=NODE_ADDRESS,
        **extra,
    )
    return client.call(finalize_block=request)


def commit(client: FakeComet) -> Any:
    return client.call(commit=client.types.RequestCommit())


def check(client: FakeComet, tx: bytes, recheck: bool = False) -> Any:
    t = client.types
    return client.call(check_tx=t.RequestCheckTx(tx=tx, type=t.RECHECK if recheck else t.NEW)).check_tx


def send(sequence: int, amount: int = GOS) -> bytes:
    return sign_tx(OPERATOR, CHAIN_ID, sequence, [MsgSendCoins(USER.address, "ugos", amount)], fee=1_000)


def start_chain(client: FakeComet, blocks: int = 2) -> None:
    """InitChain and `blocks` empty blocks: the operator earns the node share from block 2 on."""
    assert init_chain(client).WhichOneof("value") == "init_chain"
    for height in range(1, blocks + 1):
        assert finalize(client, height, []).WhichOneof("value") == "finalize_block"
        commit(client)


def test_prepare_proposal_puts_higher_fees_first_keeping_each_senders_sequence(abci_server: RunningServer) -> None:
    client = abci_server.client()
    t = client.types
    start_chain(client)
    assert [r.code for r in finalize(client, 3, [send(0)]).finalize_block.tx_results] == [0]  # USER gets GOS
    commit(client)
    cheap = send(1)
    generous = sign_tx(OPERATOR, CHAIN_ID, 2, [MsgSendCoins(USER.address, "ugos", 1)], fee=9_000)
    user = sign_tx(USER, CHAIN_ID, 0, [MsgSendCoins(OPERATOR.address, "ugos", 1)], fee=5_000)
    prepared = client.call(
        prepare_proposal=t.RequestPrepareProposal(max_tx_bytes=1_000_000, txs=[cheap, generous, user], height=4)
    ).prepare_proposal
    # CometBFT hands them over in arrival order; the operator's 9,000 ugos tx must still follow its sequence 1.
    assert list(prepared.txs) == [user, cheap, generous]
    client.close()


def test_prepare_proposal_verifies_only_what_no_check_since_the_last_commit_covers(
    abci_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = abci_server.client()
    t = client.types
    start_chain(client)
    assert [r.code for r in finalize(client, 3, [send(0)]).finalize_block.tx_results] == [0]
    commit(client)
    checked, waiting_over_commit = send(1), send(2)
    assert check(client, checked).code == 0 and check(client, waiting_over_commit).code == 0
    assert [r.code for r in finalize(client, 4, [checked]).finalize_block.tx_results] == [0]
    commit(client)  # send(2) is still in the record, but no Recheck has confirmed it against block 4's state yet
    fresh = send(3)
    never_seen = sign_tx(USER, CHAIN_ID, 0, [MsgSendCoins(OPERATOR.address, "ugos", 1)], fee=1_000)
    verified: list[bytes] = []
    real_verify = app_module.verify_tx

    def counting(state: Any, chain_id: str, raw: bytes, *args: Any) -> Any:
        verified.append(raw)
        return real_verify(state, chain_id, raw, *args)

    def prepare(txs: list[bytes]) -> list[bytes]:
        request = t.RequestPrepareProposal(max_tx_bytes=1_000_000, txs=txs, height=5)
        return list(client.call(prepare_proposal=request).prepare_proposal.txs)

    monkeypatch.setattr(app_module, "verify_tx", counting)
    assert check(client, waiting_over_commit, recheck=True).code == 0 and check(client, fresh).code == 0
    verified.clear()
    assert prepare([waiting_over_commit, fresh, never_seen]) == [waiting_over_commit, fresh, never_seen]
    assert verified == [never_seen], "the record's confirmed entries are taken as they are"
    # Without its sender's earlier transaction a record entry is not the sender's next: checked, and left out.
    verified.clear()
    assert prepare([fresh, never_seen]) == [never_seen]
    assert verified == [fresh, never_seen]
    # After another transaction with the same sequence as the record's, the fees counted are not the record's: checked.
    same_sequence = send(2, amount=5)
    verified.clear()
    assert prepare([same_sequence, fresh]) == [same_sequence, fresh]
    assert verified == [same_sequence, fresh]
    # After the next commit, an entry no Recheck has confirmed is verified in full again.
    assert [r.code for r in finalize(client, 5, []).finalize_block.tx_results] == []
    commit(client)
    verified.clear()
    assert prepare([waiting_over_commit, fresh]) == [waiting_over_commit, fresh]
    assert verified == [waiting_over_commit, fresh]
    client.close()


def test_echo_flush_and_info_before_genesis(abci_server: RunningServer) -> None:
    client = abci_server.client()
    t = client.types
    assert client.call(echo=t.RequestEcho(message="ping")).echo.message == "ping"
    info = client.call(info=t.RequestInfo(version="0.38.17")).info
    assert (info.last_block_height, info.last_block_app_hash, info.data) == (0, b"", "gostaking")
    assert info.app_version == 1
    client.close()


def test_init_chain_returns_the_genesis_nodes_as_validators(abci_server: RunningServer) -> None:
    client = abci_server.client()
    response = init_chain(client).init_chain
    assert [(bytes(v.pub_key.ed25519), v.power) for v in response.validators] == [(NODE_KEY.public_key, 10)]
    assert len(response.app_hash) == 32
    client.close()


def test_init_chain_refuses_validators_that_are_not_the_genesis_nodes(abci_server: RunningServer) -> None:
    client = abci_server.client()
    response = init_chain(client, [(bytes(32), 10)])
    assert response.WhichOneof("value") == "exception"
    assert "differ from the app's genesis nodes" in response.exception.error
    # The refused genesis left nothing behind: a correct InitChain still works.
    assert init_chain(client).WhichOneof("value") == "init_chain"
    client.close()


def test_a_block_through_every_consensus_step(abci_server: RunningServer) -> None:
    client = abci_server.client()
    mempool = abci_server.client()  # CometBFT's mempool connection
    t = client.types
    start_chain(client)
    # CheckTx: a sender may queue consecutive sequences; a gap or a replay is refused.
    assert check(mempool, send(0)).code == 0
    assert check(mempool, send(1)).code == 0
    gap = check(mempool, send(5))
    assert gap.code != 0 and "BadSequenceError" in gap.log and gap.codespace == "gostaking"
    # PrepareProposal keeps mempool order and drops what CheckTx now refuses.
    garbage = b"not a transaction"
    prepared = client.call(
        prepare_proposal=t.RequestPrepareProposal(
            max_tx_bytes=1_000_000, txs=[send(0), send(5), garbage, send(1)], height=3
        )
    ).prepare_proposal
    assert list(prepared.txs) == [send(0), send(1)]
    # max_tx_bytes counts each tx with its protobuf field overhead.
    small = client.call(
        prepare_proposal=t.RequestPrepareProposal(max_tx_bytes=len(send(0)) + 3, txs=[send(0), send(1)], height=3)
    ).prepare_proposal
    assert list(small.txs) == [send(0)]
    # ProcessProposal rejects an undecodable tx, accepts a well-formed block.
    status = t.ResponseProcessProposal
    assert client.call(process_proposal=t.RequestProcessProposal(txs=[garbage], height=3)).process_proposal.status == (
        status.REJECT
    )
    accepted = client.call(process_proposal=t.RequestProcessProposal(txs=list(prepared.txs), height=3))
    assert accepted.process_proposal.status == status.ACCEPT
    # FinalizeBlock executes; between it and Commit a CheckTx is answered at once (CometBFT flushes the mempool
    # connection before sending Commit, so waiting for the commit would deadlock).
    finalized = finalize(client, 3, list(prepared.txs)).finalize_block
    assert [r.code for r in finalized.tx_results] == [0, 0]
    assert any(e.type for e in finalized.tx_results[0].events)
    assert len(finalized.app_hash) == 32
    assert check(mempool, send(2)).code == 0
    info = client.call(info=t.RequestInfo()).info
    assert info.last_block_height == 2, "FinalizeBlock persists nothing"
    commit(client)
    info = client.call(info=t.RequestInfo()).info
    assert (info.last_block_height, info.last_block_app_hash) == (3, finalized.app_hash)
    # After Commit the per-sender record restarts from the new state: rechecks rebuild it in order.
    assert check(mempool, send(2), recheck=True).code == 0
    assert check(mempool, send(1), recheck=True).code != 0  # included in block 3
    query = client.call(query=t.RequestQuery(path="/info")).query
    assert msgspec.json.decode(query.value)["height"] == 3
    assert client.call(query=t.RequestQuery(path="/nope")).query.code != 0
    client.close()
    mempool.close()


def test_the_check_tx_record_stays_visible_across_commit_and_forgets_what_cometbft_dropped(
    abci_server: RunningServer,
) -> None:
    from gostaking.chain.codec import tx_hash

    client = abci_server.client()
    mempool = abci_server.client()
    app = abci_server.app
    start_chain(client)
    for sequence in range(4):
        assert check(mempool, send(sequence)).code == 0
    finalize(client, 3, [send(0)])
    commit(client)
    # Between Commit and CometBFT's rechecks, readers (the REST API) still see the txs waiting and the sequence.
    assert [app.mempool.get(tx_hash(send(n))) is not None for n in range(4)] == [False, True, True, True]
    assert app.next_sequence(OPERATOR.address) == 4
    # CometBFT rechecks what it still holds, in order (here not send(2): say its mempool evicted it).
    assert check(mempool, send(1), recheck=True).code == 0
    assert check(mempool, send(3), recheck=True).code == 0
    assert app.next_sequence(OPERATOR.address) == 4
    finalize(client, 4, [send(1)])
    commit(client)
    # send(2) was not rechecked after block 3: forgotten, with send(3) which cannot come before it.
    assert len(app.mempool) == 0 and app.next_sequence(OPERATOR.address) == 2
    assert check(mempool, send(3), recheck=True).code != 0  # a sequence gap now
    assert check(mempool, send(2)).code == 0 and check(mempool, send(3)).code == 0
    assert app.next_sequence(OPERATOR.address) == 4
    client.close()
    mempool.close()


def test_commit_info_and_evidence_reach_the_block_env(
    abci_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[BlockEnv] = []
    real_apply_block = app_module.apply_block

    def spy(state: Any, env: BlockEnv, txs: list[bytes], verified: Any) -> Any:
        seen.append(env)
        # What the chain does with absences and faults is the chain's business: run it without them here.
        return real_apply_block(state, msgspec.structs.replace(env, absent=(), misbehavior=()), txs, verified)

    monkeypatch.setattr(app_module, "apply_block", spy)
    client = abci_server.client()
    t = client.types
    start_chain(client, blocks=1)
    other = bytes(range(100, 120))
    votes = [
        t.VoteInfo(validator=t.Validator(address=NODE_ADDRESS, power=10), block_id_flag=2),
        t.VoteInfo(validator=t.Validator(address=other, power=10), block_id_flag=1),
        t.VoteInfo(validator=t.Validator(address=bytes(20), power=10), block_id_flag=3),
    ]
    fault = t.Misbehavior(type=t.DUPLICATE_VOTE, validator=t.Validator(address=other, power=10), height=1)
    request = t.RequestFinalizeBlock(
        decided_last_commit=t.CommitInfo(votes=votes),
        misbehavior=[fault],
        height=2,
        time=timestamp(client, GENESIS_TIME_MS + 2_345),
        proposer_address=NODE_ADDRESS,
    )
    assert client.call(finalize_block=request).WhichOneof("value") == "finalize_block"
    env = seen[-1]
    assert env.height == 2 and env.time_ms == GENESIS_TIME_MS + 2_345
    assert env.proposer == NODE_KEY.address
    assert env.signers == (NODE_KEY.address,)
    assert env.absent == (other.hex().upper(),)  # the nil vote (flag 3) is neither
    assert env.misbehavior == (Misbehavior("duplicate_vote", other.hex().upper(), 1),)
    client.close()


def test_errors_become_exception_responses(abci_server: RunningServer) -> None:
    client = abci_server.client()
    t = client.types
    response = client.call(commit=t.RequestCommit())
    assert response.WhichOneof("value") == "exception"
    assert "commit without a finalized block" in response.exception.error
    client.send_raw(b"\x03\xff\xff\xff")  # a frame whose content is not a Request
    client.send(flush=t.RequestFlush())
    assert client.receive().WhichOneof("value") == "exception"
    assert client.receive().WhichOneof("value") == "flush"
    client.close()


def test_snapshots_and_vote_extensions_are_declined(abci_server: RunningServer) -> None:
    client = abci_server.client()
    t = client.types
    assert list(client.call(list_snapshots=t.RequestListSnapshots()).list_snapshots.snapshots) == []
    offered = client.call(offer_snapshot=t.RequestOfferSnapshot()).offer_snapshot
    assert offered.result == t.ResponseOfferSnapshot.REJECT
    assert client.call(load_snapshot_chunk=t.RequestLoadSnapshotChunk()).load_snapshot_chunk.chunk == b""
    assert client.call(extend_vote=t.RequestExtendVote()).extend_vote.vote_extension == b""
    verified = client.call(verify_vote_extension=t.RequestVerifyVoteExtension()).verify_vote_extension
    assert verified.status == t.ResponseVerifyVoteExtension.ACCEPT
    client.close()


def test_pipelined_requests_are_answered_in_order(abci_server: RunningServer) -> None:
    client = abci_server.client()
    t = client.types
    start_chain(client)
    txs = [send(n, amount=1_000 + n) for n in range(50)]
    for tx in txs:  # CometBFT's CheckTxAsync: many requests, then one Flush
        client.send(check_tx=t.RequestCheckTx(tx=tx))
    client.send(flush=t.RequestFlush())
    codes = [client.receive().check_tx.code for _ in txs]
    assert codes == [0] * 50
    assert client.receive().WhichOneof("value") == "flush"
    client.close()


def until_answered(request: Callable[[], Any], kind: str) -> Any:
    """Repeat `request` until it gets a `kind` response: a closed connection is handled asynchronously."""
    response = None
    for _ in range(100):
        response = request()
        if response.WhichOneof("value") == kind:
            return response
        time.sleep(0.02)
    raise AssertionError(f"no {kind} response, last: {response}")


def test_consensus_disconnect_drops_the_uncommitted_block() -> None:
    app = GoStakingApp(MemoryStore(), Mempool())
    for server in run_server(app):
        client = server.client()
        start_chain(client)
        finalize(client, 3, [send(0)])
        client.close()  # CometBFT dies between FinalizeBlock and Commit
        comet = server.client()
        assert comet.call(info=comet.types.RequestInfo()).info.last_block_height == 2
        # The restarted CometBFT replays block 3 from the app's last commit: the app executes it again.
        until_answered(lambda c=comet: finalize(c, 3, [send(0)]), "finalize_block")
        commit(comet)
        assert app.height == 3
        comet.close()


def test_init_chain_again_after_a_restart_before_block_1() -> None:
    app = GoStakingApp(MemoryStore(), Mempool())
    for server in run_server(app):
        client = server.client()
        init_chain(client)
        client.close()  # genesis state is only committed with block 1, so CometBFT will send InitChain again
        again = server.client()
        until_answered(lambda c=again: init_chain(c), "init_chain")
        finalize(again, 1, [])
        commit(again)
        assert app.height == 1
        again.close()


def test_vote_transaction_result_events(abci_server: RunningServer) -> None:
    client = abci_server.client()
    start_chain(client)
    vote = sign_tx(OPERATOR, CHAIN_ID, 0, [MsgVoteNode(OPERATOR.address, GOS)], fee=1_000)
    result = finalize(client, 3, [vote]).finalize_block
    assert result.tx_results[0].code == 0, result.tx_results[0].log
    commit(client)
    client.close()


def test_a_slow_answer_is_written_without_waiting_for_the_requests_after_it(abci_server: RunningServer) -> None:
    client = abci_server.client()
    t = client.types
    handler = abci_server.server.handler
    slow_s = 0.3

    def slow_echo(request: Any) -> Any:
        time.sleep(slow_s)
        return t.ResponseEcho(message=request.message)

    handler._handlers["echo"] = slow_echo
    # Both requests arrive in one write, as CometBFT's buffered writer sends a burst.
    client.send_raw(b"".join(frame(t.Request(echo=t.RequestEcho(message=m)).SerializeToString()) for m in "ab"))
    first = client.receive()
    first_at = time.perf_counter()
    second = client.receive()
    assert (first.echo.message, second.echo.message) == ("a", "b")
    # (Half the second one's time: the test's own thread may be late to read the first answer on a loaded machine.)
    assert time.perf_counter() - first_at >= slow_s / 2, "the first answer came before the second was computed"
    client.close()


def test_closing_the_server_keeps_the_uncommitted_block_for_the_shutdown() -> None:
    app = GoStakingApp(MemoryStore(), Mempool())
    lost: list[bool] = []
    for server in run_server(app):
        server.server.handler.connection_lost = lambda: lost.append(True)
        client = server.client()
        start_chain(client)
        finalize(client, 3, [send(0)])
        asyncio.run_coroutine_threadsafe(server.server.close(), server.loop).result(10)
        with pytest.raises(ConnectionError):
            client.receive()  # the server closed CometBFT's connections
        assert lost == [] and app.height == 2
        client.close()


def test_the_trace_counts_each_request_type_when_the_environment_asks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TRACE_ENV, str(tmp_path / "trace"))
    monkeypatch.setenv(PROFILE_ENV, str(tmp_path / "profile"))
    for server in run_server(GoStakingApp(MemoryStore(), Mempool())):
        client = server.client()
        start_chain(client)
        assert check(client, send(0)).code == 0
        assert check(client, send(0), recheck=True).code == 0
        assert check(client, send(5)).code != 0
        client.close()
    (trace_file,) = tmp_path.glob("trace.*.json")
    trace = json.loads(trace_file.read_text())
    counts = {kind: totals["count"] for kind, totals in trace["requests"].items()}
    assert counts == {
        "init_chain": 1,
        "finalize_block": 2,
        "commit": 2,
        "check_tx new": 2,
        "check_tx recheck": 1,
    }
    assert trace["batches"]["mempool requests"]["count"] == 3
    (profile_file,) = tmp_path.glob("profile.*.prof")
    assert "check_tx" in str(pstats.Stats(str(profile_file)).stats)  # type: ignore[attr-defined]
