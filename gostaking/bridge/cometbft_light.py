"""A CometBFT light client for custody gateways: confirms a node's app hash against headers the validators signed.

Under CometBFT the app hash after block H is in the header of block H + 1, and a commit of that header carries the
precommit signatures of more than 2/3 of the validators' voting power. The client starts from a trusted header (the
operator gives its height and hash once, from a source it trusts: its own node, other operators, an explorer; kept
in a state file afterwards) and accepts a later header as CometBFT's own light client does (`light/verifier.go`):

- its hash is the committed block id, its chain id the trusted one, its time after the trusted header's and not in
  the future (beyond `max_clock_drift_s`), and the validator set served with it hashes to its `validators_hash`;
- more than 2/3 of that validator set's power signed the commit (ed25519, over CometBFT's canonical vote bytes);
- the next header after the trusted one must name the trusted header's `next_validators_hash`; a later one needs
  signatures of more than 1/3 of the trusted validators' power too ("skipping" verification), else the client
  verifies a header halfway first (bisection);
- the trusted header must be younger than the trusting period (default 14 days, two thirds of the 21-day stake
  unbonding: validators who signed it can still be slashed). Past that the operator gives a fresh trusted header.

A header below the trusted one is accepted when it hashes to the `last_block_id` of a verified header above it
(hash chain, at most MAX_BACKWARD_BLOCKS back). Any CometBFT RPC will do — the answers are verified, not trusted —
so the gateway may use its own node's. Not done: comparing headers with witnesses to detect and report a fork of
the validators themselves (CometBFT's attack detector); a gateway that needs it also sets a quorum.
"""

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import msgspec

from gostaking.bridge.cometbft_encoding import Header, validator_set_hash
from gostaking.bridge.cometbft_verify import (
    HeaderVerificationError,
    LightBlock,
    NotEnoughTrustError,
    TrustedHeader,
    parse_header,
    parse_signed_header,
    parse_validators,
    verify_commit,
    verify_light_block,
    verify_signed_header,
)
from gostaking.bridge.errors import StateFileError, StateVerificationError, VerificationUnavailableError
from gostaking.bridge.store import write_atomically
from gostaking.bridge.trust import ConfirmedCache

log = logging.getLogger(__name__)

DEFAULT_TRUSTING_PERIOD_S = 14 * 24 * 3600
DEFAULT_MAX_CLOCK_DRIFT_S = 10.0
DEFAULT_HEADER_WAIT_S = 30.0
DEFAULT_REFRESH_S = 3_600.0
"""A trusted header older than this is moved to the newest header at the next pass, work or not, so the trust
never runs out while the gateway runs (the trusting period is days)."""
MAX_BACKWARD_BLOCKS = 256
"""How far below its trusted header the client follows the hash chain back (a node a little behind)."""
REMEMBERED_HEADERS = 1_024
STATE_VERSION = 1
_NOT_YET = "must be less than or equal to the current blockchain height"


class LightClientFile(msgspec.Struct):
    """The light client's state file (version 1)."""

    version: int
    chain_id: str
    trusted: TrustedHeader


# --- the client ----------------------------------------------------------------------------------------------------


class CometRpcSource:
    """Signed headers and validator sets from CometBFT RPCs (tried in order; their answers are verified, not
    trusted)."""

    def __init__(self, urls: Sequence[str], timeout_s: float = 10.0) -> None:
        """Ask the CometBFT RPCs at `urls`."""
        if not urls:
            raise ValueError("give at least one CometBFT RPC URL")
        self.urls = [url.rstrip("/") for url in urls]
        self._http = httpx.Client(timeout=timeout_s)

    def close(self) -> None:
        """Release the connections."""
        self._http.close()

    def _call(self, method: str, **params: Any) -> Any:
        problems = []
        for url in self.urls:
            try:
                document = self._http.get(f"{url}/{method}", params=params).json()
            except (httpx.HTTPError, ValueError) as failure:
                problems.append(f"{url}: {failure or type(failure).__name__}")
                continue
            if isinstance(document, dict) and "result" in document:
                return document["result"]
            answer = document.get("error", {}) if isinstance(document, dict) else {}
            detail = f"{answer.get('message', '')} {answer.get('data', '')}".strip() if isinstance(answer, dict) else ""
            if _NOT_YET in detail:
                return None
            problems.append(f"{url}: {detail or 'not a JSON-RPC answer'}")
        raise VerificationUnavailableError(f"CometBFT RPC {method} failed: {'; '.join(problems)}")

    def light_block(self, height: int) -> LightBlock | None:
        """The signed header of `height` and its validator set; None while `height` is not committed."""
        result = self._call("commit", height=str(height))
        if result is None:
            return None
        documents: list[Any] = []
        page = 1
        while True:
            answer = self._call("validators", height=str(height), page=str(page), per_page="100")
            if answer is None:
                return None
            documents += answer["validators"]
            if not answer["validators"] or len(documents) >= int(answer["total"]):
                break
            page += 1
        try:
            return LightBlock(parse_signed_header(result["signed_header"]), parse_validators(documents))
        except (KeyError, TypeError, ValueError) as error:
            raise HeaderVerificationError(f"CometBFT RPC answered a malformed block {height}: {error!r}") from error

    def latest_height(self) -> int:
        """The newest committed height (unverified: the header is verified when fetched)."""
        result = self._call("status")
        try:
            return int(result["sync_info"]["latest_block_height"])
        except (KeyError, TypeError, ValueError) as error:
            raise VerificationUnavailableError(f"CometBFT RPC answered a malformed /status: {error!r}") from error

    def header(self, height: int) -> Header | None:
        """The header of `height` (unverified); None while it is not committed."""
        result = self._call("header", height=str(height))
        if result is None:
            return None
        try:
            return parse_header(result["header"])
        except (KeyError, TypeError, ValueError) as error:
            raise HeaderVerificationError(f"CometBFT RPC answered a malformed header {height}: {error!r}") from error


