"""The wallet's bitcoin: its BIP-84 coins found through a node, payments as PSBTs, and custody deposits.

Which addresses are the wallet's: the receive (0) and change (1) chains of BIP-84 account 0 are read index by index
until `gap_limit` (20, BIP-44's rule) addresses in a row have never appeared in a transaction. Coins are found with
`searchrawtransactions` (btcd with `--txindex --addrindex`: the node the custody tests run; it needs no wallet), an
output being the wallet's coin while no transaction the index shows (mempool included) spends it. Bitcoin Core has
no address index: point the wallet at a btcd, or use Core's own wallet with the account's xpub
(`wallet export-xpub`).

Payments spend confirmed coins only (block rewards once 100 deep), largest first; change goes to the first unused
change address unless it would be dust (then it is left to the miner). The fee rate comes from the node
(`estimatesmartfee`, or btcd's `estimatefee`), or the caller's fallback when the node has no estimate yet.

A custody deposit pays the depositor's lock of gostaking/bridge/btc.py whose depositor key D is the wallet's first
receive key (`m/84'/coin'/0'/0/0`): after T blocks that key alone takes back what the custodians have not swept,
and the recovery phrase restores it.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from embit import ec
from embit.script import Script, Witness, p2wpkh
from embit.transaction import Transaction

from gostaking.bridge.btc import (
    DUST_SAT,
    CustodyLock,
    SpendableOutput,
    create_psbt,
    finalize_depositor_spend,
    network_params,
    script_for_address,
    sign_psbt,
)
from gostaking.bridge.btc_rpc import BitcoinRpc
from gostaking.bridge.errors import RpcError, ScriptError
from gostaking.chain.crypto import address_from_pubkey
from gostaking.chain.numeric import format_units
from gostaking.wallet.hd import BtcNetwork, DerivedKey, btc_key
from gostaking.wallet.onchain import WalletChainError

GAP_LIMIT = 20
"""Unused addresses in a row after which a chain of addresses is taken to end (BIP-44)."""
RECEIVE, CHANGE = 0, 1
FEE_TARGET_BLOCKS = 6
"""Confirmation target asked of the node's fee estimate."""
FALLBACK_FEE_RATE = 2
"""sat/vB used when the node has no estimate (a fresh node, regtest): twice the default minimum relay fee."""
SEARCH_PAGE = 1_000
COINBASE_MATURITY = 100
"""Blocks a block reward must be deep before it can be spent."""
# Virtual sizes of a P2WPKH spend (BIP-141 weights / 4): 41 bytes per input plus its witness
# (count, ≤ 73-byte signature with sighash, 33-byte key: 109 weight units), 10 bytes of version/counts/locktime
# and the 2-unit segwit marker.
_INPUT_WEIGHT = 4 * 41 + 1 + 1 + 73 + 1 + 33
_OVERHEAD_WEIGHT = 4 * (4 + 1 + 1 + 4) + 2
BTC_DECIMALS = 8


def to_btc(sat: int) -> str:
    """Satoshi as a BTC amount ('0.5', '0.00001'), exact."""
    return format_units(sat, BTC_DECIMALS)


def address_script(address: str, network: BtcNetwork) -> bytes:
    """The output script of `address`, refused (WalletChainError) unless it is a valid address of `network`: a
    bc1… address on regtest, or a tb1… one on mainnet, would send coins where this wallet is not looking."""
    try:
        script = script_for_address(address.strip())
        ours = str(Script(script).address(network_params(network)))
    except (ScriptError, ValueError):
        raise WalletChainError(f"{address!r} is not a valid bitcoin address") from None
    except Exception:  # embit raises bare exceptions for scripts without an address form
        raise WalletChainError(f"{address!r} is not an address this wallet can pay") from None
    typed = address.strip()
    same = ours.lower() == typed.lower() if ours.lower().startswith(("bc1", "tb1", "bcrt1")) else ours == typed
    if not same:
        raise WalletChainError(f"{address} is not a {network} address (this wallet is on {network})")
    return script


