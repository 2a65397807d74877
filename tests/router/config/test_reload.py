"""Hot reload against a real server: uvicorn on loopback, the file watcher on, fake OpenRouter.

Each change is made on disk while the server runs; the test waits (at most ~5 s) for the new
snapshot, then checks the next request: which model the fake received and the
``x-ccrouter-route`` / ``x-ccrouter-model`` headers.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import textwrap
import time
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ccrouter.app import CCRouterApp, create_app
from ccrouter.config.reload import reload_now
from ccrouter.testing.fake.app import FakeOpenRouter
from ccrouter.testing.fake.script import Text
from ccrouter.testing.streamcheck import assert_valid_anthropic_stream
from tests.conftest import base_config, user_message
from tests.servers import serve_app
from tests.waiting import eventually


@dataclass
class Running:
    app: CCRouterApp
    client: httpx.AsyncClient  # to the server, over real HTTP
    config_path: Path
    routers: Path  # CUSTOM_ROUTER_DIR
    fake: FakeOpenRouter

    @property
    def reloads(self) -> int:
        return self.app.reload_status.reloads

    def write_config(self, config: dict[str, Any] | str) -> None:
        text = config if isinstance(config, str) else json.dumps(config, indent=2)
        replace(self.config_path, text)

    def write_router(self, name: str, source: str) -> None:
        replace(self.routers / name, textwrap.dedent(source))

    async def ask(self, **body: Any) -> httpx.Response:
        response = await self.client.post("/v1/messages?beta=true", json=user_message(**body))
        assert response.status_code == 200, response.text
        return response

    async def health(self) -> dict[str, Any]:
        report: dict[str, Any] = (await self.client.get("/health")).json()
        return report


def replace(path: Path, text: str) -> None:
    """Write the whole file in one step, as most editors save (no half-written file is seen)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    os.replace(partial, path)


def config_with(routers_dir: str = "routers", **router: Any) -> dict[str, Any]:
    config = base_config(CUSTOM_ROUTER_DIR=routers_dir)
    config["Router"].update(router)
    return config


