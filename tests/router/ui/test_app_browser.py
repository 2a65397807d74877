"""The dashboard in a real browser (headless Chromium) against a running ccrouter.

Each test drives the pages as a user would and checks the effect on the router itself: the
live view shows a request the official SDK just sent, the usage charts draw the seeded ledger,
a config edit made in the page routes the next request, a bad edit shows its problem and
changes nothing, and the login gate holds. Screenshots of every page are saved under pytest's
temporary folder.
"""

from __future__ import annotations

import time
from typing import Any

import anthropic
import httpx
import pytest

from tests.router.ui.conftest import APIKEY, MODEL_A, MODEL_B, PROVIDER_KEY, Stack, config_json

pytestmark = pytest.mark.browser

WAIT_MS = 5000


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def ask(stack: Stack, text: str = "hello", api_key: str = "unused") -> Any:
    client = anthropic.Anthropic(base_url=stack.url, api_key=api_key, max_retries=0, timeout=10)
    return client.messages.create(
        model="claude-sonnet-4-5", max_tokens=64, messages=[{"role": "user", "content": text}]
    )


def shot(page: Any, stack: Stack, name: str) -> None:
    page.screenshot(path=str(stack.shots / f"{name}.png"), full_page=True)


def open_page(page: Any, stack: Stack, tab: str) -> None:
    page.goto(f"{stack.url}/ui/#{tab}")
    expect(page.locator(f"#page-{tab}")).to_be_visible(timeout=WAIT_MS)


def test_live_view_shows_an_sdk_request_within_a_second(page: Any, stack: Stack) -> None:
    open_page(page, stack, "live")
    expect(page.locator("#live-state")).to_have_text("live", timeout=WAIT_MS)
    message = ask(stack, "show me on the dashboard")
    assert message.content[0].type == "text"
    answered = time.monotonic()
    row = page.locator("#live-table tbody tr").first
    expect(row).to_contain_text(MODEL_A, timeout=1000)
    assert time.monotonic() - answered < 1.0
    expect(row).to_contain_text("default")
    expect(row).to_contain_text("ok")
    row.click()
    detail = page.locator("#live-detail")
    expect(detail).to_be_visible()
    expect(detail).to_contain_text("Decision")
    expect(detail).to_contain_text(f"openrouter,{MODEL_A}")
    expect(detail).to_contain_text(f"openrouter,{MODEL_B}")  # the rest of the chain
    page.select_option("#f-status", "error")
    expect(page.locator("#live-table tbody tr")).to_have_count(0)
    page.select_option("#f-status", "")
    shot(page, stack, "live")


def test_usage_chart_renders_from_the_ledger(page: Any, stack: Stack) -> None:
    open_page(page, stack, "usage")
    table = page.locator("#usage-table tbody")
    expect(table).to_contain_text(f"openrouter,{MODEL_A}", timeout=WAIT_MS)
    datasets = page.evaluate(
        "() => window.Chart.getChart('chart-cost').data.datasets.map(d => d.label)"
    )
    assert f"openrouter,{MODEL_A}" in datasets and f"openrouter,{MODEL_B}" in datasets
    days = page.evaluate("() => window.Chart.getChart('chart-cost').data.labels.length")
    assert days >= 5
    expect(page.locator("#usage-stats")).to_contain_text("Spend")
    shot(page, stack, "usage")
    page.click("#u-by button[data-v=project]")
    expect(page.locator("#usage-table tbody")).to_contain_text("~/code/shop", timeout=WAIT_MS)
    page.click("#u-period button[data-v='24h']")
    expect(page.locator("#usage-table-title")).to_have_text("By project")
    shot(page, stack, "usage-by-project")


def test_routes_and_models_pages(page: Any, stack: Stack) -> None:
    open_page(page, stack, "routes")
    expect(page.locator("#routes")).to_contain_text(f"openrouter,{MODEL_A}", timeout=WAIT_MS)
    expect(page.locator("#routes")).to_contain_text("background")
    shot(page, stack, "routes")
    open_page(page, stack, "models")
    expect(page.locator("#models-table tbody tr").first).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#models-table tbody")).to_contain_text("1M")  # model-b's context
    page.click("#models-table th:has-text('Input $/M')")  # cheapest first
    expect(page.locator("#models-table tbody tr").first).to_contain_text(MODEL_A)
    shot(page, stack, "models")
    page.fill("#m-search", "spare")
    expect(page.locator("#models-table tbody tr")).to_have_count(1)
    page.select_option("#models-table tbody tr select", "background")
    page.click("#models-table tbody tr button")
    expect(page.locator("#m-notice")).to_contain_text("in force", timeout=WAIT_MS)
    written = stack.config_path.read_text()
    assert config_json(written)["Router"]["background"] == "spare,spare/one"
    assert "// the dashboard's browser tests" in written
    shot(page, stack, "models-used")


def _edit(page: Any, old: str, new: str) -> str:
    text: str = page.input_value("#config-text")
    assert old in text
    page.fill("#config-text", text.replace(old, new, 1))
    return text


