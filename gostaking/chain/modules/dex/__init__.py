"""The dex module: constant-product GOS pairs for listed assets; their prices feed the GOS index."""
