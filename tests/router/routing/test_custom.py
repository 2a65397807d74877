"""Custom routers: loading, normalising, and never failing a request because of one.

Fault cases go through the whole app (fake OpenRouter behind it): whatever a router does, the
request is answered by the built-in rules and the skip is logged with the router's file name.
"""

from __future__ import annotations

import asyncio
import gc
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ccrouter.app import CCRouterApp
from ccrouter.config.model import Target
from ccrouter.routing.custom import discover, load_routers
from ccrouter.routing.features import RouteRequest
from ccrouter.routing.rules import Decision
from ccrouter.testing import classify, make_config, make_request, route_with
from ccrouter.testing.fake.app import FakeOpenRouter
from tests.conftest import user_message
from tests.routing_support import EXAMPLES, every_view, plugin_log
from tests.waiting import eventually

Files = dict[str, str]


@pytest.fixture
def routers_app(tmp_path: Path, make_app: Callable[..., CCRouterApp]) -> Callable[..., CCRouterApp]:
    """An app whose CUSTOM_ROUTER_DIR holds the given files (name → source)."""

    def make(files: Files, **router: Any) -> CCRouterApp:
        folder = tmp_path / "routers"
        folder.mkdir(exist_ok=True)
        for name, source in files.items():
            (folder / name).write_text(textwrap.dedent(source))
        from tests.conftest import base_config

        config = base_config(CUSTOM_ROUTER_DIR=str(folder))
        config["Router"].update(router)
        return make_app(config)

    return make


