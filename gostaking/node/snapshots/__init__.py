"""State sync: the app's snapshots (format.py), kept on disk and taken in the background (store.py), and
restored by a joining node (restore.py). CometBFT moves them between nodes over ABCI (node/abci/handler.py)."""
