"""The node: ABCI-shaped application over the chain and storage, mempool, embedded producer and devnet runtime."""
