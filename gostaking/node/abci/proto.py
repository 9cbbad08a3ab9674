"""Access to the generated ABCI protobuf modules (gostaking/node/abci/_proto, built by `make proto`).

They are generated at build time from the pinned CometBFT module, not committed, so importing them can fail
on a fresh clone; `abci_types()` turns that into an error that says what to run.
"""

import functools
import importlib
from pathlib import Path
from types import ModuleType

from gostaking.node.abci.version import COMETBFT_VERSION

_PACKAGE = "gostaking.node.abci._proto"
_VERSION_FILE = Path(__file__).resolve().parent / "_proto" / "VERSION"


class ProtoStubsMissingError(RuntimeError):
    """The generated protobuf modules are missing or were built from another CometBFT version."""


def stubs_problem() -> str | None:
    """Why the stubs cannot be used (a sentence with the fix), or None when they are ready."""
    if not _VERSION_FILE.is_file():
        return "the CometBFT ABCI protobuf stubs are not generated: run `make proto` (or `make cometbft`)"
    built = _VERSION_FILE.read_text().strip()
    if built != COMETBFT_VERSION:
        return (
            f"the ABCI stubs were generated for CometBFT {built}, this code pins {COMETBFT_VERSION}: run `make proto`"
        )
    try:
        importlib.import_module("google.protobuf")
    except ImportError:
        return "the protobuf package is not installed: pip install -e '.[cometbft]'"
    return None


@functools.cache
def _load(name: str) -> ModuleType:
    problem = stubs_problem()
    if problem is not None:
        raise ProtoStubsMissingError(problem)
    try:
        return importlib.import_module(f"{_PACKAGE}.{name}")
    except ImportError as exc:
        raise ProtoStubsMissingError(f"cannot import the ABCI stubs ({exc}): run `make proto`") from exc


def abci_types() -> ModuleType:
    """The `tendermint.abci` messages (Request, Response, …)."""
    return _load("tendermint.abci.types_pb2")


def crypto_keys() -> ModuleType:
    """The `tendermint.crypto` keys (PublicKey)."""
    return _load("tendermint.crypto.keys_pb2")


def types_validator() -> ModuleType:
    """The `tendermint.types` validator messages (BlockIDFlag)."""
    return _load("tendermint.types.validator_pb2")
