"""REST API over a node (FastAPI, OpenAPI at /docs). Thin: it reads chain queries and submits to the node app."""
