"""CometBFT's genesis.json around the GoStaking genesis document, shared by `gostaking localnet` (one command makes
every node) and the operators' launch flow (`gostaking init`, `genesis collect-gentxs`).

The GoStaking genesis is CometBFT's `app_state`; CometBFT's `validators` are the genesis nodes' consensus keys at
the mining-node power (the ABCI InitChain refuses any other set), and `genesis_time` is the app genesis's time.
"""

import base64
import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gostaking.chain.crypto import consensus_address
from gostaking.chain.modules.nodes.queries import MINING_NODE_POWER


class CometGenesisError(Exception):
    """A CometBFT genesis.json is missing or not a JSON document; the message names the file."""


@dataclass(frozen=True)
class GenesisValidator:
    """A CometBFT genesis validator: a genesis node's ed25519 consensus key and its name."""

    public_key: bytes
    name: str


def rfc3339(time_ms: int) -> str:
    """A millisecond Unix time as CometBFT writes genesis_time (RFC 3339, UTC, nanosecond digits)."""
    moment = datetime.datetime.fromtimestamp(time_ms / 1000, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{time_ms % 1000:03d}000000Z"


def read_comet_genesis(path: Path) -> dict[str, Any]:
    """The JSON document of a CometBFT genesis.json."""
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise CometGenesisError(f"{path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise CometGenesisError(f"{path} is not a readable JSON document: {exc}") from None
    if not isinstance(document, dict):
        raise CometGenesisError(f"{path} is not a JSON object")
    return document


def validator_entries(validators: Sequence[GenesisValidator]) -> list[dict[str, Any]]:
    """CometBFT's `validators` list: each key at the mining-node power (mining nodes have equal power)."""
    return [
        {
            "address": consensus_address(validator.public_key),
            "pub_key": {"type": "tendermint/PubKeyEd25519", "value": base64.b64encode(validator.public_key).decode()},
            "power": str(MINING_NODE_POWER),
            "name": validator.name,
        }
        for validator in validators
    ]


def comet_genesis_document(
    template: dict[str, Any],
    chain_id: str,
    genesis_time_ms: int,
    validators: Sequence[GenesisValidator],
    app_state: Any,
) -> dict[str, Any]:
    """`template` (what `cometbft init` wrote, for its default consensus params) with this chain's id, time,
    validators and `app_state` (None: no app state, for CometBFT's built-in kvstore)."""
    document = dict(template)
    document["genesis_time"] = rfc3339(genesis_time_ms)
    document["chain_id"] = chain_id
    document["initial_height"] = "1"
    document["validators"] = validator_entries(validators)
    document["app_hash"] = ""
    if app_state is not None:
        document["app_state"] = app_state
    else:
        document.pop("app_state", None)
    return document


def format_comet_genesis(document: dict[str, Any]) -> str:
    """The text written to genesis.json (every node of a network must hold the very same bytes)."""
    return json.dumps(document, indent=2) + "\n"
