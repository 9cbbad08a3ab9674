"""Custody gateway: hosted-chain watchers and attesters (EVM via web3.py, Bitcoin via Core RPC), the BTC lock
script and PSBT signing, the OFAC sanctions importer and the oracle price feeder.

The bridge talks to a GoStaking node only through its REST API (signed transactions in, JSON out); it never
imports the node, the API or the storage layer.
"""
