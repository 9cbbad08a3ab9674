"""A transaction whose messages could never be valid is refused at the door: POST /txs answers 400 with the
message's error, the mempool stays empty, the sender's sequence is not used and no fee is taken (before, such
transactions entered blocks as failed ones and cost their sender a fee)."""

import pytest
from api_harness import GOS, Devnet

from gostaking.chain.constants import MODULE_ADDRESSES
from gostaking.chain.types.tx import (
    Msg,
    MsgLockAsset,
    MsgRegisterNode,
    MsgSendCoins,
    MsgSubmitPrices,
    MsgSwap,
    MsgVoteNode,
    PriceQuote,
)

OPERATOR_PLACEHOLDER = "operator"


def invalid_messages(devnet: Devnet) -> list[tuple[str, Msg, str]]:
    """(case, message, error name)."""
    alice = devnet.faucet.address
    upper = alice.upper()
    cosmos = "cosmos1" + alice[4:]
    return [
        ("zero amount", MsgSendCoins(alice, "ugos", 0), "InvalidAmountError"),
        ("negative amount", MsgSendCoins(alice, "ugos", -5), "InvalidAmountError"),
        ("amount over 2^256-1", MsgSendCoins(alice, "ugos", 2**256), "InvalidAmountError"),
        ("upper-case address", MsgSendCoins(upper, "ugos", GOS), "InvalidAddressError"),
        ("foreign prefix", MsgSendCoins(cosmos, "ugos", GOS), "InvalidAddressError"),
        ("mixed script", MsgSendCoins("gos1" + "q" * 37 + "о", "ugos", GOS), "InvalidAddressError"),
        ("unknown denom", MsgSendCoins(alice, "doge", 1), "UnknownAssetError"),
        ("look-alike denom", MsgSendCoins(alice, "BTC", 1), "InvalidMessageError"),
        ("module account", MsgSendCoins(MODULE_ADDRESSES["bonded"], "ugos", GOS), "ModuleAccountError"),
        ("lock of GOS", MsgLockAsset("ugos", 1), "UnknownAssetError"),
        ("vote of nothing", MsgVoteNode(OPERATOR_PLACEHOLDER, 0), "InvalidAddressError"),
        ("bad moniker", MsgRegisterNode(b"\x01" * 32, "line\nbreak"), "InvalidMessageError"),
        ("zero price", MsgSubmitPrices([PriceQuote("btc", 0)]), "InvalidAmountError"),
        ("swap of the wrong denom", MsgSwap("btc", "eth", 1, 0), "InvalidMessageError"),
    ]


@pytest.mark.parametrize("case", range(14))
def test_a_message_that_could_never_be_valid_is_refused_before_the_mempool(devnet: Devnet, case: int) -> None:
    devnet.produce(3)  # the operator earns GOS for fees
    name, msg, error = invalid_messages(devnet)[case]
    operator = devnet.operator.address
    before = devnet.client.get(f"/accounts/{operator}").json()
    response = devnet.client.post("/txs", json={"tx": devnet.sign(devnet.operator, msg)})
    assert response.status_code == 400, (name, response.text)
    assert response.json()["error"] == error, (name, response.json())
    assert len(devnet.node.app.mempool) == 0
    devnet.produce()
    after = devnet.client.get(f"/accounts/{operator}").json()
    assert after["sequence"] == before["sequence"] == after["next_sequence"], name  # the sequence is still free
    assert int(after["gos"]["ugos"]) >= int(before["gos"]["ugos"]), name  # no fee was taken (rewards only add)
