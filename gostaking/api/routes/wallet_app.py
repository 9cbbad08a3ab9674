"""GET /app: the browser wallet (gostaking/app), whose views are chosen by the URL hash (#/portfolio, #/stake…),
and its static files under /app/static/."""

from gostaking.app import INDEX_FILE, static_files

from ..packaged_site import packaged_site_router

# The bundle changes with the code: browsers revalidate (a 304 costs a round trip, not a download).
_NO_CACHE = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}

router = packaged_site_router("/app", static_files, INDEX_FILE, "app", _NO_CACHE)
