"""GET /blocks/{h}, /blocks and /txs/{hash} on a node that pruned its old blocks (node/pruning.py): a pruned block
is 410 "pruned below H", a transaction whose block is gone is 404 saying from where blocks are kept, recent ones
are served as before."""

from api_harness import GOS, Devnet

from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.tx import MsgSendCoins
from gostaking.wallet.keys import PrivateKey

BOB = PrivateKey((7).to_bytes(32, "big"))


def test_pruned_blocks_and_their_transactions_are_answered_as_pruned(devnet: Devnet) -> None:
    devnet.produce(7)
    old_tx = devnet.submit(devnet.operator, MsgSendCoins(BOB.address, GOS_DENOM, GOS))
    old_height = devnet.produce()
    devnet.produce(10)
    recent_tx = devnet.submit(devnet.operator, MsgSendCoins(BOB.address, GOS_DENOM, GOS))
    recent_height = devnet.produce()
    retain = old_height + 3
    app = devnet.node.app
    assert app.prune_blocks(retain, max_entries=10_000) == retain - 1
    assert app.earliest_block_height == app.pruned_below == retain

    client = devnet.client
    for height in (1, old_height, retain - 1):
        gone = client.get(f"/blocks/{height}")
        assert gone.status_code == 410, gone.text
        assert gone.json()["error"] == "Pruned"
        assert f"block {height} is pruned" in gone.json()["message"]
        assert f"pruned below {retain}" in gone.json()["message"]
    assert client.get(f"/blocks/{retain}").json()["height"] == retain
    assert client.get(f"/blocks/{recent_height + 5}").status_code == 404, "not reached yet: still 404"

    missing = client.get(f"/txs/{old_tx}")
    assert missing.status_code == 404
    assert f"from height {retain}; older blocks are pruned" in missing.json()["message"]
    included = client.get(f"/txs/{recent_tx}").json()
    assert included["status"] == "included" and included["height"] == recent_height

    # The block list stops at the earliest kept block: no page points below it.
    page = client.get("/blocks", params={"limit": 100}).json()
    assert [block["height"] for block in page["blocks"]] == list(range(app.height, retain - 1, -1))
    assert page["next_before"] is None
    older = client.get("/blocks", params={"limit": 3, "before": retain + 3}).json()
    assert [block["height"] for block in older["blocks"]] == [retain + 2, retain + 1, retain]
    assert older["next_before"] is None
