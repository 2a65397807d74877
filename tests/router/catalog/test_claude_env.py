from __future__ import annotations

import json
from pathlib import Path

from ccrouter.catalog.claude_env import claude_code_env, session_facts, session_target
from ccrouter.catalog.facts import ModelFacts
from ccrouter.catalog.store import Fetched
from ccrouter.config.model import Config, Target, load_config
from tests.conftest import FAKE_BASE, base_config

URL = f"{FAKE_BASE}/models"


def test_env_from_the_facts_leaving_the_users_own_alone() -> None:
    facts = ModelFacts("m", context=131_072, max_output=8192)
    assert claude_code_env(facts, {}) == {
        "CLAUDE_CODE_MAX_CONTEXT_TOKENS": "131072",
        "CLAUDE_CODE_AUTO_COMPACT_WINDOW": "131072",
        "CLAUDE_CODE_MAX_OUTPUT_TOKENS": "8192",
    }
    mine = {"CLAUDE_CODE_AUTO_COMPACT_WINDOW": "100000", "CLAUDE_CODE_MAX_OUTPUT_TOKENS": ""}
    assert claude_code_env(facts, mine) == {
        "CLAUDE_CODE_MAX_CONTEXT_TOKENS": "131072",
        "CLAUDE_CODE_MAX_OUTPUT_TOKENS": "8192",  # an empty value counts as unset
    }
    assert claude_code_env(ModelFacts("m", tools=True), {}) == {}
    assert claude_code_env(None, {}) == {}


def make_config(tmp_path: Path) -> Config:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(base_config()))
    return load_config(path)


def test_the_session_target(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    assert session_target(config, []) == Target("openrouter", "model-default")
    assert session_target(config, ["-p", "hi", "--model", "sonnet"]) == Target(
        "openrouter", "model-default"
    )
    assert session_target(config, ["--model", "openrouter,x/y"]) == Target("openrouter", "x/y")
    assert session_target(config, ["--model=openrouter,x/z"]) == Target("openrouter", "x/z")


def test_session_facts_come_from_the_catalog(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    entries = {URL: Fetched(URL, 1.0, {"model-default": ModelFacts("model-default", 32_768)})}
    assert session_facts(config, entries, []) == ModelFacts("model-default", 32_768)
    assert session_facts(config, {}, []) is None