async def send(app: CCRouterApp, body: dict[str, Any] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ccrouter.test") as client:
        return await client.post("/v1/messages", json=body or user_message(stream=True))


async def health(app: CCRouterApp) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ccrouter.test") as client:
        result: dict[str, Any] = (await client.get("/health")).json()
        return result


def answered_by_default(response: httpx.Response, fake: FakeOpenRouter) -> bool:
    return (
        response.status_code == 200
        and response.headers["x-ccrouter-route"] == "default"
        and fake.requests[-1].body is not None
        and fake.requests[-1].body["model"] == "model-default"
    )


# -- faults while routing: each request still succeeds, the skip is logged with the file name --

RAISES = """
def route(request, config):
    return {}["missing"]
"""
SLOW_SYNC = """
import time
def route(request, config):
    time.sleep(0.5)
    return "openrouter,model-b"
"""
SLOW_ASYNC = """
import asyncio
async def route(request, config):
    await asyncio.sleep(30)
    return "openrouter,model-b"
"""


@pytest.mark.parametrize(
    ("source", "logged"),
    [
        pytest.param(RAISES, "broken.py raised KeyError: 'missing'; skipped", id="raises"),
        pytest.param(SLOW_SYNC, "broken.py took longer than 50 ms; skipped", id="slow-sync"),
        pytest.param(SLOW_ASYNC, "broken.py took longer than 50 ms; skipped", id="slow-async"),
    ],
)
async def test_a_failing_router_is_skipped_and_logged(
    routers_app: Callable[..., CCRouterApp], fake: FakeOpenRouter, source: str, logged: str
) -> None:
    app = routers_app({"broken.py": source}, customRouterTimeoutMs=50)
    with plugin_log() as lines:
        response = await send(app)
    assert answered_by_default(response, fake), response.text
    assert any(logged in line for line in lines), lines


BLOCKS = """
import time
from pathlib import Path
{kind}def route(request, config):
    Path({marker!r}).touch()
    time.sleep(3)  # blocking, in a sync or (the bug) an async route
    return "openrouter,model-b"
"""


@pytest.mark.parametrize("kind", ["async ", ""], ids=["async", "sync"])
async def test_a_blocking_router_costs_its_budget_and_nothing_else(
    routers_app: Callable[..., CCRouterApp], fake: FakeOpenRouter, tmp_path: Path, kind: str
) -> None:
    """While the router sleeps, /health answers at once; the request gets the default route
    when the budget runs out, not when the router wakes up."""
    marker = tmp_path / "routing"
    source = BLOCKS.format(kind=kind, marker=str(marker))
    app = routers_app({"blocks.py": source}, customRouterTimeoutMs=1500)
    started = time.monotonic()
    with plugin_log() as lines:
        request = asyncio.ensure_future(send(app))
        await eventually(marker.exists, "the router to start")
        asked = time.monotonic()
        assert (await health(app))["status"] is not None
        assert time.monotonic() - asked < 1.0  # the event loop was free
        response = await request
    assert answered_by_default(response, fake), response.text
    assert time.monotonic() - started < 2.8  # the budget (1.5 s), not the sleep (3 s)
    assert any("blocks.py took longer than 1500 ms; skipped" in line for line in lines), lines


def test_a_router_that_keeps_failing_is_switched_off_once_and_back_on_when_edited(
    tmp_path: Path,
) -> None:
    calls = tmp_path / "calls"
    path = tmp_path / "flaky.py"
    path.write_text(
        "from pathlib import Path\n"
        "def route(request, config):\n"
        f"    with Path({str(calls)!r}).open('a') as f:\n"
        "        f.write('x')\n"
        "    raise ValueError('flaky')\n"
    )
    request = make_request()
    with plugin_log() as lines:
        for _ in range(5):  # each call loads the file again, as a reload would: same guard
            assert route_with(path, request) is None
    assert calls.read_text() == "xxx"  # not called once switched off
    off = [line for line in lines if "switched off" in line]
    assert len(off) == 1 and "flaky.py switched off" in off[0], lines
    path.write_text("def route(request, config):\n    return 'openrouter,model-b'\n")
    decision = route_with(path, request)  # an edited file: back on
    assert decision is not None and str(decision.target) == "openrouter,model-b"


@pytest.mark.parametrize(
    "value",
    ["42", "{'model': 'openrouter,model-b'}", "['openrouter,model-b']", "'no-such-route'", "True", "b'openrouter,model-b'"],
)  # fmt: skip
async def test_a_garbage_return_is_skipped_and_logged(
    routers_app: Callable[..., CCRouterApp], fake: FakeOpenRouter, value: str
) -> None:
    app = routers_app({"garbage.py": f"def route(request, config):\n    return {value}\n"})
    with plugin_log() as lines:
        response = await send(app)
    assert answered_by_default(response, fake), response.text
    assert any("garbage.py returned" in line and "skipped" in line for line in lines), lines


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("Decision('custom:x', None, 'no target')", id="decision-without-target"),
        pytest.param("Decision('custom:x', 'openrouter,model-b', 'str')", id="decision-str-target"),
        pytest.param("'nope,some/model'", id="unknown-provider"),
        pytest.param("','", id="empty-provider-and-model"),
    ],
)
async def test_a_decision_the_server_cannot_use_is_skipped(
    routers_app: Callable[..., CCRouterApp], fake: FakeOpenRouter, value: str
) -> None:
    source = f"from ccrouter.routing.rules import Decision\ndef route(request, config):\n    return {value}\n"
    app = routers_app({"bad.py": source})
    with plugin_log() as lines:
        response = await send(app)
    assert answered_by_default(response, fake), response.text
    assert any("bad.py" in line for line in lines)


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
async def test_a_callable_object_with_async_call_is_awaited(
    routers_app: Callable[..., CCRouterApp], fake: FakeOpenRouter
) -> None:
    source = """
    class Router:
        async def __call__(self, request, config):
            return "openrouter,model-b"
    route = Router()
    """
    response = await send(routers_app({"obj.py": source}))
    gc.collect()
    assert response.headers["x-ccrouter-model"] == "openrouter,model-b"


async def test_a_router_result_is_used_and_named_after_its_file(
    routers_app: Callable[..., CCRouterApp], fake: FakeOpenRouter
) -> None:
    app = routers_app({"pick.py": "def route(request, config):\n    return 'openrouter,model-b'\n"})
    response = await send(app)
    assert response.headers["x-ccrouter-route"] == "custom:pick"
    assert response.headers["x-ccrouter-model"] == "openrouter,model-b"
    assert fake.requests[-1].body is not None and fake.requests[-1].body["model"] == "model-b"


