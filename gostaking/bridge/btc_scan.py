"""The block-reading BTC watcher: payments to registered custody addresses become deposits, spends of them through
the depositor's path become reclaims. It reads raw blocks (`getblockhash`, `getblock <hash> 0`) and raw
transactions (`getrawtransaction <txid> 0`), which Bitcoin Core (`-txindex=1`) and btcd (`--txindex`) answer alike,
so it needs no wallet.

A block is read once it is `confirmations` deep; the cursor is '<height>:<hash>' of the last block read. If that
block is no longer in the best chain, a reorganization went `confirmations` deep or deeper, and the watcher stops
with `DeepReorgError` (naming both hashes) instead of guessing: what it attested may be gone, and an operator must
look.
A shallower reorganization needs nothing: blocks are read only once final, so a deposit reorged out before that was
never read, and one mined again in another block is read there (tests/bridge/test_btc_reorg.py, on two btcd).

Deposits: an output paying a registered address is attested only under `DepositSafety` (unspent per gettxout, far
enough from its lock's timelock), crediting its amount less the sweep fee; its senders are the addresses of all the
transaction's inputs. Refusals are reported with the reason (the gateway records them in its state's `skipped`).

Reclaims: an input whose witness is `<sig_D> <> × (m+1) <script>` with a registered lock's script took that output
back through the depositor's timelocked path (`btc.is_depositor_witness`); it is reported as `MsgReportReclaim`
naming the deposit ('<txid>:<vout>' of the spent output) and the reclaiming transaction.
"""

import logging

from embit.transaction import Transaction

from gostaking.bridge.attester import (
    DepositBatch,
    ObservedDeposit,
    ObservedReclaim,
    block_cursor,
    parse_block_cursor,
    require_on_best_chain,
)
from gostaking.bridge.btc import CustodyLock, DepositAddress, DepositRegistry, is_depositor_witness, p2wsh_script_pubkey
from gostaking.bridge.btc_rpc import BitcoinRpc, DepositSafety, format_senders, script_address
from gostaking.chain.modules.custody.queries import MAX_DEPOSIT_SENDERS

log = logging.getLogger(__name__)

BLOCKS_PER_SCAN = 500
"""Bound on Bitcoin blocks read per scan, so one gateway pass stays short after a long downtime."""
NULL_TXID = "00" * 32


class BtcBlockWatcher:
    """Finds deposits to registered custody addresses and their reclaims by reading blocks."""

    def __init__(
        self,
        rpc: BitcoinRpc,
        registry: DepositRegistry,
        *,
        network: str,
        confirmations: int = 6,
        safety: DepositSafety | None = None,
        denom: str = "btc",
        hosted_chain: str = "bitcoin",
        start_height: int | None = None,
        blocks_per_scan: int = BLOCKS_PER_SCAN,
    ) -> None:
        """Watch the addresses of `registry` (on `network`) through `rpc`; without a saved cursor, start at
        `start_height` (None: at the first block that is `confirmations` deep now)."""
        self.rpc = rpc
        self.registry = registry
        self.network = network
        self.confirmations = max(confirmations, 1)
        self.safety = safety or DepositSafety()
        self.denom = denom
        self.hosted_chain = hosted_chain
        self.start_height = start_height
        self.blocks_per_scan = blocks_per_scan

    @property
    def name(self) -> str:
        """Cursor name: the hosted chain, read block by block."""
        return f"{self.hosted_chain}:blocks"

    def scan(self, cursor: str | None) -> DepositBatch:
        """Deposits and reclaims in the blocks after `cursor` that are `confirmations` deep, and the next cursor."""
        tip = self.rpc.get_block_count()
        final = tip - self.confirmations + 1
        start = self._resume_height(cursor, final, tip)
        top = min(final, start + self.blocks_per_scan - 1)
        if top < start:
            return DepositBatch([], cursor or self._cursor(start - 1))
        locks = self._locks()
        batch = DepositBatch([], "")
        for height in range(start, top + 1):
            block_hash = self.rpc.get_block_hash(height)
            for tx in self.rpc.get_block_transactions(block_hash):
                self._read(tx, tip - height + 1, locks, batch)
        batch.deposits.sort(key=lambda d: d.external_tx_id)
        return DepositBatch(batch.deposits, block_cursor(top, block_hash), batch.notes, batch.refused, batch.reclaims)

    def _resume_height(self, cursor: str | None, final: int, tip: int) -> int:
        if not cursor:
            return self.start_height if self.start_height is not None else max(final, 0)
        height, block_hash = parse_block_cursor(cursor)
        require_on_best_chain((height, block_hash), tip, self.rpc.get_block_hash, self.hosted_chain, self.confirmations)
        return height + 1

    def _cursor(self, height: int) -> str:
        return block_cursor(height, self.rpc.get_block_hash(height) if height >= 0 else "")

    def _locks(self) -> dict[bytes, tuple[DepositAddress, CustodyLock]]:
        locks = {}
        for entry in self.registry.entries():
            script = bytes.fromhex(entry.witness_script)
            locks[p2wsh_script_pubkey(script)] = (entry, CustodyLock.from_witness_script(script))
        return locks

    def _read(
        self,
        tx: Transaction,
        confirmations: int,
        locks: dict[bytes, tuple[DepositAddress, CustodyLock]],
        batch: DepositBatch,
    ) -> None:
        txid = tx.txid().hex()
        for vin in tx.vin:
            items = [bytes(item) for item in vin.witness.items]
            found = locks.get(p2wsh_script_pubkey(items[-1])) if items else None
            if found is not None and is_depositor_witness(items, found[1]):
                batch.reclaims.append(ObservedReclaim(self.hosted_chain, f"{vin.txid.hex()}:{vin.vout}", txid))
        for vout, output in enumerate(tx.vout):
            found = locks.get(bytes(output.script_pubkey.data))
            if found is not None:
                self._deposit(tx, txid, vout, output.value, confirmations, found, batch)

    def _deposit(
        self,
        tx: Transaction,
        txid: str,
        vout: int,
        amount: int,
        confirmations: int,
        found: tuple[DepositAddress, CustodyLock],
        batch: DepositBatch,
    ) -> None:
        entry, lock = found
        key = f"{self.hosted_chain}:{txid}:{vout}"
        unspent = self.rpc.get_tx_out(txid, vout) is not None
        reason = self.safety.refusal(lock, confirmations, amount, unspent)
        senders = format_senders(self._senders(tx)) if reason is None else None
        if reason is None and senders is None:
            reason = f"more than {MAX_DEPOSIT_SENDERS} sender addresses (or one too long) to screen"
        if reason is not None or senders is None:
            batch.refused[key] = reason or "refused"
            return
        batch.deposits.append(
            ObservedDeposit(
                hosted_chain=self.hosted_chain,
                external_tx_id=f"{txid}:{vout}",
                from_address=senders,
                recipient=entry.recipient,
                denom=self.denom,
                amount=self.safety.credited_sat(amount),
            )
        )

    def _senders(self, tx: Transaction) -> list[str]:
        """The address each input spends from, in input order ('coinbase' for a coinbase input)."""
        senders = []
        for vin in tx.vin:
            if vin.txid.hex() == NULL_TXID and vin.vout == 0xFFFFFFFF:
                senders.append("coinbase")
                continue
            previous = self.rpc.get_transaction(vin.txid.hex())
            senders.append(script_address(bytes(previous.vout[vin.vout].script_pubkey.data), self.network))
        return senders
