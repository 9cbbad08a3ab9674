"""What a gateway trusts an app hash on: the anchors a `VerifiedReader` (proofs.py) checks a node's app hash against.

- `CometLightClient` (cometbft_light.py): the app hash after block H is in CometBFT's header of block H + 1, which
  more than 2/3 of the validators' power signs; a light client checks the header and the signatures from a trusted
  header on. It trusts the validators, not any node.
- `QuorumTrust`: k of the configured nodes (run by different operators) must report the same app hash at H. It
  trusts that fewer than k of them lie together.
- `SingleNodeTrust`: the devnet, whose one node has no consensus signatures and no peer: the proofs are checked
  against that node's own app hash, which catches a damaged answer or a faulty proxy but not a node that lies
  consistently. It trusts that node, and says so in the log.
"""

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Protocol

from gostaking.bridge.errors import NodeApiError, StateVerificationError, VerificationUnavailableError
from gostaking.bridge.node_client import NodeClient

log = logging.getLogger(__name__)

CONFIRMED_CACHE = 256
"""(height, app hash) pairs an anchor remembers as confirmed, so one pass checks each height once."""


class TrustAnchor(Protocol):
    """Says whether an app hash is the chain's app hash after a height."""

    def describe(self) -> str:
        """What this anchor trusts, in a sentence (logged when the gateway starts)."""
        ...

    def confirm(self, height: int, app_hash: bytes) -> None:
        """Return when `app_hash` is the chain's app hash after block `height`; StateVerificationError when the
        anchor contradicts it, VerificationUnavailableError when it cannot tell yet."""
        ...

    def keep_fresh(self) -> None:
        """Called once per gateway pass: keep whatever the anchor trusts from expiring while nothing is verified
        (the light client's trusted header); a no-op for anchors that keep nothing."""
        ...


class ConfirmedCache:
    """The last confirmed (height, app hash) pairs."""

    def __init__(self, size: int = CONFIRMED_CACHE) -> None:
        self._size = size
        self._pairs: OrderedDict[tuple[int, bytes], None] = OrderedDict()

    def __contains__(self, pair: tuple[int, bytes]) -> bool:
        return pair in self._pairs

    def add(self, pair: tuple[int, bytes]) -> None:
        """Remember `pair` as confirmed."""
        self._pairs[pair] = None
        self._pairs.move_to_end(pair)
        while len(self._pairs) > self._size:
            self._pairs.popitem(last=False)


class SingleNodeTrust:
    """Trust the one node the gateway talks to (a devnet: no CometBFT, no other node)."""

    def __init__(self, url: str, *, devnet_only: NodeClient | None = None) -> None:
        """Trust the node at `url`. With `devnet_only` (that node's client), refuse at the first check unless it
        is a devnet (`/status` consensus 'embedded'): a CometBFT node has signed headers to be checked against."""
        self.url = url
        self._devnet_only = devnet_only

    def describe(self) -> str:
        """What this anchor trusts."""
        return (
            f"proofs are checked against the app hash of the node at {self.url} alone, which this gateway TRUSTS "
            "(no CometBFT headers, no quorum): fine for a devnet, not for custody of real funds"
        )

    def confirm(self, height: int, app_hash: bytes) -> None:
        """Nothing to compare with: the node's app hash is taken as it is (once it is known to be a devnet's, when
        that was asked for)."""
        if self._devnet_only is None:
            return
        consensus = str(self._devnet_only.status().get("consensus", ""))
        if consensus != "embedded":
            raise StateVerificationError(
                f"the node at {self.url} runs {consensus or 'an unknown consensus'}, not a devnet: give --comet-rpc "
                "with --trust-height/--trust-hash (light client) and/or --verify-node (quorum), or --trust-node to "
                "knowingly trust that one node"
            )
        self._devnet_only = None

    def keep_fresh(self) -> None:
        """Nothing to keep."""


