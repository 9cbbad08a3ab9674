"""The node's ed25519 consensus key (the key a CometBFT validator signs blocks with), kept in a JSON file."""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from gostaking.chain.crypto import consensus_address


class ConsensusKeyError(Exception):
    """The node key file is missing or malformed."""


@dataclass(frozen=True)
class ConsensusKey:
    """An ed25519 key pair; `seed` is the 32-byte private key."""

    seed: bytes

    @classmethod
    def generate(cls) -> "ConsensusKey":
        """A new random key."""
        raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(raw)

    @property
    def public_key(self) -> bytes:
        """The 32-byte public key registered on chain."""
        private = Ed25519PrivateKey.from_private_bytes(self.seed)
        return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def address(self) -> str:
        """Consensus address (upper-case hex, as CometBFT derives it)."""
        return consensus_address(self.public_key)

    def sign(self, message: bytes) -> bytes:
        """64-byte ed25519 signature."""
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)

    def save(self, path: Path) -> None:
        """Write the key to a new file readable only by its owner (fails if the file exists)."""
        document = {
            "type": "ed25519",
            "address": self.address,
            "public_key": self.public_key.hex(),
            "private_key": self.seed.hex(),
        }
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(document, handle, indent=2)
            handle.write("\n")

    @classmethod
    def load(cls, path: Path) -> "ConsensusKey":
        """Read a key written by `save`, raising ConsensusKeyError with the reason."""
        try:
            document = json.loads(path.read_text())
            seed = bytes.fromhex(document["private_key"])
        except FileNotFoundError:
            raise ConsensusKeyError(f"node key file {path} does not exist") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConsensusKeyError(f"node key file {path} is malformed: {exc}") from exc
        if len(seed) != 32:
            raise ConsensusKeyError(f"node key file {path}: private key must be 32 bytes")
        return cls(seed)
