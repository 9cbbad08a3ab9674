"""The "phone code": RFC 6238 TOTP (30-second steps, 6 digits, SHA-1: what every authenticator app reads from an
otpauth:// URI) on pyotp, and the enrolment QR code on segno.

Time is always passed in (unix seconds) so the service's injected clock decides, and tests control it.
"""

import io

import pyotp
import segno

STEP_SECONDS = 30
DIGITS = 6
WINDOW_STEPS = 1
"""A code of the step before or after the current one is accepted too (a phone clock a little off, a code typed
as it changed)."""


def new_secret() -> str:
    """A new random base32 TOTP secret (160 bits, from the OS CSPRNG through pyotp)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth://totp/… URI an authenticator app enrols from (as text or as a QR code)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=issuer)


def code_at(secret: str, unix_seconds: float) -> str:
    """The code an authenticator app shows at `unix_seconds`."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(int(unix_seconds))


def matching_step(secret: str, code: str, unix_seconds: float) -> int | None:
    """The time step (unix_seconds // 30, ±WINDOW_STEPS) whose code is `code`, or None when none is.

    The step, not a yes/no, is what replay protection needs: a code is accepted only for a step later than the
    last one accepted. Each comparison is constant-time (pyotp.utils.strings_equal).
    """
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int(unix_seconds) // STEP_SECONDS
    for step in range(current - WINDOW_STEPS, current + WINDOW_STEPS + 1):
        if pyotp.utils.strings_equal(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def qr_svg(uri: str) -> str:
    """The URI as an SVG QR code (for a web page or a file)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, xmldecl=False)
    return buffer.getvalue().decode()


def qr_terminal(uri: str) -> str:
    """The URI as a QR code drawn with text blocks, for a terminal."""
    buffer = io.StringIO()
    segno.make(uri, error="m").terminal(out=buffer, compact=True)
    return buffer.getvalue()
