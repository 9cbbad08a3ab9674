"""Custody gateway: hosted-chain watchers and attesters (EVM via web3.py, Bitcoin via the RPC of Bitcoin Core or
btcd), the BTC lock script, PSBT payouts and sweeps signed by the custodians, reclaim reports, the OFAC sanctions
importer and the oracle price feeder.

The bridge talks to a GoStaking node only through its REST API (signed transactions in, JSON out); it never
imports the node, the API or the storage layer (save the storage layer's Merkle proof check). What it pays or signs
on is read with Merkle proofs and checked against an app hash it confirms independently of that node: CometBFT's
signed headers or a quorum of nodes (proofs.py, trust.py, cometbft_light.py; docs/gateway-verification.md).
"""
