"""The wallet's derivation against published test vectors (BIP-39, BIP-32, BIP-84, a well-known Ethereum address)
and against independent implementations (embit for BIP-32/84 derivation, eth-account, coincurve + hashlib + embit's
bech32 for GOS addresses). docs/wallet.md lists the same vectors for the browser app.
"""

import hashlib
import json
import re
from pathlib import Path

import coincurve
import pytest
from bip_utils import Bip32Secp256k1
from embit import bech32, bip32, bip39, script
from embit.hashes import hash160
from embit.networks import NETWORKS
from eth_account import Account

from gostaking.wallet.hd import (
    BACKUP_ACCOUNT,
    BTC_NETWORKS,
    MnemonicError,
    account_xpub,
    btc_account_xpub,
    btc_key,
    eth_key,
    extended_public_key,
    generate_mnemonic,
    gos_key,
    gos_path,
    normalize_mnemonic,
    seed_from_mnemonic,
    wallet_addresses,
)

VECTORS = json.loads((Path(__file__).parent / "bip39_trezor_vectors.json").read_text())
ABANDON = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
ABANDON_TREZOR_SEED = bytes.fromhex(VECTORS["english"][0][2])  # the first vector is ABANDON's

# BIP-84's test vectors (https://github.com/bitcoin/bips/blob/master/bip-0084.mediawiki), mnemonic ABANDON, no
# passphrase: account 0's zpub, the first receiving address and its public key, the first change address.
BIP84_ZPUB = (
    "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs"
)
BIP84_FIRST_RECEIVE = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
BIP84_FIRST_RECEIVE_PUBKEY = "0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c"
BIP84_SECOND_RECEIVE = "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g"
BIP84_FIRST_CHANGE = "bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el"
# The address MetaMask, Ledger Live, ethers and web3 give ABANDON at m/44'/60'/0'/0/0.
ETH_FIRST = "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
# The address Keplr and CosmJS give ABANDON at m/44'/118'/0'/0/0: proof that GOS keys are the Cosmos keys of a seed.
COSMOS_FIRST = "cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4"
# GoStaking's own address of that same key (docs/wallet.md), cross-checked below without gostaking's code.
GOS_FIRST = "gos1fytfvr5764zq4p0adzxp7kzk7nwy9979p27tq7"


def test_bip39_trezor_vectors_give_their_seeds_and_bip32_roots() -> None:
    assert VECTORS["passphrase"] == "TREZOR" and len(VECTORS["english"]) == 24
    for _entropy, mnemonic, seed_hex, root_xprv in VECTORS["english"]:
        seed = seed_from_mnemonic(mnemonic, "TREZOR")
        assert seed.hex() == seed_hex, mnemonic
        assert Bip32Secp256k1.FromSeed(seed).PrivateKey().ToExtended() == root_xprv, mnemonic
        # What users type: other case, extra spaces, a trailing newline.
        assert normalize_mnemonic(f"  {mnemonic.upper()}\n".replace(" ", "   ")) == mnemonic


def test_the_passphrase_changes_the_seed() -> None:
    assert VECTORS["english"][0][1] == ABANDON
    assert seed_from_mnemonic(ABANDON, "TREZOR") == ABANDON_TREZOR_SEED
    assert seed_from_mnemonic(ABANDON) != ABANDON_TREZOR_SEED
    assert seed_from_mnemonic(ABANDON) == bip39.mnemonic_to_seed(ABANDON)  # embit, independently


def test_bip32_vector_1() -> None:
    # https://github.com/bitcoin/bips/blob/master/bip-0032.mediawiki#test-vector-1
    seed = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
    expected = {
        "m": (
            "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi",
            "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8",
        ),
        "m/0'": (
            "xprv9uHRZZhk6KAJC1avXpDAp4MDc3sQKNxDiPvvkX8Br5ngLNv1TxvUxt4cV1rGL5hj6KCesnDYUhd7oWgT11eZG7XnxHrnYeSvkzY7d2bhkJ7",
            "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw",
        ),
    }
    for path, (xprv, xpub) in expected.items():
        assert account_xpub(seed, path) == xpub
        assert Bip32Secp256k1.FromSeedAndPath(seed, path).PrivateKey().ToExtended() == xprv
        assert bip32.HDKey.from_seed(seed).derive(path).to_base58() == xprv  # embit agrees


def test_bip84_vectors() -> None:
    seed = seed_from_mnemonic(ABANDON)
    assert btc_account_xpub(seed, "mainnet") == BIP84_ZPUB
    first = btc_key(seed, "mainnet")
    assert (first.path, first.address, first.public_key.hex()) == (
        "m/84'/0'/0'/0/0",
        BIP84_FIRST_RECEIVE,
        BIP84_FIRST_RECEIVE_PUBKEY,
    )
    assert btc_key(seed, "mainnet", index=1).address == BIP84_SECOND_RECEIVE
    change = btc_key(seed, "mainnet", change=1)
    assert (change.path, change.address) == ("m/84'/0'/0'/1/0", BIP84_FIRST_CHANGE)
    listed = wallet_addresses(seed, "btc", count=2)
    assert [row.address for row in listed] == [BIP84_FIRST_RECEIVE, BIP84_SECOND_RECEIVE]
    assert extended_public_key(seed, "btc") == BIP84_ZPUB