def test_config_edit_in_the_page_changes_routing(page: Any, stack: Stack) -> None:
    open_page(page, stack, "config")
    expect(page.locator("#config-verdict")).to_contain_text("Valid", timeout=WAIT_MS)
    shown = page.input_value("#config-text")
    assert PROVIDER_KEY not in shown and PROVIDER_KEY[:4] in shown  # masked, never sent
    assert PROVIDER_KEY not in page.content()
    _edit(page, '"default": ["openrouter,fake/model-a"', '"default": ["openrouter,fake/model-b"')
    expect(page.locator("#config-verdict")).to_contain_text("Valid edit", timeout=WAIT_MS)
    page.click("#config-review")
    expect(page.locator("#config-diff")).to_contain_text("+", timeout=WAIT_MS)
    expect(page.locator("#config-diff .add")).to_contain_text(MODEL_B)
    shot(page, stack, "config-diff")
    page.click("#config-save")
    expect(page.locator("#config-result")).to_contain_text("Saved", timeout=WAIT_MS)
    shot(page, stack, "config-saved")
    written = stack.config_path.read_text()
    assert "// the dashboard's browser tests" in written  # comments kept
    assert '"$UI_TEST_SPARE_KEY"' in written  # $VAR references kept
    assert PROVIDER_KEY in written  # the masked key was put back as the real one
    assert config_json(written)["Router"]["default"][0] == f"openrouter,{MODEL_B}"
    before = len(stack.chat_models())
    ask(stack, "which model now?")
    assert stack.chat_models()[before:] == [MODEL_B]
    _edit(page, '"default": ["openrouter,fake/model-b"', '"default": ["openrouter,fake/model-a"')
    expect(page.locator("#config-verdict")).to_contain_text("Valid edit", timeout=WAIT_MS)
    page.click("#config-review")
    page.click("#config-save")
    expect(page.locator("#config-result")).to_contain_text("Saved", timeout=WAIT_MS)


def test_bad_config_edit_shows_its_error_and_changes_nothing(page: Any, stack: Stack) -> None:
    open_page(page, stack, "config")
    expect(page.locator("#config-verdict")).to_contain_text("Valid", timeout=WAIT_MS)
    before = stack.config_path.read_text()
    _edit(page, '"default": ["openrouter,fake/model-a"', '"default": ["nowhere,fake/model-b"')
    problems = page.locator("#config-problems")
    expect(problems).to_contain_text("unknown provider 'nowhere'", timeout=WAIT_MS)
    expect(page.locator("#config-verdict")).to_contain_text("cannot be saved")
    expect(page.locator("#config-review")).to_be_disabled()
    shot(page, stack, "config-bad-edit")
    page.fill("#config-text", page.input_value("#config-text").replace("{", "{{", 1))
    expect(problems).to_contain_text("line 1, column 2", timeout=WAIT_MS)
    # Even a save forced past the page is refused, and nothing is written.
    refused = page.evaluate(
        """async () => {
            const text = document.getElementById('config-text').value;
            const r = await fetch('api/config', {method: 'POST', headers: {
                'content-type': 'application/json', 'x-csrf-token': 'wrong'},
                body: JSON.stringify({text, version: 'x'})});
            return r.status;
        }"""
    )
    assert refused == 403
    assert stack.config_path.read_text() == before
    count = len(stack.chat_models())
    ask(stack, "still the old route?")
    assert stack.chat_models()[count:] == [MODEL_A]


def test_login_gate_holds(page: Any, keyed_stack: Stack) -> None:
    stack = keyed_stack
    assert httpx.get(f"{stack.url}/ui/api/session", trust_env=False).status_code == 401
    assert httpx.get(f"{stack.url}/ui/api/config", trust_env=False).status_code == 401
    page.goto(f"{stack.url}/ui/")
    expect(page.locator("#login-form")).to_be_visible(timeout=WAIT_MS)
    shot(page, stack, "login")
    page.fill("#key", "not-the-key")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text(
        "not this router's APIKEY", timeout=WAIT_MS
    )
    page.fill("#key", APIKEY)
    page.click("button[type=submit]")
    expect(page.locator("#page-live")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#live-state")).to_have_text("live", timeout=WAIT_MS)
    cookie = next(c for c in page.context.cookies() if c["name"] == "ccrouter_ui")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert APIKEY not in cookie["value"] and APIKEY not in page.content()
    ask(stack, "signed in", api_key=APIKEY)
    expect(page.locator("#live-table tbody tr").first).to_contain_text(MODEL_A, timeout=WAIT_MS)
    page.goto(f"{stack.url}/ui/#config")
    expect(page.locator("#config-verdict")).to_contain_text("Valid", timeout=WAIT_MS)
    assert APIKEY not in page.input_value("#config-text")
    page.click("#sign-out")
    expect(page.locator("#login-form")).to_be_visible(timeout=WAIT_MS)
    assert httpx.get(f"{stack.url}/ui/api/session", trust_env=False).status_code == 401
