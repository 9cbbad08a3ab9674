"""Wallet-on-chains fixtures: btcd (tests/bridge/btcd_harness.py), the custody devnet (tests/bridge/gateway_harness.py,
served over HTTP by wallet_harness.py) and anvil (tests/contracts/anvil_harness.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bridge"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "contracts"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))

from anvil_harness import anvil
from btcd_harness import btcd
from gateway_harness import gateway_net
from wallet_harness import served_net

__all__ = ["anvil", "btcd", "gateway_net", "served_net"]
