"""The GoStaking app: a wallet in the browser (create/restore, lock, vote, stake, claim, send, swap, governance),
served by every node's API at /app next to the explorer.

Keys never leave the browser: the phrase is encrypted in localStorage (WebCrypto) and transactions are signed in
the page. The JavaScript sources are in `src/` (ES modules importing @noble/@scure packages from npm); `make app`
bundles them with esbuild into `static/app.js`, which is checked in so that a node serves the app without Node.js.
docs/app.md describes the architecture and the encoding vectors shared with the Python wallet.
"""

from functools import cache
from pathlib import Path

APP_DIR = Path(__file__).resolve().parent
STATIC_DIR = APP_DIR / "static"
INDEX_FILE = "index.html"
BUNDLE_FILE = "app.js"


@cache
def static_files() -> dict[str, Path]:
    """Every servable file by its path relative to the static directory (a fixed list: no path traversal)."""
    return {p.relative_to(STATIC_DIR).as_posix(): p for p in sorted(STATIC_DIR.rglob("*")) if p.is_file()}
