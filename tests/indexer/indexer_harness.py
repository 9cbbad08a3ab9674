"""Indexer test harness: a devnet chain with real activity (signed transactions through the app), and helpers
to dump an index for comparisons."""

import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from free_ports import free_port
from sqlalchemy import Engine, select

from gostaking.chain.types.tx import (
    Msg,
    MsgClaimRewards,
    MsgLockAsset,
    MsgRegisterNode,
    MsgSendCoins,
    MsgStakeNode,
    MsgUnvoteNode,
    MsgVoteNode,
)
from gostaking.indexer.schema import metadata
from gostaking.node.runtime import Node, open_devnet
from gostaking.node.settings import DevnetSettings
from gostaking.storage import MemoryStore
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey, sign_tx

GOS = 10**6
BTC = 10**8
FEE = 1_000
UNVOTE_GOS = 2


@dataclass
class Chain:
    """A devnet node with activity, and who did what."""

    node: Node
    operator: PrivateKey
    faucet: PrivateKey
    alice: PrivateKey = field(default_factory=PrivateKey.generate)
    bob: PrivateKey = field(default_factory=PrivateKey.generate)
    carol: PrivateKey = field(default_factory=PrivateKey.generate)
    txs: dict[str, str] = field(default_factory=dict)
    unvote_height: int = 0

    def produce(self, count: int = 1) -> int:
        assert self.node.producer is not None
        for _ in range(count):
            self.node.producer.produce_block()
        return self.node.app.height

    def submit(self, name: str, key: PrivateKey, *msgs: Msg) -> str:
        app = self.node.app
        raw = sign_tx(key, self.node.chain_id, app.next_sequence(key.address), list(msgs), FEE)
        result = app.check_tx(raw)
        assert result.ok, result.log
        self.txs[name] = result.tx_hash.hex()
        return self.txs[name]


def build_chain(home: Path, *, lmdb: bool = False, tail_blocks: int = 70) -> Chain:
    """A devnet chain (in memory, or LMDB in `home/data`) with transfers, votes, stakes, a lock, an unvote that
    completes, a second node, a claim and a failed transfer; `tail_blocks` empty blocks at the end."""
    node = open_devnet(DevnetSettings(home=home), store=None if lmdb else MemoryStore())
    keyring = Keyring(home / "keys")
    chain = Chain(node, keyring.load("operator", None), keyring.load("faucet", None))
    chain.produce(12)  # the operator earns 10 GOS per block: enough to fund alice and bob
    chain.submit("fund_alice", chain.operator, MsgSendCoins(chain.alice.address, "ugos", 60 * GOS))
    chain.submit("fund_assets", chain.faucet, MsgSendCoins(chain.alice.address, "btc", BTC))
    chain.produce(4)
    chain.submit("fund_bob", chain.operator, MsgSendCoins(chain.bob.address, "ugos", 30 * GOS))
    chain.produce()
    op = chain.operator.address
    chain.submit(
        "alice_bonds", chain.alice, MsgVoteNode(op, 20 * GOS), MsgStakeNode(op, 5 * GOS), MsgLockAsset("btc", BTC // 2)
    )
    chain.submit("register", chain.bob, MsgRegisterNode(secrets.token_bytes(32), "bob-node"))
    chain.produce()
    chain.submit("send_carol", chain.alice, MsgSendCoins(chain.carol.address, "ugos", 3 * GOS))
    chain.submit("bob_stake", chain.bob, MsgStakeNode(chain.bob.address, 10 * GOS))
    chain.submit("alice_vote_bob", chain.alice, MsgVoteNode(chain.bob.address, 4 * GOS))
    chain.produce()
    chain.submit("unvote", chain.alice, MsgUnvoteNode(op, UNVOTE_GOS * GOS))
    chain.submit("carol_fails", chain.carol, MsgSendCoins(chain.alice.address, "ugos", 1_000 * GOS))
    chain.unvote_height = chain.produce()
    chain.produce(3)
    chain.submit("claim", chain.alice, MsgClaimRewards())
    chain.produce(tail_blocks)
    return chain


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every index table, in primary-key order."""
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns)
            out[table.name] = [tuple(row) for row in conn.execute(select(table).order_by(*order))]
    return out


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.as_posix()}"


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    """One in-memory chain with activity for the read-only tests of a module."""
    built = build_chain(tmp_path_factory.mktemp("chain"))
    try:
        yield built
    finally:
        built.node.close()


def _postgres_binaries() -> tuple[str, str] | None:
    for directory in [
        os.path.dirname(shutil.which("initdb") or ""),
        *sorted(Path("/usr/lib/postgresql").glob("*/bin")),
    ]:
        initdb, pg_ctl = Path(directory) / "initdb", Path(directory) / "pg_ctl"
        if directory and initdb.exists() and pg_ctl.exists():
            return str(initdb), str(pg_ctl)
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL: $GOSTAKING_TEST_POSTGRES_URL, or a throwaway local server when PostgreSQL is installed.
    Skips when neither is available (PostgreSQL is optional; SQLite is the default index)."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'gostaking[postgres]')")
    configured = os.environ.get("GOSTAKING_TEST_POSTGRES_URL")
    if configured:
        yield configured
        return
    binaries = _postgres_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server: set GOSTAKING_TEST_POSTGRES_URL or install postgresql")
    initdb, pg_ctl = binaries
    as_user: list[str] = []
    directory = Path(tempfile.mkdtemp(prefix="gostaking-pg-"))
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start a throwaway PostgreSQL")
        shutil.chown(directory, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data = directory / "data"
    try:
        init = [*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "postgres"]
        subprocess.run(init, check=True, capture_output=True, timeout=60)
        options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        # The server's output goes to a log file: a pipe inherited by the server would never close.
        start = [*as_user, pg_ctl, "-D", str(data), "-l", str(directory / "server.log"), "-o", options, "-w", "start"]
        subprocess.run(start, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    except (subprocess.SubprocessError, KeyError, OSError) as error:
        shutil.rmtree(directory, ignore_errors=True)
        pytest.skip(f"could not start a throwaway PostgreSQL: {error}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        stop = [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]
        subprocess.run(stop, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        shutil.rmtree(directory, ignore_errors=True)
