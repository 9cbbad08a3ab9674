"""GET / : the block explorer (gostaking/explorer), and its static files under /static/."""

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from gostaking.explorer import INDEX_FILE, content_type, static_files

from ..errors import NotFoundError

router = APIRouter(tags=["pages"])

# Small files that change with the code: let browsers revalidate instead of caching stale modules.
_NO_CACHE = {"Cache-Control": "no-cache"}


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def explorer_page() -> FileResponse:
    """The explorer's single page; its views are chosen by the URL hash (#/blocks, #/account/gos1…)."""
    return FileResponse(static_files()[INDEX_FILE], media_type="text/html", headers=_NO_CACHE)


@router.get("/static/{path:path}", include_in_schema=False)
def explorer_static(path: str) -> FileResponse:
    """A file of the explorer (scripts, styles), looked up in the fixed list of packaged files."""
    file = static_files().get(path)
    if file is None:
        raise NotFoundError(f"no such explorer file: {path}")
    return FileResponse(file, media_type=content_type(path), headers=_NO_CACHE)
