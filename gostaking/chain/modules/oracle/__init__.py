"""The oracle module: mining nodes feed asset prices in GOS; the chain aggregates them each period."""
