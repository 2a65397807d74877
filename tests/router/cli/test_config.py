"""``ccrouter config path|show|validate|init``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ccrouter.catalog.facts import ModelFacts
from ccrouter.catalog.fetch import models_url
from ccrouter.catalog.store import Fetched, write_cache
from ccrouter.cli.main import main
from tests.router.cli.support import free_port, write_config


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = write_config(tmp_path, free_port(), apikey="inbound-apikey-5a5a5a")
    monkeypatch.setenv("CCROUTER_CONFIG", str(path))
    monkeypatch.setenv("CCROUTER_TEST_LOCAL_KEY", "expanded-local-secret-999")
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_path_of_an_existing_file(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["config", "path"], capsys)
    assert (code, out) == (0, f"{config}\n")
    assert "from $CCROUTER_CONFIG; the file exists" in err


def test_path_of_a_missing_file_says_the_default_is_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.json"
    code, out, err = run(["config", "path", "--config", str(missing)], capsys)
    assert (code, out) == (0, f"{missing}\n")
    assert "from --config; the file does not exist" in err
    assert "embedded default config is in use" in err


def test_show_masks_secrets_and_keeps_comments_and_vars(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["config", "show"], capsys)
    assert code == 0
    assert "inbound-apikey-5a5a5a" not in out
    assert "dummy-key-for-masking" not in out
    assert "expanded-local-secret-999" not in out
    assert '"APIKEY": "inbo…(21 chars)"' in out
    assert '"api_key": "sk-o…(35 chars)"' in out
    assert '"$CCROUTER_TEST_LOCAL_KEY", // a $VAR reference' in out
    assert "// ccrouter test config" in out


def test_show_with_a_missing_explicit_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["config", "show", "--config", str(tmp_path / "none.json")], capsys)
    assert code == 1  # an explicit --config must exist
    assert err.strip() == f"ccrouter: config file {tmp_path / 'none.json'} does not exist"


def test_show_of_the_default_when_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CCROUTER_CONFIG", str(tmp_path / "none.json"))
    code, out, err = run(["config", "show"], capsys)
    assert code == 0
    assert json.loads(out)["Providers"][0]["api_key"] == "$OPENROUTER_API_KEY"
    assert "showing the embedded default config" in err


def test_validate_ok(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["config", "validate"], capsys)
    assert code == 0
    assert out.strip().endswith(
        f"config OK: {config} (2 provider(s), 4 model(s), routes: default, think, background)"
    )


def test_validate_lists_schema_problems_with_paths(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = json.loads(json.dumps({"PORT": "x", "Providers": [{"name": "a"}], "Router": {}}))
    config.write_text(json.dumps(raw))
    code, out, _ = run(["config", "validate"], capsys)
    assert code == 1
    assert f"{config}: " in out and "problem(s):" in out
    assert "  PORT: " in out
    assert "  Providers[0]: " in out


def test_validate_finds_unknown_transformers(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = config.read_text().replace(
        '"models": ["model-a"',
        '"transformer": {"use": ["no-such-transformer"]},\n      "models": ["model-a"',
    )
    config.write_text(text)
    code, out, _ = run(["config", "validate"], capsys)
    assert code == 1
    assert "no-such-transformer" in out
    assert "Providers[0]" in out


def test_validate_reports_invalid_json(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_text('{"Providers": [}')
    code, out, err = run(["config", "validate"], capsys)
    assert code == 1
    assert "problem(s)" in out
    assert "Traceback" not in out + err


def test_validate_refuses_unknown_route_providers(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_text(
        config.read_text().replace('"think": "local,model-think"', '"think": "gone,m"')
    )
    code, out, _ = run(["config", "validate"], capsys)
    assert code == 1
    assert "  Router.think: unknown provider 'gone' (known: local, openrouter)" in out


def test_validate_lists_every_mistake_in_one_pass(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CCROUTER_TEST_UNSET_KEY", raising=False)
    text = config.read_text()
    text = text.replace('"API_TIMEOUT_MS": 123000', '"API_TIMEOUT_MS": "soon"')  # schema
    text = text.replace('"think": "local,model-think"', '"think": "gone,m"')  # provider
    text = text.replace(  # transformer
        '"models": ["deepseek/deepseek-r1"]',
        '"models": ["deepseek/deepseek-r1"], "transformer": {"use": ["no-such-transformer"]}',
    )
    text = text.replace('"LOG_LEVEL"', '"APIKEY": "$CCROUTER_TEST_UNSET_KEY",\n  "LOG_LEVEL"')
    config.write_text(text)
    code, out, _ = run(["config", "validate"], capsys)
    assert code == 1
    assert "4 problem(s)" in out
    problems = [line.strip() for line in out.splitlines() if line.startswith("  ")]
    assert [p.split(":")[0] for p in problems] == [
        "API_TIMEOUT_MS",
        "Router.think",
        "APIKEY",
        "Providers[1].transformer.use",
    ], out
    assert "set the CCROUTER_TEST_UNSET_KEY environment variable" in problems[2]
    assert "unknown transformer 'no-such-transformer'" in problems[3]


def test_validate_never_prints_a_secret(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A wrong type puts the provider object, key and all, into the schema message.
    text = config.read_text().replace('"models": ["deepseek/deepseek-r1"]', '"models": 7')
    config.write_text(text)
    code, out, err = run(["config", "validate"], capsys)
    assert code == 1
    assert "dummy-key-for-masking" not in out + err
    assert "inbound-apikey-5a5a5a" not in out + err


def test_init_writes_the_default_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sub" / "config.json"
    code, out, _ = run(["config", "init", "--config", str(path)], capsys)
    assert code == 0 and path.exists()
    code, _, err = run(["config", "init", "--config", str(path)], capsys)
    assert code == 1 and "already exists" in err
    assert run(["config", "init", "--force", "--config", str(path)], capsys)[0] == 0


def test_validate_refuses_a_public_host_without_apikey(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = config.read_text().replace('"inbound-apikey-5a5a5a"', '" "')  # blank is no key
    config.write_text(text.replace('"LOG_LEVEL"', '"HOST": "0.0.0.0", "LOG_LEVEL"'))
    code, out, _ = run(["config", "validate"], capsys)
    assert code == 1
    assert "APIKEY: refusing to listen on 0.0.0.0 without an APIKEY" in out


def test_validate_names_route_models_the_provider_does_not_list(
    config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    local = re.search(r'"api_base_url": "(http://127\.0\.0\.1[^"]+)"', config.read_text())
    assert local is not None
    url = models_url(local.group(1))
    listed = {m: ModelFacts(m) for m in ("model-a", "model-b", "model-thinker")}
    write_cache(tmp_path / "home" / "catalog.json", {url: Fetched(url, 1.0, listed)})
    monkeypatch.setenv("CCROUTER_HOME", str(tmp_path / "home"))
    code, out, _ = run(["config", "validate"], capsys)
    assert code == 0
    assert (
        "warning: Router.think: local does not list a model 'model-think' "
        "(did you mean 'model-thinker'"
    ) in out
