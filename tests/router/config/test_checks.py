"""The rules beyond the schema, as pure functions of a built config."""

from __future__ import annotations

import pytest

from ccrouter.config.checks import bind_problems, is_loopback, route_problems, secret_var_problems
from ccrouter.config.model import build_config

LOCAL = {"name": "local", "api_base_url": "http://127.0.0.1:1/v1"}


def paths(problems: list[object]) -> list[str]:
    return [str(p).split(":")[0] for p in problems]


def test_unknown_providers_are_named_with_their_json_path() -> None:
    config = build_config(
        {
            "Providers": [LOCAL],
            "Router": {"default": ["local,a", "ghost,b"], "think": "LOCAL,c", "x": "nocomma"},
            "fallback": {"default": ["gone,d"]},
        },
        None,
    )
    problems = route_problems(config)
    assert paths(problems) == ["Router.default[1]", "Router.x", "fallback.default[0]"]
    assert "unknown provider 'ghost' (known: local)" in str(problems[0])
    assert 'write a "provider,model" string' in str(problems[1])


def test_router_options_are_not_routes() -> None:
    raw = {"Providers": [LOCAL], "Router": {"default": "local,a", "backgroundModels": ["*h*"]}}
    assert route_problems(build_config(raw, None)) == []


def test_unset_vars_in_keys() -> None:
    raw = {
        "APIKEY": "$NOPE_A",
        "Providers": [
            {**LOCAL, "api_key": "Bearer ${NOPE_B}"},  # would be sent as written: an error
            {**LOCAL, "name": "p2", "api_key": "$NOPE_C"},  # a missing key: shown on /health
        ],
    }
    problems = secret_var_problems(build_config(raw, None), env={})
    assert [str(p) for p in problems] == [
        "APIKEY: $NOPE_A is not set; set the NOPE_A environment variable",
        "Providers[0].api_key: $NOPE_B is not set; set the NOPE_B environment variable",
    ]


@pytest.mark.parametrize(
    ("host", "apikey", "refused"),
    [
        ("127.0.0.1", None, False),
        ("0.0.0.0", None, True),
        ("0.0.0.0", "  ", True),  # blank is no key
        ("0.0.0.0", "k", False),
    ],
)
def test_a_public_bind_needs_a_real_apikey(host: str, apikey: str | None, refused: bool) -> None:
    config = build_config({"APIKEY": apikey} if apikey is not None else {}, None)
    assert bool(bind_problems(config, host)) is refused


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False), ("a.b", False)],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
