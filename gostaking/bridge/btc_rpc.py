"""Bitcoin JSON-RPC client (Bitcoin Core and btcd) and the rules for attesting a custody output.

`BitcoinRpc` uses only calls both nodes answer the same way (getblockcount, getblockhash, getblock at verbosity 0,
getrawtransaction with a numeric verbosity, gettxout, sendrawtransaction), plus Bitcoin Core's wallet calls where a
caller asks for them. Amounts are parsed as Decimal, never float.

The watcher that uses these rules, `btc_scan.BtcBlockWatcher`, reads blocks and works on both nodes. The senders of
a deposit are the addresses of all its inputs' previous outputs, found with `getrawtransaction`, so the node needs
`-txindex=1` (btcd: `--txindex`).
"""

import io
import itertools
import json
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

import httpx
from embit.script import Script
from embit.transaction import Transaction

from gostaking.bridge.btc import DUST_SAT, CustodyLock, network_params
from gostaking.bridge.errors import RpcError
from gostaking.chain.modules.custody.queries import (
    DEPOSIT_SENDER_SEPARATOR,
    MAX_DEPOSIT_SENDERS,
    MAX_EXTERNAL_ADDRESS_LENGTH,
)

SATOSHI_PER_BTC = 100_000_000
METHOD_NOT_FOUND = -32601
"""JSON-RPC's code for a method the node does not have (btcd's answer to estimatesmartfee)."""
DEFAULT_SWEEP_FEE_SAT = 2_000
"""The part of each deposit not credited, which pays its sweep (watchers and sweepers must use the same value)."""
BTCD_VERSION = "v0.24.2"
"""The btcd release the gateway is tested against (`make btcd` installs it; the regtest tests start it)."""


def btc_to_sat(amount: Decimal | int | str) -> int:
    """Exact conversion of a BTC amount to satoshi; raises RpcError for sub-satoshi amounts."""
    sat = Decimal(amount) * SATOSHI_PER_BTC
    if sat != sat.to_integral_value():
        raise RpcError(f"amount {amount} BTC is not a whole number of satoshi")
    return int(sat)


