"""A devnet whose genesis has custodians, a compliance council and a KYC provider,
with short governance and oracle periods, so the API can be driven through whole proposal, custody and
compliance flows with real signed transactions.

`prepare_home` writes the keys and genesis.json into a devnet home before the node opens it (open_devnet uses a
home's existing genesis), so the shared harness's behaviour is untouched. The CLI tests reuse it.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec
import pytest
from api_harness import GOS, Devnet
from fastapi.testclient import TestClient
from msgspec.structs import replace

from gostaking.api.main import create_api
from gostaking.chain.genesis import Genesis, GenesisBalance, GenesisKycProvider, GenesisNode, encode_genesis
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.params import ChainParams, ComplianceParams, CustodyParams, GovParams, OracleParams
from gostaking.chain.types.tx import Msg, MsgSendCoins
from gostaking.node.consensus_key import ConsensusKey
from gostaking.node.runtime import open_devnet
from gostaking.node.settings import (
    DEVNET_CHAIN_ID,
    FAUCET_KEY_NAME,
    OPERATOR_KEY_NAME,
    DevnetSettings,
    devnet_assets,
    devnet_faucet_balances,
    devnet_params,
)
from gostaking.storage import MemoryStore
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey


def _key(n: int) -> PrivateKey:
    return PrivateKey((1_000 + n).to_bytes(32, "big"))


OPERATOR = _key(1)
FAUCET = _key(2)
PROVIDER = _key(3)
"""The genesis KYC provider."""
CUSTODIANS = (_key(4), _key(5), _key(6))
"""Custodians; 2 of 3 attestations credit a deposit or complete a withdrawal."""
COUNCIL = (_key(8), _key(9), _key(10))
"""The compliance council; 2 of 3 approvals execute a freeze, an unfreeze, a sanctions change or a hold decision."""
ALICE = _key(11)
BOB = _key(12)
NEWCOMER = _key(13)
"""Not funded, not a member of anything."""

PROVIDER_NAME = "Acme KYC"
VOTING_PERIOD = 6
RATIFICATION_PERIOD = 10
ORACLE_PERIOD = 5
MAX_STALE_PERIODS = 2
KEY_NAMES = {
    "provider": PROVIDER,
    "custodian1": CUSTODIANS[0],
    "custodian2": CUSTODIANS[1],
    "custodian3": CUSTODIANS[2],
    "council1": COUNCIL[0],
    "council2": COUNCIL[1],
    "council3": COUNCIL[2],
    "alice": ALICE,
    "bob": BOB,
}
"""Names under which `prepare_home` also stores these keys (unencrypted) in the home's keyring."""


def compliance_params() -> ChainParams:
    """Devnet parameters plus custody, council, KYC for withdrawals, short gov and oracle periods."""
    base = devnet_params()
    return replace(
        base,
        gov=GovParams(
            min_deposit_ugos=GOS,
            voting_period_blocks=VOTING_PERIOD,
            quorum_ppm=10_000,
            ratification_period_blocks=RATIFICATION_PERIOD,
        ),
        oracle=OracleParams(period_blocks=ORACLE_PERIOD, max_stale_periods=MAX_STALE_PERIODS),
        custody=CustodyParams(custodians=tuple(k.address for k in CUSTODIANS), threshold=2),
        compliance=ComplianceParams(
            withdraw_min_kyc_level=1, council=tuple(k.address for k in COUNCIL), council_threshold=2
        ),
    )


