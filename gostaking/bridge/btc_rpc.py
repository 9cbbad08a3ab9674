"""Bitcoin Core JSON-RPC client and the BTC deposit watcher.

The watcher reads a (watch-only) wallet of Bitcoin Core into which the custody descriptors were imported
(`importdescriptors`, see `CustodyLock.descriptor`). Amounts are parsed as Decimal, never float. The sender of
a deposit is the address of its first input's previous output, found with `getrawtransaction`, so the node
needs `-txindex=1`.
"""

import itertools
import json
from decimal import Decimal
from typing import Any

import httpx

from gostaking.bridge.attester import DepositBatch, ObservedDeposit
from gostaking.bridge.btc import DepositRegistry
from gostaking.bridge.errors import RpcError

SATOSHI_PER_BTC = 100_000_000


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
            raise RpcError(f"bitcoind {method}: {failure.get('message')} (code {failure.get('code')})")
        if document.get("id") != request_id:
            raise RpcError(f"bitcoind {method}: answer to another request")
        return document.get("result")

    def get_block_count(self) -> int:
        """Height of the best chain."""
        return int(self.call("getblockcount"))

    def list_since_block(self, blockhash: str, target_confirmations: int) -> dict[str, Any]:
        """Wallet transactions since `blockhash` ('' = all), watch-only included."""
        result: dict[str, Any] = self.call("listsinceblock", blockhash, target_confirmations, True, True)
        return result

    def get_raw_transaction(self, txid: str) -> dict[str, Any]:
        """A decoded transaction (needs -txindex for transactions outside the wallet and mempool)."""
        result: dict[str, Any] = self.call("getrawtransaction", txid, True)
        return result

    def estimate_fee_rate(self, target_blocks: int) -> int | None:
        """Bitcoin Core's `estimatesmartfee` for confirmation within `target_blocks`, in sat per virtual byte
        (rounded up), or None when the node has no estimate yet (a fresh node, regtest)."""
        result: dict[str, Any] = self.call("estimatesmartfee", target_blocks)
        if "feerate" not in result:
            return None
        per_kvb = btc_to_sat(Decimal(str(result["feerate"])))
        return max(1, -(-per_kvb // 1_000))

    def send_raw_transaction(self, hex_tx: str) -> str:
        """Broadcast a signed transaction; returns its txid."""
        return str(self.call("sendrawtransaction", hex_tx))


class BtcDepositWatcher:
    """Finds payments to registered custody addresses with `listsinceblock`.

    The cursor is the `lastblock` hash that listsinceblock returns for the target confirmations: transactions
    with fewer confirmations are in later blocks and come back on the next call, those with enough are never
    returned again, so nothing is skipped and nothing is seen twice.
    """

    def __init__(
        self,
        rpc: BitcoinRpc,
        registry: DepositRegistry,
        *,
        confirmations: int = 6,
        denom: str = "btc",
        hosted_chain: str = "bitcoin",
        wallet: str = "",
    ) -> None:
        """Watch the addresses of `registry` through `rpc`."""
        self.rpc = rpc
        self.registry = registry
        self.confirmations = max(confirmations, 1)
        self.denom = denom
        self.hosted_chain = hosted_chain
        self.wallet = wallet

    @property
    def name(self) -> str:
        """Cursor name: the hosted chain and the wallet."""
        return f"{self.hosted_chain}:wallet:{self.wallet}"

    def scan(self, cursor: str | None) -> DepositBatch:
        """Deposits with enough confirmations since `cursor`, and the next cursor."""
        result = self.rpc.list_since_block(cursor or "", self.confirmations)
        deposits: list[ObservedDeposit] = []
        for entry in result.get("transactions", []):
            if entry.get("category") != "receive" or int(entry.get("confirmations", 0)) < self.confirmations:
                continue
            registered = self.registry.get(str(entry.get("address", "")))
            if registered is None:
                continue
            deposits.append(
                ObservedDeposit(
                    hosted_chain=self.hosted_chain,
                    external_tx_id=f"{entry['txid']}:{entry['vout']}",
                    from_address=self._sender(str(entry["txid"])),
                    recipient=registered.recipient,
                    denom=self.denom,
                    amount=btc_to_sat(entry["amount"]),
                )
            )
        deposits.sort(key=lambda d: d.external_tx_id)
        return DepositBatch(deposits, str(result["lastblock"]))

    def _sender(self, txid: str) -> str:
        # Every custodian must attest the same details, so this is a deterministic rule: the first input's
        # address. (Screening of all inputs against the local list is left to the compliance tooling.)
        first = self.rpc.get_raw_transaction(txid)["vin"][0]
        if "coinbase" in first:
            return "coinbase"
        try:
            previous = self.rpc.get_raw_transaction(str(first["txid"]))
        except RpcError as error:
            raise RpcError(f"{error}; the watcher needs bitcoind with -txindex=1 to find deposit senders") from error
        script = previous["vout"][int(first["vout"])]["scriptPubKey"]
        address = script.get("address") or (script.get("addresses") or [None])[0]
        return str(address) if address else f"script:{script.get('hex', '')}"
