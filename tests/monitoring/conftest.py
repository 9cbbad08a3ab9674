"""Monitoring tests reuse the localnet, API, cosigner and gateway harnesses (tests/localnet, api, cosigner, bridge)."""

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
for folder in ("localnet", "api", "cosigner", "bridge"):
    sys.path.insert(0, str(TESTS / folder))
