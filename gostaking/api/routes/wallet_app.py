"""GET /app: the browser wallet (gostaking/app), and its static files under /app/static/."""

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from gostaking.app import INDEX_FILE, static_files
from gostaking.explorer import content_type

from ..errors import NotFoundError

router = APIRouter(tags=["pages"])

# The bundle changes with the code: browsers revalidate (a 304 costs a round trip, not a download).
_NO_CACHE = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


@router.get("/app", response_class=HTMLResponse, include_in_schema=False)
def app_page() -> FileResponse:
    """The app's single page; its views are chosen by the URL hash (#/portfolio, #/stake…)."""
    return FileResponse(static_files()[INDEX_FILE], media_type="text/html", headers=_NO_CACHE)


@router.get("/app/static/{path:path}", include_in_schema=False)
def app_static(path: str) -> FileResponse:
    """A file of the app (bundle, styles), looked up in the fixed list of packaged files."""
    file = static_files().get(path)
    if file is None:
        raise NotFoundError(f"no such app file: {path}")
    return FileResponse(file, media_type=content_type(path), headers=_NO_CACHE)
