"""The pinned CometBFT release. The Makefile's COMETBFT_VERSION must say the same (a test checks it)."""

COMETBFT_VERSION = "v0.38.17"
"""The release `scripts/build-cometbft` builds (from the Go module proxy, as `go install ...@<this>` would fetch it);
the ABCI stubs come from the same module."""

COMETBFT_BUILD = "gostaking.3"
"""What `scripts/build-cometbft` appends to the version (`cometbft version`: 0.38.17+gostaking.3): the release with
deploy/cometbft/*.patch applied. Bump it when a patch changes."""

COMETBFT_MODULE = "github.com/cometbft/cometbft"
ABCI_PROTO_ROOT = "tendermint/abci/types.proto"
"""The file the server needs; the generator compiles it and everything it imports."""
