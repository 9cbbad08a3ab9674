"""The encoding and signing vectors the browser app shares with the Python wallet (tests/app/vectors.json).

`build_vectors()` computes them with the Python wallet (bip-utils derivation, msgspec encoding, coincurve
signatures); test_vectors.py checks that the checked-in file equals what it computes, and vectors.test.mjs that the
app's JavaScript (gostaking/app/src) computes the same from the same inputs. Regenerate after a deliberate change:
`.venv/bin/python tests/app/app_vectors.py`.
"""

import json
from pathlib import Path
from typing import Any

from gostaking.chain.codec import encode, encode_tx, sign_bytes, tx_hash
from gostaking.chain.types.liquid import (
    MsgLiquidAddLiquidity,
    MsgLiquidClaimTicket,
    MsgLiquidInstantUnstake,
    MsgLiquidRemoveLiquidity,
    MsgLiquidStake,
    MsgLiquidUnstake,
)
from gostaking.chain.types.tx import (
    MsgClaimRewards,
    MsgLockAsset,
    MsgSendCoins,
    MsgStakeNode,
    MsgSwap,
    MsgUnlockAsset,
    MsgUnstakeNode,
    MsgUnvoteNode,
    MsgVoteNode,
    MsgVoteProposal,
    Tx,
    TxBody,
    TxMsg,
)
from gostaking.wallet.hd import gos_key, gos_path, seed_from_mnemonic
from gostaking.wallet.keys import PrivateKey

VECTORS_FILE = Path(__file__).resolve().parent / "vectors.json"
ABANDON = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
LEGAL = "legal winner thank year wave sausage worth useful legal winner thank yellow"
MESSAGES: dict[str, type[TxMsg]] = {
    "send": MsgSendCoins,
    "lock": MsgLockAsset,
    "unlock": MsgUnlockAsset,
    "vote": MsgVoteNode,
    "unvote": MsgUnvoteNode,
    "stake": MsgStakeNode,
    "unstake": MsgUnstakeNode,
    "claim": MsgClaimRewards,
    "swap": MsgSwap,
    "vote_proposal": MsgVoteProposal,
    "liquid_stake": MsgLiquidStake,
    "liquid_unstake": MsgLiquidUnstake,
    "liquid_claim_ticket": MsgLiquidClaimTicket,
    "liquid_instant_unstake": MsgLiquidInstantUnstake,
    "liquid_add_liquidity": MsgLiquidAddLiquidity,
    "liquid_remove_liquidity": MsgLiquidRemoveLiquidity,
}
INT_FIELDS = {
    "sequence",
    "fee",
    "amount",
    "amount_in",
    "min_out",
    "proposal_id",
    "escrow",
    "sgos",
    "ticket",
    "ugos",
    "lp",
    "min_gos",
}
"""Integers travel as decimal strings in the file: JavaScript numbers lose digits past 2^53."""

KEY_CASES = [(ABANDON, ""), (ABANDON, "TREZOR"), (LEGAL, ""), ("  Abandon  ABANDON " + ABANDON[16:].upper(), "")]
OPERATOR = "gos1fytfvr5764zq4p0adzxp7kzk7nwy9979p27tq7"
BODY_CASES: list[dict[str, Any]] = [
    {"msgs": [{"type": "send", "to": OPERATOR, "denom": "ugos", "amount": "1500000"}], "memo": ""},
    {
        "msgs": [
            {"type": "lock", "denom": "eth", "amount": str(20 * 10**18)},
            {"type": "vote", "node": OPERATOR, "amount": "500000000"},
            {"type": "stake", "node": OPERATOR, "amount": "500000000"},
        ],
        "memo": "like Alice",
    },
    {"msgs": [{"type": "unlock", "denom": "btc", "amount": "1"}, {"type": "claim"}], "memo": ""},
    {
        "msgs": [
            {"type": "unvote", "node": OPERATOR, "amount": "7"},
            {"type": "unstake", "node": OPERATOR, "amount": "9"},
        ],
        "memo": 'quotes " and \\ backslash, \n newline \t tab \u0001 \u007f <html> & é 中文 \u2028 😀',
    },
    {
        "msgs": [{"type": "swap", "pair": "btc", "denom_in": "ugos", "amount_in": "123456789", "min_out": "1000"}],
        "memo": "",
    },
    {"msgs": [{"type": "vote_proposal", "proposal_id": "3", "option": "yes", "escrow": "0"}], "memo": ""},
    {"msgs": [{"type": "vote_proposal", "proposal_id": "4", "option": "abstain", "escrow": str(2**70)}], "memo": ""},
    {
        "msgs": [
            {"type": "liquid_stake", "amount": "10000000"},
            {"type": "liquid_add_liquidity", "ugos": "5000000"},
        ],
        "memo": "sGOS",
    },
    {
        "msgs": [
            {"type": "liquid_instant_unstake", "sgos": str(2**64 + 1), "min_gos": "9900"},
            {"type": "liquid_unstake", "sgos": "10000"},
        ],
        "memo": "",
    },
    {
        "msgs": [
            {"type": "liquid_claim_ticket", "ticket": "0"},
            {"type": "liquid_remove_liquidity", "lp": str(10**18)},
        ],
        "memo": "",
    },
]


def message_of(fields: dict[str, Any]) -> TxMsg:
    values = {k: int(v) if k in INT_FIELDS else v for k, v in fields.items() if k != "type"}
    return MESSAGES[fields["type"]](**values)


def body_of(fields: dict[str, Any]) -> TxBody:
    msgs: list[Any] = [message_of(m) for m in fields["msgs"]]
    return TxBody(
        fields["chain_id"], fields["sender"], int(fields["sequence"]), int(fields["fee"]), msgs, fields["memo"]
    )


def build_vectors() -> dict[str, Any]:
    keys = []
    for mnemonic, passphrase in KEY_CASES:
        key = gos_key(seed_from_mnemonic(mnemonic, passphrase))
        keys.append(
            {
                "mnemonic": mnemonic,
                "bip39_passphrase": passphrase,
                "path": gos_path(),
                "secret": key.secret.hex(),
                "public_key": key.public_key.hex(),
                "address": key.address,
            }
        )
    txs = []
    for number, case in enumerate(BODY_CASES):
        signer = PrivateKey(bytes.fromhex(keys[number % 3]["secret"]))
        fields = {"chain_id": "gostaking-vectors", "sender": signer.address, "sequence": str(number), "fee": "1000"}
        fields |= case
        body = body_of(fields)
        signature = signer.sign_digest(sign_bytes(body))
        wire = encode_tx(Tx(body=body, signature=signature))
        txs.append(
            {
                "secret": signer.secret.hex(),
                "body": fields,
                "canonical_body": encode(body).decode(),
                "sign_bytes": sign_bytes(body).hex(),
                "signature": signature.hex(),
                "wire": wire.hex(),
                "tx_hash": tx_hash(wire).hex(),
            }
        )
    return {"keys": keys, "txs": txs}


def write_vectors() -> None:
    VECTORS_FILE.write_text(json.dumps(build_vectors(), indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    write_vectors()
