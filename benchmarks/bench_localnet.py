"""End-to-end throughput of a 4-validator CometBFT localnet: GoStaking app vs CometBFT's built-in kvstore app.

Setup (not measured): a fresh localnet (`create_localnet`, all processes on this machine, 127.0.0.1), the same
CometBFT configuration for both apps (timeout_commit, mempool size); for GoStaking, pre-signed GOS transfers
from the 4 genesis operators (funded by block rewards) to distinct recipients, for kvstore `key=value` txs.
Measured: from the first broadcast until every tx is in a committed block. One submitter thread per node sends
its share with broadcast_tx_sync to that node's RPC (a sender's sequences go to one node, in order).
Committed tx/s = txs / elapsed. Both networks run the same way, one after the other; the ratio is
GoStaking / kvstore.

The app processes run without the REST API and explorer index that `gostaking localnet` gives each node (they
would share the same cores); `--api` runs them too.

Run: python benchmarks/bench_localnet.py [--txs N] [--validators N] [--timeout-commit 500ms] [--api]
Needs `make cometbft`.
"""

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gostaking.chain.types.tx import MsgSendCoins
from gostaking.node.localnet.network import AppKind, Localnet, create_localnet
from gostaking.node.localnet.processes import LocalnetProcesses
from gostaking.node.localnet.rpc import CometRpc
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey, sign_tx

FEE_UGOS = 1_000


def committed_txs(rpc: CometRpc, after: int, upto: int) -> int:
    """Transactions in blocks after..upto (from block metas, 20 per call)."""
    total = 0
    low = after + 1
    while low <= upto:
        high = min(upto, low + 19)
        metas = rpc.call("blockchain", minHeight=str(low), maxHeight=str(high))["block_metas"]
        total += sum(int(meta["num_txs"]) for meta in metas)
        low = high + 1
    return total


def gostaking_txs(localnet: Localnet, per_node: int) -> list[list[bytes]]:
    """Per node, its operator's transfers with sequences 0..per_node-1 (signing is the client's work)."""
    keyring = Keyring(localnet.keys_dir)
    batches = []
    for index in range(len(localnet.nodes)):
        operator = keyring.load(f"operator{index}", None)
        batches.append(
            [
                sign_tx(
                    operator,
                    localnet.chain_id,
                    n,
                    [MsgSendCoins(PrivateKey((10**6 + index * 10**5 + n).to_bytes(32, "big")).address, "ugos", 1)],
                    FEE_UGOS,
                )
                for n in range(per_node)
            ]
        )
    return batches


def kvstore_txs(nodes: int, per_node: int) -> list[list[bytes]]:
    """Per node, distinct `key=value` txs (kvstore's format) of about the size of a GoStaking transfer."""
    return [[f"bench-{i}-{n}={'v' * 300}".encode() for n in range(per_node)] for i in range(nodes)]


def measure(app: AppKind, validators: int, total: int, timeout_commit: str, work: Path, api: bool = False) -> float:
    """Create and start a localnet running `app`, push `total` txs through it; returns committed tx/s."""
    localnet = create_localnet(work / app, validators, app=app, timeout_commit=timeout_commit)
    per_node = total // validators
    with LocalnetProcesses(localnet, serve_api=api) as processes:
        processes.start_all()
        rpcs = [processes.rpc(i, timeout_s=60) for i in range(validators)]
        # Operators' GOS comes from block rewards (fees of `per_node` transfers need per_node/1000 GOS).
        warmup = 12 if app == "gostaking" else 2
        while rpcs[0].latest_height() < warmup:
            time.sleep(0.2)
        batches = gostaking_txs(localnet, per_node) if app == "gostaking" else kvstore_txs(validators, per_node)
        start_height = rpcs[0].latest_height()
        rejected: list[str] = []

        def submit(index: int) -> None:
            with CometRpc(localnet.nodes[index].rpc_url, 60) as rpc:
                for tx in batches[index]:
                    result = rpc.broadcast_tx_sync(tx)
                    if result["code"] != 0:
                        rejected.append(str(result.get("log")))

        threads = [threading.Thread(target=submit, args=(i,)) for i in range(validators)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        submitted = time.perf_counter() - started
        if rejected:
            raise SystemExit(f"{app}: {len(rejected)} txs rejected by CheckTx, e.g. {rejected[0]}")
        sent = per_node * validators
        seen_height, included = start_height, 0
        while included < sent:
            height = rpcs[0].latest_height()
            if height > seen_height:
                included += committed_txs(rpcs[0], seen_height, height)
                seen_height = height
            else:
                time.sleep(0.05)
        elapsed = time.perf_counter() - started
        for rpc in rpcs:
            rpc.close()
    rate = sent / elapsed
    print(
        f"{app:>9}: {sent} txs submitted in {submitted:.1f} s, all committed after {elapsed:.1f} s "
        f"in {seen_height - start_height} blocks → {rate:,.0f} tx/s"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--txs", type=int, default=4_000)
    parser.add_argument("--validators", type=int, default=4)
    parser.add_argument("--timeout-commit", default="500ms")
    parser.add_argument("--api", action="store_true", help="app processes also serve the REST API and index")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-localnet-") as temp:
        ours = measure("gostaking", args.validators, args.txs, args.timeout_commit, Path(temp), args.api)
        baseline = measure("kvstore", args.validators, args.txs, args.timeout_commit, Path(temp))
    print(f"GoStaking / kvstore: {ours / baseline:.2f} ({ours:,.0f} vs {baseline:,.0f} committed tx/s)")


if __name__ == "__main__":
    main()
