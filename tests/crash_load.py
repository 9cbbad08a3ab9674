"""The load of a crash loop: worker threads sending signed transfers and votes through a node's REST API, a follower
recording every committed block the API serves, and the ledger of what the load accounts must hold.

Vocabulary. A transaction is *accepted* when POST /txs answered 202, *included* when the follower saw it in a block
(GET /blocks/{h}), and *lost* when it was accepted, is not included and is no longer pending anywhere.
"""

import hashlib
import random
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from crash_harness import get_json, wait_until

from gostaking.chain.types.tx import Msg, MsgSendCoins, MsgVoteNode
from gostaking.wallet.keys import PrivateKey, sign_tx

FEE = 1_000


# --- transactions the load sends, and what the chain did with them ---


@dataclass(frozen=True)
class LoadTx:
    """A signed transaction of the load (whatever the API answered)."""

    tx_hash: str
    sender: str
    sequence: int
    kind: str
    """'send' (to another load account) or 'vote' (for `target`)."""
    target: str
    amount: int


@dataclass(frozen=True)
class Inclusion:
    """Where a transaction is in the chain and what it did (from GET /blocks/{h})."""

    height: int
    index: int
    code: int
    fee: int
    """ugos charged (0 for a transaction that failed verification)."""
    sender: str


@dataclass(frozen=True)
class SeenBlock:
    """A committed block as the API served it: the raw answer and its hashes."""

    raw: bytes
    hash: str
    previous_hash: str
    app_hash: str


class BlockFollower:
    """A thread fetching every committed block, in height order, from a node's API (GET /status, /blocks/{h}).

    Survives the node going away (it retries). Checks the hash chain as it goes: each block's previous_hash is the
    hash of the block before it (a violation is kept in `errors`, which the test asserts empty).
    """

    def __init__(self, url: str) -> None:
        """A follower of the API at `url` (not started)."""
        self.url = url
        self.blocks: dict[int, SeenBlock] = {}
        self.txs: dict[str, Inclusion] = {}
        self.rewards_paid: list[tuple[int, str, int]] = []
        """(height, address, GOS shares) of every reward_paid event, in transactions and in block events."""
        self.errors: list[str] = []
        self.height = 0
        self.last_error: Exception | None = None
        """The last failed request (the node down, restarting or answering something unexpected)."""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="block-follower", daemon=True)

    def start(self) -> None:
        """Start following."""
        self._thread.start()

    def stop(self) -> None:
        """Stop and wait for the thread."""
        self._stop.set()
        self._thread.join(30)

    def wait_for(self, height: int, timeout_s: float = 60.0) -> None:
        """Wait until every block up to `height` has been fetched."""
        wait_until(
            lambda: self.height >= height,
            f"the follower to fetch block {height} (at {self.height}; last error {self.last_error!r})",
            timeout_s,
        )

    def snapshot(self) -> tuple[dict[int, SeenBlock], dict[str, Inclusion]]:
        """Copies of the blocks and inclusions seen so far."""
        with self._lock:
            return dict(self.blocks), dict(self.txs)

    def rewards_paid_to(self, addresses: list[str]) -> dict[str, int]:
        """GOS shares paid as rewards to each of `addresses` in the blocks seen so far."""
        paid = dict.fromkeys(addresses, 0)
        with self._lock:
            for _, address, shares in self.rewards_paid:
                if address in paid:
                    paid[address] += shares
        return paid

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=5) as api:
            while not self._stop.is_set():
                try:
                    top = int(get_json(api, "/status")["height"])
                    while self.height < top and not self._stop.is_set():
                        self._record(self.height + 1, api.get(f"/blocks/{self.height + 1}"))
                except (httpx.HTTPError, KeyError, ValueError) as exc:
                    self.last_error = exc  # the node is down or restarting
                self._stop.wait(0.05)

    def _record(self, height: int, response: httpx.Response) -> None:
        response.raise_for_status()
        document = response.json()
        block = SeenBlock(response.content, document["hash"], document["previous_hash"], document["app_hash"])
        with self._lock:
            if document["height"] != height:
                self.errors.append(f"GET /blocks/{height} answered block {document['height']}")
            previous = self.blocks.get(height - 1)
            if previous is not None and block.previous_hash != previous.hash:
                self.errors.append(f"block {height}'s previous_hash {block.previous_hash} != {previous.hash}")
            self.blocks[height] = block
            for tx in document["txs"]:
                # The first inclusion of a hash is the one that executed (a repeat fails on its spent sequence).
                self.txs.setdefault(
                    tx["hash"], Inclusion(height, tx["index"], tx["code"], tx["fee"]["ugos"], tx["sender"])
                )
            events = [*document["events"], *(event for tx in document["txs"] for event in tx["events"])]
            for event in events:
                if event["kind"] == "reward_paid":
                    attributes = event["attributes"]
                    self.rewards_paid.append((height, attributes["address"], int(attributes["shares"])))
            self.height = height


