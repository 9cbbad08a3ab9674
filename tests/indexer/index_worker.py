"""Subprocess for the crash test: index an LMDB chain slowly (small batches, a pause inside each transaction)
until killed. Usage: python index_worker.py <chain home> <index url>"""

import sys
import time
from pathlib import Path

from gostaking.indexer import open_index
from gostaking.node.app import GoStakingApp
from gostaking.storage import LmdbStore


def main() -> None:
    home, url = Path(sys.argv[1]), sys.argv[2]
    app = GoStakingApp(LmdbStore(home / "data"))
    index = open_index(url, app, batch_blocks=3)
    # The pause sits between the batch's inserts and its commit, so a kill often lands mid-transaction.
    index.indexer.before_commit = lambda height: time.sleep(0.05)
    index.indexer.sync()
    print("done", flush=True)


if __name__ == "__main__":
    main()