class QuorumTrust:
    """k of n nodes must report the same app hash at a height (each node's `GET /blocks/{height}`)."""

    def __init__(
        self,
        nodes: Sequence[NodeClient],
        required: int,
        *,
        wait_s: float = 30.0,
        poll_s: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Require `required` of `nodes` to agree; wait up to `wait_s` for nodes still below the height."""
        if not 1 <= required <= len(nodes):
            raise ValueError(f"a quorum of {required} needs 1..{len(nodes)} of the {len(nodes)} nodes given")
        urls = [node.url for node in nodes]
        if len(set(urls)) != len(urls):
            raise ValueError(f"each quorum node must be given once: {', '.join(urls)}")
        self.nodes = list(nodes)
        self.required = required
        self.wait_s = wait_s
        self.poll_s = poll_s
        self._clock = clock
        self._sleep = sleep
        self._confirmed = ConfirmedCache()

    def describe(self) -> str:
        """What this anchor trusts."""
        urls = ", ".join(node.url for node in self.nodes)
        return (
            f"app hashes are confirmed by {self.required} of {len(self.nodes)} nodes ({urls}): this gateway trusts "
            f"that fewer than {self.required} of them lie together"
        )

    def confirm(self, height: int, app_hash: bytes) -> None:
        """Ask the nodes for their app hash after `height` until `required` agree with `app_hash` (StateVerification
        Error once too few can, VerificationUnavailableError when they have not answered within `wait_s`)."""
        if (height, app_hash) in self._confirmed:
            return
        deadline = self._clock() + self.wait_s
        answers: dict[str, bytes] = {}
        problems: dict[str, str] = {}
        while True:
            for node in self.nodes:
                if node.url not in answers:
                    try:
                        block = node.block(height)
                        if block is not None:
                            answers[node.url] = bytes.fromhex(str(block["app_hash"]))
                            problems.pop(node.url, None)
                        else:
                            problems[node.url] = f"not at height {height} yet"
                    except (NodeApiError, KeyError, TypeError, ValueError) as error:
                        problems[node.url] = str(error) or type(error).__name__
            agree = sorted(url for url, answer in answers.items() if answer == app_hash)
            differ = {url: answer for url, answer in answers.items() if answer != app_hash}
            if len(agree) >= self.required:
                self._confirmed.add((height, app_hash))
                if differ:
                    log.error("app hash after block %d: %s disagree with the quorum", height, _listing(differ))
                return
            if len(self.nodes) - len(differ) < self.required:
                raise StateVerificationError(
                    f"the app hash after block {height} is {app_hash.hex()} according to the proving node, but "
                    f"{_listing(differ)}; only {len(agree)} of the {self.required} nodes required agree: refusing"
                )
            if self._clock() >= deadline:
                waiting = "; ".join(f"{url}: {why}" for url, why in sorted(problems.items()))
                raise VerificationUnavailableError(
                    f"only {len(agree)} of the {self.required} nodes required confirmed the app hash after block "
                    f"{height} within {self.wait_s:g} s ({waiting})"
                )
            self._sleep(self.poll_s)

    def keep_fresh(self) -> None:
        """Nothing to keep."""


def _listing(differ: dict[str, bytes]) -> str:
    return ", ".join(f"{url} reports {answer.hex()}" for url, answer in sorted(differ.items()))


class AllOfTrust:
    """Several anchors, each of which must confirm (e.g. the light client and a quorum of nodes)."""

    def __init__(self, anchors: Sequence[TrustAnchor]) -> None:
        """Require every one of `anchors`."""
        if not anchors:
            raise ValueError("give at least one trust anchor")
        self.anchors = list(anchors)

    def describe(self) -> str:
        """What these anchors trust."""
        return "; and ".join(anchor.describe() for anchor in self.anchors)

    def confirm(self, height: int, app_hash: bytes) -> None:
        """Every anchor confirms, in order."""
        for anchor in self.anchors:
            anchor.confirm(height, app_hash)

    def keep_fresh(self) -> None:
        """Every anchor keeps itself fresh."""
        for anchor in self.anchors:
            anchor.keep_fresh()