# -- load errors: reported (log and /health), never fatal; the other routers still run --------

LOAD_ERRORS: Files = {
    "a_syntax.py": "def route(request, config)\n    return None\n",
    "b_no_route.py": "def choose(request, config):\n    return None\n",
    "c_arity.py": "def route(request, config, extra):\n    return None\n",
    "d_not_callable.py": "route = 'openrouter,model-b'\n",
    "e_import.py": "import ccrouter_no_such_module\ndef route(request, config):\n    return None\n",
    "f_raises_at_import.py": "raise RuntimeError('configure me')\n",
}
EXPECTED_PROBLEMS = [
    "a_syntax.py: SyntaxError",
    "b_no_route.py: TypeError: b_no_route.py defines no route(request, config) function",
    "c_arity.py: TypeError: c_arity.py: route() must take (request, config), not 3 arguments",
    "d_not_callable.py: TypeError: d_not_callable.py defines no route(request, config) function",
    "e_import.py: ModuleNotFoundError: No module named 'ccrouter_no_such_module'",
    "f_raises_at_import.py: RuntimeError: configure me",
]


async def test_load_errors_are_reported_and_the_good_router_still_runs(
    routers_app: Callable[..., CCRouterApp], fake: FakeOpenRouter
) -> None:
    good = "async def route(request):\n    return 'think'\n"
    with plugin_log() as lines:
        app = routers_app({**LOAD_ERRORS, "z_good.py": good})
    problems = app.holder.current().load_problems
    assert [
        p[: len(e)] for p, e in zip(problems, EXPECTED_PROBLEMS, strict=True)
    ] == EXPECTED_PROBLEMS
    assert len(lines) == len(LOAD_ERRORS)
    assert all("not loaded" in line for line in lines)
    report = await health(app)
    assert report["status"] == "degraded"
    assert all(any(p in q for q in report["problems"]) for p in problems)
    response = await send(app)
    assert response.status_code == 200
    assert response.headers["x-ccrouter-route"] == "think"
    assert fake.requests[-1].body is not None and fake.requests[-1].body["model"] == "model-think"


def test_a_syntax_error_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("x = 1\ndef route(request, config)\n")
    _, problems = load_routers((tmp_path,))
    assert "line 2" in problems[0]


def test_a_router_may_define_dataclasses(tmp_path: Path) -> None:
    source = """
    from __future__ import annotations
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Rule:
        word: str
        target: str

    RULES = [Rule("sql", "openrouter,model-b")]

    def route(request, config):
        return RULES[0].target
    """
    (tmp_path / "dc.py").write_text(textwrap.dedent(source))
    routers, problems = load_routers((tmp_path,))
    assert problems == []
    assert [r.name for r in routers] == ["dc"]


def test_sys_exit_at_import_is_a_load_problem(tmp_path: Path) -> None:
    (tmp_path / "bye.py").write_text("import sys\nsys.exit('no config')\n")
    routers, problems = load_routers((tmp_path,))
    assert routers == () and problems and problems[0].startswith("bye.py")


# -- normalisation of return values (ccrouter.testing runs the server's own code) -------------


def normalised(value: Any) -> Decision | None:
    return route_with(lambda request, config: value, make_request(), make_config())


def test_provider_model_string() -> None:
    d = normalised(" openrouter , some/model ")
    assert d is not None and d.route == "custom:<lambda>"
    assert d.target == Target("openrouter", "some/model")
    assert d.reason == "custom router <lambda> chose ' openrouter , some/model '"


def test_route_name_uses_the_route_and_its_fallbacks() -> None:
    d = normalised("longContext")
    config = make_config()
    assert d is not None and (d.route, d.targets) == ("longContext", config.routes["longContext"])
    assert d.reason == "custom router <lambda> chose route 'longContext'"


