"""Command-line interface (Typer): devnet, keys, transactions and queries. Thin: it talks to the node API."""
