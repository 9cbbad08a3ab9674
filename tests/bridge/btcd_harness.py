"""A real Bitcoin node for the gateway's tests: btcd (`make btcd`: go install of the release pinned in
gostaking/bridge/btc_rpc.py) in regtest, with its transaction and address indexes, RPC on a free 127.0.0.1 port
without TLS, its own config, data and log directories, stopped at teardown; and a pair of them that share a chain
and then mine apart, for real reorganizations (`btcd_pair`). (btcd also creates an empty
`~/.btcd` of the user's passwd entry whatever HOME says; the fixture removes it again if it was not there before.)

Tests that need it are marked `requires_btcd`: they skip only when btcd is not built (with the command that builds
it), and `make test` builds it whenever Go is installed.
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from embit import ec
from embit.networks import NETWORKS
from embit.script import Script, Witness, p2pkh, p2wpkh
from embit.transaction import SIGHASH, Transaction, TransactionInput, TransactionOutput
from free_ports import free_port

from gostaking.bridge.btc_rpc import BTCD_VERSION, BitcoinRpc
from gostaking.bridge.errors import RpcError
from gostaking.wallet.keys import PrivateKey

BTCD_ENV = "BTCD_BIN"
ACTIVATION_HEIGHT = 432
"""Regtest activates CSV and segwit by BIP-9 signalling over 144-block windows: active from block 432."""
COINBASE_MATURITY = 100
USER, PASSWORD = "gateway", "regtest-secret"


def find_btcd() -> Path | None:
    """The btcd binary: $BTCD_BIN, then PATH, then Go's bin directories ($GOPATH/bin, ~/go/bin)."""
    explicit = os.environ.get(BTCD_ENV)
    if explicit:
        return Path(explicit) if Path(explicit).is_file() else None
    on_path = shutil.which("btcd")
    if on_path:
        return Path(on_path)
    dirs = [Path(part) / "bin" for part in os.environ.get("GOPATH", "").split(os.pathsep) if part]
    for directory in [*dirs, Path.home() / "go" / "bin"]:
        candidate = directory / "btcd"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def btcd_problem() -> str | None:
    """Why the btcd tests cannot run (None when they can)."""
    install = f"run `make btcd` (go install github.com/btcsuite/btcd@{BTCD_VERSION})"
    binary = find_btcd()
    if binary is None:
        return f"btcd is not installed: {install}"
    done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30, check=False)
    if BTCD_VERSION.lstrip("v") not in done.stdout:
        return f"{binary} is {done.stdout.strip() or 'not btcd'}, the tests need {BTCD_VERSION}: {install}"
    return None


_PROBLEM = btcd_problem()
requires_btcd = pytest.mark.skipif(_PROBLEM is not None, reason=f"needs btcd: {_PROBLEM}")


def p2wpkh_script(key: PrivateKey) -> bytes:
    """OP_0 <hash160(pubkey)>: where `key` receives."""
    return bytes(p2wpkh(ec.PublicKey.parse(key.public_key)).data)


def address_of(script_pubkey: bytes) -> str:
    """The regtest address of an output script."""
    return str(Script(script_pubkey).address(NETWORKS["regtest"]))


