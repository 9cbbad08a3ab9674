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
from gostaking.chain.types.block import BlockEnv, BlockResult, TxResult
from gostaking.chain.types.lock import Asset
from gostaking.chain.types.params import ChainParams, EmissionParams, NodeParams, StakingParams
from gostaking.chain.types.tx import Msg
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

    def block(self, *txs: bytes) -> BlockResult:
        """Apply a block with the given txs; signers are all genesis/registered node keys given."""
        self.time_ms += 30_000
        signers = tuple(consensus_address(k) for k in self.signer_keys)
        env = BlockEnv(CHAIN_ID, self.height + 1, self.time_ms, signers[0] if signers else "", signers)
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
    while chain.gos(operator.address) < ugos + 10_000:
        chain.block()
    result = chain.run(operator, MsgSendCoins(recipient, GOS_DENOM, ugos))
    assert result.code == 0, result.log
