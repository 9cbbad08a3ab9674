"""One BIP-39 seed for GOS, BTC and ETH: mnemonics and the derivation paths every GoStaking wallet uses.

The paths (docs/wallet.md has them with test vectors, which the browser app shares):

- GOS: BIP-44 `m/44'/118'/account'/0/index`. GoStaking has no SLIP-44 coin type of its own; 118 is the Cosmos
  type most Cosmos-SDK chains without their own entry use, so a seed restores in tools that know it. The address
  is GoStaking's own (bech32 `gos1` of sha256(pubkey)[:20]), so the same seed's cosmos1… and gos1… are different
  accounts on different chains. Account 0 is the everyday key; account 1 is the backup key of a 2FA wallet.
- BTC: BIP-84 native segwit `m/84'/coin'/account'/change/index`, coin 0 on mainnet (bc1…) and 1 on testnet
  (tb1…) and regtest (bcrt1…).
- ETH: BIP-44 `m/44'/60'/account'/0/index`, the path of MetaMask, Ledger Live and most wallets.

Derivation is done by bip-utils (a kept library); nothing here is hand-written crypto.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from bip_utils import (
    Bip32Secp256k1,
    Bip39Languages,
    Bip39MnemonicGenerator,
    Bip39MnemonicValidator,
    Bip39SeedGenerator,
    Bip39WordsNum,
    Bip44,
    Bip44Changes,
    Bip44Coins,
    Bip84,
    Bip84Coins,
    MnemonicChecksumError,
)
from bip_utils.bip.bip44_base import Bip44Base

from gostaking.wallet.keys import PrivateKey

GOS_COIN_TYPE = 118
"""The SLIP-44 coin type of GOS keys (Cosmos', see the module docstring)."""
EVERYDAY_ACCOUNT = 0
"""The BIP-44 account of a wallet's GOS key, and of the first key of its 2FA multisig."""
BACKUP_ACCOUNT = 1
"""The BIP-44 account of a 2FA wallet's backup key (the second key the user holds, from the same seed)."""

BtcNetwork = Literal["mainnet", "testnet", "regtest"]
BTC_NETWORKS: tuple[BtcNetwork, ...] = ("mainnet", "testnet", "regtest")
Chain = Literal["gos", "btc", "eth"]
CHAINS: tuple[Chain, ...] = ("gos", "btc", "eth")
_BIP84_COINS = {
    "mainnet": Bip84Coins.BITCOIN,
    "testnet": Bip84Coins.BITCOIN_TESTNET,
    "regtest": Bip84Coins.BITCOIN_REGTEST,
}
_WORD_COUNTS = {12: Bip39WordsNum.WORDS_NUM_12, 24: Bip39WordsNum.WORDS_NUM_24}


class MnemonicError(ValueError):
    """The recovery phrase is not a valid BIP-39 English mnemonic; the message says what is wrong."""


@dataclass(frozen=True)
class WalletAddress:
    """One receiving address of a wallet: its chain, derivation path and address (nothing secret)."""

    chain: Chain
    path: str
    address: str


@dataclass(frozen=True)
class DerivedKey:
    """One derived key of another chain: its path, 32-byte secret, compressed public key and address."""

    path: str
    secret: bytes
    public_key: bytes
    address: str


def generate_mnemonic(words: int = 24) -> str:
    """A new English BIP-39 mnemonic of 12 or 24 words from the OS CSPRNG (bip-utils uses `os.urandom`)."""
    if words not in _WORD_COUNTS:
        raise MnemonicError("a recovery phrase has 12 or 24 words")
    return str(Bip39MnemonicGenerator().FromWordsNumber(_WORD_COUNTS[words]))


def normalize_mnemonic(mnemonic: str) -> str:
    """The mnemonic in canonical form (lower case, single spaces), or MnemonicError naming the problem."""
    words = mnemonic.lower().split()
    if len(words) not in (12, 15, 18, 21, 24):
        raise MnemonicError(f"a recovery phrase has 12, 15, 18, 21 or 24 words, not {len(words)}")
    validator = Bip39MnemonicValidator()
    phrase = " ".join(words)
    try:
        validator.Validate(phrase)
    except MnemonicChecksumError:
        raise MnemonicError("the recovery phrase's checksum does not match: a word is wrong or out of order") from None
    except ValueError:
        unknown = [word for word in words if not _is_english_word(word)]
        if unknown:
            raise MnemonicError(f"{unknown[0]!r} is not a word of the BIP-39 English list") from None
        raise MnemonicError("the recovery phrase is not a valid BIP-39 mnemonic") from None
    return phrase


def seed_from_mnemonic(mnemonic: str, passphrase: str = "") -> bytes:
    """The 64-byte BIP-39 seed of a mnemonic and its optional passphrase (the "25th word")."""
    return bytes(Bip39SeedGenerator(normalize_mnemonic(mnemonic)).Generate(passphrase))


def gos_account_path(account: int = EVERYDAY_ACCOUNT) -> str:
    """The hardened account path of GOS keys, the level `account_xpub` exports."""
    return f"m/44'/{GOS_COIN_TYPE}'/{account}'"


def gos_path(account: int = EVERYDAY_ACCOUNT, index: int = 0) -> str:
    """The derivation path of a GOS key."""
    return f"{gos_account_path(account)}/0/{index}"


def gos_key(seed: bytes, account: int = EVERYDAY_ACCOUNT, index: int = 0) -> PrivateKey:
    """The GOS account key at `gos_path(account, index)`."""
    node = _account_node(Bip44.FromSeed(seed, Bip44Coins.COSMOS), account).Change(Bip44Changes.CHAIN_EXT)
    node = node.AddressIndex(index)
    return PrivateKey(bytes(node.PrivateKey().Raw().ToBytes()))


def btc_account_path(network: BtcNetwork, account: int = 0) -> str:
    """The BIP-84 account path, the level `btc_account_xpub` exports."""
    coin = 0 if network == "mainnet" else 1
    return f"m/84'/{coin}'/{account}'"


def btc_path(network: BtcNetwork, account: int = 0, change: int = 0, index: int = 0) -> str:
    """The BIP-84 path of a BTC key."""
    return f"{btc_account_path(network, account)}/{change}/{index}"


def btc_key(seed: bytes, network: BtcNetwork, account: int = 0, change: int = 0, index: int = 0) -> DerivedKey:
    """A native segwit (P2WPKH) key and its bc1/tb1/bcrt1 address."""
    node = _account_node(Bip84.FromSeed(seed, _btc_coin(network)), account)
    leaf = node.Change(Bip44Changes.CHAIN_INT if change else Bip44Changes.CHAIN_EXT).AddressIndex(index)
    return _derived(btc_path(network, account, change, index), leaf)


def btc_account_xpub(seed: bytes, network: BtcNetwork, account: int = 0) -> str:
    """The account's extended public key (zpub on mainnet, vpub on testnet/regtest), for watch-only wallets."""
    return str(_account_node(Bip84.FromSeed(seed, _btc_coin(network)), account).PublicKey().ToExtended())


def eth_account_path(account: int = 0) -> str:
    """The BIP-44 account path of ETH keys, the level `account_xpub` exports."""
    return f"m/44'/60'/{account}'"


def eth_path(account: int = 0, index: int = 0) -> str:
    """The BIP-44 path of an ETH key."""
    return f"{eth_account_path(account)}/0/{index}"


def eth_key(seed: bytes, account: int = 0, index: int = 0) -> DerivedKey:
    """An Ethereum key and its EIP-55 checksummed 0x address."""
    leaf = _account_node(Bip44.FromSeed(seed, Bip44Coins.ETHEREUM), account).Change(Bip44Changes.CHAIN_EXT)
    leaf = leaf.AddressIndex(index)
    return _derived(eth_path(account, index), leaf)


def account_xpub(seed: bytes, path: str) -> str:
    """The BIP-32 extended public key (xpub) of any hardened account path, e.g. `m/44'/118'/0'`."""
    return str(Bip32Secp256k1.FromSeedAndPath(seed, path).PublicKey().ToExtended())


def wallet_addresses(
    seed: bytes,
    chain: Chain,
    *,
    network: BtcNetwork = "mainnet",
    account: int = 0,
    change: int = 0,
    start: int = 0,
    count: int = 1,
) -> list[WalletAddress]:
    """The addresses at indexes start..start+count-1 of one account on `chain`. `network` and `change` (0 receive,
    1 change) are BTC's; GOS and ETH wallets use receiving addresses only."""
    if chain != "btc" and change:
        raise ValueError(f"{chain.upper()} has no change addresses: --change is for BTC")
    if change not in (0, 1):
        raise ValueError(f"change is 0 (receive) or 1 (change), not {change}")
    if start < 0 or count < 0 or start + count > 2**31:
        raise ValueError(f"address indexes {start}..{start + count - 1} are outside 0..2^31-1")
    indexes = range(start, start + count)
    if chain == "gos":
        return [WalletAddress("gos", gos_path(account, i), gos_key(seed, account, i).address) for i in indexes]
    if chain == "btc":
        return [
            WalletAddress("btc", key.path, key.address)
            for key in (btc_key(seed, network, account, change, i) for i in indexes)
        ]
    if chain == "eth":
        return [WalletAddress("eth", key.path, key.address) for key in (eth_key(seed, account, i) for i in indexes)]
    raise ValueError(f"unknown chain {chain!r}: use one of {', '.join(CHAINS)}")


def extended_public_key(seed: bytes, chain: Chain, *, network: BtcNetwork = "mainnet", account: int = 0) -> str:
    """The account's extended public key on `chain`: zpub/vpub (BIP-84) for BTC, xpub for GOS and ETH."""
    if not 0 <= account < 2**31:
        raise ValueError(f"account {account} is outside 0..2^31-1")
    if chain == "btc":
        return btc_account_xpub(seed, network, account)
    if chain == "gos":
        return account_xpub(seed, gos_account_path(account))
    if chain == "eth":
        return account_xpub(seed, eth_account_path(account))
    raise ValueError(f"unknown chain {chain!r}: use one of {', '.join(CHAINS)}")


def account_path(chain: Chain, *, network: BtcNetwork = "mainnet", account: int = 0) -> str:
    """The hardened account path whose key `extended_public_key` exports."""
    if chain == "btc":
        return btc_account_path(network, account)
    return gos_account_path(account) if chain == "gos" else eth_account_path(account)


def _account_node(root: Bip44Base, account: int) -> Bip44Base:
    if not 0 <= account < 2**31:
        raise ValueError(f"account {account} is outside 0..2^31-1")
    return root.Purpose().Coin().Account(account)


def _btc_coin(network: str) -> Bip84Coins:
    if network not in _BIP84_COINS:
        raise ValueError(f"unknown Bitcoin network {network!r}: use one of {', '.join(BTC_NETWORKS)}")
    return _BIP84_COINS[network]


def _derived(path: str, leaf: Bip44Base) -> DerivedKey:
    return DerivedKey(
        path=path,
        secret=bytes(leaf.PrivateKey().Raw().ToBytes()),
        public_key=bytes(leaf.PublicKey().RawCompressed().ToBytes()),
        address=str(leaf.PublicKey().ToAddress()),
    )


def _is_english_word(word: str) -> bool:
    return word in _english_words()


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    # The word list bip-utils validates against (its checksum error cannot tell an unknown word from a wrong one).
    from bip_utils.bip.bip39.bip39_mnemonic_utils import Bip39WordsListGetter

    words = Bip39WordsListGetter().GetByLanguage(Bip39Languages.ENGLISH)
    return frozenset(words.GetWordAtIdx(i) for i in range(words.Length()))
