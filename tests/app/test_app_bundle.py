"""The app as a node serves it: the checked-in bundle is what `make app` builds from the sources, the pages and
files are served at /app with nothing fetched from elsewhere, and the chain's estimate route answers."""

import json
import subprocess
from pathlib import Path

import pytest
from explorer_harness import REPO, DevnetProcess

from gostaking.app import BUNDLE_FILE, INDEX_FILE, STATIC_DIR


def test_checked_in_bundle_is_built_from_the_sources(tmp_path: Path) -> None:
    esbuild = REPO / "node_modules/.bin/esbuild"
    if not esbuild.exists():
        pytest.skip("the app's npm packages are needed: npm ci")
    script = json.loads((REPO / "package.json").read_text())["scripts"]["build:app"].split()
    assert script[0] == "esbuild" and f"--outfile=gostaking/app/static/{BUNDLE_FILE}" in script
    fresh = tmp_path / BUNDLE_FILE
    args = [str(esbuild), *(f"--outfile={fresh}" if a.startswith("--outfile=") else a for a in script[1:])]
    subprocess.run(args, cwd=REPO, check=True, capture_output=True)
    assert fresh.read_bytes() == (STATIC_DIR / BUNDLE_FILE).read_bytes(), "the bundle is stale: run `make app`"


def test_node_serves_the_app_and_nothing_is_fetched_elsewhere(devnet: DevnetProcess) -> None:
    page = devnet.client.get("/app")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.text == (STATIC_DIR / INDEX_FILE).read_text()
    # Requests may also go to the 2FA cosigner the user names on the 2FA page (its own origin; docs/app.md), and
    # nothing else comes from elsewhere.
    cosigner_sources = "connect-src 'self' https: http://localhost:* http://127.0.0.1:*;"
    outside = page.text.replace("http-equiv", "").replace(cosigner_sources, "")
    assert "default-src 'self'" in page.text and cosigner_sources in page.text and "http" not in outside
    bundle = devnet.client.get(f"/app/static/{BUNDLE_FILE}")
    assert bundle.status_code == 200 and bundle.headers["content-type"].startswith("text/javascript")
    code = bundle.text.split("/*! Bundled license information")[0]
    assert "fetch(" in code and "://" not in code.replace("http://www.w3.org", "")  # the API of its own origin
    missing = devnet.client.get("/app/static/../../api/main.py")
    assert missing.status_code == 404 and missing.json()["error"] == "NotFound"
    bad = devnet.client.get("/accounts/gos1nope/estimate")
    assert bad.status_code == 400