class LoadGenerator:
    """Worker threads, one per account, each signing and POSTing transfers (to the other load accounts) and votes
    (for `vote_for`) through the API as fast as the node takes them, with a short pause between.

    Each worker keeps its account's next sequence locally and asks the API again (next_sequence) after any refusal,
    error or restart. Every memo is unique, so a transaction re-signed after a crash never has a lost one's hash.
    `epoch` numbers the kills: `accepted` maps the hash of every 202 answer to the epoch it was given in.
    """

    def __init__(
        self, url: str, chain_id: str, keys: list[PrivateKey], vote_for: str, seed: int, pause_s: float = 0.03
    ) -> None:
        """Load of `keys` (funded accounts) against the API at `url`."""
        self.url = url
        self.chain_id = chain_id
        self.keys = keys
        self.vote_for = vote_for
        self.seed = seed
        self.pause_s = pause_s
        self.signed: dict[str, LoadTx] = {}
        self.accepted: dict[str, int] = {}
        self.answers: Counter[str] = Counter()
        """Counts of the API's answers: '202', refusals by error name, 'unreachable'."""
        self.errors: list[str] = []
        """Unexpected failures of the workers (the test asserts there are none)."""
        self.epoch = 0
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._busy = 0
        self._running = threading.Event()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._work, args=(index,), name=f"load-{index}", daemon=True)
            for index in range(len(keys))
        ]

    @property
    def addresses(self) -> list[str]:
        """The load accounts."""
        return [key.address for key in self.keys]

    def start(self) -> None:
        """Start the workers (paused: call `resume`)."""
        for thread in self._threads:
            thread.start()

    def resume(self) -> None:
        """Let the workers send."""
        self._running.set()

    def pause(self, timeout_s: float = 30.0) -> None:
        """Stop sending and wait until no worker is in the middle of a request."""
        self._running.clear()
        with self._idle:
            assert self._idle.wait_for(lambda: self._busy == 0, timeout_s), "load workers did not pause"

    def next_epoch(self) -> int:
        """A kill happened: later answers belong to the next epoch; workers ask the API for their sequences."""
        with self._lock:
            self.epoch += 1
            return self.epoch

    def stop(self) -> None:
        """Stop the workers."""
        self._stop.set()
        self._running.set()
        for thread in self._threads:
            thread.join(30)

    def accepted_in(self, epoch: int) -> list[str]:
        """Hashes of the transactions accepted (202) in `epoch`, i.e. after kill `epoch` and before the next."""
        with self._lock:
            return [tx_hash for tx_hash, e in self.accepted.items() if e == epoch]

    def load_txs(self) -> dict[str, LoadTx]:
        """A copy of every transaction signed so far."""
        with self._lock:
            return dict(self.signed)

    def _work(self, index: int) -> None:
        key = self.keys[index]
        others = [k.address for k in self.keys if k.address != key.address]
        rng = random.Random(self.seed * 1_000 + index)
        sequence: int | None = None
        epoch = -1
        counter = 0
        with httpx.Client(base_url=self.url, timeout=5) as api:
            while not self._stop.is_set():
                if not self._running.wait(0.2):
                    continue
                with self._lock:
                    if not self._running.is_set() or self._stop.is_set():
                        continue
                    self._busy += 1
                    if epoch != self.epoch:
                        epoch, sequence = self.epoch, None
                try:
                    sequence = self._send_one(api, key, others, rng, sequence, epoch, counter)
                    counter += 1
                except Exception as exc:  # kept for the test to fail on, with the worker going on
                    with self._lock:
                        self.errors.append(f"{key.address}: {exc!r}")
                    sequence = None
                finally:
                    with self._idle:
                        self._busy -= 1
                        self._idle.notify_all()
                self._stop.wait(self.pause_s if sequence is not None else 0.1)

    def _send_one(
        self,
        api: httpx.Client,
        key: PrivateKey,
        others: list[str],
        rng: random.Random,
        sequence: int | None,
        epoch: int,
        counter: int,
    ) -> int | None:
        """Sign and submit one transaction; returns the next sequence to use (None: ask the API)."""
        try:
            if sequence is None:
                sequence = int(get_json(api, f"/accounts/{key.address}")["next_sequence"])
            msg: Msg
            if rng.random() < 0.7:
                kind, target, amount = "send", rng.choice(others), rng.randint(1, 10_000)
                msg = MsgSendCoins(target, "ugos", amount)
            else:
                kind, target, amount = "vote", self.vote_for, rng.randint(1_000, 20_000)
                msg = MsgVoteNode(target, amount)
            raw = sign_tx(key, self.chain_id, sequence, [msg], FEE, f"crash-load {counter}")
            hash_ = hashlib.sha256(raw).hexdigest()
            with self._lock:
                self.signed[hash_] = LoadTx(hash_, key.address, sequence, kind, target, amount)
            response = api.post("/txs", json={"tx": raw.hex()})
        except httpx.HTTPError:
            with self._lock:
                self.answers["unreachable"] += 1
            return None
        with self._lock:
            if response.status_code == 202:
                assert response.json()["tx_hash"] == hash_, response.text
                self.answers["202"] += 1
                self.accepted[hash_] = epoch
                return sequence + 1
            try:
                error = str(response.json().get("error", response.status_code))
            except ValueError:
                error = str(response.status_code)
            self.answers[f"{response.status_code} {error}"] += 1
        return None


