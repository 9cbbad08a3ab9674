"""GET / : the block explorer (gostaking/explorer), whose views are chosen by the URL hash (#/blocks,
#/account/gos1…), and its static files under /static/."""

from gostaking.explorer import INDEX_FILE, static_files

from ..packaged_site import packaged_site_router

# Small files that change with the code: let browsers revalidate instead of caching stale modules.
_NO_CACHE = {"Cache-Control": "no-cache"}

router = packaged_site_router("/", static_files, INDEX_FILE, "explorer", _NO_CACHE)
