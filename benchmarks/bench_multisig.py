"""What multisig costs: single-key transfer throughput against a tree without multisig, and the verification of a
2-of-3 multisig transaction against a single-key one, as ratios from one run.

1. Throughput. benchmarks/bench_transfers.py (apply_block on blocks of signed transfers, one core) runs from this
   tree and from a baseline tree (`--base`, e.g. `git worktree add /tmp/base-ms 7d5c92b^`), alternately for
   `--rounds` rounds so that machine noise falls on both; the ratio is of the medians of the per-run medians.
2. Verification. `verify_tx` (decode, canonical check, message checks, signatures, sequence, fee: what CheckTx
   and every block do per transaction) of one single-key transfer and of one 2-of-3 multisig transfer, each
   repeated `--verifies` times in alternating batches; the ratio is of the median batch times.

Run: python benchmarks/bench_multisig.py --base /tmp/base-ms [--rounds 3] [--blocks 3] [--block-txs 3000]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gostaking.chain.codec import encode_tx, sign_bytes
from gostaking.chain.crypto import multisig_address
from gostaking.chain.genesis import Genesis, init_chain
from gostaking.chain.modules.bank.mutations import mint_gos
from gostaking.chain.numeric import UGOS_PER_GOS
from gostaking.chain.state import State
from gostaking.chain.transition import verify_tx
from gostaking.chain.types.tx import KeySignature, MsgSendCoins, MultisigPubKey, MultisigSignature, Tx, TxBody
from gostaking.wallet.keys import PrivateKey, sign_tx

CHAIN_ID = "bench"
HERE = Path(__file__).resolve().parents[1]
_MEDIAN = re.compile(r"apply_block median: ([0-9,]+) tx/s")


def transfer_rate(tree: Path, blocks: int, block_txs: int) -> float:
    """apply_block median tx/s of bench_transfers.py run from `tree` (its own code first on sys.path)."""
    script = tree / "benchmarks" / "bench_transfers.py"
    command = [sys.executable, str(script), "--blocks", str(blocks), "--block-txs", str(block_txs)]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=tree).stdout
    match = _MEDIAN.search(output)
    if match is None:
        raise SystemExit(f"no median in the output of {script}:\n{output}")
    return float(match.group(1).replace(",", ""))


def verification_times(verifies: int, batches: int) -> tuple[float, float]:
    """Median seconds per verify_tx of a single-key and of a 2-of-3 multisig transfer."""
    single = PrivateKey((1).to_bytes(32, "big"))
    members = sorted((PrivateKey((i + 2).to_bytes(32, "big")) for i in range(3)), key=lambda k: k.public_key)
    key = MultisigPubKey(2, [member.public_key for member in members])
    team = multisig_address(2, key.pubkeys)
    recipient = PrivateKey((99).to_bytes(32, "big")).address
    state = State()
    init_chain(state, Genesis(CHAIN_ID, 0))
    for address in (single.address, team):
        mint_gos(state, address, 1_000 * UGOS_PER_GOS)  # benchmark setup only
    single_raw = sign_tx(single, CHAIN_ID, 0, [MsgSendCoins(recipient, "ugos", 1_000)], fee=1_000)
    body = TxBody(CHAIN_ID, team, 0, 1_000, [MsgSendCoins(recipient, "ugos", 1_000)])
    signatures = [KeySignature(i, members[i].sign_digest(sign_bytes(body))) for i in (0, 2)]
    multisig_raw = encode_tx(Tx(body, b"", MultisigSignature(key, signatures)))
    timings: dict[bytes, list[float]] = {single_raw: [], multisig_raw: []}
    for _ in range(batches):
        for raw, times in timings.items():
            start = time.perf_counter()
            for _ in range(verifies):
                verify_tx(state, CHAIN_ID, raw)
            times.append((time.perf_counter() - start) / verifies)
    return statistics.median(timings[single_raw]), statistics.median(timings[multisig_raw])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", type=Path, required=True, help="a checkout of the code before multisig")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--blocks", type=int, default=3)
    parser.add_argument("--block-txs", type=int, default=3_000)
    parser.add_argument("--verifies", type=int, default=2_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})  # one core, like bench_transfers.py (its runs pin themselves too)

    rates: dict[str, list[float]] = {"base": [], "multisig": []}
    for round_ in range(args.rounds):
        for name, tree in (("base", args.base), ("multisig", HERE)):
            rates[name].append(transfer_rate(tree, args.blocks, args.block_txs))
            print(f"round {round_ + 1}: {name:8} {rates[name][-1]:,.0f} tx/s", flush=True)
    base, now = statistics.median(rates["base"]), statistics.median(rates["multisig"])
    print(f"single-key transfers, apply_block median of {args.rounds} runs: baseline {base:,.0f} tx/s, with multisig "
          f"{now:,.0f} tx/s, ratio {now / base:.3f}")  # fmt: skip

    single, multisig = verification_times(args.verifies, batches=7)
    print(f"verify_tx: single-key {single * 1e6:.1f} µs, 2-of-3 multisig {multisig * 1e6:.1f} µs, "
          f"ratio {multisig / single:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
