"""A small driver for chain tests: genesis, keys, signed transactions and blocks, with invariants after each."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from gostaking.chain.crypto import consensus_address
from gostaking.chain.genesis import Genesis, GenesisBalance, GenesisNode, init_chain
from gostaking.chain.invariants import check_invariants
from gostaking.chain.modules.bank.queries import get_account, get_balance
from gostaking.chain.numeric import GOS_DENOM, UGOS_PER_GOS
from gostaking.chain.state import State
from gostaking.chain.transition import apply_block
from gostaking.chain.types.block import BlockEnv, BlockResult, Misbehavior, TxResult
from gostaking.chain.types.lock import Asset
from gostaking.chain.types.params import ChainParams, EmissionParams, NodeParams, StakingParams
from gostaking.chain.types.tx import Msg, MsgStakeNode, MsgUnstakeNode, MsgUnvoteNode, MsgVoteNode
from gostaking.wallet.keys import PrivateKey, sign_tx

CHAIN_ID = "gostaking-test"
GOS = UGOS_PER_GOS

BTC = Asset("btc", 8, "bitcoin", weight_ppm=100_000, price_ugos=10_000 * GOS)
ETH = Asset("eth", 18, "ethereum", weight_ppm=100_000, price_ugos=200 * GOS)
DCR = Asset("dcr", 8, "decred", weight_ppm=200_000, price_ugos=30 * GOS)

TEST_PARAMS = ChainParams(
    # A bigger, faster schedule than mainnet so tests reach balances, halvings and burns in few blocks.
    emission=EmissionParams(
        initial_reward_ugos=10_000 * GOS, halving_interval_blocks=200, burn_start_height=500, burn_interval_blocks=50
    ),
    staking=StakingParams(vote_unbonding_blocks=5, stake_unbonding_blocks=15, max_unbonding_completions_per_block=3),
    nodes=NodeParams(min_votes_ugos=100 * GOS, min_stake_ugos=100 * GOS, epoch_blocks=10),
)
MIN_FEE = TEST_PARAMS.tx.min_fee_ugos
NEW_BALANCE_FEE = TEST_PARAMS.tx.new_balance_fee_ugos
"""What a transfer pays on top of its fee when it creates the recipient's balance of a denom."""


def key(n: int) -> PrivateKey:
    """Deterministic test key number n (n ≥ 1)."""
    return PrivateKey(n.to_bytes(32, "big"))


