"""Custody gateway: hosted-chain watchers and attesters (EVM via web3.py, Bitcoin via the RPC of Bitcoin Core or
btcd), the BTC lock script, PSBT payouts and sweeps signed by the custodians, reclaim reports, the OFAC sanctions
importer and the oracle price feeder.

The bridge talks to a GoStaking node only through its REST API (signed transactions in, JSON out); it never
imports the node, the API or the storage layer.
"""