@dataclass(frozen=True)
class WalletCoin:
    """An unspent output paying one of the wallet's addresses."""

    txid: str
    vout: int
    amount_sat: int
    confirmations: int
    chain: int
    """RECEIVE or CHANGE."""
    index: int
    coinbase: bool = False

    @property
    def spendable(self) -> bool:
        """Confirmed, and a block reward only once mature (consensus forbids spending it earlier)."""
        return self.confirmations >= (COINBASE_MATURITY if self.coinbase else 1)


@dataclass(frozen=True)
class BtcHoldings:
    """What a scan found: the wallet's coins and the first unused index of each chain."""

    coins: tuple[WalletCoin, ...]
    next_index: dict[int, int] = field(default_factory=dict)

    @property
    def confirmed_sat(self) -> int:
        """Coins payments may spend: in a block (block rewards: mature)."""
        return sum(c.amount_sat for c in self.coins if c.spendable)

    @property
    def immature_sat(self) -> int:
        """Block rewards fewer than COINBASE_MATURITY blocks deep."""
        return sum(c.amount_sat for c in self.coins if c.coinbase and c.confirmations > 0 and not c.spendable)

    @property
    def unconfirmed_sat(self) -> int:
        """Coins still in the mempool (not spent by payments until they confirm)."""
        return sum(c.amount_sat for c in self.coins if c.confirmations == 0)


@dataclass(frozen=True)
class FeeRate:
    """sat per virtual byte and where it came from ('node' or 'fallback')."""

    sat_per_vbyte: int
    source: str


@dataclass(frozen=True)
class SignedPayment:
    """A signed transaction not yet broadcast, and what it pays."""

    tx: Transaction
    fee_sat: int
    change_sat: int
    change_address: str | None

    @property
    def txid(self) -> str:
        """The transaction id (hex, as explorers show it)."""
        return str(self.tx.txid().hex())


