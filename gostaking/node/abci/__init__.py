"""CometBFT driver: the ABCI socket server over GoStakingApp, and the generator of its protobuf stubs.

The generated modules (`_proto/`) come from the pinned CometBFT release (version.py) via `make proto`.
"""
