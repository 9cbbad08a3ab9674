"""The wallet on other chains: BTC and ETH balances, sends and custody deposits from the keys of one seed.

The shells (`gostaking wallet balance|deposit|send`, gostaking/cli/wallet/chains.py) only read options and print;
everything a wallet decides (which coins, which fee, which address, what is refused) is here.
"""


class WalletChainError(Exception):
    """A wallet action refused before anything was signed or sent; the message is one line for the user."""