def test_a_decision_is_renamed_after_the_router_unless_already_custom() -> None:
    target = Target("openrouter", "x/y")
    renamed = normalised(Decision("think", target, "my reason"))
    assert renamed is not None and (renamed.route, renamed.reason) == (
        "custom:<lambda>",
        "my reason",
    )
    kept = normalised(Decision("custom:mine", target, "r"))
    assert kept is not None and kept.route == "custom:mine"


def test_custom_decisions_get_the_global_fallback() -> None:
    config = make_config(fallback={"global": ["openrouter,g/g"]})
    d = route_with(lambda r, c: "openrouter,x/y", make_request(), config)
    assert d is not None and d.chain == (Target("openrouter", "g/g"),)


def test_a_custom_decision_keeps_its_own_fallbacks_then_global() -> None:
    a, b, g = (Target("openrouter", m) for m in ("a/a", "b/b", "g/g"))
    config = make_config(fallback={"global": ["openrouter,g/g", "openrouter,a/a"]})
    d = route_with(lambda r, c: Decision("custom:x", a, "r", (b,)), make_request(), config)
    assert d is not None and d.targets == (a, b, g)


@pytest.mark.parametrize("value", [None, ""])
def test_none_and_empty_fall_through_silently(value: Any) -> None:
    with plugin_log() as lines:
        assert normalised(value) is None
    assert lines == []


def test_zero_one_and_two_argument_routers(tmp_path: Path) -> None:
    sources = {
        "a0.py": "def route():\n    return 'think'\n",
        "a1.py": "async def route(request):\n    return 'think'\n",
        "a2.py": "def route(request, config, verbose=False):\n    return 'think'\n",
    }
    for name, source in sources.items():
        (tmp_path / name).write_text(source)
        d = route_with(tmp_path / name, make_request())
        assert d is not None and d.route == "think", name


# -- order ------------------------------------------------------------------------------------


def test_files_run_in_name_order_and_private_files_are_not_routers(tmp_path: Path) -> None:
    (tmp_path / "b_second.py").write_text("def route(r, c):\n    return 'openrouter,b/b'\n")
    (tmp_path / "a_first.py").write_text("def route(r, c):\n    return None\n")
    (tmp_path / "_helper.py").write_text("raise RuntimeError('never imported')\n")
    (tmp_path / "notes.txt").write_text("not python")
    routers, problems = load_routers((tmp_path,))
    assert [r.name for r in routers] == ["a_first", "b_second"] and problems == []
    d = classify(make_request(), custom=[r.path for r in routers])
    assert d.route == "custom:b_second"


def test_custom_router_path_comes_before_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "routers"
    folder.mkdir()
    (folder / "a.py").write_text("def route(r, c):\n    return 'think'\n")
    single = tmp_path / "main_router.py"
    single.write_text("def route(r, c):\n    return 'background'\n")
    config = make_config(CUSTOM_ROUTER_PATH=str(single), CUSTOM_ROUTER_DIR=str(folder))
    assert [p.name for p in discover(config.custom_router_paths)] == ["main_router.py", "a.py"]


def test_custom_routers_run_before_every_built_in_rule_even_explicit() -> None:
    pick: Any = lambda r, c: "openrouter,x/y"  # noqa: E731
    for request in (
        make_request(model="openrouter,deepseek/deepseek-chat"),
        make_request(tokens=10**6),
        make_request(model="claude-haiku-5-5"),
        make_request(effort="max"),
    ):
        assert classify(request, custom=[pick]).route == "custom:<lambda>"


def test_the_examples_load_cleanly_and_do_nothing_without_their_config(
    claude_code_views: dict[str, RouteRequest],
) -> None:
    routers, problems = load_routers((EXAMPLES,))
    assert problems == []
    assert sorted(r.name for r in routers) == [
        "cheap_when_small",
        "keyword_model",
        "project_override",
    ]
    config = make_config()
    for name, view in every_view(claude_code_views).items():
        with_examples = classify(view, config, custom=[r.path for r in routers])
        assert with_examples == classify(view, config), name
