"""Devnet faucet: the node signs transfers to whoever asks, with a per-address cooldown.

There is no premine, so GOS comes from the operator account, which earns the mining-node share of every
block; test assets come from the faucet account, funded at genesis. The faucet account needs GOS for its
fees too: after each block `maintain` tops it up from the operator when it runs low.

A grant goes out whole or not at all: until the operator's rewards cover the GOS and the faucet account's GOS
covers the fees (about a dozen blocks after genesis), a request is refused with FaucetNotFundedYetError, which
says how far the rewards have come and when to ask again (the API's 503 with Retry-After; `gostaking faucet`
waits and asks again by itself). Nothing is sent and the address's cooldown does not start, so the first
request after genesis costs a short wait instead of a grant of test assets without the GOS to pay fees with.
The request is not held open until then: an HTTP answer that takes a dozen blocks would tie up a server thread
and outlast clients' timeouts (the CLI's is 10 s), while Retry-After lets every client wait on its own side.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from gostaking.chain.crypto import require_address
from gostaking.chain.modules.bank.queries import get_balance
from gostaking.chain.numeric import GOS_DENOM, format_gos
from gostaking.chain.types.tx import Msg, MsgSendCoins
from gostaking.node.app import GoStakingApp
from gostaking.node.blocks import StoredBlock
from gostaking.node.settings import FaucetSettings
from gostaking.wallet.keys import PrivateKey, sign_tx

FEE_TOP_UP_GRANTS = 100
"""The faucet account is topped up with GOS for this many grants' fees at a time."""


class FaucetError(Exception):
    """The faucet could not send anything; the message says why."""


class FaucetNotFundedYetError(FaucetError):
    """Block rewards do not cover a whole grant yet; nothing was sent and the cooldown did not start."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class FaucetRateLimitedError(FaucetError):
    """The address asked too recently."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass
