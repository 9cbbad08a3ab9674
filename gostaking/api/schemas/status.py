"""Chain status and emission."""

from pydantic import BaseModel, Field

from .common import GosAmount, HashPower


class EmissionResponse(BaseModel):
    """Progress of the fixed GOS emission schedule and the burns after it."""

    height: int
    emitted: GosAmount = Field(description="minted by blocks 1..height")
    total: GosAmount = Field(description="everything the schedule will ever mint")
    progress: str = Field(description="emitted / total", examples=["0.0123%"])
    current_block_reward: GosAmount = Field(description="reward of the next block")
    next_halving_height: int | None
    next_burn_height: int | None
    burns_done: int
    burns_total: int
    burn_fraction: str = Field(description="fraction of circulating GOS each burn destroys", examples=["0.1"])
    minted: GosAmount
    burned: GosAmount
    supply: GosAmount


class StatusResponse(BaseModel):
    """The chain at its last committed block."""

    chain_id: str
    height: int
    app_hash: str
    latest_block_hash: str
    latest_block_time_ms: int | None
    latest_block_time: str | None
    block_time_seconds: float = Field(
        description="this node's block interval (CometBFT node: the expected interval it was started with)"
    )
    mempool_size: int = Field(description="transactions waiting for a block that this node has checked")
    total_hash_power: HashPower
    supply: GosAmount
    minted: GosAmount
    burned: GosAmount
    emission: EmissionResponse
    mining_set_size: int
    mining_set: list[str]
    epoch: int
    faucet_enabled: bool
    consensus: str = Field(description="'embedded' (devnet block producer) or 'cometbft' (a CometBFT network's node)")
