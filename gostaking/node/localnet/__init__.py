"""A multi-node CometBFT network on 127.0.0.1: node homes and genesis (network.py), processes, RPC client."""
