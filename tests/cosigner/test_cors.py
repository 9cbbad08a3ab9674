"""`cosigner serve --cors-origin`: pages of the listed origins (the browser wallet's) may call the API, no other
site's page can read its answers, the listed origins may run passkey ceremonies, and a malformed origin is refused
in one line before anything starts. (The browser journey through it: tests/app/test_app_twofactor.py.)"""

from pathlib import Path

import pytest
from cosigner_harness import Clock, make_service
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from gostaking.cli.main import app
from gostaking.cosigner.app import create_app
from gostaking.cosigner.passkeys import RelyingParty

WALLET = "http://localhost:26657"


def preflight(client: TestClient, origin: str) -> dict[str, str]:
    response = client.options(
        "/v1/enrol",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    return dict(response.headers)


def test_only_the_listed_origins_may_call_the_api(tmp_path: Path) -> None:
    service = make_service(f"sqlite:///{tmp_path / 'cosigner.db'}", Clock())
    listed = TestClient(create_app(service, (WALLET,)))
    assert preflight(listed, WALLET)["access-control-allow-origin"] == WALLET
    assert "access-control-allow-origin" not in preflight(listed, "https://evil.example")
    answer = listed.get("/v1/wallets/gos1nobody", headers={"Origin": WALLET})
    assert answer.status_code == 404 and answer.headers["access-control-allow-origin"] == WALLET
    # Without the option (the default), no page of another origin reads an answer.
    closed = TestClient(create_app(service))
    assert "access-control-allow-origin" not in preflight(closed, WALLET)
    assert "access-control-allow-origin" not in closed.get("/v1/wallets/x", headers={"Origin": WALLET}).headers


def test_listed_origins_may_run_passkey_ceremonies() -> None:
    party = RelyingParty("localhost", "GoStaking", "http://localhost:8650", app_origins=(WALLET,))
    assert party.expected_origins == ["http://localhost:8650", WALLET]
    assert RelyingParty("localhost", "GoStaking", "http://localhost:8650").expected_origins == ["http://localhost:8650"]


@pytest.mark.parametrize("origin", ["localhost:26657", "http://localhost:26657/app", "ftp://x", "https://"])
def test_a_malformed_origin_is_refused_in_one_line(tmp_path: Path, origin: str) -> None:
    seed_file = tmp_path / "cosigner.seed"
    assert CliRunner().invoke(app, ["cosigner", "init", "--seed-file", str(seed_file)]).exit_code == 0
    database = tmp_path / "cosigner.db"
    serve = ["cosigner", "serve", "--seed-file", str(seed_file), "--db", f"sqlite:///{database}"]
    result = CliRunner().invoke(app, [*serve, "--cors-origin", origin])
    assert result.exit_code == 1 and result.output.strip().splitlines() == [
        f"error: --cors-origin {origin!r} is not an origin like https://wallet.example or http://localhost:8080"
    ]
    assert not database.exists()  # refused before the database is opened
