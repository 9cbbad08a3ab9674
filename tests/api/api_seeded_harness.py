"""A compliance devnet seeded with at least one of everything the API shows: bonds and an unbonding, a second node,
a lock, a DEX pool, deposits and a withdrawal, sanctions (listed and pending approval), a frozen account, KYC, a
finished proposal and one still voting, an order-book auction and an order left open (so the devnet must list the
book's markets: `open_compliance_devnet(…, modules=BOOK_MODULES)`); with its explorer index synced. The API's
robustness tests (schemathesis and the integer-bound sweep) run against it, so that their requests reach real rows."""

import hashlib
from dataclasses import dataclass
from typing import Any

from api_book_harness import BTC_LOT
from api_compliance_harness import (
    ALICE,
    BOB,
    COUNCIL,
    CUSTODIANS,
    NEWCOMER,
    OPERATOR,
    PROVIDER,
    VOTING_PERIOD,
    council_decides,
    fund_actors,
    ok,
)
from api_harness import GOS, Devnet

from gostaking.chain.types.book import MsgPlaceOrder
from gostaking.chain.types.compliance import FreezeAction
from gostaking.chain.types.gov import TextProposal
from gostaking.chain.types.tx import (
    MsgAddLiquidity,
    MsgApproveComplianceAction,
    MsgAttestDeposit,
    MsgAttestKyc,
    MsgLockAsset,
    MsgRegisterNode,
    MsgRequestWithdrawal,
    MsgStakeNode,
    MsgSubmitProposal,
    MsgUnvoteNode,
    MsgUpdateSanctions,
    MsgVoteNode,
    MsgVoteProposal,
    SanctionUpdate,
)

BTC = 10**8
DEPOSIT_TX = "aa11"


@dataclass(frozen=True)
class Seeded:
    """What the seeding created, to name in requests."""

    tx_hash: str
    """An included transaction."""
    voting_proposal: int
    finished_proposal: int
    withdrawal_id: int
    action_id: int
    order_id: int
    """An open order (an ask partly filled by the seeded auction)."""


def seed(chain: Devnet) -> Seeded:
    """Fill the chain (a compliance devnet) through signed transactions, then sync its explorer index."""
    fund_actors(chain)
    expires = chain.node.app.height + 100_000
    ok(chain, PROVIDER, MsgAttestKyc(ALICE.address, 2, expires, hashlib.sha256(b"alice's passport").digest()))
    tx_hash = ok(chain, ALICE, MsgVoteNode(OPERATOR.address, 3 * GOS), MsgStakeNode(OPERATOR.address, 2 * GOS))
    ok(chain, BOB, MsgRegisterNode(hashlib.sha256(b"bob-node").digest(), "bob-node"))
    ok(chain, BOB, MsgStakeNode(BOB.address, 2 * GOS))
    ok(chain, ALICE, MsgVoteNode(BOB.address, GOS), MsgLockAsset("btc", BTC // 2))
    ok(chain, ALICE, MsgUnvoteNode(OPERATOR.address, GOS))
    ok(chain, ALICE, MsgAddLiquidity("btc", 100_000, 10 * GOS))
    deposit = MsgAttestDeposit("bitcoin", DEPOSIT_TX, "bc1qsender", ALICE.address, "btc", BTC // 2)
    ok(chain, CUSTODIANS[0], deposit)
    ok(chain, CUSTODIANS[1], deposit)
    ok(chain, CUSTODIANS[0], MsgAttestDeposit("bitcoin", "bb22", "bc1qother", ALICE.address, "btc", BTC // 4))
    ok(chain, ALICE, MsgRequestWithdrawal("btc", BTC // 10, "bc1qdest"))
    council_decides(chain, MsgUpdateSanctions([SanctionUpdate("bitcoin", "BC1QBAD", True)]))
    ok(chain, COUNCIL[0], MsgUpdateSanctions([SanctionUpdate("ethereum", "0xdead", True)]))  # waits for a 2nd
    ok(chain, COUNCIL[0], MsgApproveComplianceAction(action=FreezeAction(NEWCOMER.address, "mixer", "AML-1")))
    ok(chain, COUNCIL[1], MsgApproveComplianceAction(0))
    ok(chain, ALICE, MsgSubmitProposal("Finished", "A signal.", TextProposal(), GOS))
    chain.produce(VOTING_PERIOD + 1)
    ok(chain, ALICE, MsgSubmitProposal("Voting", "Another signal.", TextProposal(), GOS))
    ok(chain, BOB, MsgVoteProposal(1, "yes", escrow=GOS))
    # The harness's helpers are annotated with the launch messages; the book's sign and encode the same way.
    ask: Any = MsgPlaceOrder("btc", "sell", 1_000 * GOS, 10 * BTC_LOT)
    placed = ok(chain, ALICE, ask)
    order_id = next(int(e["attributes"]["order_id"]) for e in placed["events"] if e["kind"] == "order_placed")
    bid: Any = MsgPlaceOrder("btc", "buy", 1_000 * GOS, 3 * BTC_LOT)
    ok(chain, BOB, bid)
    chain.client.app.state.explorer_index.indexer.sync()
    return Seeded(
        tx_hash=tx_hash["tx_hash"],
        voting_proposal=1,
        finished_proposal=0,
        withdrawal_id=0,
        action_id=0,
        order_id=order_id,
    )


def valid_values(seeded: Seeded) -> dict[str, Any]:
    """A real value for every path or required query parameter of the API's operations, naming seeded rows."""
    return {
        "address": ALICE.address,
        "operator": OPERATOR.address,
        "denom": "btc",
        "tx_hash": seeded.tx_hash,
        "hosted_chain": "bitcoin",
        "external_tx_id": DEPOSIT_TX,
        "height": "1",
        "proposal_id": seeded.voting_proposal,
        "withdrawal_id": seeded.withdrawal_id,
        "action_id": seeded.action_id,
        "order_id": seeded.order_id,
        "pair": "btc",
        "denom_in": "ugos",
        "amount_in": 1_000,
        "q": "1",
    }