@pytest.mark.parametrize("network", BTC_NETWORKS)
def test_btc_addresses_of_every_network_match_embit(network: str) -> None:
    seed = seed_from_mnemonic(ABANDON)
    embit_network = NETWORKS[{"mainnet": "main", "testnet": "test", "regtest": "regtest"}[network]]
    root = bip32.HDKey.from_seed(seed, version=embit_network["xprv"])
    prefix = {"mainnet": "bc1q", "testnet": "tb1q", "regtest": "bcrt1q"}[network]
    for change in (0, 1):
        for index in (0, 7):
            ours = btc_key(seed, network, account=2, change=change, index=index)  # type: ignore[arg-type]
            coin = 0 if network == "mainnet" else 1
            theirs = root.derive(f"m/84'/{coin}'/2'/{change}/{index}")
            assert ours.path == f"m/84'/{coin}'/2'/{change}/{index}"
            assert ours.address.startswith(prefix)
            assert ours.address == script.p2wpkh(theirs.key).address(embit_network)
            assert ours.secret == theirs.key.secret
    xpub = btc_account_xpub(seed, network)  # type: ignore[arg-type]
    assert xpub[:4] == ("zpub" if network == "mainnet" else "vpub")
    account = bip32.HDKey.from_seed(seed).derive(f"m/84'/{0 if network == 'mainnet' else 1}'/0'").to_public()
    assert bip32.HDKey.from_base58(xpub).key.sec() == account.key.sec()


def test_eth_addresses_match_the_well_known_one_and_eth_account() -> None:
    seed = seed_from_mnemonic(ABANDON)
    first = eth_key(seed)
    assert (first.path, first.address) == ("m/44'/60'/0'/0/0", ETH_FIRST)
    Account.enable_unaudited_hdwallet_features()
    for account, index in ((0, 0), (0, 3), (1, 0)):
        ours = eth_key(seed, account, index)
        path = f"m/44'/60'/{account}'/0/{index}"
        assert ours.address == Account.from_mnemonic(ABANDON, account_path=path).address
        assert Account.from_key(ours.secret).address == ours.address
    assert (
        extended_public_key(seed, "eth") == bip32.HDKey.from_seed(seed).derive("m/44'/60'/0'").to_public().to_base58()
    )


def _gos_address_without_gostaking(public_key: bytes) -> str:
    """bech32('gos', sha256(compressed public key)[:20]), by hashlib and embit's bech32."""
    raw = hashlib.sha256(public_key).digest()[:20]
    return str(bech32.bech32_encode(bech32.Encoding.BECH32, "gos", bech32.convertbits(raw, 8, 5)))


def test_gos_keys_are_the_cosmos_keys_of_the_seed_with_gostaking_addresses() -> None:
    seed = seed_from_mnemonic(ABANDON)
    key = gos_key(seed)
    assert gos_path() == "m/44'/118'/0'/0/0"
    embit_key = bip32.HDKey.from_seed(seed).derive("m/44'/118'/0'/0/0").key
    public_key = coincurve.PrivateKey(embit_key.secret).public_key.format(compressed=True)
    assert key.secret == embit_key.secret and key.public_key == public_key
    cosmos = bech32.bech32_encode(bech32.Encoding.BECH32, "cosmos", bech32.convertbits(hash160(public_key), 8, 5))
    assert cosmos == COSMOS_FIRST
    assert key.address == _gos_address_without_gostaking(public_key) == GOS_FIRST
    for account, index in ((0, 1), (BACKUP_ACCOUNT, 0), (5, 9)):
        other = gos_key(seed, account, index)
        theirs = bip32.HDKey.from_seed(seed).derive(f"m/44'/118'/{account}'/0/{index}").key
        assert other.secret == theirs.secret
        assert other.address == _gos_address_without_gostaking(theirs.sec())
    rows = wallet_addresses(seed, "gos", account=5, start=9, count=1)
    assert [(row.path, row.address) for row in rows] == [("m/44'/118'/5'/0/9", gos_key(seed, 5, 9).address)]
    expected_xpub = bip32.HDKey.from_seed(seed).derive("m/44'/118'/0'").to_public().to_base58()
    assert extended_public_key(seed, "gos") == expected_xpub


def test_bad_phrases_are_one_line_errors() -> None:
    words = ABANDON.split()
    cases = {
        " ".join([*words[:-1], "abandon"]): "checksum does not match",
        " ".join([*words[:-1], "abuot"]): "'abuot' is not a word of the BIP-39 English list",
        " ".join(words[:11]): "12, 15, 18, 21 or 24 words, not 11",
        "": "not 0",
    }
    for phrase, message in cases.items():
        with pytest.raises(MnemonicError, match=message) as raised:
            seed_from_mnemonic(phrase)
        assert "\n" not in str(raised.value)


def test_new_phrases_are_valid_random_and_of_the_asked_length() -> None:
    phrases = {words: [generate_mnemonic(words) for _ in range(3)] for words in (12, 24)}
    for words, generated in phrases.items():
        assert len(set(generated)) == 3
        for phrase in generated:
            assert len(phrase.split()) == words and normalize_mnemonic(phrase) == phrase
    with pytest.raises(MnemonicError, match="12 or 24 words"):
        generate_mnemonic(13)


def test_bad_derivation_parameters_are_refused() -> None:
    seed = seed_from_mnemonic(ABANDON)
    with pytest.raises(ValueError, match="no change addresses"):
        wallet_addresses(seed, "eth", change=1)
    with pytest.raises(ValueError, match=re.escape("outside 0..2^31-1")):
        wallet_addresses(seed, "gos", account=2**31)
    with pytest.raises(ValueError, match="unknown Bitcoin network 'signet'"):
        btc_key(seed, "signet")  # type: ignore[arg-type]
