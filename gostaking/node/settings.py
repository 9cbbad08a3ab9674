"""Devnet settings: the home directory layout and the devnet genesis choices (chain id, assets, params).

Chain id: `gostaking devnet` gives every new home its own, `gostaking-devnet-<8 random hex digits>` (or the one
given with --chain-id), written into its genesis.json and kept across restarts; --reset starts a new chain, so a
drawn id is drawn again (a chosen one is kept). A transaction signed for one devnet is refused by every other
(WrongChainIdError). `DevnetSettings` and `init_devnet_home` used
as a library keep the fixed DEVNET_CHAIN_ID unless told otherwise (chain_id=None draws a fresh one), which tests
and embedders that sign with a known id rely on.

<home>/genesis.json    the genesis document
<home>/node_key.json   the node's ed25519 consensus key
<home>/keys/           keyring with the devnet's account keys (unencrypted, throwaway): `operator` (the genesis node's
                       operator, also the price feeder), `faucet`, and the holders of the roles of
                       DEVNET_ROLE_KEYS (compliance council, KYC provider, custodians)
<home>/data/           LMDB chain store
<home>/node.lock       held while a node runs on this home (one node per home)
"""

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from msgspec.structs import replace

from gostaking.chain.numeric import UGOS_PER_GOS
from gostaking.chain.types.book import BookGenesis, MarketListing
from gostaking.chain.types.liquid import SGOS_DENOM
from gostaking.chain.types.lock import Asset
from gostaking.chain.types.params import (
    ChainParams,
    ComplianceParams,
    GovParams,
    NodeParams,
    StakingParams,
)
from gostaking.wallet.keyring import gostaking_home

DEVNET_CHAIN_ID = "gostaking-devnet"
"""The fixed chain id of devnets opened through the library without choosing one (not by `gostaking devnet`)."""
DEVNET_CHAIN_ID_PREFIX = "gostaking-devnet-"
DEFAULT_API_HOST = "127.0.0.1"
DEFAULT_API_PORT = 8645
DEFAULT_BLOCK_TIME_S = 1.0
DEFAULT_API_WORKERS = 2
"""Processes that serve the explorer's index reads beside the node process (gostaking/api/worker.py): one per
core of a 2-core machine; 0 serves everything from the node process."""
MAX_API_WORKERS = 64
DEFAULT_MAPPED_MEMORY_MIB = 1024
"""MiB of its store's mapped pages an app keeps resident by default (GoStakingApp's budget: node/app.py
MAPPED_STORE_BUDGET says what budgets cost)."""
MIN_MAPPED_MEMORY_MIB = 256
"""The smallest budget a node may be given: the process's mapped libraries count in its mapped bytes too (~100 MB),
so a budget near them would take the store's pages out at every commit."""
OPERATOR_KEY_NAME = "operator"
FAUCET_KEY_NAME = "faucet"
COUNCIL_KEY_NAMES = ("council-1", "council-2", "council-3")
"""The devnet's compliance council (2 of 3 approve a decision)."""
KYC_PROVIDER_KEY_NAME = "kyc-provider"
CUSTODIAN_KEY_NAMES = ("custodian1", "custodian2", "custodian3")
"""The devnet's custodians (2 of 3 attest a deposit or confirm a withdrawal)."""
DEVNET_ROLE_KEYS = (*COUNCIL_KEY_NAMES, KYC_PROVIDER_KEY_NAME, *CUSTODIAN_KEY_NAMES)
"""Keys the devnet creates beside `operator` and `faucet` so that every role of the chain can be tried."""
DEVNET_KEYS_ENV = "GOSTAKING_DEVNET_KEYS"
"""Names the devnet keyring the CLI looks a key name up in when the user's keyring lacks it (default: the default
devnet home's `keys`); the banner of a devnet elsewhere says to set it."""
DEVNET_THRESHOLD = 2
"""Council approvals and custodian attestations that execute: 2 of 3, so that m-of-n shows."""
GOS = UGOS_PER_GOS


def default_devnet_home() -> Path:
    """`<gostaking home>/devnet` (the home is $GOSTAKING_HOME or ~/.gostaking)."""
    return gostaking_home() / "devnet"


def new_devnet_chain_id() -> str:
    """A chain id of its own for a new devnet: `gostaking-devnet-` and 8 random hex digits (32 bits)."""
    return DEVNET_CHAIN_ID_PREFIX + secrets.token_hex(4)


def devnet_assets() -> list[Asset]:
    """Test assets of the devnet: weights and prices as the whitepaper's examples use."""
    return [
        Asset("atom", 6, "cosmoshub", weight_ppm=200_000, price_ugos=5 * GOS),
        Asset("btc", 8, "bitcoin", weight_ppm=100_000, price_ugos=10_000 * GOS),
        Asset("dcr", 8, "decred", weight_ppm=200_000, price_ugos=30 * GOS),
        Asset("eth", 18, "ethereum", weight_ppm=100_000, price_ugos=200 * GOS),
    ]


