"""The wallet on other chains: BTC and ETH balances, sends and custody deposits from the keys of one seed.

The shells (`gostaking wallet balance|deposit|send`, gostaking/cli/wallet/chains.py) only read options and print;
everything a wallet decides (which coins, which fee, which address, what is refused) is here.
"""


class WalletChainError(Exception):
    """A wallet action refused before anything was signed or sent; the message is one line for the user."""


def format_units(value: int, decimals: int) -> str:
    """Base units as an exact decimal string of whole units ('1.5'), without floats."""
    whole, fraction = divmod(value, 10**decimals)
    return f"{whole}.{fraction:0{decimals}d}".rstrip("0").rstrip(".") if fraction else str(whole)
