"""The complete chain state: every table, declared in one place.

Table names are part of the storage keys (and so of the app hash): never rename one.
"""

from gostaking.chain.tables import Singleton, Table, TableSet
from gostaking.chain.types.bank import Account, GosSupply
from gostaking.chain.types.compliance import (
    ComplianceActionRecord,
    CouncilApproval,
    FreezeRecord,
    KycAttestation,
    KycProvider,
)
from gostaking.chain.types.custody import Deposit, SanctionEntry, Withdrawal
from gostaking.chain.types.dex import DexPool
from gostaking.chain.types.emission import EmissionState
from gostaking.chain.types.gov import Proposal, ProposalVote
from gostaking.chain.types.lock import Asset
from gostaking.chain.types.mining import Pool, Position, RewardTotals
from gostaking.chain.types.nodes import CandidatePool, MiningSet, Node, NodeCounters
from gostaking.chain.types.oracle import OraclePrice, PriceVote
from gostaking.chain.types.params import ChainParams
from gostaking.chain.types.staking import Unbonding, UnbondingCursor


class State(TableSet):
    """All tables of the chain. Modules read them through their queries and write through their mutations."""

    def __init__(self) -> None:
        super().__init__()
        # chain
        self.chain_id: Singleton[str] = self.singleton("chain_id", str, lambda: "")
        self.params: Singleton[ChainParams] = self.singleton("params", ChainParams, ChainParams)
        self.height: Singleton[int] = self.singleton("height", int, lambda: 0)
        # compliance
        self.kyc: Table[str, KycAttestation] = self.table("kyc", str, KycAttestation)
        self.kyc_providers: Table[str, KycProvider] = self.table("kyc_providers", str, KycProvider)
        self.frozen: Table[str, FreezeRecord] = self.table("frozen", str, FreezeRecord)
        self.compliance_actions: Table[int, ComplianceActionRecord] = self.table(
            "compliance_actions", int, ComplianceActionRecord
        )
        """Every freeze/unfreeze proposed by the council, with its approvers: the audit trail."""
        self.compliance_action_count: Singleton[int] = self.singleton("compliance_action_count", int, lambda: 0)
        self.council_approvals: Table[str, CouncilApproval] = self.table("council_approvals", str, CouncilApproval)
        """Decision subject (e.g. 'hold:deposit:bitcoin:<txid>:release') → approvals gathered so far; removed when
        the decision executes (its events are the audit trail) or becomes moot."""
        # bank
        self.accounts: Table[str, Account] = self.table("accounts", str, Account)
        self.balances: Table[tuple[str, str], int] = self.table("balances", tuple[str, str], int)
        """(address, denom) → amount; for 'ugos' the value is GOS shares (see GosSupply)."""
        self.gos_supply: Singleton[GosSupply] = self.singleton("gos_supply", GosSupply, GosSupply)
        self.asset_supply: Table[str, int] = self.table("asset_supply", str, int)
        # emission
        self.emission: Singleton[EmissionState] = self.singleton("emission", EmissionState, EmissionState)
        # mining (hash power and user rewards)
        self.pools: Table[str, Pool] = self.table("pools", str, Pool)
        self.positions: Table[tuple[str, str], Position] = self.table("positions", tuple[str, str], Position)
        self.reward_totals: Singleton[RewardTotals] = self.singleton("reward_totals", RewardTotals, RewardTotals)
        # lock
        self.assets: Table[str, Asset] = self.table("assets", str, Asset)
        # nodes
        self.nodes: Table[str, Node] = self.table("nodes", str, Node)
        self.node_by_consensus: Table[str, str] = self.table("node_by_consensus", str, str)
        self.mining_set: Singleton[MiningSet] = self.singleton("mining_set", MiningSet, MiningSet)
        self.candidate_pool: Singleton[CandidatePool] = self.singleton("candidate_pool", CandidatePool, CandidatePool)
        self.node_counters: Singleton[NodeCounters] = self.singleton("node_counters", NodeCounters, NodeCounters)
        # oracle
        self.price_votes: Table[tuple[str, str], PriceVote] = self.table("price_votes", tuple[str, str], PriceVote)
        """(denom, feeder operator) → latest quote."""
        self.oracle_prices: Table[str, OraclePrice] = self.table("oracle_prices", str, OraclePrice)
        # custody
        self.deposits: Table[tuple[str, str], Deposit] = self.table("deposits", tuple[str, str], Deposit)
        """(hosted chain, external tx id) → deposit."""
        self.withdrawals: Table[int, Withdrawal] = self.table("withdrawals", int, Withdrawal)
        self.withdrawal_count: Singleton[int] = self.singleton("withdrawal_count", int, lambda: 0)
        self.sanctioned: Table[tuple[str, str], SanctionEntry] = self.table(
            "sanctioned", tuple[str, str], SanctionEntry
        )
        """(hosted chain, lower-cased external address) → listing."""
        # gov
        self.proposals: Table[int, Proposal] = self.table("proposals", int, Proposal)
        self.proposal_count: Singleton[int] = self.singleton("proposal_count", int, lambda: 0)
        self.proposal_votes: Table[tuple[int, str], ProposalVote] = self.table(
            "proposal_votes", tuple[int, str], ProposalVote, indexes={"by_proposal": lambda key, _: key}
        )
        """(proposal id, voter) → vote; the index lets a tally visit one proposal's votes."""
        self.gov_deadlines: Table[int, tuple[int, ...]] = self.table("gov_deadlines", int, tuple[int, ...])
        """height → proposals whose voting or ratification period ends there."""
        # dex
        self.dex_pools: Table[str, DexPool] = self.table("dex_pools", str, DexPool)
        self.lp_positions: Table[tuple[str, str], int] = self.table("lp_positions", tuple[str, str], int)
        """(denom, provider) → liquidity units."""
        # staking
        self.delegations: Table[tuple[str, str, str], int] = self.table(
            "delegations",
            tuple[str, str, str],
            int,
            indexes={"by_node": lambda key, _: (key[1], key[2], key[0]), "by_address": lambda key, _: key},
        )
        """(address, node, 'vote'|'stake') → GOS shares; indexed by node (slashing, node pages) and address."""
        self.unbondings: Table[tuple[int, int], Unbonding] = self.table(
            "unbondings",
            tuple[int, int],
            Unbonding,
            indexes={
                "by_address": lambda key, entry: (entry.address, *key),
                "by_node": lambda key, entry: (entry.node, entry.kind, *key),
            },
        )
        """(completion height, index within that height) → entry; indexed by owner (account pages) and by node
        (double-sign slashing reaches stake that left the node after the infraction)."""
        self.unbonding_counts: Table[int, int] = self.table("unbonding_counts", int, int)
        """completion height → number of entries ever queued for it (next index)."""
        self.unbonding_cursor: Singleton[UnbondingCursor] = self.singleton(
            "unbonding_cursor", UnbondingCursor, UnbondingCursor
        )
