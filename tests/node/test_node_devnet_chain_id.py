"""Every devnet home gets a chain id of its own, kept across restarts and drawn again by --reset: a transaction
signed for one devnet is refused by every other (no replay between devnets)."""

import re
from pathlib import Path

from gostaking.chain.modules.bank.queries import get_balance
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.tx import MsgSendCoins
from gostaking.node.runtime import Node, devnet_chain_id, init_devnet_home, open_devnet
from gostaking.node.settings import DEVNET_CHAIN_ID, DevnetSettings
from gostaking.storage import MemoryStore
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey, sign_tx

USER = PrivateKey((11).to_bytes(32, "big"))  # the same person, with a key in both devnets
FEE = 1_000


def fresh_devnet(home: Path) -> Node:
    """A devnet on a new home, as `gostaking devnet` opens it (chain_id None), whose operator key is USER."""
    Keyring(home / "keys").add("operator", USER, None)  # init keeps an existing operator key
    node = open_devnet(DevnetSettings(home=home, chain_id=None), store=MemoryStore())
    assert node.producer is not None
    while balance(node) < 10 * FEE:  # the operator earns GOS for fees
        node.producer.produce_block()
    return node


def balance(node: Node) -> int:
    with node.app.read() as state:
        return get_balance(state, USER.address, GOS_DENOM)


def test_two_fresh_devnets_get_different_chain_ids_and_refuse_each_others_txs(tmp_path: Path) -> None:
    first, second = fresh_devnet(tmp_path / "a"), fresh_devnet(tmp_path / "b")
    try:
        assert re.fullmatch(r"gostaking-devnet-[0-9a-f]{8}", first.chain_id), first.chain_id
        assert re.fullmatch(r"gostaking-devnet-[0-9a-f]{8}", second.chain_id), second.chain_id
        assert first.chain_id != second.chain_id
        assert first.operator_address == second.operator_address == USER.address

        def send(node: Node) -> bytes:
            """A transfer by USER signed for `node`'s chain (the devnet's faucet upkeep also uses USER's key)."""
            msgs = [MsgSendCoins(PrivateKey.generate().address, GOS_DENOM, 1)]
            return sign_tx(USER, node.chain_id, node.app.next_sequence(USER.address), msgs, FEE)

        replayed = send(first)
        assert second.submit(replayed).error == "WrongChainIdError"
        assert first.submit(replayed).code == 0
        assert second.submit(send(second)).code == 0  # the same transfer signed for it is fine
    finally:
        first.close()
        second.close()


def test_a_devnet_keeps_its_chain_id_across_restarts_and_a_reset_draws_a_new_one(tmp_path: Path) -> None:
    settings = DevnetSettings(home=tmp_path, chain_id=None)
    node = open_devnet(settings)
    chain_id = node.chain_id
    assert node.producer is not None
    node.producer.produce_block()
    signed_before = sign_tx(USER, chain_id, 0, [MsgSendCoins(USER.address, GOS_DENOM, 1)], FEE)
    node.close()
    assert devnet_chain_id(tmp_path) == chain_id
    for again in (settings, DevnetSettings(home=tmp_path)):
        reopened = open_devnet(again)
        try:
            assert reopened.chain_id == chain_id == reopened.app.info().chain_id
        finally:
            reopened.close()
    # --reset starts a new chain: a drawn id is drawn again, so what was signed before cannot be replayed.
    reset = open_devnet(DevnetSettings(home=tmp_path, chain_id=None, reset=True))
    try:
        assert re.fullmatch(r"gostaking-devnet-[0-9a-f]{8}", reset.chain_id) and reset.chain_id != chain_id
        assert reset.app.info().height == 0 and devnet_chain_id(tmp_path) == reset.chain_id
        assert reset.submit(signed_before).error == "WrongChainIdError"
    finally:
        reset.close()


def test_a_reset_keeps_a_chosen_chain_id(tmp_path: Path) -> None:
    open_devnet(DevnetSettings(home=tmp_path, chain_id="my-devnet")).close()
    reset = open_devnet(DevnetSettings(home=tmp_path, chain_id=None, reset=True))
    try:
        assert reset.chain_id == "my-devnet"
    finally:
        reset.close()


def test_a_chosen_chain_id_and_the_library_default(tmp_path: Path) -> None:
    assert devnet_chain_id(tmp_path / "none") is None
    assert init_devnet_home(tmp_path / "chosen", "my-devnet").chain_id == "my-devnet"
    assert init_devnet_home(tmp_path / "library").chain_id == DEVNET_CHAIN_ID  # tests and embedders sign with it
    drawn = {init_devnet_home(tmp_path / f"new{n}", None).chain_id for n in range(3)}
    assert len(drawn) == 3 and DEVNET_CHAIN_ID not in drawn
