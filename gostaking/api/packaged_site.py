"""The routes of a single-page site packaged with the code (the explorer, the browser wallet): its page and its
static files, looked up in the site's fixed list of files so that no request path reaches outside it."""

from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from gostaking.explorer import content_type

from .errors import NotFoundError


def packaged_site_router(
    url: str, static_files: Callable[[], dict[str, Path]], index_file: str, site: str, headers: dict[str, str]
) -> APIRouter:
    """GET `url`: the site's page (`index_file`); GET `url`/static/{path}: one of its `static_files`, 404 (naming
    `site`) for any other path. Both answer with `headers` and stay out of the OpenAPI document."""
    router = APIRouter(tags=["pages"])
    static_url = url.rstrip("/") + "/static/{path:path}"

    @router.get(url, response_class=HTMLResponse, include_in_schema=False)
    def site_page() -> FileResponse:
        """The site's single page; its views are chosen by the URL hash."""
        return FileResponse(static_files()[index_file], media_type="text/html", headers=headers)

    @router.get(static_url, include_in_schema=False)
    def site_file(path: str) -> FileResponse:
        """A file of the site (scripts, styles)."""
        file = static_files().get(path)
        if file is None:
            raise NotFoundError(f"no such {site} file: {path}")
        return FileResponse(file, media_type=content_type(path), headers=headers)

    return router
