"""The deterministic GoStaking state machine: pure functions over State, no IO, clock, randomness or floats."""
