"""``ccrouter explain``: the server's own classification of a recorded or hand-written request."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ccrouter.catalog.facts import ModelFacts
from ccrouter.catalog.fetch import models_url
from ccrouter.catalog.store import Fetched, write_cache
from ccrouter.cli.common import CLIError
from ccrouter.cli.explain import read_request
from ccrouter.cli.main import main
from tests.recording.driver import Recordings
from tests.router.cli.support import free_port, write_config


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = write_config(tmp_path, free_port())
    monkeypatch.setenv("CCROUTER_CONFIG", str(path))
    monkeypatch.setenv("CCROUTER_HOME", str(tmp_path / "home"))  # no pid file: nothing runs
    return path


def explain_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["explain", *args, "--json"]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def recording_file(claude_code: Recordings, name: str, tmp_path: Path) -> str:
    """One recorded request written where ``ccrouter explain`` can read it, as a user would."""
    path = tmp_path / f"{name.replace('/', '-')}.json"
    path.write_text(json.dumps(claude_code.request(name)))
    return str(path)


@pytest.mark.parametrize(
    ("name", "route", "target"),
    [
        ("a_print/001", "default", "local,model-a"),
        ("d_model_haiku/001", "background", "local,model-b"),
        ("e_think_effort_max/001", "think", "local,model-think"),
        ("d_model_openrouter_comma/001", "explicit", "openrouter,deepseek/deepseek-chat"),
    ],
)
def test_recorded_claude_code_requests(
    config: Path,
    capsys: pytest.CaptureFixture[str],
    claude_code: Recordings,
    tmp_path: Path,
    name: str,
    route: str,
    target: str,
) -> None:
    result = explain_json(capsys, recording_file(claude_code, name, tmp_path))
    assert (result["route"], result["target"]) == (route, target)
    assert result["tokens"] > 1000  # Claude Code's system prompt and tools
    assert result["session_id"]  # from the X-Claude-Code-Session-Id header
    assert result["decision_ms"] >= 0
    assert result["config"] == str(config)


def test_default_route_shows_its_fallbacks(
    config: Path, capsys: pytest.CaptureFixture[str], claude_code: Recordings, tmp_path: Path
) -> None:
    result = explain_json(capsys, recording_file(claude_code, "a_print/001", tmp_path))
    assert result["fallbacks"] == ["local,model-b"]


def synthetic(tmp_path: Path, **body: Any) -> Path:
    request = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "hello"}],
        **body,
    }
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    return path


def test_a_plain_body_and_the_text_output(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = synthetic(
        tmp_path,
        thinking={"type": "adaptive"},
        messages=[{"role": "user", "content": "please ultrathink"}],
    )
    assert main(["explain", str(body)]) == 0
    out = capsys.readouterr().out
    assert "route:     think" in out
    assert "model:     local,model-think" in out
    assert "reason:    keyword 'ultrathink' in the latest user turn" in out
    assert "fallbacks: none" in out
    assert "tokens:    " in out and "(longContext threshold 60000: not long)" in out
    assert f"config:    {config} (from $CCROUTER_CONFIG)" in out
    assert "decided:   in " in out


def test_long_context_by_token_count(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_text(
        config.read_text().replace(
            '"background": "local,model-b",',
            '"background": "local,model-b", "longContext": "local,model-a", "longContextThreshold": 50,',
        )
    )
    words = " ".join(f"word{i}" for i in range(200))
    result = explain_json(
        capsys, str(synthetic(tmp_path, messages=[{"role": "user", "content": words}]))
    )
    assert result["route"] == "longContext"
    assert result["tokens"] > 50
    assert "> threshold 50" in result["reason"]


def test_custom_routers_run_like_in_the_server(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    routers = tmp_path / "routers"
    routers.mkdir()
    (routers / "pick.py").write_text(
        "def route(request, config):\n"
        "    return 'local,model-b' if 'pick me' in request.last_user_text else None\n"
    )
    config.write_text(config.read_text().replace('"no-custom-routers"', '"routers"'))
    body = synthetic(tmp_path, messages=[{"role": "user", "content": "pick me"}])
    result = explain_json(capsys, str(body))
    assert (result["route"], result["target"]) == ("custom:pick", "local,model-b")
    assert "custom router pick" in result["reason"]


def test_recorded_request_headers_are_used(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded = {
        "method": "POST",
        "path": "/v1/messages",
        "query": {},
        "headers": [["X-Claude-Code-Session-Id", "sess-42"], ["x-api-key", "whatever"]],
        "body": json.loads(synthetic(tmp_path).read_text()),
    }
    path = tmp_path / "recorded.json"
    path.write_text(json.dumps(recorded))
    assert explain_json(capsys, str(path))["session_id"] == "sess-42"


def test_only_messages_requests_are_routed(tmp_path: Path) -> None:
    path = tmp_path / "models.json"
    path.write_text(json.dumps({"method": "GET", "path": "/v1/models", "headers": []}))
    with pytest.raises(CLIError, match="only POST /v1/messages is routed"):
        read_request(str(path))


def test_an_invalid_request_is_refused_like_the_server(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"messages": []}))
    assert main(["explain", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ccrouter: the server would refuse this request (400): ")


@pytest.mark.parametrize(("content", "message"), [("nope", "is not JSON"), ("[1]", "JSON object")])
def test_unreadable_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content)
    with pytest.raises(CLIError, match=message):
        read_request(str(path))
    with pytest.raises(CLIError, match="cannot read"):
        read_request(str(tmp_path / "missing.json"))


def test_explain_reads_stdin(
    config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(synthetic(tmp_path).read_text()))
    assert explain_json(capsys, "-")["route"] == "default"


def test_the_running_routers_config_is_used(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pid file naming a live process (this one) and another config: explain follows it."""
    import os

    from ccrouter.cli.common import ServiceRecord, write_record
    from ccrouter.home import ensure_home

    served = tmp_path / "served"
    served.mkdir()
    served_config = write_config(served, free_port())
    served_config.write_text(
        served_config.read_text().replace('"default": [', '"default": ["openrouter,x", ')
    )
    ensure_home()
    write_record(ServiceRecord(os.getpid(), "127.0.0.1", 1, str(served_config), "log"))
    result = explain_json(capsys, str(synthetic(tmp_path)))
    assert result["config"] == str(served_config)
    assert result["config_source"] == f"the running router (pid {os.getpid()})"
    assert result["target"] == "openrouter,x"
    # --config still wins.
    assert explain_json(capsys, str(synthetic(tmp_path)), "--config", str(config))["config"] == (
        str(config)
    )


