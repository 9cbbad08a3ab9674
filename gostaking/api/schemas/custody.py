"""Custody: deposits, withdrawals, the sanctions list and the custody parameters."""

from pydantic import BaseModel, Field

from .common import AssetAmount, OffsetPage


class DepositView(BaseModel):
    """A transfer into custody on a hosted chain, as the custodians attested it."""

    key: str = Field(description="'hosted_chain:external_tx_id', the name MsgResolveHold uses")
    hosted_chain: str
    external_tx_id: str
    from_address: str = Field(description="sender on the hosted chain")
    recipient: str = Field(description="GoStaking account credited")
    amount: AssetAmount
    status: str = Field(
        description="pending (attestations below threshold), credited, held (sanctions), rejected or reclaimed (taken"
        " back by its depositor: /custody/reclaims)"
    )
    attesters: list[str]
    attestations: str = Field(description="attestations / threshold", examples=["1/2"])
    first_seen_height: int
    resolved_height: int | None = Field(description="height it was credited, held or rejected")


class DepositList(OffsetPage):
    """A page of deposits, newest first."""

    deposits: list[DepositView]


class WithdrawalView(BaseModel):
    """A request to send wrapped units back out on their hosted chain."""

    id: int
    owner: str
    amount: AssetAmount
    hosted_chain: str
    external_address: str = Field(description="destination on the hosted chain")
    status: str = Field(description="pending (to be paid out), held (sanctions), completed or refunded")
    requested_height: int
    external_tx_id: str = Field(description="payout transaction on the hosted chain, once confirmed")
    confirmers: list[str]
    confirmations: str = Field(description="confirmations / threshold", examples=["1/2"])
    resolved_height: int | None


class WithdrawalList(OffsetPage):
    """A page of withdrawals."""

    withdrawals: list[WithdrawalView]


class ReclaimView(BaseModel):
    """A deposit whose output its depositor took back on the hosted chain through the lock's timelocked path (the
    custodians had not swept it in time), as the custodians reported it, and what applying it debited."""

    deposit: str = Field(description="'hosted_chain:external_tx_id' of the deposit taken back")
    hosted_chain: str
    external_tx_id: str
    recipient: str = Field(description="GoStaking account the deposit credited, which the reclaim debits")
    reclaim_tx_id: str = Field(description="the depositor's spend on the hosted chain")
    status: str = Field(description="pending (reports below threshold) or applied")
    reporters: list[str]
    reports: str = Field(description="reports / threshold", examples=["1/2"])
    liability: AssetAmount = Field(description="what the deposit had credited when the reclaim applied (0: nothing)")
    debited: AssetAmount = Field(description="of the liability, burned from the recipient: balance first, then locks")
    shortfall: AssetAmount = Field(
        description="of the liability, what had moved beyond the recipient's reach: wrapped units without backing"
    )
    first_seen_height: int
    resolved_height: int | None = Field(description="height the reclaim applied")


class ReclaimList(OffsetPage):
    """A page of reclaims."""

    reclaims: list[ReclaimView]


class SanctionView(BaseModel):
    """An external address on the sanctions list."""

    hosted_chain: str
    address: str = Field(description="lower-cased; addresses compare case-insensitively")
    source: str = Field(examples=["OFAC-SDN"])
    listed_height: int


class SanctionList(BaseModel):
    """A page of the sanctions list, ordered by hosted chain and address."""

    total: int
    limit: int
    offset: int
    sanctions: list[SanctionView]


class CustodyParamsView(BaseModel):
    """Who vouches for external assets and who screens them."""

    enabled: bool = Field(description="false when the chain has no custodians")
    custodians: list[str]
    threshold: int = Field(description="attestations (m of n) that credit a deposit or complete a withdrawal")
    council: list[str] = Field(description="the compliance council: keeps the sanctions list and resolves holds")
    council_threshold: int = Field(description="council approvals (m of n) that execute such a decision")
    withdraw_min_kyc_level: int