def estimate_vsize(inputs: int, output_scripts: Sequence[bytes]) -> int:
    """Virtual size, rounded up, of a transaction spending `inputs` P2WPKH coins to `output_scripts`."""
    weight = _OVERHEAD_WEIGHT + inputs * _INPUT_WEIGHT
    weight += sum(4 * (8 + 1 + len(script)) for script in output_scripts)
    return -(-weight // 4)


def node_fee_rate(rpc: BitcoinRpc, fallback: int, target_blocks: int = FEE_TARGET_BLOCKS) -> FeeRate:
    """The node's fee estimate (Bitcoin Core's `estimatesmartfee`, or btcd's `estimatefee`: see
    `BitcoinRpc.estimate_fee_rate`), else `fallback` when the node has none yet (a fresh chain has no fee history)."""
    try:
        rate = rpc.estimate_fee_rate(target_blocks)
    except RpcError:
        rate = None
    return FeeRate(rate, "node") if rate is not None else FeeRate(fallback, "fallback")


@dataclass(frozen=True)
class AddressActivity:
    """What the node's address index shows of one address: whether it was ever used, the outputs paying its
    script ((txid, vout) → (sat, confirmations)), and every outpoint its transactions spend."""

    used: bool
    outputs: dict[tuple[str, int], tuple[int, int]]
    spent: set[tuple[str, int]]
    coinbases: set[str] = field(default_factory=set)
    """The txids of its outputs that are block rewards (spendable only once COINBASE_MATURITY deep)."""

    def unspent(self) -> dict[tuple[str, int], tuple[int, int]]:
        """The outputs no transaction of the address spends (the mempool's included)."""
        return {key: value for key, value in self.outputs.items() if key not in self.spent}


def address_activity(rpc: BitcoinRpc, address: str, script: bytes) -> AddressActivity:
    """Every transaction of `address` on the best chain and in the mempool (btcd's `searchrawtransactions`)."""
    history: list[dict[str, Any]] = []
    while True:
        try:
            page = rpc.call("searchrawtransactions", address, 1, len(history), SEARCH_PAGE) or []
        except RpcError as error:
            if "No information available about address" in str(error):
                break
            if "Method not found" in str(error) or "disabled" in str(error):
                raise WalletChainError(
                    "the Bitcoin node has no address index: use btcd with --txindex --addrindex"
                ) from None
            raise
        history += page
        if len(page) < SEARCH_PAGE:
            break
    outputs: dict[tuple[str, int], tuple[int, int]] = {}
    spent: set[tuple[str, int]] = set()
    coinbases = set()
    for entry in history:
        tx = Transaction.parse(bytes.fromhex(str(entry["hex"])))
        txid = tx.txid().hex()
        if _is_coinbase(tx):
            coinbases.add(txid)
        else:
            spent.update((vin.txid.hex(), vin.vout) for vin in tx.vin)
        for vout, out in enumerate(tx.vout):
            if bytes(out.script_pubkey.data) == script:
                outputs[(txid, vout)] = (int(out.value), int(entry.get("confirmations", 0) or 0))
    return AddressActivity(bool(history), outputs, spent, coinbases)


def _is_coinbase(tx: Transaction) -> bool:
    return len(tx.vin) == 1 and tx.vin[0].txid == bytes(32) and tx.vin[0].vout == 0xFFFFFFFF


_CHAIN_NAMES = {"mainnet": ("main", "mainnet"), "testnet": ("test", "testnet3", "testnet4"), "regtest": ("regtest",)}
"""`getblockchaininfo`'s chain name for each network: Bitcoin Core's, then btcd's."""


def check_node_network(rpc: BitcoinRpc, network: BtcNetwork) -> None:
    """WalletChainError unless the node's chain is `network`: the wallet's addresses and the addresses it pays are
    checked against the network the user named, so a node on another chain would find nothing or be sent to."""
    chain = str(rpc.call("getblockchaininfo").get("chain", ""))
    if chain not in _CHAIN_NAMES[network]:
        raise WalletChainError(f"the Bitcoin node is on {chain!r}, not {network}: give --btc-network to match it")


class BtcWallet:
    """The BIP-84 account 0 of a seed on one network, read through a node."""

    def __init__(self, seed: bytes, network: BtcNetwork, rpc: BitcoinRpc, *, gap_limit: int = GAP_LIMIT) -> None:
        """The wallet of `seed` on `network`, whose coins `rpc` (btcd with --txindex --addrindex) finds."""
        self.seed = seed
        self.network = network
        self.rpc = rpc
        self.gap_limit = gap_limit
        self._keys: dict[tuple[int, int], DerivedKey] = {}

    def key(self, chain: int, index: int) -> DerivedKey:
        """The key of address `index` of `chain` (RECEIVE or CHANGE)."""
        found = self._keys.get((chain, index))
        if found is None:
            found = self._keys[(chain, index)] = btc_key(self.seed, self.network, 0, chain, index)
        return found

    def script(self, chain: int, index: int) -> bytes:
        """The P2WPKH output script of an address."""
        return bytes(p2wpkh(ec.PublicKey.parse(self.key(chain, index).public_key)).data)

    def depositor_key(self) -> DerivedKey:
        """The key a custody lock names as its depositor (see the module docstring)."""
        return self.key(RECEIVE, 0)

    def scan(self) -> BtcHoldings:
        """The wallet's unspent coins, by the gap-limit rule of the module docstring."""
        outputs: dict[tuple[str, int], WalletCoin] = {}
        spent: set[tuple[str, int]] = set()
        next_index = {}
        for chain in (RECEIVE, CHANGE):
            index, unused_in_a_row = 0, 0
            while unused_in_a_row < self.gap_limit:
                found = address_activity(self.rpc, self.key(chain, index).address, self.script(chain, index))
                unused_in_a_row = 0 if found.used else unused_in_a_row + 1
                spent |= found.spent
                for (txid, vout), (amount, confirmations) in found.outputs.items():
                    coinbase = txid in found.coinbases
                    outputs[(txid, vout)] = WalletCoin(txid, vout, amount, confirmations, chain, index, coinbase)
                index += 1
            next_index[chain] = index - self.gap_limit
        coins = sorted((c for key, c in outputs.items() if key not in spent), key=lambda c: (c.txid, c.vout))
        return BtcHoldings(tuple(coins), next_index)

    def pay(
        self, outputs: Sequence[tuple[bytes, int]], fee_rate: FeeRate, holdings: BtcHoldings | None = None
    ) -> SignedPayment:
        """Sign a payment of (script, sat) `outputs` from confirmed coins at `fee_rate`, change to the first unused
        change address. WalletChainError (nothing signed) for dust outputs or an amount over the balance."""
        for _, value in outputs:
            if value <= DUST_SAT:
                raise WalletChainError(f"{value} sat is dust: send more than {DUST_SAT} sat")
        holdings = holdings if holdings is not None else self.scan()
        amount = sum(value for _, value in outputs)
        change_index = holdings.next_index[CHANGE]
        change_script = self.script(CHANGE, change_index)
        scripts = [script for script, _ in outputs]
        rate = fee_rate.sat_per_vbyte
        selected: list[WalletCoin] = []
        for coin in sorted((c for c in holdings.coins if c.spendable), key=lambda c: -c.amount_sat):
            selected.append(coin)
            total = sum(c.amount_sat for c in selected)
            fee_with_change = rate * estimate_vsize(len(selected), [*scripts, change_script])
            change = total - amount - fee_with_change
            if change > DUST_SAT:
                return self._sign(selected, [*outputs, (change_script, change)], fee_with_change, change_index)
            if total - amount >= rate * estimate_vsize(len(selected), scripts):
                return self._sign(selected, list(outputs), total - amount, None)  # a dust remainder goes to the fee
        fee = rate * estimate_vsize(max(len(selected), 1), scripts)
        pending = f", {to_btc(holdings.unconfirmed_sat)} BTC unconfirmed" if holdings.unconfirmed_sat else ""
        raise WalletChainError(
            f"amount over balance: {to_btc(amount)} BTC plus a fee of about {to_btc(fee)} BTC, but the wallet has "
            f"{to_btc(holdings.confirmed_sat)} BTC confirmed{pending}"
        )

    def _sign(
        self, coins: list[WalletCoin], outputs: list[tuple[bytes, int]], fee: int, change_index: int | None
    ) -> SignedPayment:
        spends = [SpendableOutput(c.txid, c.vout, c.amount_sat, b"", self.script(c.chain, c.index)) for c in coins]
        psbt = create_psbt(spends, outputs)
        for chain, index in sorted({(c.chain, c.index) for c in coins}):
            sign_psbt(psbt, self.key(chain, index).secret)
        signed = Transaction.parse(psbt.tx.serialize())
        for vin, scope in zip(signed.vin, psbt.inputs, strict=True):
            ((public, signature),) = scope.partial_sigs.items()  # one key per P2WPKH input
            vin.witness = Witness([signature, public.sec()])
        change = outputs[-1][1] if change_index is not None else 0
        change_address = self.key(CHANGE, change_index).address if change_index is not None else None
        return SignedPayment(signed, fee, change, change_address)

    def broadcast(self, payment: SignedPayment) -> str:
        """Send a signed payment to the node; its txid."""
        return self.rpc.send_raw_transaction(payment.tx.serialize().hex())


@dataclass(frozen=True)
class CustodyTerms:
    """What the chain and its custodians fix of every depositor's lock: the custodians' public keys (the keys
    of the chain's custodian accounts), how many must sign, and the timelock T in blocks."""

    custodian_keys: tuple[bytes, ...]
    threshold: int
    csv_blocks: int


def custody_terms(keys: Sequence[bytes], custodians: Sequence[str], threshold: int, csv_blocks: int) -> CustodyTerms:
    """Check typed custodian public keys against the chain's custody parameters (`custodians`: their gos1
    addresses, `threshold`): a custodian's BTC key is its GoStaking account key, so each key must be the key of one
    custodian and every custodian must be named — else the lock would not be the one the gateways watch."""
    if not custodians or threshold < 1:
        raise WalletChainError("custody is not enabled on this chain (no custodians)")
    wanted = set(custodians)
    named = {}
    for key in keys:
        try:
            address = address_from_pubkey(key)
        except Exception:  # a malformed key
            raise WalletChainError(f"{key.hex()} is not a compressed public key") from None
        if address not in wanted:
            raise WalletChainError(f"{key.hex()} is not a custodian's key on this chain (it is {address}'s)")
        named[address] = key
    missing = sorted(wanted - set(named))
    if missing:
        raise WalletChainError(f"name the public key of every custodian: missing {', '.join(missing)}")
    return CustodyTerms(tuple(named[a] for a in custodians), threshold, csv_blocks)


def depositor_lock(wallet: BtcWallet, terms: CustodyTerms) -> CustodyLock:
    """The wallet's custody lock: the custodians' m of n at any time, the wallet's depositor key after T."""
    try:
        return CustodyLock.create(
            terms.custodian_keys, terms.threshold, wallet.depositor_key().public_key, terms.csv_blocks
        )
    except ScriptError as error:
        raise WalletChainError(str(error)) from None


def deposit_sat_floor(sweep_fee_sat: int) -> int:
    """The smallest deposit the gateways credit: they keep `sweep_fee_sat` for the sweep and refuse a remainder
    that is dust (`DepositSafety.refusal`)."""
    return sweep_fee_sat + DUST_SAT + 1


def reclaim_vsize(inputs: int, lock: CustodyLock, output_script: bytes) -> int:
    """Virtual size, rounded up, of a depositor-path spend of `inputs` outputs of `lock` to one output: each
    witness is `<sig_D> <> × (m+1) <script>` (signature ≤ 73 bytes with its sighash byte)."""
    script = len(lock.witness_script)
    witness = 1 + (1 + 73) + (lock.threshold + 1) + (1 if script < 0xFD else 3) + script
    weight = _OVERHEAD_WEIGHT + inputs * (4 * 41 + witness) + 4 * (8 + 1 + len(output_script))
    return -(-weight // 4)


def reclaim(wallet: BtcWallet, lock: CustodyLock, fee_rate: FeeRate, to_script: bytes) -> SignedPayment:
    """Take back, with the wallet's depositor key alone, every output of `lock` at least T blocks deep that the
    custodians have not swept (`btc.finalize_depositor_spend`), paid to `to_script` less the fee. WalletChainError
    when nothing is unspent at the lock or nothing is T blocks deep yet (saying how many blocks are left)."""
    if lock.depositor != wallet.depositor_key().public_key:
        raise WalletChainError("this lock names another depositor key than this wallet's")
    address = lock.address(wallet.network)
    unspent = address_activity(wallet.rpc, address, lock.script_pubkey).unspent()
    if not unspent:
        raise WalletChainError(f"nothing is left at {address}: the custodians swept it (it is credited on GoStaking)")
    ripe = {key: amount for key, (amount, depth) in unspent.items() if depth >= lock.csv_blocks}
    if not ripe:
        deepest = max(depth for _, depth in unspent.values())
        raise WalletChainError(
            f"nothing at {address} is {lock.csv_blocks} blocks deep yet: the first can be taken back in "
            f"{lock.csv_blocks - deepest} blocks"
        )
    fee = fee_rate.sat_per_vbyte * reclaim_vsize(len(ripe), lock, to_script)
    value = sum(ripe.values()) - fee
    if value <= DUST_SAT:
        raise WalletChainError(f"the {to_btc(sum(ripe.values()))} BTC to take back do not cover the fee")
    spends = [SpendableOutput(txid, vout, amount, lock.witness_script) for (txid, vout), amount in sorted(ripe.items())]
    psbt = create_psbt(spends, [(to_script, value)], sequence=lock.csv_blocks)
    sign_psbt(psbt, wallet.depositor_key().secret)
    return SignedPayment(finalize_depositor_spend(psbt, lock), fee, 0, None)