def consensus_key(n: int) -> bytes:
    """Deterministic 32-byte consensus public key number n."""
    return bytes([n % 256]) * 31 + bytes([n // 256 % 256])


@dataclass
class Chain:
    """A chain at some height plus the keys of its users. Every block is followed by a full invariant check."""

    state: State
    signer_keys: tuple[bytes, ...] = ()
    sequences: dict[str, int] = field(default_factory=dict)
    time_ms: int = 0
    check: bool = True

    @property
    def height(self) -> int:
        return self.state.height.get()

    def tx(
        self,
        signer: PrivateKey,
        *msgs: Msg,
        fee: int = 1_000,
        sequence: int | None = None,
        chain_id: str = CHAIN_ID,
        memo: str = "",
    ) -> bytes:
        """Sign a tx with the signer's next sequence (tracked locally)."""
        seq = self.sequences.get(signer.address, get_account(self.state, signer.address).sequence)
        if sequence is None:
            self.sequences[signer.address] = seq + 1
        return sign_tx(signer, chain_id, seq if sequence is None else sequence, list(msgs), fee, memo)

    def block(self, *txs: bytes, absent: Sequence[bytes] = (), misbehavior: Sequence[Misbehavior] = ()) -> BlockResult:
        """Apply a block with the given txs; signers are all genesis/registered node keys given; `absent` are
        consensus keys of validators that missed the previous block, `misbehavior` evidence to punish."""
        self.time_ms += 30_000
        signers = tuple(consensus_address(k) for k in self.signer_keys)
        env = BlockEnv(
            CHAIN_ID,
            self.height + 1,
            self.time_ms,
            signers[0] if signers else "",
            signers,
            tuple(consensus_address(k) for k in absent),
            tuple(misbehavior),
        )
        result = apply_block(self.state, env, list(txs))
        self.sequences.clear()
        if self.check:
            check_invariants(self.state)
        return result

    def run(self, signer: PrivateKey, *msgs: Msg, fee: int = 1_000) -> TxResult:
        """Apply one tx in its own block and return its result."""
        return self.block(self.tx(signer, *msgs, fee=fee)).tx_results[0]

    def blocks(self, count: int) -> None:
        """Apply `count` empty blocks."""
        for _ in range(count):
            self.block()

    def gos(self, address: str) -> int:
        """Liquid GOS of an address in ugos."""
        return get_balance(self.state, address, GOS_DENOM)

    def balance(self, address: str, denom: str) -> int:
        return get_balance(self.state, address, denom)


def make_chain(
    params: ChainParams = TEST_PARAMS,
    assets: Sequence[Asset] = (BTC, ETH, DCR),
    balances: Sequence[GenesisBalance] = (),
    node_count: int = 1,
    check: bool = True,
) -> Chain:
    """Genesis with `node_count` nodes operated by key(1000 + i), each with consensus_key(i + 1)."""
    nodes = [GenesisNode(key(1000 + i).address, consensus_key(i + 1), f"node-{i}") for i in range(node_count)]
    state = State()
    init_chain(state, Genesis(CHAIN_ID, 0, params, list(assets), list(balances), nodes))
    if check:
        check_invariants(state)
    return Chain(state, tuple(consensus_key(i + 1) for i in range(node_count)), check=check)


def fund_gos(chain: Chain, recipient: str, ugos: int) -> None:
    """Give `recipient` GOS from node operator key(1000), which earns the mining-node rewards; mines blocks
    until the operator can afford it. (There is no premine, so GOS only comes from block rewards.)"""
    from gostaking.chain.types.tx import MsgSendCoins

    operator = key(1000)
    while chain.gos(operator.address) < ugos + MIN_FEE + NEW_BALANCE_FEE:
        chain.block()
    result = chain.run(operator, MsgSendCoins(recipient, GOS_DENOM, ugos))
    assert result.code == 0, result.log


# ---------------------------------------------------------------------------------------------------------------
# Helpers for the per-handler tests (tests/chain/test_<handler>.py). Imports are local to keep this block
# append-only.
# ---------------------------------------------------------------------------------------------------------------

MISSING = None
"""How `state_diff` shows a key that does not exist on one side."""


def snapshot(state: State) -> dict[str, dict[object, object]]:
    """A copy of every table's contents (values are immutable structs or ints, so a shallow copy suffices)."""
    return {name: dict(state._tables[name]._data) for name in state.table_names()}


def state_diff(
    before: dict[str, dict[object, object]], after: dict[str, dict[object, object]]
) -> dict[str, dict[object, tuple[object, object]]]:
    """{table: {key: (old, new)}} of every key that differs; a missing key shows as MISSING (None)."""
    out: dict[str, dict[object, tuple[object, object]]] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, {}), after.get(name, {})
        changed = {k: (old.get(k), new.get(k)) for k in set(old) | set(new) if old.get(k) != new.get(k)}
        if changed:
            out[name] = changed
    return out


def next_env(chain: Chain) -> BlockEnv:
    """The environment the chain's next block would run with."""
    signers = tuple(consensus_address(k) for k in chain.signer_keys)
    return BlockEnv(CHAIN_ID, chain.height + 1, chain.time_ms + 30_000, signers[0] if signers else "", signers)


def execute(chain: Chain, raw: bytes) -> tuple[TxResult, dict[str, dict[object, tuple[object, object]]]]:
    """Run one tx through `execute_tx` as the next block would (without begin/end block work) and return its
    result and exactly what it changed. Invariants are checked afterwards."""
    from gostaking.chain.transition import execute_tx

    before = snapshot(chain.state)
    result = execute_tx(chain.state, next_env(chain), raw)
    diff = state_diff(before, snapshot(chain.state))
    if chain.check:
        check_invariants(chain.state)
    return result, diff


def assert_error(result: TxResult, error: type) -> None:
    """The result carries the error's code and a log that starts with the error class name."""
    assert result.code == error.code, (result.code, result.log)
    assert result.log.startswith(f"{error.__name__}: "), result.log


def fee_only_diff(
    chain: Chain, sender: str, fee: int, before_seq: int, sender_shares: int, collector_shares: int
) -> dict[str, dict[object, tuple[object, object]]]:
    """The exact state change of a tx whose messages failed: the fee moved to the fee collector, sequence + 1."""
    from gostaking.chain.constants import MODULE_ADDRESSES, MODULE_FEE_COLLECTOR
    from gostaking.chain.modules.bank.queries import compute_ugos_to_shares_ceil, get_gos_index
    from gostaking.chain.types.bank import Account

    collector = MODULE_ADDRESSES[MODULE_FEE_COLLECTOR]
    fee_shares = compute_ugos_to_shares_ceil(fee, get_gos_index(chain.state))
    return {
        "accounts": {sender: (Account(before_seq) if before_seq else MISSING, Account(before_seq + 1))},
        "balances": {
            (sender, GOS_DENOM): (sender_shares, sender_shares - fee_shares or MISSING),
            (collector, GOS_DENOM): (collector_shares or MISSING, collector_shares + fee_shares),
        },
    }


def expect_msg_failure(chain: Chain, signer: PrivateKey, *msgs: Msg, error: type, fee: int = 1_000) -> TxResult:
    """Send a tx whose messages must fail with `error`: checks code and log, that the fee was still charged and
    the sequence consumed, and that nothing else in the whole state changed."""
    from gostaking.chain.constants import MODULE_ADDRESSES, MODULE_FEE_COLLECTOR
    from gostaking.chain.modules.bank.queries import get_shares

    collector = MODULE_ADDRESSES[MODULE_FEE_COLLECTOR]
    seq = get_account(chain.state, signer.address).sequence
    sender_shares = get_shares(chain.state, signer.address)
    collector_shares = get_shares(chain.state, collector)
    result, diff = execute(chain, chain.tx(signer, *msgs, fee=fee))
    assert_error(result, error)
    assert (result.sender, result.fee, result.events) == (signer.address, fee, ())
    assert diff == fee_only_diff(chain, signer.address, fee, seq, sender_shares, collector_shares)
    return result


def expect_rejected(chain: Chain, raw: bytes, error: type) -> TxResult:
    """Execute a tx that the ante checks must reject with `error`: no fee, no sequence, no state change at all."""
    result, diff = execute(chain, raw)
    assert_error(result, error)
    assert (result.sender, result.fee, result.events) == ("", 0, ())
    assert diff == {}
    from contextlib import suppress

    from gostaking.chain.codec import decode_tx
    from gostaking.chain.errors import ChainError

    with suppress(ChainError):  # an undecodable tx took no locally tracked sequence
        chain.sequences.pop(decode_tx(raw).body.sender, None)  # the sender's sequence was not consumed
    return result


def block_signed_by(chain: Chain, signer_keys: Sequence[bytes], *txs: bytes) -> BlockResult:
    """Apply a block whose previous block was signed by the nodes with these consensus keys."""
    saved = chain.signer_keys
    chain.signer_keys = tuple(signer_keys)
    try:
        return chain.block(*txs)
    finally:
        chain.signer_keys = saved


def events_of(result: BlockResult | TxResult, kind: str) -> list[dict[str, str]]:
    """Attributes of the events of one kind, in order."""
    return [dict(event.attributes) for event in result.events if event.kind == kind]


def with_params(params: ChainParams = TEST_PARAMS, **sections: object) -> ChainParams:
    """`params` with some sections' fields replaced, e.g. with_params(nodes={"mining_by_stake": 2})."""
    from msgspec.structs import replace

    changed = {name: replace(getattr(params, name), **fields) for name, fields in sections.items()}  # type: ignore[arg-type]
    return replace(params, **changed)


def register_nodes(chain: Chain, operators: Sequence[PrivateKey], first_consensus_key: int = 100) -> list[bytes]:
    """Give each operator fee money from key(1000) (the genesis mining node's operator), then register them in
    this order in one block, operator i with consensus_key(first_consensus_key + i). Returns the keys."""
    from gostaking.chain.types.tx import MsgRegisterNode, MsgSendCoins

    funder, each = key(1000), 100_000
    sends = [MsgSendCoins(op.address, GOS_DENOM, each) for op in operators]
    while chain.gos(funder.address) < len(sends) * (each + MIN_FEE + NEW_BALANCE_FEE):
        chain.block()
    funding = chain.block(*[chain.tx(funder, *sends[i : i + 16]) for i in range(0, len(sends), 16)])
    assert all(r.code == 0 for r in funding.tx_results), [r.log for r in funding.tx_results]
    keys = [consensus_key(first_consensus_key + i) for i in range(len(operators))]
    registrations = [
        chain.tx(op, MsgRegisterNode(k, f"node-{first_consensus_key + i}"))
        for i, (op, k) in enumerate(zip(operators, keys, strict=True))
    ]
    result = chain.block(*registrations)
    assert all(r.code == 0 for r in result.tx_results), [r.log for r in result.tx_results]
    return keys


def bond_all(chain: Chain, backer: PrivateKey, bonds: Sequence[tuple[str, str, int]]) -> None:
    """`backer` (funded from key(1000) first) votes or stakes each (node operator, 'vote'|'stake', ugos), all in one
    block that is not an epoch's last, so the next election is the first to see all of them."""
    from gostaking.chain.types.tx import MsgStakeNode, MsgVoteNode

    msgs: list[Msg] = [MsgVoteNode(n, a) if kind == "vote" else MsgStakeNode(n, a) for n, kind, a in bonds if a > 0]
    txs = (len(msgs) + 15) // 16
    needed = sum(m.amount for m in msgs) + txs * 1_000  # type: ignore[union-attr]
    if chain.gos(backer.address) < needed:
        # fund_gos mines until key(1000) can pay: only possible while its node is in the mining set
        assert key(1000).address in chain.state.mining_set.get().operators, "key(1000) no longer earns GOS"
        fund_gos(chain, backer.address, needed - chain.gos(backer.address))
    epoch = chain.state.params.get().nodes.epoch_blocks
    while (chain.height + 1) % epoch == 0:
        chain.block()
    result = chain.block(*[chain.tx(backer, *msgs[i : i + 16]) for i in range(0, len(msgs), 16)])
    assert all(r.code == 0 for r in result.tx_results), [r.log for r in result.tx_results]


def run_to_epoch_end(chain: Chain) -> BlockResult:
    """Apply blocks up to and including the next epoch's last block (where the election runs); return that one."""
    epoch = chain.state.params.get().nodes.epoch_blocks
    while True:
        result = chain.block()
        if chain.height % epoch == 0:
            return result


@dataclass(frozen=True)
class BondKind:
    """One way of backing a node (tests/chain/test_bond_node.py, test_unbond_node.py): its delegation kind (also
    its pool and its bond event's name), its messages, its hash power per GOS and its unbonding period in
    TEST_PARAMS."""

    name: str
    bond: type[MsgVoteNode] | type[MsgStakeNode]
    unbond: type[MsgUnvoteNode] | type[MsgUnstakeNode]
    hash_per_gos: int
    unbonding_blocks: int

    def __str__(self) -> str:
        return self.name

    @property
    def other(self) -> "BondKind":
        return STAKE if self is VOTE else VOTE

    def backing(self, ugos: int) -> tuple[int, int]:
        """A node's (votes, stake) backing in ugos when `ugos` of this kind is all it has."""
        return (ugos, 0) if self is VOTE else (0, ugos)


VOTE = BondKind("vote", MsgVoteNode, MsgUnvoteNode, 1, TEST_PARAMS.staking.vote_unbonding_blocks)
STAKE = BondKind("stake", MsgStakeNode, MsgUnstakeNode, 3, TEST_PARAMS.staking.stake_unbonding_blocks)
BOND_KINDS = (VOTE, STAKE)
