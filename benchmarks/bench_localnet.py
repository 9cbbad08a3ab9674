"""End-to-end throughput of a 4-validator CometBFT localnet: GoStaking app vs CometBFT's built-in kvstore app.

Setup (not measured): a fresh localnet (`create_localnet`, all processes on this machine, 127.0.0.1), the same
CometBFT configuration for both apps (timeout_commit, mempool size); for GoStaking, pre-signed GOS transfers
to distinct recipients from senders that the 4 genesis operators (funded by block rewards) fund first, 60
transfers each (the mempool keeps at most 64 waiting per sender), for kvstore `key=value` txs.
Measured: from the first broadcast until every tx is in a committed block. One submitter thread per node sends
its share with broadcast_tx_sync to that node's RPC (a sender's sequences go to one node, in order).
Committed tx/s = txs / elapsed. Both networks run the same way, one after the other; the ratio is
GoStaking / kvstore. Each run also prints the CPU per transaction of the app processes, of the CometBFT processes
and of this client's submitter threads while they submit (one Python process: its threads share one GIL).

The app processes run without the REST API and explorer index that `gostaking localnet` gives each node (they
would share the same cores); `--api` runs them too.

`--submitters N` runs N submitter threads per node instead of one (each with its own senders, so that every
sender's sequences still go out in order): one synchronous submitter waits for each CheckTx answer, so with one
submitter a node's submissions are bound by the round trip (RPC, CometBFT's mempool, the ABCI socket, the app)
rather than by the app's work; kvstore runs inside CometBFT, without a socket. The same N is used for both apps.

Where the release's CometBFT spends extra CPU with a socket app (a node's pprof CPU profile, 2026-12-06): 40-60% of
its samples during a GoStaking run are the ABCI socket client's flush timer re-arming itself (7% in those stacks,
p2p's flush timers, with kvstore); per second of the run a node uses about as much CPU with either app, so its CPU
per transaction is higher with GoStaking because the run lasts longer. v0.38's socket client passes
`flushThrottleMS = 20` to a throttle timer as a time.Duration, i.e. 20 ns: a CheckTx is flushed to the app at once
(there is no 20 ms wait), but while the client's sending goroutine is busy the timer fires, finds nobody listening
and re-arms for another 20 ns, in a loop, all the more on a loaded machine. kvstore's in-process client has no such
timer. GoStaking's build (`make cometbft`, docs/operators.md "Which CometBFT") has none either: it sends a Flush
whenever no other request waits to be written. The run uses the cometbft that `require_cometbft` finds;
COMETBFT_BIN=<path> runs another build, to compare builds alternately. `--trace DIR` writes each app process's
per-request timings there (GOSTAKING_ABCI_TRACE, see gostaking/node/abci/trace.py) and prints their sums.

`--base DIR --rounds R` compares this tree with a checkout of an earlier commit (e.g. `git worktree add --detach
/tmp/base HEAD`): R rounds, each running this tree's GoStaking and kvstore and then the earlier tree's own
`bench_localnet.py` (its GoStaking and kvstore), in alternating order; it prints each run and the medians of the
ratios (GoStaking / kvstore of the same tree's run, and after / before).

`--metrics-cost R` instead measures what monitoring costs: R rounds, each running the GoStaking localnet (with its
API) twice in alternating order, once with metrics on (the app's counters, and every node's /metrics scraped
each second as Prometheus would) and once with GOSTAKING_METRICS=off and no scraping; it prints each round's
rates and app CPU per tx (the CPU time of the 4 app processes during the run: steadier than the rate on a shared
machine), and the median costs.

Run: python benchmarks/bench_localnet.py [--txs N] [--validators N] [--timeout-commit 500ms] [--api] [--submitters N]
                                          [--trace DIR]
     python benchmarks/bench_localnet.py --base /tmp/base --rounds 3 [--txs N]
     python benchmarks/bench_localnet.py --metrics-cost 3 [--txs N]
Needs `make cometbft`.
"""

