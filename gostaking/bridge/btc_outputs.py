"""Where a custodian learns which custody outputs exist and what they hold: always from its own Bitcoin node, never
from a PSBT another custodian wrote.

- `WalletOutputs`: Bitcoin Core's wallet (`listunspent` over the custody addresses imported as watch-only
  descriptors), as the gateway has always used it.
- `NodeOutputs`: a node without a wallet — btcd with `--txindex --addrindex`, whose `searchrawtransactions` lists
  an address's transactions, and `gettxout` (both nodes) says whether an output is unspent and what it holds.

Both answer the same two questions: the unspent outputs paying some scripts (to build payouts), and what the node
says of given outpoints (to check a PSBT's inputs before signing it, and to sweep).
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

from embit.transaction import Transaction

from gostaking.bridge.btc import NodeOutput, SpendableOutput, script_for_address
from gostaking.bridge.btc_rpc import BitcoinRpc, btc_to_sat, script_address
from gostaking.bridge.errors import RpcError

Outpoint = tuple[str, int]
SEARCH_PAGE = 500
"""Transactions per `searchrawtransactions` call."""


class CustodyOutputs(Protocol):
    """A custodian's own node's view of custody outputs."""

    def unspent(self, scripts: dict[bytes, bytes]) -> list[SpendableOutput]:
        """Confirmed unspent outputs paying any of `scripts` (script_pubkey → the witness script locking it)."""
        ...

    def lookup(self, outpoints: Iterable[Outpoint], scripts: dict[bytes, bytes]) -> dict[Outpoint, NodeOutput]:
        """Those of `outpoints` that are unspent, as the node reports them (`scripts`: the custody scripts they may
        pay, for nodes that can only list by script)."""
        ...


class WalletOutputs:
    """Custody outputs from Bitcoin Core's (watch-only) wallet."""

    def __init__(self, rpc: BitcoinRpc, network: str) -> None:
        """Ask the wallet `rpc` is bound to; addresses are rendered for `network`."""
        self.rpc = rpc
        self.network = network

    def _rows(self, scripts: dict[bytes, bytes]) -> list[tuple[dict[str, Any], bytes]]:
        by_address = {script_address(script, self.network).lower(): script for script in scripts}
        rows = []
        for row in self.rpc.call("listunspent", 1, 9_999_999, sorted(by_address)):
            script = by_address.get(str(row.get("address", "")).lower())
            if script is not None:
                rows.append((row, script))
        return rows

    def unspent(self, scripts: dict[bytes, bytes]) -> list[SpendableOutput]:
        """`listunspent` (at least one confirmation) over the scripts' addresses."""
        return [
            SpendableOutput(str(row["txid"]), int(row["vout"]), btc_to_sat(Decimal(row["amount"])), scripts[script])
            for row, script in self._rows(scripts)
        ]

    def lookup(self, outpoints: Iterable[Outpoint], scripts: dict[bytes, bytes]) -> dict[Outpoint, NodeOutput]:
        """The wallet's unspent outputs among `outpoints` (amount and script as the node reports them)."""
        wanted = set(outpoints)
        found = {}
        for row, script in self._rows(scripts):
            outpoint = (str(row["txid"]), int(row["vout"]))
            if outpoint in wanted:
                reported = bytes.fromhex(row["scriptPubKey"]) if "scriptPubKey" in row else script
                found[outpoint] = NodeOutput(
                    btc_to_sat(Decimal(row["amount"])), reported, int(row.get("confirmations", 0))
                )
        return found


class NodeOutputs:
    """Custody outputs from a node without a wallet: `gettxout` for outpoints; btcd's address index
    (`searchrawtransactions`, needs `--addrindex`) to list what pays a script."""

    def __init__(self, rpc: BitcoinRpc, network: str) -> None:
        """Ask the node behind `rpc`; addresses are rendered for `network`."""
        self.rpc = rpc
        self.network = network

    def lookup(self, outpoints: Iterable[Outpoint], scripts: dict[bytes, bytes]) -> dict[Outpoint, NodeOutput]:
        """`gettxout` of each outpoint: unspent ones with their value, script and confirmations."""
        found = {}
        for txid, vout in sorted(set(outpoints)):
            out = self.rpc.get_tx_out(txid, vout)
            if out is not None:
                script = bytes.fromhex(str(out["scriptPubKey"]["hex"]))
                amount = btc_to_sat(Decimal(str(out["value"])))
                found[(txid, vout)] = NodeOutput(amount, script, int(out.get("confirmations", 0)))
        return found

    def unspent(self, scripts: dict[bytes, bytes]) -> list[SpendableOutput]:
        """Outputs paying `scripts` found through the address index, kept when `gettxout` shows them unspent with a
        confirmation."""
        candidates: set[Outpoint] = set()
        for script in scripts:
            for tx in self._transactions(script_address(script, self.network)):
                txid = tx.txid().hex()
                candidates.update((txid, n) for n, out in enumerate(tx.vout) if bytes(out.script_pubkey.data) == script)
        found = self.lookup(candidates, scripts)
        return [
            SpendableOutput(txid, vout, out.amount_sat, scripts[out.script_pubkey])
            for (txid, vout), out in sorted(found.items())
            if out.confirmations >= 1 and out.script_pubkey in scripts
        ]

    def _transactions(self, address: str) -> list[Transaction]:
        script_for_address(address)  # refuse a malformed address before asking the node
        found: list[Transaction] = []
        while True:
            try:
                page = self.rpc.call("searchrawtransactions", address, 0, len(found), SEARCH_PAGE)
            except RpcError as error:
                if "No information available about address" in str(error):
                    return found
                if "Method not found" in str(error):
                    raise RpcError(
                        f"{error}: listing custody outputs without a wallet needs btcd with --addrindex "
                        "(with Bitcoin Core, pass --wallet)"
                    ) from error
                raise
            found += [Transaction.parse(bytes.fromhex(str(raw))) for raw in page]
            if len(page) < SEARCH_PAGE:
                return found