@dataclass
class Btcd:
    """A running regtest btcd whose blocks pay `miner` (a P2WPKH key the tests spend from)."""

    rpc: BitcoinRpc
    url: str
    miner: PrivateKey
    rpc_user: str = USER
    rpc_password: str = PASSWORD
    used_coinbases: set[int] = field(default_factory=set)
    p2p_address: str = ""
    """Where it accepts peers ('' when it accepts none)."""

    def height(self) -> int:
        return self.rpc.get_block_count()

    def generate(self, count: int) -> None:
        """Mine `count` blocks (paying the miner)."""
        self.rpc.call("generate", count)

    def send(self, tx: Transaction) -> str:
        return str(self.rpc.send_raw_transaction(tx.serialize().hex()))

    def fund(
        self, script_pubkey: bytes, amount_sat: int, fee_sat: int = 10_000, *, coinbase_height: int | None = None
    ) -> tuple[str, int]:
        """Pay `amount_sat` to `script_pubkey` from an unused mature coinbase of the miner (or the one of block
        `coinbase_height`, used or not: a double spend), change back to the miner; returns the (txid, vout) of the
        payment, in the mempool."""
        height = coinbase_height or next(
            h for h in range(1, self.height() - COINBASE_MATURITY) if h not in self.used_coinbases
        )
        self.used_coinbases.add(height)
        coinbase = self.rpc.get_block_transactions(self.rpc.get_block_hash(height))[0]
        value = coinbase.vout[0].value
        change = p2wpkh_script(self.miner)
        tx = Transaction(
            version=2,
            vin=[TransactionInput(coinbase.txid(), 0)],
            vout=[
                TransactionOutput(amount_sat, Script(script_pubkey)),
                TransactionOutput(value - amount_sat - fee_sat, Script(change)),
            ],
        )
        sign_p2wpkh(tx, 0, self.miner, value)
        return self.send(tx), 0

    def best_block_hash(self) -> str:
        return str(self.rpc.call("getbestblockhash"))

    def connect(self, peer: "Btcd") -> None:
        """Connect to `peer` (which must accept peers); the longer branch then wins on both."""
        self.rpc.call("node", "connect", peer.p2p_address, "temp")

    def disconnect(self, peer: "Btcd") -> None:
        """Drop the connection to `peer`, waiting until neither side lists it (`peer` accepts no other node, and
        this one does not listen: nothing reconnects them)."""
        self.rpc.call("node", "disconnect", peer.p2p_address)
        self._wait(lambda: not self.rpc.call("getpeerinfo") and not peer.rpc.call("getpeerinfo"), "to disconnect")

    def wait_for_tip(self, block_hash: str) -> None:
        """Wait until this node's best block is `block_hash` (blocks from a peer arrive asynchronously)."""
        self._wait(lambda: self.best_block_hash() == block_hash, f"to reach block {block_hash}")

    def _wait(self, done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 60
        while not done():
            if time.monotonic() > deadline:
                raise RuntimeError(f"btcd at {self.url} took more than 60 s {what}")
            time.sleep(0.05)

    def unspent_at(self, script_pubkey: bytes) -> list[tuple[str, int, int]]:
        """(txid, vout, sat) of the unspent outputs paying `script_pubkey`, from btcd's address index and UTXO set."""
        try:
            raws = self.rpc.call("searchrawtransactions", address_of(script_pubkey), 0, 0, 10_000)
        except RpcError as error:
            if "No information available" in str(error):
                return []
            raise
        found = []
        for raw in raws:
            tx = Transaction.parse(bytes.fromhex(raw))
            for vout, out in enumerate(tx.vout):
                if bytes(out.script_pubkey.data) == script_pubkey and self.rpc.get_tx_out(tx.txid().hex(), vout):
                    found.append((tx.txid().hex(), vout, int(out.value)))
        return sorted(found)


def sign_p2wpkh(tx: Transaction, index: int, key: PrivateKey, amount_sat: int) -> None:
    """Sign input `index` of `tx`, which spends a P2WPKH output of `key` worth `amount_sat` (BIP-143)."""
    public = ec.PublicKey.parse(key.public_key)
    digest = tx.sighash_segwit(index, p2pkh(public), amount_sat, sighash=SIGHASH.ALL)
    signature = ec.PrivateKey(key.secret).sign(digest).serialize() + bytes([SIGHASH.ALL])
    tx.vin[index].witness = Witness([signature, key.public_key])


@contextlib.contextmanager
def running_btcd(home: Path, miner: PrivateKey, *, p2p_port: int | None = None) -> Iterator[Btcd]:
    """A regtest btcd with its own config, data and log directories under `home`, mining to `miner`, stopped on
    exit. It accepts peers on 127.0.0.1:`p2p_port` when given (the other node of a reorg test connects there), and
    none otherwise."""
    binary = find_btcd()
    if binary is None or _PROBLEM is not None:
        pytest.skip(f"needs btcd: {_PROBLEM}")
    home.mkdir()
    (home / "btcd.conf").write_text("")
    port = free_port()
    args = [
        str(binary),
        f"--configfile={home / 'btcd.conf'}",
        f"--datadir={home / 'data'}",
        f"--logdir={home / 'logs'}",
        "--regtest",
        "--txindex",
        "--addrindex",
        f"--listen=127.0.0.1:{p2p_port}" if p2p_port is not None else "--nolisten",
        "--notls",
        f"--rpclisten=127.0.0.1:{port}",
        f"--rpcuser={USER}",
        f"--rpcpass={PASSWORD}",
        f"--miningaddr={address_of(p2wpkh_script(miner))}",
    ]
    default_home = Path(pwd.getpwuid(os.getuid()).pw_dir) / ".btcd"
    leave_default_home = default_home.exists()
    log = (home / "stdout.log").open("wb")
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "HOME": str(home)})
    url = f"http://127.0.0.1:{port}"
    rpc = BitcoinRpc(url, USER, PASSWORD, timeout_s=10)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                rpc.get_block_count()
                break
            except RpcError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"btcd did not start: {(home / 'stdout.log').read_text()[-2000:]}") from None
                time.sleep(0.05)
        yield Btcd(rpc, url, miner, p2p_address=f"127.0.0.1:{p2p_port}" if p2p_port is not None else "")
    finally:
        rpc.close()
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
        if not leave_default_home:
            with contextlib.suppress(OSError):  # rmdir succeeds only while it is empty: nobody's files are lost
                default_home.rmdir()


MINER = PrivateKey((0xB7CD).to_bytes(32, "big"))


@pytest.fixture
def btcd(tmp_path: Path) -> Iterator[Btcd]:
    """A fresh regtest btcd with CSV and segwit active and mature coinbases to spend."""
    with running_btcd(tmp_path / "btcd", MINER) as node:
        node.generate(ACTIVATION_HEIGHT)
        yield node


@pytest.fixture
def btcd_pair(tmp_path: Path) -> Iterator[tuple[Btcd, Btcd]]:
    """Two regtest btcds sharing the chain up to CSV and segwit activation (and mature coinbases), then
    disconnected: each mines its own branch until `second.connect(first)` lets the longer branch win on both — a
    real reorganization. Both mine to the same key and share the set of used coinbases, so either spends the
    common chain's coinbases without spending one twice by accident."""
    with (
        running_btcd(tmp_path / "btcd-a", MINER, p2p_port=free_port()) as first,
        running_btcd(tmp_path / "btcd-b", MINER) as second,
    ):
        second.used_coinbases = first.used_coinbases
        second.connect(first)
        first.generate(ACTIVATION_HEIGHT)
        second.wait_for_tip(first.best_block_hash())
        second.disconnect(first)
        yield first, second
