"""The custody module: deposits attested by an m-of-n custodian set, withdrawals, sanctions holds."""
