"""The ABCI gRPC server (CometBFT's `abci = "grpc"` transport), called with the generated ABCI client stub over a
real loopback gRPC connection: the same handler as the socket server, one call per request."""

from collections.abc import Iterator

import msgspec
import pytest
from abci_harness import GrpcComet, RunningGrpcServer, requires_stubs, run_grpc_server
from test_abci_server import check, commit, finalize, send, start_chain

from gostaking.node.abci.grpc_server import handler_kind, service_method
from gostaking.node.abci.handler import AbciHandler
from gostaking.node.app import GoStakingApp
from gostaking.node.mempool import Mempool
from gostaking.storage import MemoryStore

pytestmark = requires_stubs


@pytest.fixture
def grpc_server() -> Iterator[RunningGrpcServer]:
    yield from run_grpc_server(GoStakingApp(MemoryStore(), Mempool()))


@pytest.fixture
def comet(grpc_server: RunningGrpcServer) -> Iterator[GrpcComet]:
    client = grpc_server.client()
    yield client
    client.close()


def test_every_service_method_names_a_handler_method() -> None:
    from gostaking.node.abci.proto import abci_types

    methods = [method.name for method in abci_types().DESCRIPTOR.services_by_name["ABCI"].methods]
    handler = AbciHandler(GoStakingApp(MemoryStore()))
    assert len(methods) == 16
    for name in methods:
        assert callable(handler.method(handler_kind(name)))
        assert service_method(handler_kind(name)) == name
    assert handler_kind("FinalizeBlock") == "finalize_block"


def test_a_block_with_transactions_over_grpc(grpc_server: RunningGrpcServer, comet: GrpcComet) -> None:
    t = comet.types
    assert comet.call(echo=t.RequestEcho(message="hello")).echo.message == "hello"
    start_chain(comet)
    assert check(comet, send(0)).code == 0
    assert check(comet, send(1)).code == 0
    assert "BadSequenceError" in check(comet, send(5)).log
    prepared = comet.call(
        prepare_proposal=t.RequestPrepareProposal(max_tx_bytes=1_000_000, txs=[send(0), send(5), send(1)], height=3)
    ).prepare_proposal
    assert list(prepared.txs) == [send(0), send(1)]
    finalized = finalize(comet, 3, list(prepared.txs)).finalize_block
    assert [r.code for r in finalized.tx_results] == [0, 0]
    commit(comet)
    info = comet.call(info=t.RequestInfo()).info
    assert (info.last_block_height, info.last_block_app_hash) == (3, finalized.app_hash)
    assert grpc_server.app.height == 3
    query = comet.call(query=t.RequestQuery(path="/info")).query
    assert msgspec.json.decode(query.value)["height"] == 3


def test_a_failed_request_fails_the_call_with_its_message(comet: GrpcComet) -> None:
    response = comet.call(commit=comet.types.RequestCommit())
    assert response.WhichOneof("value") == "exception"
    assert response.exception.error.startswith("StatusCode.INTERNAL")
    assert "commit without a finalized block" in response.exception.error


def test_snapshot_and_vote_extension_calls_are_answered(comet: GrpcComet) -> None:
    t = comet.types
    assert list(comet.call(list_snapshots=t.RequestListSnapshots()).list_snapshots.snapshots) == []
    assert comet.call(offer_snapshot=t.RequestOfferSnapshot()).offer_snapshot.result == t.ResponseOfferSnapshot.REJECT
    assert comet.call(extend_vote=t.RequestExtendVote()).extend_vote.vote_extension == b""
    verified = comet.call(verify_vote_extension=t.RequestVerifyVoteExtension()).verify_vote_extension
    assert verified.status == t.ResponseVerifyVoteExtension.ACCEPT


def test_a_restarted_cometbft_echo_drops_the_uncommitted_block(grpc_server: RunningGrpcServer) -> None:
    first = grpc_server.client()
    start_chain(first)
    finalize(first, 3, [send(0)])
    first.close()  # CometBFT dies between FinalizeBlock and Commit: gRPC tells the app nothing
    restarted = grpc_server.client()
    t = restarted.types
    assert restarted.call(echo=t.RequestEcho(message="hello")).echo.message == "hello"  # each client's first call
    assert restarted.call(info=t.RequestInfo()).info.last_block_height == 2
    # The handshake replays block 3 from the app's last commit: the app executes it again.
    assert [r.code for r in finalize(restarted, 3, [send(0)]).finalize_block.tx_results] == [0]
    commit(restarted)
    assert grpc_server.app.height == 3
    restarted.close()


def test_a_request_above_grpcs_default_4_mib_is_served(comet: GrpcComet) -> None:
    # CometBFT's blocks go up to 21 MB; grpc's default limit is 4 MiB each way.
    t = comet.types
    start_chain(comet)
    big = b"\x00" * (5 * 1024 * 1024)
    processed = comet.call(process_proposal=t.RequestProcessProposal(txs=[big], height=3)).process_proposal
    assert processed.status == t.ResponseProcessProposal.REJECT
