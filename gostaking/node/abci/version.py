"""The pinned CometBFT release. The Makefile's COMETBFT_VERSION must say the same (a test checks it)."""

COMETBFT_VERSION = "v0.38.17"
"""`go install github.com/cometbft/cometbft/cmd/cometbft@<this>`; the ABCI stubs come from the same module."""

COMETBFT_MODULE = "github.com/cometbft/cometbft"
ABCI_PROTO_ROOT = "tendermint/abci/types.proto"
"""The file the server needs; the generator compiles it and everything it imports."""
