"""The client of a node's REST API, below every program that talks to a node from outside: the CLI and the
custody gateway. It knows the API's JSON, its error body and how to sign and submit transactions; the callers
only turn its ApiError into their own errors. How an answer is read (`answers.read_answer`) is shared with the
wallet's client of the 2FA cosigner, which answers alike."""

from .errors import ApiError
from .node_api import DEFAULT_API_URL, AssetInfo, NodeApi

__all__ = ["DEFAULT_API_URL", "ApiError", "AssetInfo", "NodeApi"]