def test_the_token_line_says_whether_the_request_is_long(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_text(
        config.read_text().replace(
            '"background": "local,model-b",',
            '"background": "local,model-b", "longContextThreshold": 5,',
        )
    )
    words = " ".join(f"word{i}" for i in range(50))
    body = synthetic(tmp_path, messages=[{"role": "user", "content": words}])
    assert main(["explain", str(body)]) == 0
    assert "(longContext threshold 5: long)" in capsys.readouterr().out


def test_each_models_verdict_from_the_catalog(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local = re.search(r'"api_base_url": "(http://127\.0\.0\.1[^"]+)"', config.read_text())
    assert local is not None
    url = models_url(local.group(1))
    facts = {
        "model-a": ModelFacts("model-a", max_output=8192),
        "model-b": ModelFacts("model-b", tools=False),
    }
    write_cache(tmp_path / "home" / "catalog.json", {url: Fetched(url, 1.0, facts)})
    body = synthetic(tmp_path, max_tokens=32_000, tools=[{"name": "Bash", "input_schema": {}}])
    assert explain_json(capsys, str(body))["verdicts"] == [
        "local,model-a: clamped: max_tokens 32000 -> 8192 (output cap)",
        "local,model-b: skipped: model takes no tools",
    ]
    assert main(["explain", str(body)]) == 0
    assert "verdict:   local,model-b: skipped: model takes no tools" in capsys.readouterr().out
