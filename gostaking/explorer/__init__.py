"""The block explorer: a static web UI (HTML, JavaScript modules, CSS; no build step) served by the node API.

It reads the chain-state routes (/status, /accounts, /nodes…) and the explorer routes over the SQL index
(/explorer/…), routes on the URL hash (#/block/12), and follows new blocks over Server-Sent Events.
Charts and the resource-sharing graph are hand-written SVG: nothing is fetched from the network.
"""

import mimetypes
from functools import cache
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
INDEX_FILE = "index.html"

_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".svg": "image/svg+xml"}


@cache
def static_files() -> dict[str, Path]:
    """Every servable file by its path relative to the static directory (a fixed list: no path traversal)."""
    return {p.relative_to(STATIC_DIR).as_posix(): p for p in sorted(STATIC_DIR.rglob("*")) if p.is_file()}


def content_type(name: str) -> str:
    """MIME type of a static file (JavaScript modules must be served as text/javascript)."""
    suffix = Path(name).suffix
    return _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
