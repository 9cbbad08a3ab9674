"""Plain data of the chain (msgspec Structs): state records, messages, events, parameters."""
