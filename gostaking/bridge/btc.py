"""Bitcoin custody: the P2WSH lock script, its addresses, and PSBT (BIP-174) spends signed by the custodians.

The lock script (a miniscript, so Bitcoin Core can watch it with a `wsh(...)` descriptor):

    wsh(or_d(multi(m, K1, …, Kn), and_v(v:pk(D), older(T))))

compiles to

    <m> <K1> … <Kn> <n> OP_CHECKMULTISIG
    OP_IFDUP OP_NOTIF
        <D> OP_CHECKSIGVERIFY <T> OP_CHECKSEQUENCEVERIFY
    OP_ENDIF

- custodian path: any m of the n custodian keys K1…Kn (sorted by their 33-byte encoding, so every custodian
  derives the same script) spend at any time. Witness: `<> <sig…(m, in key order)> <script>`.
- depositor path: after the coins have been T blocks deep (relative timelock, BIP-68/112; the input's
  nSequence must be ≥ T and the tx version 2), the depositor's key D alone spends them — the way out if the
  custodians disappear. Witness: `<sig_D> <> × (m+1) <script>` (the empty items make the multisig fail
  cleanly: NULLFAIL requires empty signatures there).

Each depositor gets a distinct address (their D is in the script); the gateway keeps a registry from address to
GoStaking recipient. Change of custodian payouts goes to a plain `wsh(multi(m, K…))` custody address, and so do
sweeps: the custodians move every credited deposit there long before T (`check_sweep`), because from T on the
depositor could take it back while GoStaking still shows it credited. A spend whose witness has the depositor
path's shape (`is_depositor_witness`) is such a reclaim: the gateway reports it and the chain debits the units.
"""

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from embit import ec
from embit.networks import NETWORKS
from embit.psbt import PSBT, InputScope
from embit.script import Script, Witness, address_to_scriptpubkey, p2wsh
from embit.transaction import SIGHASH, Transaction, TransactionInput, TransactionOutput

from gostaking.bridge.errors import ScriptError
from gostaking.bridge.store import write_atomically

OP_0 = 0x00
OP_1 = 0x51
OP_CHECKMULTISIG = 0xAE
OP_IFDUP = 0x73
OP_NOTIF = 0x64
OP_CHECKSIGVERIFY = 0xAD
OP_CHECKSEQUENCEVERIFY = 0xB2
OP_ENDIF = 0x68

NETWORK_NAMES = {"mainnet": "main", "testnet": "test", "signet": "signet", "regtest": "regtest"}
MAX_CSV_BLOCKS = 0xFFFF
"""BIP-68 block-based relative locks hold 16 bits."""
RBF_SEQUENCE = 0xFFFFFFFD
DUST_SAT = 546
"""Outputs this small are not worth creating (Bitcoin Core's dust limit for P2PKH; P2WSH's is lower)."""


def _push(data: bytes) -> bytes:
    if len(data) >= 0x4C:
        raise ScriptError("pushes over 75 bytes are not used by the lock script")
    return bytes([len(data)]) + data


