"""Localnet tests: helpers live in localnet_harness (imported by the test modules)."""
