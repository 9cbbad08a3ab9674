"""On a real CometBFT network (a 2-validator localnet whose genesis enables custody), a gateway checks its node's app
hash against the headers the validators signed (light client anchored at block 1): pointed at a node that serves a
self-consistent forged state (the withdrawal's destination rewritten, proofs leading to a forged app hash), it
refuses and signs nothing; gateways on the honest node pay the withdrawal from the vault (eth-tester)."""

import json
import sys
from pathlib import Path

import httpx
import pytest
from gateway_harness import CUSTODIANS, Evm
from lying_node import LyingNode
from msgspec.structs import replace

from gostaking.bridge.attester import Attester
from gostaking.bridge.cometbft_light import CometLightClient, CometRpcSource
from gostaking.bridge.evm import ETH_TOKEN, DirectorySignatureBoard, VaultPayer, eth_address
from gostaking.bridge.node_client import MessageSender, NodeClient
from gostaking.bridge.proofs import VerifiedReader, withdrawal_key
from gostaking.bridge.store import StateStore
from gostaking.chain.genesis import decode_genesis, encode_genesis
from gostaking.chain.types.params import CustodyParams
from gostaking.chain.types.tx import MsgRequestWithdrawal, MsgSendCoins
from gostaking.client import NodeApi
from gostaking.node.localnet.network import Localnet, create_localnet
from gostaking.node.localnet.processes import LocalnetProcesses
from gostaking.node.localnet.rpc import CometRpc
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "localnet"))

from free_ports import free_port_block
from localnet_harness import requires_cometbft, wait_for_height

pytestmark = [requires_cometbft, pytest.mark.slow]

ETHER = 10**18
GOS = 10**6
THIEF = "0x000000000000000000000000000000000000dEaD"


def enable_custody(localnet: Localnet) -> None:
    """Custodians (2 of 3) in the GoStaking genesis each node's CometBFT genesis embeds."""
    for node in localnet.nodes:
        path = node.path / "config" / "genesis.json"
        document = json.loads(path.read_text())
        genesis = decode_genesis(json.dumps(document["app_state"]).encode())
        custody = CustodyParams(tuple(c.address for c in CUSTODIANS), 2)
        genesis = replace(genesis, params=replace(genesis.params, custody=custody))
        document["app_state"] = json.loads(encode_genesis(genesis))
        path.write_text(json.dumps(document, indent=2) + "\n")


def send(api: NodeApi, key: PrivateKey, msg: MsgSendCoins | MsgRequestWithdrawal) -> None:
    raw = api.sign(key, [msg], 1_000)
    found = api.wait_for_tx(api.submit_tx(raw), timeout_s=30, poll_s=0.1, resubmit=raw)
    assert found is not None and found["code"] == 0, found


SOURCES: list[CometRpcSource] = []
"""The CometBFT RPC clients the gateways opened (closed at the end)."""


def gateway(
    api_http: httpx.Client,
    rpc_url: str,
    trust: tuple[int, str],
    custodian: PrivateKey,
    evm: Evm,
    vault: str,
    home: Path,
) -> Attester:
    node = NodeClient(http=api_http)
    SOURCES.append(source := CometRpcSource([rpc_url]))
    light = CometLightClient(source, home / "light.json", trust_height=trust[0], trust_hash=trust[1], header_wait_s=20)
    payer = VaultPayer(evm.w3, vault, custodian, DirectorySignatureBoard(home.parent / "board"), {"eth": ETH_TOKEN})
    return Attester(
        StateStore(home / "state.json"),
        MessageSender(node, custodian),
        [],
        [payer],
        verifier=VerifiedReader(node, light),
    )


def test_a_gateway_checks_app_hashes_against_signed_headers_and_refuses_a_forged_state(
    tmp_path: Path, evm: Evm
) -> None:
    localnet = create_localnet(tmp_path / "net", 2, timeout_commit="200ms", base_port=free_port_block(20))
    enable_custody(localnet)
    keyring = Keyring(localnet.keys_dir)
    operator, faucet = keyring.load("operator0", None), keyring.load("faucet", None)
    vault = evm.deploy("GoStakingVault", [eth_address(k) for k in CUSTODIANS], 2)
    tx = vault.functions.depositETH(faucet.address).transact({"from": evm.w3.eth.accounts[1], "value": 2 * ETHER})
    evm.w3.eth.wait_for_transaction_receipt(tx)
    destination = evm.w3.eth.accounts[7]
    before = evm.w3.eth.get_balance(destination)
    node = localnet.nodes[0]
    api = NodeApi(node.api_url)
    with LocalnetProcesses(localnet) as processes, CometRpc(node.rpc_url) as rpc:
        processes.start_all()
        wait_for_height(rpc, 2)  # the operator has GOS from block 2's node reward
        send(api, operator, MsgSendCoins(faucet.address, "ugos", GOS))
        send(api, faucet, MsgRequestWithdrawal("eth", ETHER, destination))
        # The operator of each gateway reads a trusted header once, from a source it trusts.
        trust = (1, rpc.call("commit", height="1")["signed_header"]["commit"]["block_id"]["hash"])

        honest = httpx.Client(base_url=node.api_url, timeout=10)
        liar = LyingNode(honest, "forged_state", THIEF)
        fooled = gateway(liar.client(), node.rpc_url, trust, CUSTODIANS[0], evm, vault.address, tmp_path / "c0")
        report = fooled.run_once()
        assert report.paid == {} and not list((tmp_path / "board").rglob("*.sig"))
        assert "that the validators signed says" in report.refused_payouts[0], report
        assert liar.lies > 0 and liar.forged_app_hashes

        # The same checks pass on the honest node: the withdrawal is proven, confirmed and paid.
        checked = gateway(honest, node.rpc_url, trust, CUSTODIANS[1], evm, vault.address, tmp_path / "c1")
        proven = checked.verifier.read([withdrawal_key(0)])
        withdrawal = proven.withdrawal(0)
        assert withdrawal is not None and withdrawal.external_address == destination
        for index in (1, 2):
            home = tmp_path / f"c{index}"
            report = gateway(honest, node.rpc_url, trust, CUSTODIANS[index], evm, vault.address, home).run_once()
            assert report.refused_payouts == {}, report
        assert vault.functions.redeemed(0).call()
        light_state = json.loads((tmp_path / "c1" / "light.json").read_text())
        assert light_state["trusted"]["height"] > 1 and light_state["chain_id"] == localnet.chain_id
    api.close()
    honest.close()
    for source in SOURCES:
        source.close()
    assert evm.w3.eth.get_balance(destination) - before == ETHER
    assert evm.w3.eth.get_balance(THIEF) == 0