@dataclass(frozen=True)
class _Known:
    hash: bytes
    app_hash: bytes
    last_block_hash: bytes
    time_ns: int


class CometLightClient:
    """Trust anchor of a gateway on a CometBFT network: app hashes confirmed by headers the validators signed."""

    def __init__(
        self,
        source: CometRpcSource,
        state_path: Path,
        *,
        trust_height: int | None = None,
        trust_hash: str | None = None,
        trusting_period_s: float = DEFAULT_TRUSTING_PERIOD_S,
        max_clock_drift_s: float = DEFAULT_MAX_CLOCK_DRIFT_S,
        header_wait_s: float = DEFAULT_HEADER_WAIT_S,
        refresh_s: float = DEFAULT_REFRESH_S,
        poll_s: float = 0.25,
        now_ns: Callable[[], int] = time.time_ns,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Verify headers from `source`, keeping the trusted header in `state_path`. `trust_height` and `trust_hash`
        (from a source the operator trusts) start it the first time, or replace a lower trusted header."""
        if (trust_height is None) != (trust_hash is None):
            raise ValueError("give both --trust-height and --trust-hash, or neither")
        self.source = source
        self.state_path = state_path
        self.trusting_period_ns = int(trusting_period_s * 1e9)
        self.max_clock_drift_ns = int(max_clock_drift_s * 1e9)
        self.header_wait_s = header_wait_s
        self.refresh_ns = int(refresh_s * 1e9)
        self.poll_s = poll_s
        self._now_ns = now_ns
        self._sleep = sleep
        self._known: dict[int, _Known] = {}
        self._confirmed = ConfirmedCache()
        self._file = self._load()
        self._anchor: tuple[int, bytes] | None = None
        if trust_height is not None and trust_hash is not None:
            try:
                anchor_hash = bytes.fromhex(trust_hash)
            except ValueError:
                anchor_hash = b""
            if trust_height < 1 or len(anchor_hash) != 32:
                raise ValueError("--trust-height must be ≥ 1 and --trust-hash a 64-hex-digit header hash")
            if self._file is None or trust_height > self._file.trusted.height:
                self._anchor = (trust_height, anchor_hash)
            elif trust_height == self._file.trusted.height and anchor_hash.hex() != self._file.trusted.hash:
                raise ValueError(
                    f"--trust-hash differs from the header {trust_height} verified before ({self._file.trusted.hash})"
                )
        if self._file is None and self._anchor is None:
            raise ValueError(
                f"{state_path} holds no trusted header yet: give --trust-height and --trust-hash (a block's height "
                "and header hash, from a source you trust) the first time"
            )
        if self._file is not None:
            self._remember_trusted(self._file.trusted)

    def describe(self) -> str:
        """What this anchor trusts."""
        if self._anchor is not None:
            start = f"header {self._anchor[0]} ({self._anchor[1].hex()}, given by --trust-height/--trust-hash)"
        else:
            assert self._file is not None
            start = f"header {self._file.trusted.height} ({self._file.trusted.hash}, kept in {self.state_path})"
        return (
            "app hashes are checked against CometBFT headers signed by more than 2/3 of the validators' power, "
            f"verified from the trusted {start} on; the RPCs ({', '.join(self.source.urls)}) are not trusted"
        )

    @property
    def trusted(self) -> TrustedHeader | None:
        """The latest trusted header (None before the first verification)."""
        return None if self._file is None else self._file.trusted

    def confirm(self, height: int, app_hash: bytes) -> None:
        """`app_hash` must be the app hash the validators signed in header `height` + 1."""
        if (height, app_hash) in self._confirmed:
            return
        signed = self.app_hash_after(height)
        if signed != app_hash:
            raise StateVerificationError(
                f"the node's app hash after block {height} is {app_hash.hex()}, but the header of block {height + 1} "
                f"that the validators signed says {signed.hex()}: the node lies or is not on this chain; refusing"
            )
        self._confirmed.add((height, app_hash))

    def keep_fresh(self) -> None:
        """Verify the newest header when the trusted one is older than `refresh_s` (nothing else moved it)."""
        if self._anchor is not None:
            self._start_from_anchor()
        assert self._file is not None
        if self._now_ns() - self._file.trusted.time_ns < self.refresh_ns:
            return
        latest = self.source.latest_height()
        if latest > self._file.trusted.height:
            self._verify_forward(latest)
            log.info("light client: trusting header %d now", latest)

    def app_hash_after(self, height: int) -> bytes:
        """The app hash after block `height`, from the verified header `height` + 1 (waiting up to `header_wait_s`
        for it to be committed)."""
        target = height + 1
        if self._anchor is not None:
            self._start_from_anchor()
        known = self._known.get(target)
        if known is not None:
            return known.app_hash
        assert self._file is not None
        if target > self._file.trusted.height:
            self._verify_forward(target)
        else:
            self._verify_backward(target)
        return self._known[target].app_hash

    # --- internals ---

    def _load(self) -> LightClientFile | None:
        try:
            raw = self.state_path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            document = msgspec.json.decode(raw, type=LightClientFile)
        except msgspec.MsgspecError as error:
            raise StateFileError(f"{self.state_path} is damaged: {error}") from error
        if document.version != STATE_VERSION:
            raise StateFileError(
                f"{self.state_path} has version {document.version}; this gateway reads {STATE_VERSION}"
            )
        return document

    def _save(self, chain_id: str, trusted: TrustedHeader) -> None:
        self._file = LightClientFile(STATE_VERSION, chain_id, trusted)
        write_atomically(self.state_path, msgspec.json.format(msgspec.json.encode(self._file)) + b"\n")

    def _remember(self, header: Header) -> None:
        self._known[header.height] = _Known(
            header.hash(), header.app_hash, header.last_block_id.hash, header.time.unix_ns
        )
        while len(self._known) > REMEMBERED_HEADERS:
            del self._known[min(self._known)]

    def _remember_trusted(self, trusted: TrustedHeader) -> None:
        self._known[trusted.height] = _Known(
            bytes.fromhex(trusted.hash),
            bytes.fromhex(trusted.app_hash),
            bytes.fromhex(trusted.last_block_hash),
            trusted.time_ns,
        )

    def _fetch(self, height: int) -> LightBlock:
        deadline = time.monotonic() + self.header_wait_s
        while True:
            block = self.source.light_block(height)
            if block is not None:
                if block.height != height:
                    raise HeaderVerificationError(f"asked for block {height}, CometBFT RPC served {block.height}")
                return block
            if time.monotonic() >= deadline:
                raise VerificationUnavailableError(
                    f"block {height} (whose header signs the app hash of {height - 1}) was not committed within "
                    f"{self.header_wait_s:g} s"
                )
            self._sleep(self.poll_s)

    def _start_from_anchor(self) -> None:
        assert self._anchor is not None
        height, expected = self._anchor
        block = self._fetch(height)
        header = block.signed_header.header
        if header.hash() != expected:
            raise HeaderVerificationError(
                f"header {height} hashes to {header.hash().hex()}, not the trusted {expected.hex()}: this RPC serves "
                "another chain, or the trusted hash is wrong"
            )
        verify_signed_header(block.signed_header, header.chain_id)
        if header.validators_hash != validator_set_hash([(v.public_key, v.power) for v in block.validators]):
            raise HeaderVerificationError(f"the validator set served for height {height} is not the header's")
        verify_commit(header.chain_id, block.validators, block.signed_header)
        trusted = TrustedHeader.of(block)
        if trusted.time_ns + self.trusting_period_ns <= self._now_ns():
            raise HeaderVerificationError(f"the trusted header {height} is older than the trusting period")
        self._save(header.chain_id, trusted)
        self._known.clear()
        self._remember(header)
        self._anchor = None
        log.info("light client: trusting header %d (%s) of %s", height, expected.hex(), header.chain_id)

    def _verify_forward(self, target: int) -> None:
        assert self._file is not None
        chain_id = self._file.chain_id
        trusted = self._file.trusted
        pending = [self._fetch(target)]
        while pending:
            candidate = pending[-1]
            try:
                verify_light_block(
                    chain_id, trusted, candidate, self._now_ns(), self.trusting_period_ns, self.max_clock_drift_ns
                )
            except NotEnoughTrustError:
                pivot = (trusted.height + candidate.height) // 2
                if pivot <= trusted.height:
                    raise
                pending.append(self._fetch(pivot))
                continue
            trusted = TrustedHeader.of(candidate)
            self._remember(candidate.signed_header.header)
            pending.pop()
        self._save(chain_id, trusted)

    def _verify_backward(self, target: int) -> None:
        above = min(height for height in self._known if height > target)
        if above - target > MAX_BACKWARD_BLOCKS:
            raise VerificationUnavailableError(
                f"block {target} is more than {MAX_BACKWARD_BLOCKS} blocks below the last verified header {above}: "
                "the node is too far behind"
            )
        current = self._known[above]
        for height in range(above - 1, target - 1, -1):
            header = self.source.header(height)
            if header is None or header.height != height:
                raise VerificationUnavailableError(f"CometBFT RPC has no header {height}")
            if header.hash() != current.last_block_hash or header.time.unix_ns >= current.time_ns:
                raise HeaderVerificationError(
                    f"header {height} is not the one the verified header {height + 1} builds on: the RPC lies"
                )
            self._remember(header)
            current = self._known[height]
