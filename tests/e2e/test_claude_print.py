"""``claude -p``: one answer from the fake OpenRouter, through ccrouter's default route."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import MODEL_A, PROVIDER_KEY, Claude, FakeOpenRouter, Router

pytestmark = pytest.mark.e2e

# Fields only Anthropic's API understands: an OpenAI-style upstream rejects or misreads them.
ANTHROPIC_ONLY_FIELDS = ("context_management", "thinking", "output_config", "safeguards", "system")
ANTHROPIC_ONLY_TEXT = ("x-anthropic-billing-header", "cache_control", "defer_loading")


def test_print_answer_comes_from_the_default_route(
    claude: Claude, router: Router, fake_openrouter: FakeOpenRouter
) -> None:
    result = claude.run(router.url, "-p", "say hi")

    assert result.returncode == 0, result.describe()
    assert result.stdout.strip() == f"Hello from {MODEL_A}", result.describe()
    assert "error" not in result.stderr.lower(), result.describe()

    [upstream] = fake_openrouter.chat_requests()
    body = upstream["body"]
    assert body["model"] == MODEL_A
    assert body["stream"] is True
    assert "say hi" in json.dumps(body["messages"])
    assert [field for field in ANTHROPIC_ONLY_FIELDS if field in body] == []
    raw = json.dumps(body)
    assert [text for text in ANTHROPIC_ONLY_TEXT if text in raw] == []
    # The provider's key goes upstream, never the client's token or Anthropic headers.
    headers = upstream["headers"]
    assert headers["authorization"] == f"Bearer {PROVIDER_KEY}"
    assert not [name for name in headers if name.startswith("anthropic-") or name == "x-api-key"]

    [decision] = router.decisions()
    assert (decision["route"], decision["target"], decision["status"]) == (
        "default",
        f"openrouter,{MODEL_A}",
        "ok",
    )