def devnet_book_genesis() -> BookGenesis:
    """The devnet's order-book markets: btc/GOS, eth/GOS and sGOS/GOS, each with a tick of a small fraction of its
    devnet price and a lot of a thousandth (sGOS: a hundredth) of a whole unit; `lot × tick` is 10^decimals, so
    every notional is an exact number of ugos (docs/book.md)."""
    return BookGenesis(
        markets=[
            MarketListing("btc", tick_ugos=1_000, lot=10**5, min_notional_ugos=GOS),
            MarketListing("eth", tick_ugos=1_000, lot=10**15, min_notional_ugos=GOS),
            MarketListing(SGOS_DENOM, tick_ugos=100, lot=10**4, min_notional_ugos=GOS),
        ]
    )


def devnet_faucet_balances() -> dict[str, int]:
    """External-asset balances of the faucet account at genesis, in base units (never GOS: no premine)."""
    return {
        "atom": 10_000_000 * 10**6,
        "btc": 21_000 * 10**8,
        "dcr": 1_000_000 * 10**8,
        "eth": 1_000_000 * 10**18,
    }


def devnet_params() -> ChainParams:
    """Default emission and reward split, with short epochs, low node thresholds and short unbonding periods
    (60 and 180 blocks instead of 7 and 21 days) so a devnet shows elections and returns quickly."""
    return ChainParams(
        staking=StakingParams(vote_unbonding_blocks=60, stake_unbonding_blocks=180),
        nodes=NodeParams(min_votes_ugos=100 * GOS, min_stake_ugos=100 * GOS, epoch_blocks=20),
    )


@dataclass(frozen=True)
class DevnetRoles:
    """Addresses holding the devnet's genesis roles (keys in the devnet keyring, names in DEVNET_ROLE_KEYS)."""

    council: tuple[str, ...]
    kyc_provider: str
    custodians: tuple[str, ...]


def devnet_genesis_params(roles: DevnetRoles) -> ChainParams:
    """The devnet's own parameters: `devnet_params` (shared with the localnet), the roles of `roles`, and
    governance in minutes: a 1,000 GOS deposit, a week's vote and 10% quorum cannot be met with faucet GOS.

    Votes last 120 blocks (2 minutes at 1 s blocks) and ratification 600; the deposit is 10 GOS, and quorum is
    0.1% of all GOS, which grows by 100 GOS a block: a faucet grant escrowed in a vote reaches it for the first
    ten minutes or so of a devnet, and the operator's mined GOS (about a tenth of all GOS) long after.
    """
    base = devnet_params()
    return replace(
        base,
        gov=GovParams(
            min_deposit_ugos=10 * GOS, voting_period_blocks=120, quorum_ppm=1_000, ratification_period_blocks=600
        ),
        compliance=ComplianceParams(council=roles.council, council_threshold=DEVNET_THRESHOLD),
        custody=replace(base.custody, custodians=roles.custodians, threshold=DEVNET_THRESHOLD),
    )


@dataclass(frozen=True)
class FaucetSettings:
    """What one faucet request sends, and how often an address may ask."""

    gos_ugos: int = 100 * GOS
    """Sent from the operator account, which earns the mining-node share of every block."""
    assets: dict[str, int] = field(
        default_factory=lambda: {"atom": 1_000 * 10**6, "btc": 1 * 10**8, "dcr": 100 * 10**8, "eth": 10 * 10**18}
    )
    """Sent from the faucet account, in base units."""
    cooldown_s: float = 60.0
    """How long an address waits between grants (a refused request does not count)."""
    fee_ugos: int = 1_000
    retry_after_s: float = 2.0
    """What a request refused because block rewards do not cover the grant yet is told to wait (Retry-After)."""


@dataclass(frozen=True)
class DevnetSettings:
    """Everything `run_devnet` needs."""

    home: Path
    host: str = DEFAULT_API_HOST
    port: int = DEFAULT_API_PORT
    block_time_s: float = DEFAULT_BLOCK_TIME_S
    chain_id: str | None = DEVNET_CHAIN_ID
    """The chain id of a new home (None: a fresh `new_devnet_chain_id()`); a home with a genesis keeps its own."""
    reset: bool = False
    faucet: FaucetSettings = field(default_factory=FaucetSettings)

    @property
    def genesis_path(self) -> Path:
        """The genesis document."""
        return self.home / "genesis.json"

    @property
    def node_key_path(self) -> Path:
        """The node's consensus key."""
        return self.home / "node_key.json"

    @property
    def keys_dir(self) -> Path:
        """Keyring holding the operator and faucet keys."""
        return self.home / "keys"

    @property
    def data_dir(self) -> Path:
        """LMDB chain store."""
        return self.home / "data"

    @property
    def lock_path(self) -> Path:
        """Lock file held by the running node."""
        return self.home / "node.lock"


def mapped_store_budget(mib: int) -> int | None:
    """The app's `mapped_store_budget` for `mib` MiB (a node's `state.mapped_memory_mib`, `gostaking abci
    --mapped-memory-mib`): None for 0, no budget (the pages the blocks read stay resident), else bytes. ValueError,
    saying the rule, for a negative value or one under MIN_MAPPED_MEMORY_MIB."""
    if mib == 0:
        return None
    if mib < MIN_MAPPED_MEMORY_MIB:
        raise ValueError(f"0 (no budget) or at least {MIN_MAPPED_MEMORY_MIB} MiB, got {mib}")
    return mib * 2**20
