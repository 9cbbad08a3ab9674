"""The shared directory (`--board`) where custodians pass Bitcoin PSBTs around, one folder per spend (a withdrawal's
payout, `withdrawal-<id>`; a deposit's sweep, `sweep-<txid>-<vout>`):

- `unsigned.psbt`: the spend, created exclusively, so only one PSBT per spend ever exists;
- `<pubkey>.psbt`: each custodian's signatures, written after it checked the PSBT (against GoStaking and against its
  own Bitcoin node: `btc.check_prevouts`);
- `broadcast.txid`: written by whichever custodian first held m valid signatures and broadcast the transaction
  (the same transaction for everyone, so a second broadcast is harmless). A custodian whose node does not know that
  transaction (gone from its mempool) sends it again from the signatures (`BtcCustodian.final`).

`BtcCustodian` is one custodian's seat at the board: what its payouts (btc_payout.py) and sweeps (btc_sweep.py)
share.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embit import ec
from embit.psbt import PSBT
from embit.transaction import Transaction

from gostaking.bridge.btc import (
    DepositRegistry,
    change_script,
    finalize_custodian_spend,
    p2wsh_script_pubkey,
    psbt_from_base64,
    sign_psbt,
)
from gostaking.bridge.btc_rpc import BitcoinRpc
from gostaking.bridge.errors import RpcError
from gostaking.bridge.store import write_atomically
from gostaking.wallet.keys import PrivateKey

log = logging.getLogger(__name__)

UNSIGNED = "unsigned.psbt"
BROADCAST = "broadcast.txid"
NO_SUCH_TRANSACTION = -5
"""The JSON-RPC error code of `getrawtransaction` for a transaction the node does not know (Bitcoin Core's
RPC_INVALID_ADDRESS_OR_KEY, btcd's ErrRPCNoTxInfo)."""


def signature_file(folder: Path, public_key: bytes) -> Path:
    """Where the custodian with `public_key` leaves its signed copy."""
    return folder / f"{public_key.hex()}.psbt"


def combine(folder: Path, base: PSBT, custodians: list[bytes], threshold: int) -> Transaction | None:
    """The finalized transaction once the folder holds `threshold` valid custodian signatures on every input of
    `base`, else None. Copies signing another transaction, foreign keys and bad signatures are ignored."""
    signed: dict[int, dict[Any, bytes]] = {i: {} for i in range(len(base.inputs))}
    for path in sorted(folder.glob("*.psbt")):
        if path.name == UNSIGNED:
            continue
        partial = psbt_from_base64(path.read_text())
        if partial.tx.txid() != base.tx.txid():
            log.warning("ignoring %s: it signs another transaction", path)
            continue
        for index, scope in enumerate(partial.inputs):
            digest = base.sighash(index)
            for pub, sig in scope.partial_sigs.items():
                # A bad or foreign signature must not spoil the spend: keep only verifying ones.
                if bytes(pub.sec()) in custodians and pub.verify(ec.Signature.parse(sig[:-1]), digest):
                    signed[index][pub] = sig
    if any(len(sigs) < threshold for sigs in signed.values()):
        return None
    for index, scope in enumerate(base.inputs):
        scope.partial_sigs = signed[index]
    return finalize_custodian_spend(base)


def broadcast(rpc: BitcoinRpc, folder: Path, tx: Transaction) -> str:
    """Send `tx` (another custodian having sent it first is fine) and record it in the folder; returns its txid."""
    txid = str(tx.txid().hex())
    try:
        rpc.send_raw_transaction(str(tx.serialize().hex()))
    except RpcError as error:
        if "already" not in str(error).lower():
            raise
    write_atomically(folder / BROADCAST, txid.encode())
    return txid


def depth_of(rpc: BitcoinRpc, txid: str) -> int | None:
    """How deep this custodian's own node shows `txid` (0: in its mempool), or None when it does not know it. Any
    other failure (the node unreachable) raises RpcError."""
    try:
        found = rpc.get_raw_transaction(txid)
    except RpcError as error:
        if error.code == NO_SUCH_TRANSACTION:
            return None
        raise
    return int(found.get("confirmations", 0))


def confirmed(rpc: BitcoinRpc, txid: str, confirmations: int) -> bool:
    """True once this custodian's own node shows `txid` at least `confirmations` deep."""
    try:
        depth = depth_of(rpc, txid)
    except RpcError:
        return False  # the node cannot say now
    return depth is not None and depth >= confirmations


def reserved_outpoints(board: Path, rpc: BitcoinRpc, confirmations: int) -> dict[tuple[str, int], str]:
    """Outpoints spent by a PSBT on the board (payout or sweep) that is not final yet, with the folder of that spend:
    no other spend may use them."""
    reserved: dict[tuple[str, int], str] = {}
    for path in sorted(board.glob(f"*/{UNSIGNED}")):
        sent = path.parent / BROADCAST
        if sent.exists() and confirmed(rpc, sent.read_text().strip(), confirmations):
            continue
        for vin in psbt_from_base64(path.read_text()).tx.vin:
            reserved.setdefault((vin.txid.hex(), vin.vout), path.parent.name)
    return reserved


@dataclass
class BtcCustodian:
    """One custodian's seat at the board: its own Bitcoin node and key, the custodian set and threshold, the deposit
    registry and the board, and the steps every spend takes there (sign once, broadcast at m signatures)."""

    rpc: BitcoinRpc
    key: PrivateKey
    custodians: Sequence[bytes]
    threshold: int
    registry: DepositRegistry
    board: Path
    network: str = "mainnet"
    confirmations: int = 6
    hosted_chain: str = "bitcoin"

    def __post_init__(self) -> None:
        self.custodians = sorted(self.custodians)
        # The custody script wsh(multi(m,K…)): where sweeps move deposits and where payouts return their change.
        self.custody_witness_script = change_script(self.custodians, self.threshold)
        self.custody_script_pubkey = p2wsh_script_pubkey(self.custody_witness_script)

    def deposit_scripts(self) -> dict[bytes, bytes]:
        """script_pubkey → witness script of every registered deposit address."""
        return {
            p2wsh_script_pubkey(bytes.fromhex(e.witness_script)): bytes.fromhex(e.witness_script)
            for e in self.registry.entries()
        }

    def reserved_outpoints(self) -> dict[tuple[str, int], str]:
        """Outpoints a spend on the board that is not final yet uses (see `reserved_outpoints`)."""
        return reserved_outpoints(self.board, self.rpc, self.confirmations)

    def final(self, folder: Path) -> str | None:
        """The txid of the spend broadcast from `folder` once this custodian's node shows it `confirmations` deep,
        else None. A spend the node does not know at all is sent again from the board's signatures: it left the
        node's mempool (btcd keeps none across a restart; a node may evict it), and otherwise nobody would send it
        again, and the withdrawal or deposit waiting for it would wait for good. Sending it twice is harmless."""
        txid = (folder / BROADCAST).read_text().strip()
        try:
            depth = depth_of(self.rpc, txid)
        except RpcError:
            return None  # the node cannot say now: the next pass asks again
        if depth is None:
            self._send_again(folder, txid)
            return None
        return txid if depth >= self.confirmations else None

    def _send_again(self, folder: Path, txid: str) -> None:
        """Combine the board's signatures on the spend `txid` and broadcast it again (failures are logged: the next
        pass tries again)."""
        for path in sorted(folder.glob("*.psbt")):
            psbt = psbt_from_base64(path.read_text())
            if psbt.tx.txid().hex() != txid:
                continue
            tx = combine(folder, psbt, list(self.custodians), self.threshold)
            if tx is None:
                break
            try:
                broadcast(self.rpc, folder, tx)
            except RpcError as error:
                log.warning("%s: %s is unknown to this node and could not be sent again: %s", folder.name, txid, error)
                return
            log.warning("%s: %s was unknown to this node (dropped from its mempool): sent again", folder.name, txid)
            return
        log.error("%s: the board holds no %d signatures on %s to send it again", folder.name, self.threshold, txid)

    def has_signed(self, folder: Path) -> bool:
        """True when this custodian already left its signatures in `folder`."""
        return signature_file(folder, self.key.public_key).exists()

    def sign(self, folder: Path, psbt: PSBT) -> None:
        """Sign `psbt` (checked by the caller) and leave the signed copy in `folder` for the others."""
        sign_psbt(psbt, self.key.secret)
        write_atomically(signature_file(folder, self.key.public_key), psbt.to_base64().encode())

    def broadcast_when_signed(self, folder: Path, psbt: PSBT) -> str | None:
        """Broadcast `psbt` once the folder holds `threshold` valid signatures on it; its txid then, else None."""
        tx = combine(folder, psbt, list(self.custodians), self.threshold)
        return None if tx is None else broadcast(self.rpc, folder, tx)
