"""The served node's chain state for bench_explorer_api.py: a network of a realistic size, so that the routes that
read the node's state (/nodes, /accounts, /explorer/nodes, /explorer/graph, /explorer/dashboard…) answer from the
state a live explorer would show, and blocks that hold real transactions for /blocks/{height} and /txs/{hash}.

Sizes (why these): NODES = 100 registered nodes, as many validators as the larger proof-of-stake networks run
(Cosmos Hub 180, most Cosmos SDK chains 100–150); ACCOUNTS = 100,000 accounts backing them, the order of a
mid-size network's delegators (Cosmos Hub has a few hundred thousand, most chains 10^4–10^5). Backing follows a
Zipf law over the nodes (the largest node has ~19,000 voters, the smallest ~200), as delegation does on real
networks; 30% of the accounts vote for a second node, 20% also stake, 25% lock BTC or ETH (hash power of the lock
pools), and every operator stakes on its own node. The index's 10,000 addresses are the first 10,000 of these
accounts, so an account page shows both its history and its state.

Setup goes through the chain's own mutation functions (register_node, mint_gos, bond, process_lock_asset), as
bench_holders.py builds its holders, on the node's genesis state before block 1: block 1 commits it with the
genesis (the app hash covers it). GOS is minted for the accounts for setup only (a real chain has no premine).
Then KEYED accounts with keys send TX_BLOCKS blocks of TXS_PER_TX_BLOCK real signed transactions (transfers, votes,
stakes, locks, reward claims, unvotes) through the node's own submit, each block produced by the node's producer; every
transaction must succeed.
"""

import hashlib
import random
import time
from typing import Any

from gostaking.chain.crypto import encode_address
from gostaking.chain.env import Context
from gostaking.chain.modules.bank.mutations import mint_asset, mint_gos
from gostaking.chain.modules.lock.handlers import process_lock_asset
from gostaking.chain.modules.nodes.mutations import register_node
from gostaking.chain.modules.staking.mutations import bond
from gostaking.chain.types.block import BlockEnv
from gostaking.chain.types.tx import (
    MsgClaimRewards,
    MsgLockAsset,
    MsgSendCoins,
    MsgStakeNode,
    MsgUnvoteNode,
    MsgVoteNode,
)
from gostaking.wallet.keys import PrivateKey, sign_tx

NODES = 100
ACCOUNTS = 100_000
KEYED = 1_000
TX_BLOCKS = 40
TXS_PER_TX_BLOCK = 50
GOS = 1_000_000
LOCKED_DENOMS = ("btc", "eth")


def account_address(i: int) -> str:
    """The i-th seeded account (the index's addresses are those of i < 10,000)."""
    return encode_address(hashlib.sha256(b"bench-address" + i.to_bytes(4, "big")).digest()[:20])


def operator_address(n: int) -> str:
    """The operator of the n-th seeded node."""
    return encode_address(hashlib.sha256(b"bench-operator" + n.to_bytes(4, "big")).digest()[:20])


def keyed_account(i: int) -> PrivateKey:
    """The key of the i-th account that sends real transactions."""
    return PrivateKey((10**9 + i).to_bytes(32, "big"))


def seed_state(node: Any) -> tuple[dict[str, int], dict[str, str]]:
    """Give the node (open, height 0, its producer not started) the network of the module docstring; returns the
    sizes seeded and a node each keyed account votes for."""
    rng = random.Random(11)
    operators = [operator_address(n) for n in range(NODES)]
    weights = [1 / (rank + 1) for rank in range(NODES)]
    keyed = [keyed_account(i).address for i in range(KEYED)]
    backers = 0
    voted: dict[str, str] = {}
    keyed_set = set(keyed)
    with node.app.read() as state:  # before block 1: its commit stores this with the genesis state
        ctx = Context(BlockEnv(state.chain_id.get(), 0, 0))
        for n, operator in enumerate(operators):
            consensus_pubkey = hashlib.sha256(b"bench-consensus" + n.to_bytes(4, "big")).digest()
            register_node(state, ctx, operator, consensus_pubkey, f"bench-node-{n:03}")
            mint_gos(state, operator, 10_000 * GOS)
            bond(state, ctx, operator, operator, "stake", 1_000 * GOS)
        for address in [account_address(i) for i in range(ACCOUNTS - KEYED)] + keyed:
            mint_gos(state, address, 1_000 * GOS)
            for operator in set(rng.choices(operators, weights, k=1 + (rng.random() < 0.3))):
                bond(state, ctx, address, operator, "vote", rng.randrange(10, 300) * GOS)
                voted[address] = operator
                backers += 1
            if rng.random() < 0.2:
                bond(state, ctx, address, rng.choices(operators, weights)[0], "stake", rng.randrange(10, 300) * GOS)
                backers += 1
            if rng.random() < 0.25:
                denom = rng.choice(LOCKED_DENOMS)
                mint_asset(state, address, denom, 10**8)
                process_lock_asset(state, Context(ctx.env, address), MsgLockAsset(denom, rng.randrange(1, 10) * 10**7))
            if address in keyed_set:
                mint_asset(state, address, "btc", 10**8)  # for its lock transactions
    sizes = {"nodes": NODES, "accounts": ACCOUNTS, "votes and stakes": backers}
    return sizes, {address: voted[address] for address in keyed}


def send_transactions(node: Any, voted: dict[str, str]) -> tuple[list[str], list[int]]:
    """Produce TX_BLOCKS blocks of real signed transactions; returns (their hashes, the blocks' heights)."""
    rng = random.Random(12)
    chain_id = node.chain_id
    keys = [keyed_account(i) for i in range(KEYED)]
    sequences = [0] * KEYED
    operators = [operator_address(n) for n in range(NODES)]
    hashes: list[str] = []
    heights: list[int] = []
    for b in range(TX_BLOCKS):
        for t in range(TXS_PER_TX_BLOCK):
            i = (b * TXS_PER_TX_BLOCK + t) % KEYED
            operator = rng.choice(operators)
            msg = (
                MsgSendCoins(keys[(i + 1) % KEYED].address, "ugos", rng.randrange(1, 10**6)),
                MsgVoteNode(operator, rng.randrange(1, 10) * GOS),
                MsgStakeNode(operator, rng.randrange(1, 10) * GOS),
                MsgLockAsset("btc", 10**5),
                MsgClaimRewards(),
                MsgUnvoteNode(voted[keys[i].address], GOS),  # its account then shows an unbonding
            )[(b + t) % 6]
            raw = sign_tx(keys[i], chain_id, sequences[i], [msg], fee=1_000)
            sequences[i] += 1
            result = node.submit(raw)
            if not result.ok:
                raise SystemExit(f"setup transaction refused: {result.log}")
            hashes.append(result.tx_hash.hex())
        block = node.producer.produce_block()
        failed = [r.log for r in block.tx_results if r.code]
        if failed or len(block.txs) < TXS_PER_TX_BLOCK:  # the devnet's faucet may add its own
            raise SystemExit(f"setup block {block.height}: {len(block.txs)} txs, failed: {failed[:1]}")
        heights.append(block.height)
    return hashes, heights


def prepare(node: Any) -> dict[str, Any]:
    """Seed the state, commit it in block 1, send the real transactions; returns what the benchmark reads: the
    sizes, the transactions' hashes and their blocks' heights, and the setup's duration."""
    started = time.perf_counter()
    sizes, voted = seed_state(node)
    node.producer.produce_block()  # block 1: genesis and the seeded state
    hashes, heights = send_transactions(node, voted)
    return {"sizes": sizes, "tx_hashes": hashes, "tx_heights": heights, "seconds": time.perf_counter() - started}
