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
from gostaking.chain.errors import ChainError
from gostaking.chain.genesis import init_chain
from gostaking.chain.modules.book.handlers import check_place_order
from gostaking.chain.modules.book.queries import (
    ROUNDING_RESERVE_UGOS_PER_LOT,
    compute_buy_escrow,
    compute_notional,
    compute_order_escrow,
    get_buy_rounding_reserve,
    get_market,
    get_whole_unit,
)
from gostaking.chain.modules.dex.queries import get_denom_unit
from gostaking.chain.state import State
from gostaking.chain.types.book import MsgCancelOrder, MsgPlaceOrder, MsgRoutedSwap
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
from gostaking.cli.book import plan_market_order
from gostaking.cosigner.policy import Policy, encode_policy
from gostaking.cosigner.protocol import enrolment_subject, request_digest, two_factor_address, two_factor_key
from gostaking.node.runtime import make_devnet_genesis
from gostaking.wallet.hd import BACKUP_ACCOUNT, gos_key, gos_path, seed_from_mnemonic
from gostaking.wallet.keys import PrivateKey
from gostaking.wallet.multisig import UnsignedTx

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
    "place_order": MsgPlaceOrder,
    "cancel_order": MsgCancelOrder,
    "routed_swap": MsgRoutedSwap,
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
    "price",
    "quantity",
    "expiry_height",
    "order_id",
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
    {
        "msgs": [
            {
                "type": "place_order",
                "market": "eth",
                "side": "buy",
                "price": "200001000",
                "quantity": str(25 * 10**16),
                "time_in_force": "post_only",
                "expiry_height": "123456",
            },
            {"type": "cancel_order", "order_id": str(2**63)},
        ],
        "memo": "订单簿",
    },
    {
        "msgs": [
            {
                "type": "place_order",
                "market": "btc",
                "side": "sell",
                "price": "60000000000",
                "quantity": "100000",
                "time_in_force": "gtc",
                "expiry_height": "0",
            },
            {"type": "routed_swap", "pair": "usgos", "denom_in": "ugos", "amount_in": "5000000", "min_out": "4900000"},
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
                "backup_path": gos_path(BACKUP_ACCOUNT),
                "backup_public_key": gos_key(seed_from_mnemonic(mnemonic, passphrase), BACKUP_ACCOUNT).public_key.hex(),
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
    return {"keys": keys, "txs": txs, "two_factor": two_factor_vectors(), "book": book_vectors()}


COSIGNER_USER_NUMBER = 3
"""The cosigner's key of the 2FA vector: its seed's m/44'/118'/3'/0/0, as a cosigner derives user number 3's."""
TWO_FACTOR_POLICY = Policy(
    daily_limits={"ugos": 2**64, "btc": 5}, allowlist=[OPERATOR, "bc1q-external"], delay_thresholds={"ugos": 1}
)


def two_factor_vectors() -> dict[str, Any]:
    """A 2FA wallet of the first phrase (user and backup keys) and a cosigner seeded by the third: its 2-of-3 address,
    a transaction signed by the user and the cosigner, and the request signatures of the cosigner's protocol."""
    seed = seed_from_mnemonic(ABANDON)
    user, backup = gos_key(seed), gos_key(seed, BACKUP_ACCOUNT)
    cosigner = gos_key(seed_from_mnemonic(LEGAL), COSIGNER_USER_NUMBER)
    key = two_factor_key(user.public_key, backup.public_key, cosigner.public_key)
    address = two_factor_address(key)
    fields: dict[str, Any] = {"chain_id": "gostaking-vectors", "sender": address, "sequence": "7", "fee": "1000"}
    fields |= {
        "msgs": [
            {"type": "send", "to": OPERATOR, "denom": "ugos", "amount": "2500000"},
            {"type": "liquid_stake", "amount": str(2**64)},
        ],
        "memo": "2FA 双重验证",
    }
    body = body_of(fields)
    signers = {key.pubkeys.index(k.public_key): k for k in (user, cosigner)}
    signatures = {index: signer.sign_digest(sign_bytes(body)) for index, signer in signers.items()}
    wire = UnsignedTx(body, key, signatures).wire_bytes()
    subject = enrolment_subject(user.public_key, backup.public_key)
    requests = [
        ("enrol", subject, b""),
        ("policy", address, encode_policy(TWO_FACTOR_POLICY)),
        ("passkey", address, b""),
        ("cancel", address, b"Zq3-token_AbCdEfGhIjKlMn"),
    ]
    return {
        "cosigner_secret": cosigner.secret.hex(),
        "cosigner_public_key": cosigner.public_key.hex(),
        "threshold": key.threshold,
        "sorted_pubkeys": [pubkey.hex() for pubkey in key.pubkeys],
        "address": address,
        "tx": {
            "body": fields,
            "canonical_body": encode(body).decode(),
            "signatures": {str(index): signature.hex() for index, signature in sorted(signatures.items())},
            "wire": wire.hex(),
            "tx_hash": tx_hash(wire).hex(),
        },
        "policy": {
            "daily_limits": {denom: str(amount) for denom, amount in TWO_FACTOR_POLICY.daily_limits.items()},
            "allowlist": TWO_FACTOR_POLICY.allowlist,
            "delay_thresholds": {denom: str(amount) for denom, amount in TWO_FACTOR_POLICY.delay_thresholds.items()},
            "delay_seconds": TWO_FACTOR_POLICY.delay_seconds,
            "canonical": encode_policy(TWO_FACTOR_POLICY).decode(),
        },
        "requests": [
            {
                "action": action,
                "subject": subject_,
                "payload": payload.decode(),
                "digest": request_digest(action, subject_, payload).hex(),
                "signature": user.sign_digest(request_digest(action, subject_, payload)).hex(),
            }
            for action, subject_, payload in requests
        ],
    }


# (market, side, price in ugos per whole unit, quantity in base units): on and off the devnet markets' ticks and lots,
# below their minimum value, and amounts past 2^53.
ORDER_CASES = [
    ("btc", "buy", 500_000_000, 1_000_000),
    ("btc", "sell", 500_000_000, 1_000_000),
    ("btc", "buy", 60_000_123_000, 2**60 // 100_000 * 100_000),
    ("btc", "buy", 500_000_500, 1_000_000),
    ("btc", "buy", 500_000_000, 1_050_000),
    ("btc", "sell", 900_000_000, 100_000),
    ("eth", "buy", 200_001_000, 25 * 10**16),
    ("eth", "sell", 3_000, 10**15),
    ("usgos", "buy", 1_000_100, 10**6),
    ("usgos", "buy", 1, 10**4),
]
# (side, quantity, opposite levels (price, quantity) best first, slippage ppm, tick)
MARKET_ORDER_CASES = [
    ("buy", 1_000_000, [(500_000_000, 1_000_000), (505_000_000, 2_000_000)], 10_000, 1_000),
    ("buy", 3_000_000, [(500_000_000, 1_000_000), (504_999_000, 2_000_000), (506_000_000, 5_000_000)], 10_000, 1_000),
    ("sell", 2_500_000, [(400_000_000, 1_000_000), (396_000_000, 1_000_000), (390_000_000, 9_000_000)], 10_000, 1_000),
    ("sell", 10**6, [(1_700, 10**4)], 999_999, 1_000),
    ("buy", 10**6, [(1_000_123, 10**7)], 3_333, 100),
    ("sell", 10**6, [], 10_000, 1_000),
]


def book_vectors() -> dict[str, Any]:
    """The order book's arithmetic on the devnet's markets (btc, eth, sGOS), computed by the chain: each order's
    escrow (and what it would escrow as a buy), its value at its limit, and which error, if any, the chain refuses its
    shape with; and market orders' limits and fills as `gostaking dex order --market` plans them. The app's
    src/book.js must give the same."""
    state = State()
    key = PrivateKey(bytes(31) + b"\x01")
    init_chain(state, make_devnet_genesis("gostaking-vectors", key.address, key.address, bytes(32), 0))
    markets = {}
    for denom in sorted({case[0] for case in ORDER_CASES}):
        market = get_market(state, denom)
        assert market is not None, denom
        markets[denom] = {
            "decimals": get_denom_unit(state, denom).decimals,
            "tick": str(market.tick_ugos),
            "lot": str(market.lot),
            "min_notional": str(market.min_notional_ugos),
            "taker_fee_ppm": str(market.taker_fee_ppm),
            "rounding_reserve_ugos_per_lot": str(get_buy_rounding_reserve(state)),
        }
    market_of = {denom: get_market(state, denom) for denom in markets}
    orders = []
    for denom, side, price, quantity in ORDER_CASES:
        try:
            check_place_order(state, MsgPlaceOrder(denom, side, price, quantity))
            refused = None
        except ChainError as error:
            refused = type(error).__name__
        notional = compute_notional(quantity, price, get_whole_unit(state, denom))
        orders.append(
            {
                "market": denom,
                "side": side,
                "price": str(price),
                "quantity": str(quantity),
                "notional": str(notional),
                "escrow": str(compute_order_escrow(state, denom, side, price, quantity)),
                "buy_escrow": str(compute_order_escrow(state, denom, "buy", price, quantity)),
                # What it would escrow as a buy once a GOS burn has happened (the reserve per lot is then due).
                "buy_escrow_after_burn": str(
                    compute_buy_escrow(
                        quantity,
                        price,
                        get_whole_unit(state, denom),
                        market_of[denom].lot,
                        market_of[denom].taker_fee_ppm,
                        ROUNDING_RESERVE_UGOS_PER_LOT,
                    )
                ),
                "refused": refused,
            }
        )
    plans = []
    for side, quantity, levels, slippage_ppm, tick in MARKET_ORDER_CASES:
        plan = plan_market_order(side, quantity, levels, slippage_ppm, tick)
        plans.append(
            {
                "side": side,
                "quantity": str(quantity),
                "levels": [[str(price), str(size)] for price, size in levels],
                "slippage_ppm": str(slippage_ppm),
                "tick": str(tick),
                "plan": None
                if plan is None
                else {
                    "best": str(plan.best_price),
                    "worst": str(plan.worst_price),
                    "quantity": str(plan.quantity),
                    "clearing": str(plan.clearing_price),
                },
            }
        )
    return {
        "markets": markets,
        "orders": orders,
        "market_orders": plans,
        "rounding_reserve_after_burn_ugos_per_lot": str(ROUNDING_RESERVE_UGOS_PER_LOT),
    }


def write_vectors() -> None:
    VECTORS_FILE.write_text(json.dumps(build_vectors(), indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    write_vectors()
