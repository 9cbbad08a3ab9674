"""The custody module's declaration: deposits and withdrawals of external assets vouched for by m-of-n
custodians, and the sanctions holds the compliance council decides."""

from gostaking.chain.constants import MODULE_CUSTODY_ESCROW
from gostaking.chain.module import Module, ParamsSection
from gostaking.chain.modules.custody import events, queries, tables
from gostaking.chain.modules.custody.handlers import (
    process_attest_deposit,
    process_confirm_withdrawal,
    process_request_withdrawal,
    process_resolve_hold,
    process_update_sanctions,
)
from gostaking.chain.modules.custody.invariants import check_escrow
from gostaking.chain.modules.custody.params import validate_custody_params
from gostaking.chain.types.params import CustodyParams
from gostaking.chain.types.tx import (
    MsgAttestDeposit,
    MsgConfirmWithdrawal,
    MsgRequestWithdrawal,
    MsgResolveHold,
    MsgUpdateSanctions,
)

MODULE = Module(
    name="custody",
    tables=(tables.DEPOSITS, tables.WITHDRAWALS, tables.WITHDRAWAL_COUNT, tables.SANCTIONED),
    # The custodian set changes with the custodians' own keys, not by a vote.
    params=(ParamsSection("custody", CustodyParams, validate_custody_params, governable=False),),
    handlers={
        MsgAttestDeposit: process_attest_deposit,
        MsgRequestWithdrawal: process_request_withdrawal,
        MsgConfirmWithdrawal: process_confirm_withdrawal,
        MsgUpdateSanctions: process_update_sanctions,
        MsgResolveHold: process_resolve_hold,
    },
    invariants=(check_escrow,),
    events=events.EVENTS,
    accounts=(MODULE_CUSTODY_ESCROW,),
    queries=(
        queries.compute_deposit_key,
        queries.compute_sanctions_subject,
        queries.get_deposit,
        queries.get_deposits_page,
        queries.get_hosted_chain,
        queries.get_sanctions_page,
        queries.get_withdrawal,
        queries.get_withdrawal_count,
        queries.get_withdrawals_page,
    ),
)
