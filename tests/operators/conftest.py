"""Operator tests reuse the localnet tests' helpers (waiting, CometBFT skip conditions): localnet_harness."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "localnet"))