# --- funding, quiescence and the per-account ledger ---


def fund_accounts(
    api: httpx.Client, funder: PrivateKey, chain_id: str, addresses: list[str], amount: int, timeout_s: float = 60.0
) -> None:
    """Send `amount` ugos from `funder` to each address and wait until every transfer is in a block.

    Waits until the funder (a block-reward earner) can afford it; re-signs after a refusal (another sender of the
    same account, e.g. the devnet faucet's top-up, may have taken the sequence).
    """
    need = len(addresses) * (amount + FEE)
    wait_until(
        lambda: get_json(api, f"/accounts/{funder.address}")["gos"]["ugos"] >= need,
        f"{funder.address} to earn {need} ugos",
        timeout_s,
        poll_s=0.2,
    )
    hashes = []
    for address in addresses:

        def send(address: str = address) -> str | None:
            sequence = int(get_json(api, f"/accounts/{funder.address}")["next_sequence"])
            raw = sign_tx(funder, chain_id, sequence, [MsgSendCoins(address, "ugos", amount)], FEE, "crash-fund")
            response = api.post("/txs", json={"tx": raw.hex()})
            return str(response.json()["tx_hash"]) if response.status_code == 202 else None

        hashes.append(wait_until(send, f"a funding transfer to {address}", timeout_s, poll_s=0.2))
    for tx_hash in hashes:
        found = wait_until(
            lambda h=tx_hash: (doc := get_json(api, f"/txs/{h}"))["status"] == "included" and doc,
            f"funding tx {tx_hash} in a block",
            timeout_s,
        )
        assert found["code"] == 0, found


def wait_quiescent(api: httpx.Client, addresses: list[str], timeout_s: float = 60.0) -> int:
    """Wait until no load account has a transaction pending on this node; returns the committed height then."""
    wait_until(
        lambda: all(get_json(api, f"/accounts/{a}")["pending_txs"] == 0 for a in addresses),
        "the load accounts' pending transactions to clear",
        timeout_s,
    )
    return int(get_json(api, "/status")["height"])


@dataclass(frozen=True)
class Holdings:
    """What a load account holds in GOS: liquid, and voted (votes for any node)."""

    liquid: int
    voted: int


def read_holdings(api: httpx.Client, addresses: list[str]) -> dict[str, Holdings]:
    """The accounts' liquid and voted GOS as the API shows them now."""
    out = {}
    for address in addresses:
        account = get_json(api, f"/accounts/{address}")
        out[address] = Holdings(account["gos"]["ugos"], sum(v["amount"]["ugos"] for v in account["votes"]))
    return out


def expected_holdings(
    baseline: Mapping[str, Holdings],
    load_txs: Mapping[str, LoadTx],
    included: Mapping[str, Inclusion],
    rewards_paid: Mapping[str, int],
) -> dict[str, Holdings]:
    """The holdings the included load transactions lead to from `baseline`: every included tx costs its sender the
    fee it was charged; a successful send moves its amount, a successful vote moves it from liquid to voted; and the
    rewards paid (a vote settles the voter's pending hash-power rewards) are liquid. GOS shares count as ugos: the
    share index stays 1 until the first burn, far beyond these chains' heights."""
    liquid = {a: h.liquid + rewards_paid.get(a, 0) for a, h in baseline.items()}
    voted = {a: h.voted for a, h in baseline.items()}
    for tx_hash, tx in load_txs.items():
        inclusion = included.get(tx_hash)
        if inclusion is None:
            continue
        liquid[tx.sender] -= inclusion.fee
        if inclusion.code != 0:
            continue
        liquid[tx.sender] -= tx.amount
        if tx.kind == "send":
            liquid[tx.target] += tx.amount
        else:
            voted[tx.sender] += tx.amount
    return {a: Holdings(liquid[a], voted[a]) for a in baseline}