@pytest.fixture
async def running(tmp_path: Path, fake: FakeOpenRouter) -> AsyncIterator[Running]:
    routers = tmp_path / "routers"
    routers.mkdir()
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config_with()))
    async with httpx.AsyncClient(transport=fake.transport()) as upstream:
        app = create_app(config_path, client=upstream, watch=True)
        async with serve_app(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
            await eventually(watcher_armed, "the config watcher to arm")
            yield Running(app, client, config_path, routers, fake)


def watcher_armed() -> bool:
    """watchfiles sets up its watch in the watcher task's first step, before it first waits."""
    for task in asyncio.all_tasks():
        coro = task.get_coro()
        if isinstance(coro, Coroutine) and coro.__qualname__ == "watch_forever":
            return inspect.getcoroutinestate(coro) != inspect.CORO_CREATED
    return False


def served(response: httpx.Response, fake: FakeOpenRouter, route: str, model: str) -> bool:
    body = fake.requests[-1].body or {}
    return (
        response.headers["x-ccrouter-route"] == route
        and response.headers["x-ccrouter-model"] == f"openrouter,{model}"
        and body.get("model") == model
    )


async def test_an_edited_config_routes_the_next_request(running: Running) -> None:
    assert served(await running.ask(), running.fake, "default", "model-default")
    running.write_config(config_with(default="openrouter,model-b"))
    await eventually(
        lambda: (
            str(running.app.holder.current().config.routes["default"][0]) == "openrouter,model-b"
        ),
        "the new default route",
    )
    assert served(await running.ask(), running.fake, "default", "model-b")
    assert running.app.reload_status.error is None


async def test_invalid_json_keeps_the_old_routes_and_reports_where(running: Running) -> None:
    before = running.reloads
    running.write_config('{\n  "Router": {\n    "default": "openrouter,model-b",,\n  }\n}\n')
    await eventually(lambda: running.app.reload_status.error is not None, "a reload error")
    error = running.app.reload_status.error or ""
    assert str(running.config_path) in error and "line 3" in error, error
    assert running.reloads == before
    assert served(await running.ask(), running.fake, "default", "model-default")
    report = await running.health()
    assert report["status"] == "degraded"
    assert any(
        "last config reload failed" in p and str(running.config_path) in p and "line 3" in p
        for p in report["problems"]
    ), report["problems"]

    running.write_config(config_with(default="openrouter,model-b"))
    await eventually(lambda: running.app.reload_status.error is None, "recovery")
    assert (await running.health())["status"] == "ok"
    assert served(await running.ask(), running.fake, "default", "model-b")


async def test_a_schema_error_names_the_json_path(running: Running) -> None:
    running.write_config(config_with(longContextThreshold=-1))
    await eventually(lambda: running.app.reload_status.error is not None, "a reload error")
    assert "Router.longContextThreshold" in (running.app.reload_status.error or "")
    assert served(await running.ask(), running.fake, "default", "model-default")


async def test_custom_router_files_added_changed_broken_and_removed(running: Running) -> None:
    holder = running.app.holder

    def routers() -> list[str]:
        return [r.name for r in holder.current().custom_routers]

    # added
    running.write_router(
        "pick.py", "def route(request, config):\n    return 'openrouter,model-b'\n"
    )
    await eventually(lambda: routers() == ["pick"], "pick.py loaded")
    assert served(await running.ask(), running.fake, "custom:pick", "model-b")

    # changed
    loaded = holder.current().custom_routers[0]
    running.write_router("pick.py", "async def route(request, config):\n    return 'think'\n")
    await eventually(lambda: holder.current().custom_routers[:1] != (loaded,), "pick.py reloaded")
    assert served(await running.ask(), running.fake, "think", "model-think")

    # broken: reported (not a failed reload: the config is fine), skipped
    running.write_router("pick.py", "def route(request, config)\n    return 'think'\n")
    await eventually(lambda: routers() == [], "pick.py dropped")
    assert running.app.reload_status.error is None
    assert holder.current().load_problems[0].startswith("pick.py: SyntaxError")
    report = await running.health()
    assert report["status"] == "degraded"
    assert any(p.startswith("pick.py: SyntaxError") for p in report["problems"])
    assert served(await running.ask(), running.fake, "default", "model-default")

    # fixed, then removed
    running.write_router("pick.py", "def route(request, config):\n    return 'background'\n")
    await eventually(lambda: routers() == ["pick"], "pick.py fixed")
    assert served(await running.ask(), running.fake, "background", "model-bg")
    (running.routers / "pick.py").unlink()
    await eventually(lambda: routers() == [], "pick.py removed")
    assert holder.current().load_problems == ()
    assert (await running.health())["status"] == "ok"
    assert served(await running.ask(), running.fake, "default", "model-default")


async def test_a_router_sleeping_at_import_does_not_stall_serving(running: Running) -> None:
    """Its import (the child-process probe, then the service's own) runs off the event loop:
    /health keeps answering within a second while the file takes 1.2 s to import, twice."""
    holder = running.app.holder
    latencies: list[float] = []
    loaded = asyncio.Event()

    async def keep_asking() -> None:
        while not loaded.is_set():
            asked = time.monotonic()
            assert (await running.client.get("/health")).status_code == 200
            latencies.append(time.monotonic() - asked)
            await asyncio.sleep(0.05)

    asking = asyncio.ensure_future(keep_asking())
    running.write_router(
        "slow.py", "import time\ntime.sleep(1.2)\ndef route(request, config):\n    return None\n"
    )
    try:
        await eventually(
            lambda: [r.name for r in holder.current().custom_routers] == ["slow"],
            "slow.py loaded",
            timeout=8,
        )
    finally:
        loaded.set()
        await asking
    assert len(latencies) > 10 and max(latencies) < 1.0, latencies


async def test_a_request_in_flight_keeps_its_snapshot(running: Running) -> None:
    words = "word " * 60
    running.fake.script("model-default", Text(words, chunk_chars=5, chunk_delay=0.04))
    before = running.reloads
    body = user_message(stream=True)
    async with running.client.stream("POST", "/v1/messages", json=body) as stream:
        assert stream.headers["x-ccrouter-model"] == "openrouter,model-default"
        chunks = stream.aiter_bytes()
        received = [await anext(chunks)]

        running.write_config(config_with(default="openrouter,model-b"))
        await eventually(lambda: running.reloads > before, "the reload")
        assert served(await running.ask(), running.fake, "default", "model-b")

        received += [chunk async for chunk in chunks]
    content = b"".join(received)
    events = assert_valid_anthropic_stream(content)
    assert events[-1][0] == "message_stop"
    text = "".join(
        e[1]["delta"]["text"]
        for e in events
        if e[0] == "content_block_delta" and e[1]["delta"].get("type") == "text_delta"
    )
    assert text == words
    first = next(r for r in running.fake.requests if r.stream)
    assert first.body is not None and first.body["model"] == "model-default"


async def test_a_router_folder_created_while_running_is_picked_up(running: Running) -> None:
    running.write_config(config_with(routers_dir="later"))
    await eventually(lambda: running.reloads >= 1, "the config reload")
    later = running.config_path.parent / "later"
    later.mkdir()
    running.routers = later

    def picked_up() -> bool:
        # Written again until seen: the watcher adds the folder once it has noticed it appear.
        if [r.name for r in running.app.holder.current().custom_routers] == ["pick"]:
            return True
        running.write_router("pick.py", "def route(request, config):\n    return 'think'\n")
        return False

    await eventually(picked_up, "pick.py in the new folder", timeout=2.5)


# --- reloads keep the start rules (reload_now called directly: no watcher timing) ----------


def keyed_app(tmp_path: Path, **overrides: Any) -> CCRouterApp:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(base_config(APIKEY="inbound-secret", **overrides)))
    return create_app(path, watch=False)


