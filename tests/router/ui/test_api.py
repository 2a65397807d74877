"""The dashboard's APIs in process: who gets in, CSRF on writes, config saves and refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from ccrouter.app import CCRouterApp, create_app
from tests.conftest import base_config

BASE = "http://127.0.0.1:3456"


async def signed_in(app: CCRouterApp) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, timeout=10)
    assert (await client.get("/ui/")).status_code == 200  # loopback, no APIKEY: a session
    csrf = (await client.get("/ui/api/session")).json()["csrf"]
    return client, csrf


@pytest.fixture
async def ui(app: CCRouterApp) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    client, csrf = await signed_in(app)
    try:
        yield client, csrf
    finally:
        await client.aclose()


def error_of(response: httpx.Response) -> str:
    body = response.json()
    assert body["type"] == "error", body
    message: str = body["error"]["message"]
    return message


async def test_first_visit_opens_a_session_cookie(app: CCRouterApp) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        assert (await c.get("/ui/api/session")).status_code == 401
        page = await c.get("/ui/")
        assert (
            "HttpOnly" in page.headers["set-cookie"]
            and "SameSite=Strict" in page.headers["set-cookie"]
        )
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        info = (await c.get("/ui/api/session")).json()
        assert info["signed_in_with"] == "loopback" and info["csrf"]
        assert (await c.get("/ui")).headers["location"] == "/ui/"
        assert (await c.get("/ui/static/chart.umd.min.js")).status_code == 200


async def test_no_apikey_means_loopback_names_only(app: CCRouterApp) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://rebound.example") as c:
        response = await c.get("/ui/")
        assert response.status_code == 403 and "only to this machine" in error_of(response)
    remote = httpx.ASGITransport(app=app, client=("10.1.2.3", 5000))
    async with httpx.AsyncClient(transport=remote, base_url=BASE) as c:
        assert (await c.get("/ui/api/session")).status_code == 403


async def test_writes_need_the_csrf_token_and_json(ui: tuple[httpx.AsyncClient, str]) -> None:
    client, csrf = ui
    no_token = await client.post("/ui/api/config/validate", json={"text": "{}"})
    assert no_token.status_code == 403 and "X-CSRF-Token" in error_of(no_token)
    form = await client.post(
        "/ui/api/config/validate", content="text=x", headers={"x-csrf-token": csrf}
    )
    assert form.status_code == 415


async def test_config_round_trip(app: CCRouterApp, ui: tuple[httpx.AsyncClient, str]) -> None:
    client, csrf = ui
    headers = {"x-csrf-token": csrf}
    path = app.config_path
    assert path is not None
    shown = (await client.get("/ui/api/config")).json()
    assert "sk-or-test-key" not in shown["text"] and "sk-o…" in shown["text"]
    edited = shown["text"].replace('"openrouter,model-default"', '"openrouter,model-b"', 1)
    checked = (
        await client.post("/ui/api/config/validate", json={"text": edited}, headers=headers)
    ).json()
    assert checked["ok"], checked
    diff = (await client.post("/ui/api/config/diff", json={"text": edited}, headers=headers)).json()
    assert '+    "default": "openrouter,model-b"' in diff["diff"]
    stale = await client.post(
        "/ui/api/config", json={"text": edited, "version": "old"}, headers=headers
    )
    assert stale.status_code == 409
    saved = await client.post(
        "/ui/api/config", json={"text": edited, "version": shown["version"]}, headers=headers
    )
    assert saved.status_code == 200 and saved.json()["applied"], saved.text
    assert "sk-or-test-key" in path.read_text()  # the masked key was put back
    assert str(app.holder.current().config.routes["default"][0]) == "openrouter,model-b"


async def test_a_bad_save_writes_nothing(
    app: CCRouterApp, ui: tuple[httpx.AsyncClient, str]
) -> None:
    client, csrf = ui
    assert app.config_path is not None
    before = app.config_path.read_text()
    shown = (await client.get("/ui/api/config")).json()
    bad = shown["text"].replace('"openrouter,model-default"', '"ghost,model-b"', 1)
    response = await client.post(
        "/ui/api/config",
        json={"text": bad, "version": shown["version"]},
        headers={"x-csrf-token": csrf},
    )
    assert response.status_code == 400
    assert "unknown provider 'ghost'" in response.json()["problems"][0]
    assert app.config_path.read_text() == before


async def test_use_for_route_and_data_apis(
    app: CCRouterApp, ui: tuple[httpx.AsyncClient, str]
) -> None:
    client, csrf = ui
    used = await client.post(
        "/ui/api/models/use",
        json={"route": "think", "target": "openrouter,model-b"},
        headers={"x-csrf-token": csrf},
    )
    assert used.status_code == 200 and used.json()["applied"]
    assert str(app.holder.current().config.routes["think"][0]) == "openrouter,model-b"
    wrong = await client.post(
        "/ui/api/models/use",
        json={"route": "nap", "target": "openrouter,x"},
        headers={"x-csrf-token": csrf},
    )
    assert wrong.status_code == 400 and "unknown route" in error_of(wrong)
    routes = (await client.get("/ui/api/routes")).json()["routes"]
    assert routes[0]["route"] == "default"
    assert (await client.get("/ui/api/models")).json()["models"]
    assert (await client.get("/ui/api/usage?by=nope")).status_code == 400
    assert (await client.get("/ui/api/usage?since=7d&by=route")).json()["report"]["by"] == "route"
    assert (await client.get("/ui/api/recent")).json() == {"events": []}
    missing = await client.get("/ui/nothing-here")
    assert missing.status_code == 404 and "not a dashboard address" in error_of(missing)


async def test_embedded_default_has_no_file_to_edit(upstream_client: httpx.AsyncClient) -> None:
    app = create_app(None, client=upstream_client, watch=False)
    client, _ = await signed_in(app)
    try:
        response = await client.get("/ui/api/config")
        assert response.status_code == 409 and "--config" in error_of(response)
    finally:
        await client.aclose()


async def test_with_an_apikey_only_a_login_opens_the_dashboard(
    make_app: Callable[..., CCRouterApp], tmp_path: Path
) -> None:
    app = make_app(base_config(APIKEY="dash-key-123456"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        page = await c.get("/ui/")
        assert 'id="login-form"' in page.text and "set-cookie" not in page.headers
        assert (await c.get("/ui/api/session")).status_code == 401
        wrong = await c.post("/ui/api/login", json={"key": "guess"})
        assert wrong.status_code == 401 and "dash-key" not in wrong.text
        right = await c.post("/ui/api/login", json={"key": "dash-key-123456"})
        assert right.status_code == 200 and "dash-key" not in right.headers["set-cookie"]
        info = (await c.get("/ui/api/session")).json()
        assert info["signed_in_with"] == "apikey"
        shown = (await c.get("/ui/api/config")).json()["text"]
        assert "dash-key-123456" not in shown
        out = await c.post("/ui/api/logout", json={}, headers={"x-csrf-token": info["csrf"]})
        assert out.status_code == 200
        assert (await c.get("/ui/api/session")).status_code == 401