def _push_int(value: int) -> bytes:
    """Minimal push of a non-negative script number (OP_0, OP_1…OP_16, or CScriptNum bytes)."""
    if value == 0:
        return bytes([OP_0])
    if 1 <= value <= 16:
        return bytes([OP_1 + value - 1])
    encoded = value.to_bytes((value.bit_length() + 7) // 8, "little")
    if encoded[-1] & 0x80:
        encoded += b"\x00"  # keep the number positive
    return _push(encoded)


def _pubkey(data: bytes) -> bytes:
    try:
        ec.PublicKey.parse(data)
    except Exception as error:  # embit raises several types for bad points
        raise ScriptError(f"not a valid public key: {data.hex()}") from error
    if len(data) != 33:
        raise ScriptError("segwit v0 scripts take compressed (33-byte) public keys only")
    return data


@dataclass(frozen=True)
class CustodyLock:
    """The lock of one depositor's custody address."""

    custodians: tuple[bytes, ...]
    """Compressed public keys, sorted."""
    threshold: int
    depositor: bytes
    csv_blocks: int

    @classmethod
    def create(cls, custodians: Sequence[bytes], threshold: int, depositor: bytes, csv_blocks: int) -> "CustodyLock":
        """Validate and normalise (sort the custodian keys)."""
        keys = tuple(sorted(_pubkey(k) for k in custodians))
        if len(set(keys)) != len(keys):
            raise ScriptError("a custodian key is listed twice")
        if not 1 <= threshold <= len(keys) <= 16:
            raise ScriptError(f"need 1 ≤ threshold ≤ custodians ≤ 16, got {threshold} of {len(keys)}")
        if not 1 <= csv_blocks <= MAX_CSV_BLOCKS:
            raise ScriptError(f"the timelock must be 1..{MAX_CSV_BLOCKS} blocks, got {csv_blocks}")
        if _pubkey(depositor) in keys:
            raise ScriptError("the depositor key must not be a custodian key")
        return cls(keys, threshold, depositor, csv_blocks)

    @classmethod
    def from_witness_script(cls, script: bytes) -> "CustodyLock":
        """The lock whose witness script is `script` (ScriptError unless it is exactly this module's script)."""
        try:
            threshold, keys = _parse_multisig(script)
            refund = script[5 + 34 * len(keys) :]
            depositor = refund[1:34]
            csv_push = refund[35:-2]
            if refund[0] != 33 or refund[34] != OP_CHECKSIGVERIFY or not csv_push:
                raise ScriptError("not a custody lock script")
            if OP_1 <= csv_push[0] <= OP_1 + 15 and len(csv_push) == 1:
                csv_blocks = csv_push[0] - OP_1 + 1
            else:
                csv_blocks = int.from_bytes(csv_push[1 : 1 + csv_push[0]], "little")
            lock = cls.create(keys, threshold, depositor, csv_blocks)
        except (IndexError, ScriptError) as error:
            raise ScriptError(f"not a custody lock script: {script.hex()}") from error
        if lock.witness_script != script:
            raise ScriptError(f"not a custody lock script: {script.hex()}")
        return lock

    @property
    def witness_script(self) -> bytes:
        """The script documented in this module's docstring."""
        multisig = (
            _push_int(self.threshold)
            + b"".join(_push(k) for k in self.custodians)
            + _push_int(len(self.custodians))
            + bytes([OP_CHECKMULTISIG])
        )
        refund = _push(self.depositor) + bytes([OP_CHECKSIGVERIFY]) + _push_int(self.csv_blocks)
        return multisig + bytes([OP_IFDUP, OP_NOTIF]) + refund + bytes([OP_CHECKSEQUENCEVERIFY, OP_ENDIF])

    @property
    def script_pubkey(self) -> bytes:
        """OP_0 <sha256(witness script)>: the P2WSH output script."""
        return bytes(p2wsh(Script(self.witness_script)).data)

    def address(self, network: str = "mainnet") -> str:
        """Bech32 segwit v0 address (bc1…, tb1…, bcrt1…)."""
        return str(Script(self.script_pubkey).address(network_params(network)))

    def descriptor(self) -> str:
        """Output descriptor (without checksum) for Bitcoin Core's importdescriptors."""
        keys = ",".join(k.hex() for k in self.custodians)
        return f"wsh(or_d(multi({self.threshold},{keys}),and_v(v:pk({self.depositor.hex()}),older({self.csv_blocks}))))"


def change_script(custodians: Sequence[bytes], threshold: int) -> bytes:
    """Witness script of the custodians' change address: plain m-of-n multisig over the sorted keys."""
    keys = sorted(_pubkey(k) for k in custodians)
    return _push_int(threshold) + b"".join(_push(k) for k in keys) + _push_int(len(keys)) + bytes([OP_CHECKMULTISIG])


def network_params(network: str) -> dict[str, object]:
    """embit's parameters of 'mainnet', 'testnet', 'signet' or 'regtest'."""
    try:
        params: dict[str, object] = NETWORKS[NETWORK_NAMES[network]]
    except KeyError:
        raise ScriptError(f"unknown network {network!r}; use one of {', '.join(NETWORK_NAMES)}") from None
    return params


def script_for_address(address: str) -> bytes:
    """Output script of any standard address, raising ScriptError for malformed ones."""
    try:
        return bytes(address_to_scriptpubkey(address).data)
    except Exception as error:  # embit raises bare exceptions for bad checksums
        raise ScriptError(f"not a valid bitcoin address: {address!r}") from error


@dataclass(frozen=True)
class SpendableOutput:
    """A custody UTXO with the witness script that locks it (or a wallet's P2WPKH coin: no witness script, its
    output script instead)."""

    txid: str
    vout: int
    amount_sat: int
    witness_script: bytes
    script_pubkey: bytes = b""
    """The spent output's script when `witness_script` is empty (a P2WPKH coin of `wallet deposit`)."""


def create_psbt(
    inputs: Sequence[SpendableOutput], outputs: Sequence[tuple[bytes, int]], *, sequence: int = RBF_SEQUENCE
) -> PSBT:
    """An unsigned PSBT (version 0) spending `inputs` to (script_pubkey, sat) `outputs`, with the witness UTXO and
    witness script of every input. Use `sequence` ≥ the lock's T to spend through the depositor path."""
    if not inputs or not outputs:
        raise ScriptError("a spend needs at least one input and one output")
    if sum(o[1] for o in outputs) > sum(i.amount_sat for i in inputs):
        raise ScriptError("outputs exceed inputs")
    tx = Transaction(
        version=2,
        vin=[TransactionInput(bytes.fromhex(i.txid), i.vout, sequence=sequence) for i in inputs],
        vout=[TransactionOutput(value, Script(script)) for script, value in outputs],
        locktime=0,
    )
    psbt = PSBT(tx)
    for scope, spent in zip(psbt.inputs, inputs, strict=True):
        if spent.witness_script:
            witness_script = Script(spent.witness_script)
            scope.witness_utxo = TransactionOutput(spent.amount_sat, p2wsh(witness_script))
            scope.witness_script = witness_script
        else:
            scope.witness_utxo = TransactionOutput(spent.amount_sat, Script(spent.script_pubkey))
        scope.sighash_type = SIGHASH.ALL
    return psbt


def sign_psbt(psbt: PSBT, secret: bytes) -> int:
    """Add this key's SIGHASH_ALL signatures to every input whose witness script names it; returns how many."""
    signed: int = psbt.sign_with(ec.PrivateKey(secret), sighash=SIGHASH.ALL)
    return signed


def _parse_multisig(script: bytes) -> tuple[int, list[bytes]]:
    threshold = script[0] - OP_1 + 1
    keys = []
    position = 1
    while script[position] == 33:
        keys.append(script[position + 1 : position + 34])
        position += 34
    if script[position] - OP_1 + 1 != len(keys) or script[position + 1] != OP_CHECKMULTISIG:
        raise ScriptError("witness script does not start with an m-of-n CHECKMULTISIG")
    return threshold, keys


def finalize_custodian_spend(psbt: PSBT) -> Transaction:
    """Finalize inputs signed by enough custodians (custodian path) and extract the network transaction."""
    for index, scope in enumerate(psbt.inputs):
        script = bytes(scope.witness_script.data)
        threshold, keys = _parse_multisig(script)
        by_key = {bytes(pub.sec()): sig for pub, sig in scope.partial_sigs.items()}
        signatures = [by_key[k] for k in keys if k in by_key][:threshold]
        if len(signatures) < threshold:
            raise ScriptError(f"input {index} has {len(signatures)} of the {threshold} custodian signatures needed")
        _finalize(scope, [b"", *signatures, script])
    return _extract(psbt)


def finalize_depositor_spend(psbt: PSBT, lock: CustodyLock) -> Transaction:
    """Finalize a depositor-path spend (after the timelock) and extract the network transaction."""
    if psbt.tx.version < 2:
        raise ScriptError("OP_CHECKSEQUENCEVERIFY needs transaction version 2")
    for index, scope in enumerate(psbt.inputs):
        if bytes(scope.witness_script.data) != lock.witness_script:
            raise ScriptError(f"input {index} is not locked by this depositor's script")
        if psbt.tx.vin[index].sequence < lock.csv_blocks or psbt.tx.vin[index].sequence & (1 << 31):
            raise ScriptError(f"input {index} nSequence does not satisfy the {lock.csv_blocks}-block timelock")
        by_key = {bytes(pub.sec()): sig for pub, sig in scope.partial_sigs.items()}
        if lock.depositor not in by_key:
            raise ScriptError(f"input {index} lacks the depositor's signature")
        _finalize(scope, [by_key[lock.depositor], *([b""] * (lock.threshold + 1)), lock.witness_script])
    return _extract(psbt)


def _finalize(scope: InputScope, items: list[bytes]) -> None:
    scope.final_scriptwitness = Witness(items)
    # BIP-174 finalizer: everything but the UTXO and the final fields is removed.
    scope.partial_sigs = {}
    scope.witness_script = None
    scope.sighash_type = None


def _extract(psbt: PSBT) -> Transaction:
    tx = Transaction.parse(psbt.tx.serialize())
    for vin, scope in zip(tx.vin, psbt.inputs, strict=True):
        vin.witness = scope.final_scriptwitness
    return tx


SEQUENCE_LOCK_DISABLED = 1 << 31
"""BIP-68: an input whose nSequence has this bit set carries no relative timelock."""


def _require_minable_now(psbt: PSBT) -> None:
    """A custodian spend must be minable at once: no absolute locktime, no relative timelock on any input (a
    delayed sweep would let the depositor's timelock run out first; a delayed payout would pin its inputs)."""
    if psbt.tx.locktime != 0:
        raise ScriptError(f"the transaction's locktime is {psbt.tx.locktime}, not 0")
    for index, vin in enumerate(psbt.tx.vin):
        if not vin.sequence & SEQUENCE_LOCK_DISABLED:
            raise ScriptError(f"input {index}'s nSequence {vin.sequence:#x} sets a relative timelock")


def check_payout(psbt: PSBT, pay_to: bytes, withdrawal_sat: int, change_scripts: set[bytes], max_fee_sat: int) -> None:
    """What a custodian verifies before signing a payout someone else built. Raises ScriptError unless:
    exactly one output pays `pay_to`, with the withdrawal minus a miner fee of at most `max_fee_sat` (the withdrawer
    bears the fee); every other output goes back to custody; the transaction's fee is that deduction, plus at
    most a dust remainder that was not worth a change output (custody never pays more); and it has no timelock."""
    _require_minable_now(psbt)
    outputs: list[TransactionOutput] = psbt.tx.vout
    payments = [o for o in outputs if bytes(o.script_pubkey.data) == pay_to]
    if len(payments) != 1:
        raise ScriptError("the PSBT does not pay the withdrawal's address exactly once")
    deducted = withdrawal_sat - payments[0].value
    if not 0 <= deducted <= max_fee_sat:
        raise ScriptError(
            f"the PSBT pays {payments[0].value} sat of the withdrawal's amount {withdrawal_sat}: a fee of {deducted} "
            f"sat is outside 0..{max_fee_sat}"
        )
    strays = [o for o in outputs if o is not payments[0] and bytes(o.script_pubkey.data) not in change_scripts]
    if strays:
        raise ScriptError("the PSBT pays an output that is neither the withdrawal nor custody change")
    spent = sum(scope.witness_utxo.value for scope in psbt.inputs)
    fee = spent - sum(o.value for o in outputs)
    if not deducted <= fee <= deducted + DUST_SAT:
        raise ScriptError(f"the transaction's fee {fee} sat differs from the {deducted} sat deducted")


def is_depositor_witness(items: Sequence[bytes], lock: CustodyLock) -> bool:
    """True when an input's witness spends `lock` through the depositor path: `<sig_D> <> × (m+1) <script>` (the
    custodian path's is `<> <sig…(m)> <script>`)."""
    return (
        len(items) == lock.threshold + 3
        and bytes(items[-1]) == lock.witness_script
        and len(items[0]) > 0
        and all(len(item) == 0 for item in items[1:-1])
    )


def check_sweep(
    psbt: PSBT, deposits: dict[tuple[str, int], bytes], custody_script_pubkey: bytes, fee_per_input_sat: int
) -> None:
    """What a custodian verifies before signing a sweep someone else built. Raises ScriptError unless: every input
    spends a credited deposit output it knows (`deposits`: (txid, vout) → the witness script of its lock), with that
    witness script and its P2WSH as the spent script; the one output pays the custody script; the miner fee is at
    most `fee_per_input_sat` per input (the part of each deposit that was not credited for this purpose); and
    nothing delays it (no locktime, no relative timelock: it must confirm before the depositor's lock runs out)."""
    _require_minable_now(psbt)
    for index, (vin, scope) in enumerate(zip(psbt.tx.vin, psbt.inputs, strict=True)):
        outpoint = (vin.txid.hex(), vin.vout)
        expected = deposits.get(outpoint)
        if expected is None:
            raise ScriptError(f"input {index} spends {outpoint[0]}:{outpoint[1]}, which is no credited deposit")
        if scope.witness_script is None or bytes(scope.witness_script.data) != expected:
            raise ScriptError(f"input {index} does not carry the witness script of its deposit's lock")
        if scope.witness_utxo is None or bytes(scope.witness_utxo.script_pubkey.data) != p2wsh_script_pubkey(expected):
            raise ScriptError(f"input {index} names a spent output that its deposit's lock does not pay")
    outputs: list[TransactionOutput] = psbt.tx.vout
    if len(outputs) != 1 or bytes(outputs[0].script_pubkey.data) != custody_script_pubkey:
        raise ScriptError("a sweep pays exactly one output, to the custody script")
    fee = sum(scope.witness_utxo.value for scope in psbt.inputs) - outputs[0].value
    if not 0 <= fee <= fee_per_input_sat * len(psbt.inputs) or outputs[0].value <= DUST_SAT:
        raise ScriptError(
            f"the sweep's fee {fee} sat is outside 0..{fee_per_input_sat} per input ({len(psbt.inputs)} inputs)"
        )


@dataclass(frozen=True)
class NodeOutput:
    """An unspent output as this custodian's own Bitcoin node reports it."""

    amount_sat: int
    script_pubkey: bytes
    confirmations: int


def check_prevouts(psbt: PSBT, known: dict[tuple[str, int], NodeOutput]) -> None:
    """Refuse (ScriptError) a PSBT whose inputs are not what this custodian's own node says: every input must be an
    unspent output in `known` (read from the node, never from the PSBT) with the PSBT's witness_utxo amount and
    script. The fee checks read the witness_utxo amounts, so a rewritten PSBT cannot inflate the miner fee."""
    for index, (vin, scope) in enumerate(zip(psbt.tx.vin, psbt.inputs, strict=True)):
        outpoint = (vin.txid.hex(), vin.vout)
        found = known.get(outpoint)
        if found is None:
            raise ScriptError(f"input {index} ({outpoint[0]}:{outpoint[1]}) is not an unspent output of my node")
        utxo = scope.witness_utxo
        if utxo is None or utxo.value != found.amount_sat or bytes(utxo.script_pubkey.data) != found.script_pubkey:
            claimed = "nothing" if utxo is None else f"{utxo.value} sat"
            raise ScriptError(
                f"input {index} ({outpoint[0]}:{outpoint[1]}) claims {claimed} but my node shows "
                f"{found.amount_sat} sat (or another script): refusing to sign"
            )


def estimate_payout_vsize(inputs: Sequence[SpendableOutput], output_scripts: Sequence[bytes], threshold: int) -> int:
    """Virtual size of a custodian payout once signed: each input spends a P2WSH m-of-n through its multisig
    branch (witness: empty dummy, m DER signatures of at most 73 bytes with the sighash byte, the witness script).
    Rounded up, so the fee rate is met."""
    weight = 4 * (4 + 4 + _varint_size(len(inputs)) + _varint_size(len(output_scripts)))  # version, locktime
    weight += 2  # segwit marker and flag
    for spent in inputs:
        weight += 4 * (32 + 4 + 1 + 4)  # outpoint, empty scriptSig, sequence
        size = len(spent.witness_script)
        weight += _varint_size(threshold + 2) + 1 + threshold * 74 + _varint_size(size) + size
    for script in output_scripts:
        weight += 4 * (8 + _varint_size(len(script)) + len(script))
    return -(-weight // 4)


def _varint_size(value: int) -> int:
    return 1 if value < 0xFD else 3 if value <= 0xFFFF else 5


def p2wsh_script_pubkey(witness_script: bytes) -> bytes:
    """OP_0 <sha256(witness_script)>."""
    return bytes(p2wsh(Script(witness_script)).data)


def psbt_from_base64(text: str) -> PSBT:
    """Parse a base64 PSBT, raising ScriptError when it violates BIP-174 (including two rules embit does not
    check: the unsigned transaction has empty scriptSigs and is serialized without witnesses)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        psbt = PSBT.parse(raw)
    except Exception as error:  # embit raises several types for malformed input
        raise ScriptError(f"invalid PSBT: {error}") from error
    if any(vin.script_sig.data or vin.witness.items for vin in psbt.tx.vin):
        raise ScriptError("invalid PSBT: the unsigned transaction carries scriptSigs or witnesses")
    unsigned = psbt.tx.serialize()
    # The global unsigned tx is the first record: magic, key (0x01 0x00), compact length, the tx itself.
    if raw[5:7] != b"\x01\x00" or unsigned not in raw[7 : 7 + 9 + len(unsigned)]:
        raise ScriptError("invalid PSBT: the unsigned transaction must use the non-witness serialization")
    return psbt


@dataclass(frozen=True)
class DepositAddress:
    """A depositor's custody address and who is credited on GoStaking."""

    address: str
    recipient: str
    depositor_pubkey: str
    witness_script: str


class DepositRegistry:
    """Custody addresses handed out to depositors, persisted as JSON (atomic writes)."""

    def __init__(self, path: Path) -> None:
        """The registry stored at `path`."""
        self.path = path
        self._entries: dict[str, DepositAddress] = {}
        if path.exists():
            for item in json.loads(path.read_text()):
                entry = DepositAddress(**item)
                self._entries[entry.address.lower()] = entry

    def get(self, address: str) -> DepositAddress | None:
        """The entry of a custody address, or None."""
        return self._entries.get(address.lower())

    def entries(self) -> list[DepositAddress]:
        """Every registered address."""
        return sorted(self._entries.values(), key=lambda e: e.address)

    def register(self, lock: CustodyLock, recipient: str, network: str) -> DepositAddress:
        """Add (or return the existing) address of `lock` credited to `recipient`."""
        address = lock.address(network)
        existing = self.get(address)
        if existing is not None:
            if existing.recipient != recipient:
                raise ScriptError(f"{address} is already registered for {existing.recipient}")
            return existing
        entry = DepositAddress(address, recipient, lock.depositor.hex(), lock.witness_script.hex())
        self._entries[address.lower()] = entry
        payload = [entry.__dict__ for entry in self.entries()]
        write_atomically(self.path, (json.dumps(payload, indent=1) + "\n").encode())
        return entry