async def status_code(app: CCRouterApp, path: str, **headers: str) -> int:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        return (await c.get(path, headers=headers)).status_code


async def health_of(app: CCRouterApp) -> dict[str, Any]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        report: dict[str, Any] = (await c.get("/health")).json()
        return report


async def test_deleting_the_config_while_serving_keeps_its_apikey(tmp_path: Path) -> None:
    app = keyed_app(tmp_path)
    assert app.config_path is not None
    app.config_path.unlink()
    assert not reload_now(app.holder, app.reload_status, app.config_path)
    assert await status_code(app, "/api/status") == 401
    assert await status_code(app, "/api/status", **{"x-api-key": "inbound-secret"}) == 200
    report = await health_of(app)
    assert report["status"] == "degraded"
    assert any("was deleted, renamed" in p for p in report["problems"]), report["problems"]
    assert report["config"] == str(app.config_path)  # still the file's config, not the default


async def test_an_unreadable_config_keeps_the_last_good_one(tmp_path: Path) -> None:
    app = keyed_app(tmp_path)
    assert app.config_path is not None
    app.config_path.unlink()
    app.config_path.mkdir()  # a folder where the file was: reading fails
    assert not reload_now(app.holder, app.reload_status, app.config_path)
    assert app.holder.current().config.apikey == "inbound-secret"
    assert "cannot read" in (app.reload_status.error or "")


async def test_a_service_started_without_a_file_uses_the_default_then_the_new_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.json"
    app = create_app(path, watch=False)
    assert app.holder.current().config.path is None  # the embedded default
    assert reload_now(app.holder, app.reload_status, path)  # still no file: still the default
    path.write_text(json.dumps(base_config()))
    assert reload_now(app.holder, app.reload_status, path)
    assert app.holder.current().config.path == path


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        ({"Router": {"default": "ghost,m"}}, "unknown provider 'ghost'"),
        ({"APIKEY": "$CCROUTER_TEST_UNSET_VAR"}, "set the CCROUTER_TEST_UNSET_VAR environment"),
    ],
)
async def test_a_reload_breaking_a_start_rule_is_refused(
    tmp_path: Path, edit: dict[str, Any], why: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CCROUTER_TEST_UNSET_VAR", raising=False)
    app = keyed_app(tmp_path)
    assert app.config_path is not None
    app.config_path.write_text(json.dumps(base_config(**edit)))
    assert not reload_now(app.holder, app.reload_status, app.config_path)
    assert why in (app.reload_status.error or "")
    assert app.holder.current().config.apikey == "inbound-secret"
    report = await health_of(app)
    assert report["status"] == "degraded" and any(why in p for p in report["problems"])


async def test_a_reload_dropping_the_apikey_of_a_public_bind_is_refused(tmp_path: Path) -> None:
    app = keyed_app(tmp_path)
    assert app.config_path is not None
    app.config_path.write_text(json.dumps(base_config(APIKEY="   ")))  # blank is no key
    assert not reload_now(app.holder, app.reload_status, app.config_path, bind_host="0.0.0.0")
    assert "refusing to listen on 0.0.0.0" in (app.reload_status.error or "")
    assert await status_code(app, "/api/status") == 401
    # On loopback the same edit is fine: the key is simply gone.
    assert reload_now(app.holder, app.reload_status, app.config_path, bind_host="127.0.0.1")
    assert await status_code(app, "/api/status") == 200


async def test_deleting_the_config_while_serving_live(running: Running) -> None:
    """The same through the file watcher: the last good config stays, /health says why."""
    running.config_path.unlink()
    await eventually(lambda: running.app.reload_status.error is not None, "a reload error")
    assert "was deleted, renamed" in (running.app.reload_status.error or "")
    assert served(await running.ask(), running.fake, "default", "model-default")
    assert (await running.health())["config"] == str(running.config_path)
    running.write_config(config_with(default="openrouter,model-b"))
    await eventually(lambda: running.app.reload_status.error is None, "recovery")
    assert served(await running.ask(), running.fake, "default", "model-b")


async def test_other_json_beside_the_config_does_not_reload(running: Running) -> None:
    """ccrouter's home holds files the service writes itself (the catalog's disk copy)."""
    replace(running.config_path.with_name("catalog.json"), json.dumps({"fetched_at": 1}))
    # Nothing to poll for when nothing should happen: give the watcher four debounce windows.
    await asyncio.sleep(0.6)
    assert running.app.reload_status.reloads == 0
    running.write_config(config_with(default="openrouter,model-b"))  # the watcher still works
    await eventually(lambda: running.app.reload_status.reloads >= 1, "the config edit to reload")
