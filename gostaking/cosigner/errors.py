"""The cosigner's refusals: each a one-line message for the user and the HTTP status the API answers with."""


class CosignerError(Exception):
    """Base of every refusal; `status` is the HTTP status, the class name the API's `error` field."""

    status = 400


class BadRequestError(CosignerError):
    """The request is malformed (bad key, body, signature encoding)."""


class UnknownWalletError(CosignerError):
    """No 2FA wallet, approval or ceremony of that name."""

    status = 404


class AlreadyEnrolledError(CosignerError):
    """The wallet is enrolled and active: enrolling again would replace its TOTP secret."""

    status = 409


class NotActiveError(CosignerError):
    """The wallet's 2FA is not activated yet (no first code was confirmed)."""

    status = 409


class NotAuthorisedError(CosignerError):
    """The request is not signed by the wallet's user or backup key."""

    status = 403


class WrongCodeError(CosignerError):
    """The TOTP code is not the current one."""

    status = 401


class CodeReusedError(CosignerError):
    """The TOTP code (or an earlier one) was already used."""

    status = 409


class LockedOutError(CosignerError):
    """Too many wrong codes: the wallet is locked for a while."""

    status = 429


class PolicyRefusedError(CosignerError):
    """The transaction or policy change breaks the wallet's policy."""

    status = 403


class StateError(CosignerError):
    """The approval is not in a state that allows this (already signed, cancelled, expired)."""

    status = 409
