from __future__ import annotations

from typing import Any

from ccrouter.catalog.facts import ModelFacts
from ccrouter.catalog.gate import RequestGate
from ccrouter.catalog.table import CatalogView
from ccrouter.catalog.verdict import FITS, OUTPUT_RESERVE
from ccrouter.config.model import Target

VIEW = CatalogView(
    {
        ("p", "cap-8k"): ModelFacts("cap-8k", context=200_000, max_output=8192),
        ("p", "ctx-32k"): ModelFacts("ctx-32k", context=32_768),
        ("p", "ctx-64k"): ModelFacts("ctx-64k", context=65_536),
        ("p", "no-tools"): ModelFacts("no-tools", tools=False),
        ("p", "text-only"): ModelFacts("text-only", vision=False),
    }
)
IMAGE = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}}


def body(**extra: Any) -> dict[str, Any]:
    return {"max_tokens": 32_000, "messages": [{"role": "user", "content": "hi"}], **extra}


def t(model: str) -> Target:
    return Target("p", model)


def test_unknown_models_fit_and_known_ones_are_judged() -> None:
    gate = RequestGate(VIEW, body(), 1000)
    assert gate.verdict(t("unknown")) is FITS
    assert gate.verdict(t("cap-8k")).max_tokens == 8192
    assert gate.verdict(Target("P", "ctx-32k")).kind == "clamped"


def test_tools_and_images_skip_only_models_known_to_lack_them() -> None:
    tools = RequestGate(VIEW, body(tools=[{"name": "Bash"}]), 10)
    assert tools.verdict(t("no-tools")).lacks == "tools"
    assert tools.verdict(t("text-only")) is FITS
    with_image = body(messages=[{"role": "user", "content": [IMAGE]}])
    images = RequestGate(VIEW, with_image, 10)
    assert images.verdict(t("cap-8k")).kind == "clamped"  # not text-only: no scan needed
    assert images.verdict(t("text-only")).lacks == "vision"


def test_more_routes_follow_what_was_lacking() -> None:
    gate = RequestGate(VIEW, body(), 40_000)
    gate.skip(t("ctx-32k"), gate.verdict(t("ctx-32k")))
    gate.skip(t("no-tools"), RequestGate(VIEW, body(tools=[1]), 1).verdict(t("no-tools")))
    gate.skip(t("ctx-32k"), gate.verdict(t("ctx-32k")))
    assert gate.more_routes() == ["longContext"]
    images = RequestGate(VIEW, body(messages=[{"role": "user", "content": [IMAGE]}]), 1)
    images.skip(t("text-only"), images.verdict(t("text-only")))
    assert images.more_routes() == ["image"]


def test_prompt_too_long_in_anthropic_words_when_only_windows_were_short() -> None:
    gate = RequestGate(VIEW, body(), 70_000)
    for model in ("ctx-32k", "ctx-64k"):
        gate.skip(t(model), gate.verdict(t(model)))
    error = gate.error()
    assert error.status == 400 and error.error_type == "invalid_request_error"
    assert error.message == (
        f"prompt is too long: 70000 tokens > {65_536 - OUTPUT_RESERVE} maximum"
    )


def test_other_skips_say_each_reason() -> None:
    gate = RequestGate(VIEW, body(tools=[{"name": "Bash"}]), 40_000)
    for model in ("ctx-32k", "no-tools"):
        gate.skip(t(model), gate.verdict(t(model)))
    message = gate.error().message
    assert message.startswith("no model of this route can take this request: p,ctx-32k (context")
    assert "p,no-tools (model takes no tools)" in message
