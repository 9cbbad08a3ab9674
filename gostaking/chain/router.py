"""Which handler processes which message."""

from collections.abc import Callable
from typing import Any

from gostaking.chain.env import Context
from gostaking.chain.modules.bank.handlers import process_send_coins
from gostaking.chain.modules.compliance.handlers import (
    process_approve_compliance_action,
    process_attest_kyc,
    process_revoke_kyc,
)
from gostaking.chain.modules.custody.handlers import (
    process_attest_deposit,
    process_confirm_withdrawal,
    process_request_withdrawal,
    process_resolve_hold,
    process_update_sanctions,
)
from gostaking.chain.modules.dex.handlers import process_add_liquidity, process_remove_liquidity, process_swap
from gostaking.chain.modules.gov.handlers import (
    process_ratify_proposal,
    process_submit_proposal,
    process_vote_proposal,
)
from gostaking.chain.modules.lock.handlers import process_lock_asset, process_unlock_asset
from gostaking.chain.modules.nodes.handlers import process_register_node, process_unjail_node
from gostaking.chain.modules.oracle.handlers import process_submit_prices
from gostaking.chain.modules.staking.handlers import (
    process_claim_rewards,
    process_stake_node,
    process_unstake_node,
    process_unvote_node,
    process_vote_node,
)
from gostaking.chain.state import State
from gostaking.chain.types.tx import (
    Msg,
    MsgAddLiquidity,
    MsgApproveComplianceAction,
    MsgAttestDeposit,
    MsgAttestKyc,
    MsgClaimRewards,
    MsgConfirmWithdrawal,
    MsgLockAsset,
    MsgRatifyProposal,
    MsgRegisterNode,
    MsgRemoveLiquidity,
    MsgRequestWithdrawal,
    MsgResolveHold,
    MsgRevokeKyc,
    MsgSendCoins,
    MsgStakeNode,
    MsgSubmitPrices,
    MsgSubmitProposal,
    MsgSwap,
    MsgUnjailNode,
    MsgUnlockAsset,
    MsgUnstakeNode,
    MsgUnvoteNode,
    MsgUpdateSanctions,
    MsgVoteNode,
    MsgVoteProposal,
)

Handler = Callable[[State, Context, Any], None]

HANDLERS: dict[type, Handler] = {
    MsgSendCoins: process_send_coins,
    MsgLockAsset: process_lock_asset,
    MsgUnlockAsset: process_unlock_asset,
    MsgVoteNode: process_vote_node,
    MsgUnvoteNode: process_unvote_node,
    MsgStakeNode: process_stake_node,
    MsgUnstakeNode: process_unstake_node,
    MsgRegisterNode: process_register_node,
    MsgUnjailNode: process_unjail_node,
    MsgSubmitPrices: process_submit_prices,
    MsgAttestDeposit: process_attest_deposit,
    MsgRequestWithdrawal: process_request_withdrawal,
    MsgConfirmWithdrawal: process_confirm_withdrawal,
    MsgUpdateSanctions: process_update_sanctions,
    MsgResolveHold: process_resolve_hold,
    MsgSubmitProposal: process_submit_proposal,
    MsgVoteProposal: process_vote_proposal,
    MsgRatifyProposal: process_ratify_proposal,
    MsgAttestKyc: process_attest_kyc,
    MsgRevokeKyc: process_revoke_kyc,
    MsgApproveComplianceAction: process_approve_compliance_action,
    MsgAddLiquidity: process_add_liquidity,
    MsgRemoveLiquidity: process_remove_liquidity,
    MsgSwap: process_swap,
    MsgClaimRewards: process_claim_rewards,
}


def route(state: State, ctx: Context, msg: Msg) -> None:
    """Run the handler of `msg`."""
    HANDLERS[type(msg)](state, ctx, msg)