def prepare_home(
    home: Path,
    params: ChainParams | None = None,
    chain_id: str = DEVNET_CHAIN_ID,
    modules: Mapping[str, msgspec.Struct] | None = None,
) -> Genesis:
    """Write operator/faucet/actor keys, the node key and the compliance genesis (with `params`, by default
    `compliance_params()`, and the genesis sections of later modules in `modules`, e.g. the book's markets) into a
    fresh devnet home."""
    settings = DevnetSettings(home=home, chain_id=chain_id)
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    keyring = Keyring(settings.keys_dir)
    for name, key in {OPERATOR_KEY_NAME: OPERATOR, FAUCET_KEY_NAME: FAUCET, **KEY_NAMES}.items():
        keyring.add(name, key, None)
    node_key = ConsensusKey.generate()
    node_key.save(settings.node_key_path)
    genesis = Genesis(
        chain_id=chain_id,
        genesis_time_ms=1_700_000_000_000,
        params=params or compliance_params(),
        assets=devnet_assets(),
        balances=[GenesisBalance(FAUCET.address, d, a) for d, a in devnet_faucet_balances().items()],
        nodes=[GenesisNode(OPERATOR.address, node_key.public_key, "devnet-node")],
        kyc_providers=[GenesisKycProvider(PROVIDER.address, PROVIDER_NAME)],
        modules={name: msgspec.Raw(msgspec.json.encode(section)) for name, section in (modules or {}).items()},
    )
    settings.genesis_path.write_bytes(encode_genesis(genesis) + b"\n")
    return genesis


def fund_actors(devnet: Devnet, alice_gos: int = 40, bob_gos: int = 10) -> None:
    """Mine until the operator holds enough GOS, then pay Alice, Bob and 1 GOS of fees to every other actor;
    Alice also receives 2 BTC from the faucet."""
    devnet.produce(12)
    members = [PROVIDER, *CUSTODIANS, *COUNCIL]
    sends: list[Msg] = [MsgSendCoins(k.address, GOS_DENOM, GOS) for k in members]
    sends += [
        MsgSendCoins(ALICE.address, GOS_DENOM, alice_gos * GOS),
        MsgSendCoins(BOB.address, GOS_DENOM, bob_gos * GOS),
    ]
    devnet.submit(devnet.operator, *sends)
    devnet.produce()
    devnet.submit(devnet.faucet, MsgSendCoins(ALICE.address, "btc", 2 * 10**8))
    devnet.produce()


def run(devnet: Devnet, key: PrivateKey, *msgs: Msg) -> dict[str, Any]:
    """Submit a tx, produce the block holding it and return its GET /txs document (whatever its result code)."""
    tx_hash = devnet.submit(key, *msgs)
    devnet.produce()
    result: dict[str, Any] = devnet.client.get(f"/txs/{tx_hash}").json()
    assert result["status"] == "included", result
    return result


def ok(devnet: Devnet, key: PrivateKey, *msgs: Msg) -> dict[str, Any]:
    """`run`, asserting the transaction succeeded."""
    result = run(devnet, key, *msgs)
    assert result["code"] == 0, result["log"]
    return result


def council_decides(devnet: Devnet, msg: Msg) -> dict[str, Any]:
    """Two council members approve the same decision: the first shows as pending, the second executes it."""
    ok(devnet, COUNCIL[0], msg)
    pending = get(devnet, "/compliance/council-approvals")["approvals"]
    assert [(p["approvers"], p["approvals"]) for p in pending] == [([COUNCIL[0].address], "1/2")], pending
    executed = ok(devnet, COUNCIL[1], msg)
    assert get(devnet, "/compliance/council-approvals") == {"total": 0, "approvals": []}
    return executed


def get(devnet: Devnet, path: str, expect: int = 200, **params: Any) -> Any:
    """GET a JSON document with query `params`, asserting the HTTP status is `expect`."""
    response = devnet.client.get(path, params=params or None)
    assert response.status_code == expect, (path, response.status_code, response.text)
    return response.json()


@contextmanager
def open_compliance_devnet(
    tmp_path: Path, params: ChainParams | None = None, modules: Mapping[str, msgspec.Struct] | None = None
) -> Iterator[Devnet]:
    """A node on the compliance genesis (with `params`, by default `compliance_params()`, and `modules`' genesis
    sections), produced block by block, behind a TestClient."""
    home = tmp_path / "devnet"
    prepare_home(home, params, modules=modules)
    node = open_devnet(DevnetSettings(home=home), store=MemoryStore())
    try:
        yield Devnet(node, TestClient(create_api(node)), OPERATOR, FAUCET)
    finally:
        node.close()


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Devnet]:
    """A devnet on the compliance genesis (tests/api/conftest.py offers it to every API test module)."""
    with open_compliance_devnet(tmp_path) as devnet:
        yield devnet