class FaucetGrant:
    """What a faucet request sent: one transaction per source account."""

    address: str
    tx_hashes: list[bytes] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class Faucet:
    """Signs and submits faucet transfers through the app's check_tx (so they go through the mempool)."""

    def __init__(
        self,
        app: GoStakingApp,
        operator: PrivateKey,
        faucet: PrivateKey,
        settings: FaucetSettings,
        clock_s: Callable[[], float] = time.monotonic,
    ) -> None:
        """A faucet paying GOS from `operator` and assets from `faucet`."""
        self.app = app
        self.operator = operator
        self.faucet = faucet
        self.settings = settings
        self._clock_s = clock_s
        self._lock = threading.Lock()
        self._last_grant: dict[str, float] = {}
        # GOS beyond the fee (amounts, new-balance fees) that transactions still waiting in the mempool will take
        # from their signer: tx hash → (signer, ugos). Not yet debited, so not yet available.
        self._promised: dict[bytes, tuple[str, int]] = {}
        self._top_up: bytes | None = None

    def fund(self, address: str) -> FaucetGrant:
        """Send the configured GOS and assets to `address`.

        Raises InvalidAddressError (a ChainError) for a bad address, FaucetRateLimitedError when the address
        asked within the cooldown, FaucetNotFundedYetError while block rewards do not cover the grant, and
        FaucetError when nothing could be sent. Only a grant that sent something starts the cooldown.
        """
        require_address(address, "address")
        with self._lock:
            now = self._clock_s()
            last = self._last_grant.get(address)
            if last is not None and now - last < self.settings.cooldown_s:
                wait = self.settings.cooldown_s - (now - last)
                raise FaucetRateLimitedError(f"{address} was funded recently; try again in {wait:.0f} s", wait)
            self._require_grant_covered()
            grant = FaucetGrant(address)
            for send in (self._send_gos, self._send_assets):
                try:
                    send(grant)
                except FaucetError as error:
                    grant.notes.append(str(error))
            if not grant.tx_hashes:
                raise FaucetError("the faucet cannot send anything right now: " + "; ".join(grant.notes))
            self._last_grant[address] = now
            self._forget_old_grants(now)
            return grant

    def maintain(self, _block: StoredBlock | None = None) -> None:
        """Top up the faucet account's GOS for fees when it is low (called after each commit, on the block
        producer's thread).

        It reads the state only when that needs no wait (GoStakingApp.read_if_free): waiting for the state lock
        behind readers (then the API's; now CheckTx and the other locked reads) made a block take 20–23 ms under
        reads instead of 14 at the median (in-process, 8 account reads in flight; 4 ms idle). A check skipped because
        another thread held the lock is made after the next block."""
        with self._lock:
            if self._top_up is not None and self.app.mempool.get(self._top_up) is not None:
                return
            with self.app.read_if_free() as state:
                if state is None:
                    return
                new_balance_fee = state.params.get().tx.new_balance_fee_ugos
                faucet_gos = get_balance(state, self.faucet.address, GOS_DENOM)
                operator_gos = get_balance(state, self.operator.address, GOS_DENOM)
            grant_cost = self._asset_grant_cost(len(self.settings.assets), new_balance_fee)
            if self._unpromised(self.faucet.address, faucet_gos) >= 10 * grant_cost:
                return
            amount = FEE_TOP_UP_GRANTS * grant_cost
            if self._unpromised(self.operator.address, operator_gos) >= amount + self.settings.fee_ugos:
                msg = MsgSendCoins(self.faucet.address, GOS_DENOM, amount)
                self._top_up = self._submit(self.operator, [msg], amount)

    def _require_grant_covered(self) -> None:
        """FaucetNotFundedYetError unless the operator can pay the GOS and the faucet account the asset fees."""
        retry = self.settings.retry_after_s
        amount = self.settings.gos_ugos
        new_balance_fee = self._new_balance_fee()
        if amount > 0:
            needed = amount + new_balance_fee + self.settings.fee_ugos
            available = max(self._available(self.operator.address), 0)
            if available < needed:
                raise FaucetNotFundedYetError(
                    f"nothing sent yet: the operator has {format_gos(available)} GOS of the {format_gos(needed)} "
                    "a grant takes (there is no premine: it earns the mining-node share of each block); "
                    f"try again in {retry:g} s",
                    retry,
                )
        in_stock = self._denoms_in_stock()
        if in_stock and self._available(self.faucet.address) < self._asset_grant_cost(len(in_stock), new_balance_fee):
            raise FaucetNotFundedYetError(
                "nothing sent yet: the faucet account has no GOS for the test assets' fees yet (the operator tops "
                f"it up from its block rewards after the next block); try again in {retry:g} s",
                retry,
            )

    def _denoms_in_stock(self) -> dict[str, int]:
        """The configured test assets the faucet account still holds a grant of."""
        with self.app.read() as state:
            return {
                denom: amount
                for denom, amount in sorted(self.settings.assets.items())
                if get_balance(state, self.faucet.address, denom) >= amount
            }

    def _send_gos(self, grant: FaucetGrant) -> None:
        amount = self.settings.gos_ugos
        if amount <= 0:
            return
        available = self._available(self.operator.address)
        taken = amount + self._new_balance_fee()  # a fresh address: its GOS balance is a new entry
        if available < taken + self.settings.fee_ugos:
            grant.notes.append(
                f"no GOS sent: the operator has {format_gos(max(available, 0))} GOS available so far "
                "(it earns the mining-node share of each block); try again in a few blocks"
            )
            return
        msg = MsgSendCoins(grant.address, GOS_DENOM, amount)
        grant.tx_hashes.append(self._submit(self.operator, [msg], taken))
        grant.sent[GOS_DENOM] = amount

    def _send_assets(self, grant: FaucetGrant) -> None:
        sends = self._denoms_in_stock()
        grant.notes += [
            f"no {denom} sent: the faucet account has run out"
            for denom in sorted(set(self.settings.assets) - set(sends))
        ]
        if not sends:
            return
        if self._available(self.faucet.address) < self._asset_grant_cost(len(sends), self._new_balance_fee()):
            grant.notes.append("no test assets sent: the faucet account has no GOS for fees yet; try again shortly")
            return
        msgs: list[Msg] = [MsgSendCoins(grant.address, denom, amount) for denom, amount in sends.items()]
        grant.tx_hashes.append(self._submit(self.faucet, msgs, len(sends) * self._new_balance_fee()))
        grant.sent.update(sends)

    def _new_balance_fee(self) -> int:
        """What a transfer to a balance that does not exist yet pays on top of its fee (chain parameter)."""
        with self.app.read() as state:
            return state.params.get().tx.new_balance_fee_ugos

    def _asset_grant_cost(self, denoms: int, new_balance_fee: int) -> int:
        """GOS the faucet account pays to send `denoms` assets to a fresh address: the fee, and a new balance each
        at `new_balance_fee` (the chain parameter, _new_balance_fee)."""
        return self.settings.fee_ugos + denoms * new_balance_fee

    def _available(self, address: str) -> int:
        """GOS of `address` not yet promised to transfers or fees waiting in the mempool."""
        with self.app.read() as state:
            liquid = get_balance(state, address, GOS_DENOM)
        return self._unpromised(address, liquid)

    def _unpromised(self, address: str, liquid: int) -> int:
        """Of `liquid` GOS of `address`, what transfers and fees waiting in the mempool have not promised."""
        mempool = self.app.mempool
        self._promised = {h: p for h, p in self._promised.items() if mempool.get(h) is not None}
        promised = sum(ugos for signer, ugos in self._promised.values() if signer == address)
        return liquid - promised - mempool.pending_fees(address)

    def _submit(self, key: PrivateKey, msgs: list[Msg], gos_ugos: int) -> bytes:
        chain_id = self.app.info().chain_id
        raw = sign_tx(key, chain_id, self.app.next_sequence(key.address), msgs, self.settings.fee_ugos, "faucet")
        result = self.app.check_tx(raw)
        if not result.ok:
            raise FaucetError(f"the faucet's transaction was rejected: {result.log}")
        if gos_ugos:
            self._promised[result.tx_hash] = (key.address, gos_ugos)
        return result.tx_hash

    def _forget_old_grants(self, now: float) -> None:
        """Keep the cooldown table bounded: entries past their cooldown carry no information."""
        if len(self._last_grant) > 10_000:
            cooldown = self.settings.cooldown_s
            self._last_grant = {a: t for a, t in self._last_grant.items() if now - t < cooldown}
