"""The 2FA cosigner: the third key of a user's 2-of-3 wallet, used only after a TOTP code or a passkey assertion
and within the user's spending policy (docs/cosigner.md).

`protocol` (the key set, request digests, combining signatures) is pure and shared with the wallet's client;
`service` is the logic over the `store`; `app` is the thin FastAPI shell.
"""
