"""How a request to a node's REST API fails: one error type, carrying what the API said."""


class ApiError(Exception):
    """A request to the node API failed; str() is `<METHOD> <path>: <reason>`.

    `status` is the HTTP status of the answer, None when none came (connection refused, timeout, bad URL).
    `error`, `code` and `message` are the API's error body `{"error", "code", "message"}` (e.g.
    `BadSequenceError`, the chain's error code, its explanation) when it sent one, else None. `reason` is the
    failure in a few words: the API's `<error>: <message>`, `failed with HTTP <status>`, or the transport's error.
    """

    def __init__(
        self,
        method: str,
        path: str,
        url: str,
        reason: str,
        *,
        status: int | None = None,
        error: str | None = None,
        code: int | None = None,
        message: str | None = None,
    ) -> None:
        """The failure of `method` `path` (`url` in full) for `reason`."""
        super().__init__(f"{method} {path}: {reason}")
        self.method = method
        self.path = path
        self.url = url
        self.reason = reason
        self.status = status
        self.error = error
        self.code = code
        self.message = message
