"""Governance: proposals, votes, the committee report and the parameters."""

from typing import Any

from pydantic import BaseModel, Field

from .common import GosAmount, OffsetPage


class TallyView(BaseModel):
    """Voting power per option, in GOS (converted from shares at the current GOS index)."""

    yes: GosAmount
    no: GosAmount
    abstain: GosAmount
    total: GosAmount = Field(description="yes + no + abstain")
    final: bool = Field(
        description="true once the vote has ended (the recorded tally); false while voting: the power the votes "
        "carry now, which may still change until the end"
    )
    quorum_reached: bool = Field(
        description="votes cast reach quorum of all GOS: measured now while voting, as recorded once ended"
    )
    passing: bool = Field(
        description="yes exceeds the pass threshold of yes + no: now while voting; once ended, whether it passed"
    )


class ProposalSummary(BaseModel):
    """A proposal in a list."""

    id: int
    title: str
    type: str = Field(
        description="content type: text, param_change, asset_listing, asset_weight, node_count, kyc_provider"
    )
    status: str = Field(description="voting, passed, rejected, no_quorum, executed, execution_failed or expired")
    proposer: str
    deposit: GosAmount
    submit_height: int
    voting_end_height: int
    ratification_end_height: int | None = Field(description="set once the vote passed")
    ratifications: str = Field(description="committee members that ratified / committee size", examples=["2/3"])


class ProposalList(OffsetPage):
    """A page of proposals, newest first."""

    total: int = Field(description="proposals matching the filter")
    proposals: list[ProposalSummary]


class ProposalDetail(ProposalSummary):
    """A proposal with its decoded content, tally, committee and ratifications."""

    description: str
    content: dict[str, Any] = Field(description="the decoded proposal content, `type` first")
    tally: TallyView
    committee: list[str] = Field(description="mining node operators when the vote passed: 2/3 must ratify")
    ratified_by: list[str]
    ratifications_needed: int = Field(description="ratifications that execute the proposal (0 before it passed)")
    blocks_left: int | None = Field(description="blocks until the current deadline (voting or ratification end)")
    log: str = Field(description="why execution failed, if it did")


class VoteView(BaseModel):
    """One holder's vote."""

    voter: str
    option: str = Field(description="yes, no or abstain")
    escrow: GosAmount = Field(description="liquid GOS escrowed for this vote (returned when the vote ends)")
    bonded: GosAmount = Field(description="the voter's voted + staked GOS now")
    power: GosAmount = Field(description="bonded + escrow: what the vote weighs if nothing moves until the end")


class VoteList(BaseModel):
    """Votes on a proposal. Votes are kept only while the vote runs; afterwards only the tally remains."""

    proposal_id: int
    status: str
    votes: list[VoteView] = Field(description="a page of the votes, by voter")
    note: str = ""
    total: int = Field(description="votes in all")
    limit: int
    offset: int


class ReportProposal(BaseModel):
    """One proposal in the committee report."""

    id: int
    title: str
    type: str = Field(description="content class, e.g. ParamChangeProposal")
    status: str
    submitted: int
    voting_end: int
    tally_ugos: dict[str, int] = Field(description="yes / no / abstain in ugos (live while the vote runs)")
    tally_final: bool = Field(description="false while the vote runs: the tally is live, at today's bonds")
    ratifications: str
    log: str


class CommitteeReport(BaseModel):
    """The GoStaking Committee's report, built by the chain from its own data."""

    height: int
    committee: list[str] = Field(description="the current mining node operators")
    epoch: int
    proposals_by_status: dict[str, int] = Field(description="every proposal, counted by status")
    proposals: list[ReportProposal] = Field(description="a page of the proposals, by id")
    total: int = Field(description="proposals in all")
    limit: int
    offset: int


class GovParamsView(BaseModel):
    """Governance parameters."""

    min_deposit: GosAmount
    voting_period_blocks: int
    quorum_ppm: int
    quorum: str = Field(description="share of all GOS that must vote", examples=["10%"])
    pass_threshold_ppm: int
    pass_threshold: str = Field(description="share of yes + no that yes must exceed")
    ratify_ppm: int
    ratify: str = Field(description="share of the committee that must ratify")
    ratification_period_blocks: int