import argparse
import contextlib
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gostaking.chain.types.tx import MsgSendCoins
from gostaking.node.abci.trace import TRACE_ENV
from gostaking.node.localnet.network import AppKind, Localnet, create_localnet
from gostaking.node.localnet.processes import LocalnetProcesses
from gostaking.node.localnet.rpc import CometRpc
from gostaking.node.metrics import METRICS_ENV
from gostaking.node.settings import devnet_params
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


TXS_PER_SENDER = 60
"""Each sender's share: under the mempool's per-sender cap (64 waiting), so no transfer is refused for it."""


def _sender_key(index: int, sender: int) -> PrivateKey:
    return PrivateKey((2 * 10**6 + index * 10**4 + sender).to_bytes(32, "big"))


def fund_senders(localnet: Localnet, rpcs: list[CometRpc], per_node: int) -> None:
    """Each operator sends GOS for fees to the senders of its node's share (one per TXS_PER_SENDER transfers),
    then this waits two blocks past their inclusion height."""
    keyring = Keyring(localnet.keys_dir)
    senders = -(-per_node // TXS_PER_SENDER)
    # A transfer costs its fee, its 1 ugos and the new-balance fee (each recipient is new).
    per_transfer_ugos = FEE_UGOS + 1 + devnet_params().tx.new_balance_fee_ugos
    for index, rpc in enumerate(rpcs):
        operator = keyring.load(f"operator{index}", None)
        for sender in range(senders):
            msg = MsgSendCoins(_sender_key(index, sender).address, "ugos", TXS_PER_SENDER * per_transfer_ugos)
            result = rpc.broadcast_tx_sync(sign_tx(operator, localnet.chain_id, sender, [msg], FEE_UGOS))
            if result["code"] != 0:
                raise SystemExit(f"funding a sender failed: {result.get('log')}")
    funded_at = rpcs[0].latest_height() + 3
    while rpcs[0].latest_height() < funded_at:
        time.sleep(0.1)


def gostaking_txs(localnet: Localnet, per_node: int) -> list[list[list[bytes]]]:
    """Per node, per funded sender, its transfers (TXS_PER_SENDER each, in sequence order); signing is the client's
    work."""
    return [
        [
            [
                sign_tx(
                    _sender_key(index, sender),
                    localnet.chain_id,
                    n,
                    [
                        MsgSendCoins(
                            PrivateKey((10**6 + index * 10**5 + sender * 100 + n).to_bytes(32, "big")).address,
                            "ugos",
                            1,
                        )
                    ],
                    FEE_UGOS,
                )
                for n in range(min(TXS_PER_SENDER, per_node - sender * TXS_PER_SENDER))
            ]
            for sender in range(-(-per_node // TXS_PER_SENDER))
        ]
        for index in range(len(localnet.nodes))
    ]


def kvstore_txs(nodes: int, per_node: int) -> list[list[list[bytes]]]:
    """Per node, distinct `key=value` txs (kvstore's format) of about the size of a GoStaking transfer, each its
    own "sender" (no order to keep)."""
    return [[[f"bench-{i}-{n}={'v' * 300}".encode()] for n in range(per_node)] for i in range(nodes)]


def submitter_batches(shares: list[list[list[bytes]]], submitters: int) -> list[tuple[int, list[bytes]]]:
    """(node, txs) for each of `submitters` threads per node: thread k sends the node's senders k, k + submitters,
    …, interleaved one tx of each in turn, so that every sender's txs go out in order from one thread."""
    return [
        (node, [tx for round_ in itertools.zip_longest(*senders[k::submitters]) for tx in round_ if tx is not None])
        for node, senders in enumerate(shares)
        for k in range(min(submitters, len(senders)))
    ]


@contextlib.contextmanager
def scraping(localnet: Localnet, interval_s: float) -> Iterator[list[int]]:
    """Scrape every node's /metrics each `interval_s` on a thread while the block runs (yields the scrape count)."""
    import httpx

    stop = threading.Event()
    scrapes = [0]

    def scrape() -> None:
        with httpx.Client(timeout=10) as client:
            while not stop.wait(interval_s):
                for node in localnet.nodes:
                    client.get(f"{node.api_url}/metrics").raise_for_status()
                    scrapes[0] += 1

    thread = threading.Thread(target=scrape, daemon=True)
    thread.start()
    try:
        yield scrapes
    finally:
        stop.set()
        thread.join()


class Run(NamedTuple):
    """One measured run."""

    rate: float
    """Committed tx/s."""
    app_cpu_ms_per_tx: float
    """CPU time (user + system) of all app processes from the first broadcast to the last commit, per tx: less
    sensitive than the rate to what else runs on the machine (0 for kvstore, which has no app process)."""
    comet_cpu_ms_per_tx: float = 0.0
    """The same for the CometBFT processes (kvstore's app runs inside them)."""


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of the processes (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (the 14th and 15th fields)
    return total / os.sysconf("SC_CLK_TCK")


def measure(
    app: AppKind,
    validators: int,
    total: int,
    timeout_commit: str,
    work: Path,
    api: bool = False,
    scrape_s: float = 0.0,
    submitters: int = 1,
) -> Run:
    """Create and start a localnet running `app`, push `total` txs through it from `submitters` threads per node;
    returns committed tx/s and the app processes' CPU per tx. With `scrape_s`, every node's /metrics is scraped that
    often during the run (needs `api`)."""
    localnet = create_localnet(work / app, validators, app=app, timeout_commit=timeout_commit)
    per_node = total // validators
    with LocalnetProcesses(localnet, serve_api=api) as processes, contextlib.ExitStack() as scraper:
        processes.start_all()
        scrapes = scraper.enter_context(scraping(localnet, scrape_s)) if scrape_s else [0]
        rpcs = [processes.rpc(i, timeout_s=60) for i in range(validators)]
        # Operators' GOS comes from block rewards (fees of `per_node` transfers need per_node/1000 GOS).
        warmup = 12 if app == "gostaking" else 2
        while rpcs[0].latest_height() < warmup:
            time.sleep(0.2)
        if app == "gostaking":
            fund_senders(localnet, rpcs, per_node)
        shares = gostaking_txs(localnet, per_node) if app == "gostaking" else kvstore_txs(validators, per_node)
        batches = submitter_batches(shares, submitters)
        start_height = rpcs[0].latest_height()
        rejected: list[str] = []

        def submit(node: int, txs: list[bytes]) -> None:
            with CometRpc(localnet.nodes[node].rpc_url, 60) as rpc:
                for tx in txs:
                    result = rpc.broadcast_tx_sync(tx)
                    if result["code"] != 0:
                        rejected.append(str(result.get("log")))

        threads = [threading.Thread(target=submit, args=batch) for batch in batches]
        app_pids = [process.pid for process in processes.apps.values()]
        comet_pids = [process.pid for process in processes.comets.values()]
        cpu_before, comet_cpu_before = _cpu_seconds(app_pids), _cpu_seconds(comet_pids)
        client_cpu_before = time.process_time()
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        submitted = time.perf_counter() - started
        client_cpu = time.process_time() - client_cpu_before
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
        app_cpu = _cpu_seconds(app_pids) - cpu_before
        comet_cpu = _cpu_seconds(comet_pids) - comet_cpu_before
        for rpc in rpcs:
            rpc.close()
        scraped = f", {scrapes[0]} scrapes of /metrics" if scrape_s else ""
    rate = sent / elapsed
    cpu = f", app CPU {app_cpu * 1000 / sent:.2f} ms/tx" if app_pids else ""
    cpu += f", CometBFT CPU {comet_cpu * 1000 / sent:.2f} ms/tx"
    cpu += f", submitting client CPU {client_cpu * 1000 / sent:.2f} ms/tx"
    print(
        f"{app:>9}: {sent} txs submitted in {submitted:.1f} s, all committed after {elapsed:.1f} s "
        f"in {seen_height - start_height} blocks → {rate:,.0f} tx/s{cpu}{scraped}"
    )
    return Run(rate, app_cpu * 1000 / sent, comet_cpu * 1000 / sent)


def print_trace(prefix: Path) -> None:
    """Sum the app processes' traces (`<prefix>.<pid>.json`, see gostaking/node/abci/trace.py) per request type."""
    totals: dict[str, list[float]] = {}
    for path in sorted(prefix.parent.glob(f"{prefix.name}.*.json")):
        for kind, seen in json.loads(path.read_text())["requests"].items():
            count, total_ms, cpu_ms = totals.setdefault(kind, [0, 0.0, 0.0])
            seen_cpu_ms = seen["cpu_mean_us"] * seen["count"] / 1000
            totals[kind] = [count + seen["count"], total_ms + seen["total_ms"], cpu_ms + seen_cpu_ms]
    for kind, (count, total_ms, cpu_ms) in sorted(totals.items(), key=lambda item: -item[1][2]):
        print(
            f"  {kind:>18}: {int(count):6} requests, CPU {cpu_ms / 1000:6.2f} s "
            f"({cpu_ms * 1000 / count:7.0f} µs each), wall {total_ms * 1000 / count:7.0f} µs each"
        )


def metrics_cost(rounds: int, validators: int, total: int, timeout_commit: str, work: Path) -> None:
    """Rounds of metrics on / off (alternating which goes first); prints each round and the median cost."""
    costs, cpu_costs = [], []
    for round_ in range(rounds):
        runs = {}
        for metrics_on in (True, False) if round_ % 2 == 0 else (False, True):
            os.environ[METRICS_ENV] = "on" if metrics_on else "off"  # inherited by the app processes
            print(f"round {round_ + 1}, metrics {'on' if metrics_on else 'off'}:", end=" ")
            run = work / f"round{round_}-{'on' if metrics_on else 'off'}"
            runs[metrics_on] = measure(
                "gostaking", validators, total, timeout_commit, run, api=True, scrape_s=1.0 if metrics_on else 0.0
            )
        on, off = runs[True], runs[False]
        costs.append(1 - on.rate / off.rate)
        cpu_costs.append(on.app_cpu_ms_per_tx / off.app_cpu_ms_per_tx - 1)
        print(
            f"round {round_ + 1}: on {on.rate:,.0f} vs off {off.rate:,.0f} tx/s → cost {costs[-1]:+.1%}; app CPU "
            f"{on.app_cpu_ms_per_tx:.2f} vs {off.app_cpu_ms_per_tx:.2f} ms/tx → {cpu_costs[-1]:+.1%}"
        )
    print(
        f"metrics cost, median of {rounds} rounds: {statistics.median(costs):+.1%} of committed tx/s, "
        f"{statistics.median(cpu_costs):+.1%} app CPU per tx"
    )


_RUN_LINE = re.compile(r"^\s*(gostaking|kvstore): .* → ([\d,]+) tx/s(?:, app CPU ([\d.]+) ms/tx)?", re.MULTILINE)


def measure_tree(tree: Path, txs: int, validators: int, timeout_commit: str, submitters: int) -> dict[str, Run]:
    """Run `tree`'s own bench_localnet.py (its GoStaking app processes and kvstore) and read its two runs."""
    command = [sys.executable, str(tree / "benchmarks" / "bench_localnet.py"), "--txs", str(txs)]
    command += ["--validators", str(validators), "--timeout-commit", timeout_commit, "--submitters", str(submitters)]
    output = subprocess.run(command, cwd=tree, capture_output=True, text=True, check=True).stdout
    print(output, end="")
    runs = {app: Run(float(rate.replace(",", "")), float(cpu or 0)) for app, rate, cpu in _RUN_LINE.findall(output)}
    if set(runs) != {"gostaking", "kvstore"}:
        raise SystemExit(f"{tree}: could not read both runs from its output:\n{output}")
    return runs


def compare_with_base(
    base: Path, rounds: int, validators: int, total: int, timeout_commit: str, work: Path, submitters: int = 1
) -> None:
    """Rounds of this tree (GoStaking, kvstore) and `base`'s own benchmark, alternating which goes first; prints the
    medians of GoStaking / kvstore in each tree's runs, after / before, and app CPU per tx."""
    ratios: dict[str, list[float]] = {"before": [], "after": [], "after/before": [], "cpu after/before": []}
    for round_ in range(rounds):
        runs: dict[str, dict[str, Run]] = {}
        for name in ("after", "before") if round_ % 2 == 0 else ("before", "after"):
            print(f"round {round_ + 1}, {name}:", flush=True)
            if name == "before":
                runs[name] = measure_tree(base, total, validators, timeout_commit, submitters)
            else:
                round_dir = work / f"round{round_}"
                ours = measure("gostaking", validators, total, timeout_commit, round_dir, submitters=submitters)
                kvstore = measure("kvstore", validators, total, timeout_commit, round_dir, submitters=submitters)
                runs[name] = {"gostaking": ours, "kvstore": kvstore}
        for name in ("before", "after"):
            ratios[name].append(runs[name]["gostaking"].rate / runs[name]["kvstore"].rate)
        ratios["after/before"].append(runs["after"]["gostaking"].rate / runs["before"]["gostaking"].rate)
        cpu_before = runs["before"]["gostaking"].app_cpu_ms_per_tx
        if cpu_before:
            ratios["cpu after/before"].append(runs["after"]["gostaking"].app_cpu_ms_per_tx / cpu_before)
        print(
            f"round {round_ + 1}: GoStaking / kvstore before {ratios['before'][-1]:.2f}, after "
            f"{ratios['after'][-1]:.2f}; GoStaking after / before {ratios['after/before'][-1]:.2f}",
            flush=True,
        )
    print(
        f"medians of {rounds} rounds: " + ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in ratios.items() if v)
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--txs", type=int, default=4_000)
    parser.add_argument("--validators", type=int, default=4)
    parser.add_argument("--timeout-commit", default="500ms")
    parser.add_argument("--api", action="store_true", help="app processes also serve the REST API and index")
    parser.add_argument("--metrics-cost", type=int, default=0, metavar="ROUNDS", help="compare metrics on and off")
    parser.add_argument("--submitters", type=int, default=1, help="submitter threads per node (each its own senders)")
    parser.add_argument("--base", type=Path, help="a checkout of an earlier commit to compare with, alternately")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the --base comparison")
    parser.add_argument("--trace", type=Path, metavar="DIR", help="write and sum the app processes' request timings")
    args = parser.parse_args()
    if args.trace:
        args.trace.mkdir(parents=True, exist_ok=True)
        for stale in args.trace.glob("gostaking.*.json"):  # an earlier run's: print_trace sums every file there
            stale.unlink()
        os.environ[TRACE_ENV] = str(args.trace / "gostaking")  # inherited by the app processes
    if args.base:
        with tempfile.TemporaryDirectory(prefix="bench-localnet-") as temp:
            compare_with_base(
                args.base, args.rounds, args.validators, args.txs, args.timeout_commit, Path(temp), args.submitters
            )
        return
    if args.metrics_cost:
        with tempfile.TemporaryDirectory(prefix="bench-localnet-") as temp:
            metrics_cost(args.metrics_cost, args.validators, args.txs, args.timeout_commit, Path(temp))
        return
    with tempfile.TemporaryDirectory(prefix="bench-localnet-") as temp:
        work, submitters = Path(temp), args.submitters
        ours = measure("gostaking", args.validators, args.txs, args.timeout_commit, work, args.api, 0, submitters).rate
        if args.trace:
            print_trace(args.trace / "gostaking")
        baseline = measure("kvstore", args.validators, args.txs, args.timeout_commit, work, submitters=submitters).rate
    print(f"GoStaking / kvstore: {ours / baseline:.2f} ({ours:,.0f} vs {baseline:,.0f} committed tx/s)")


if __name__ == "__main__":
    main()