class BitcoinRpc:
    """JSON-RPC over HTTP to bitcoind, with basic auth (rpcuser/rpcpassword or the cookie's contents)."""

    def __init__(
        self,
        url: str,
        user: str = "",
        password: str = "",
        *,
        wallet: str = "",
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """A client of the node at `url` (e.g. http://127.0.0.1:18443); `wallet` selects /wallet/<name>."""
        base = url.rstrip("/") + (f"/wallet/{wallet}" if wallet else "")
        auth = httpx.BasicAuth(user, password) if user or password else None
        self._http = httpx.Client(base_url=base, auth=auth, timeout=timeout_s, transport=transport)
        self._ids = itertools.count(1)

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def call(self, method: str, *params: Any) -> Any:
        """Call `method`; returns its result or raises RpcError with bitcoind's code and message."""
        request_id = next(self._ids)
        body = {"jsonrpc": "1.0", "id": request_id, "method": method, "params": list(params)}
        try:
            response = self._http.post("/", content=json.dumps(body, default=str))
        except httpx.HTTPError as error:
            raise RpcError(f"bitcoind {method}: {error}") from error
        if response.status_code == 401:
            raise RpcError("bitcoind refused the credentials (check rpcuser/rpcpassword or the cookie)")
        try:
            # parse_float=Decimal: BTC amounts must never pass through binary floating point.
            document = json.loads(response.text, parse_float=Decimal)
        except ValueError:
            raise RpcError(f"bitcoind {method}: HTTP {response.status_code} without JSON") from None
        failure = document.get("error")
        if failure:
            code = failure.get("code")
            raise RpcError(
                f"bitcoind {method}: {failure.get('message')} (code {code})", code if isinstance(code, int) else None
            )
        if document.get("id") != request_id:
            raise RpcError(f"bitcoind {method}: answer to another request")
        return document.get("result")

    def get_block_count(self) -> int:
        """Height of the best chain."""
        return int(self.call("getblockcount"))

    def get_raw_transaction(self, txid: str) -> dict[str, Any]:
        """A decoded transaction (needs -txindex for transactions outside the wallet and mempool)."""
        result: dict[str, Any] = self.call("getrawtransaction", txid, 1)
        return result

    def get_transaction(self, txid: str) -> Transaction:
        """A transaction parsed from its raw bytes (`getrawtransaction txid 0`; needs -txindex)."""
        try:
            return Transaction.parse(bytes.fromhex(str(self.call("getrawtransaction", txid, 0))))
        except RpcError as error:
            raise RpcError(f"{error}; the gateway needs the node's transaction index (-txindex / --txindex)") from error

    def get_block_hash(self, height: int) -> str:
        """Hash of the best chain's block at `height`."""
        return str(self.call("getblockhash", height))

    def get_block_transactions(self, block_hash: str) -> list[Transaction]:
        """The transactions of a block, parsed from its raw bytes (`getblock hash 0`: the same on every node)."""
        raw = bytes.fromhex(str(self.call("getblock", block_hash, 0)))
        return parse_block_transactions(raw)

    def get_tx_out(self, txid: str, vout: int) -> dict[str, Any] | None:
        """`gettxout` (mempool included): the unspent output's value, scriptPubKey and confirmations, or None when it
        is spent (btcd still shows an output spent only by a mempool transaction) or never existed."""
        result: dict[str, Any] | None = self.call("gettxout", txid, vout, True)
        return result

    def estimate_fee_rate(self, target_blocks: int) -> int | None:
        """The node's fee rate for confirmation within `target_blocks`, in sat per virtual byte (rounded up), or None
        when it has no estimate yet (a fresh node, a regtest chain without fee-paying transactions): Bitcoin Core's
        `estimatesmartfee`, or on btcd, which has no such call, its `estimatefee` (BTC per kB)."""
        try:
            result: dict[str, Any] = self.call("estimatesmartfee", target_blocks)
        except RpcError as error:
            if error.code != METHOD_NOT_FOUND:
                raise
            return self._btcd_fee_rate(target_blocks)
        if "feerate" not in result:
            return None
        return _sat_per_vbyte(Decimal(str(result["feerate"])))

    def _btcd_fee_rate(self, target_blocks: int) -> int | None:
        try:
            per_kb = Decimal(str(self.call("estimatefee", target_blocks)))
        except RpcError as error:
            if "not enough" in str(error):  # btcd: "not enough blocks have been observed" yet
                return None
            raise
        # btcd answers 0 (or -1) BTC/kB while the fee-paying transactions it has seen mined are too few to estimate.
        return _sat_per_vbyte(per_kb) if per_kb > 0 else None

    def send_raw_transaction(self, hex_tx: str) -> str:
        """Broadcast a signed transaction; returns its txid."""
        return str(self.call("sendrawtransaction", hex_tx))


def _sat_per_vbyte(btc_per_kvb: Decimal) -> int:
    """A fee rate in BTC per 1,000 virtual bytes as whole sat per virtual byte, rounded up (at least 1)."""
    per_kvb = Decimal(btc_per_kvb) * SATOSHI_PER_BTC
    return max(1, -(-int(per_kvb.to_integral_value(rounding=ROUND_CEILING)) // 1_000))


def parse_block_transactions(raw: bytes) -> list[Transaction]:
    """The transactions of a serialized block (80-byte header, compact-size count, transactions)."""
    stream = io.BytesIO(raw)
    stream.seek(80)
    first = stream.read(1)[0]
    width = {0xFD: 2, 0xFE: 4, 0xFF: 8}.get(first, 0)
    count = int.from_bytes(stream.read(width), "little") if width else first
    return [Transaction.read_from(stream) for _ in range(count)]


@dataclass(frozen=True)
class DepositSafety:
    """When a payment to a custody address may be attested (README, "Bitcoin"; docs/chain.md, "Backing").

    An output confirmed c blocks deep under a lock of T blocks can be taken back by its depositor in T − c more
    blocks. The custodians must have swept it to the custody script before then, so it is attested only while it
    is unspent (gettxout) and at least `margin_percent` of T remains (T − c ≥ ⌈T × margin_percent / 100⌉; with the
    default 50: refused once fewer than T/2 blocks remain). `sweep_fee_sat` of every deposit is not credited: it
    pays the miner fee of the sweep, so custody holds what GoStaking credited after sweeping. Every custodian must
    use the same `sweep_fee_sat` (attestations must agree exactly)."""

    margin_percent: int = 50
    sweep_fee_sat: int = DEFAULT_SWEEP_FEE_SAT

    def __post_init__(self) -> None:
        if not 0 <= self.margin_percent <= 100 or self.sweep_fee_sat < 0:
            raise ValueError("margin_percent must be 0..100 and sweep_fee_sat ≥ 0")

    def required_blocks_left(self, lock: CustodyLock) -> int:
        """Blocks that must remain before the depositor could reclaim for an output to be attested."""
        return -(-lock.csv_blocks * self.margin_percent // 100)

    def refusal(self, lock: CustodyLock, confirmations: int, amount_sat: int, unspent: bool) -> str | None:
        """Why an output must not be attested, or None when it may be."""
        if not unspent:
            return "the output is already spent"
        left = lock.csv_blocks - confirmations
        if left < self.required_blocks_left(lock):
            return (
                f"{confirmations} confirmations under a {lock.csv_blocks}-block lock leave {left} blocks before the "
                f"depositor may reclaim, fewer than the {self.required_blocks_left(lock)} required"
            )
        if amount_sat - self.sweep_fee_sat <= DUST_SAT:
            return f"{amount_sat} sat is too little to sweep with a {self.sweep_fee_sat} sat fee"
        return None

    def credited_sat(self, amount_sat: int) -> int:
        """What a deposit of `amount_sat` credits: the amount less its sweep fee."""
        return amount_sat - self.sweep_fee_sat


def script_address(script_pubkey: bytes, network: str) -> str:
    """The address of an output script, or 'script:<hex>' for one without an address."""
    try:
        return str(Script(script_pubkey).address(network_params(network)))
    except Exception:  # embit raises bare exceptions for scripts without an address form
        return f"script:{script_pubkey.hex()}"


def format_senders(addresses: list[str]) -> str | None:
    """A deposit's `from_address`: the distinct sender addresses in input order, comma-separated (one address stays
    as it always was); None when the chain could not screen them (too many, or one too long)."""
    distinct = list(dict.fromkeys(addresses))
    if len(distinct) > MAX_DEPOSIT_SENDERS or any(len(a) > MAX_EXTERNAL_ADDRESS_LENGTH for a in distinct):
        return None
    return DEPOSIT_SENDER_SEPARATOR.join(distinct)
