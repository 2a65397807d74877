from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from ccrouter.config.snapshot import build_state
from ccrouter.errors import ConfigError
from ccrouter.transformers.base import Transformer, TransformerSpec
from ccrouter.transformers.builtin import BUILTINS
from ccrouter.transformers.builtin.cerebras import CerebrasTransformer
from ccrouter.transformers.builtin.cleancache import CleanCacheTransformer
from ccrouter.transformers.builtin.customparams import CustomParamsTransformer
from ccrouter.transformers.builtin.maxcompletiontokens import MaxCompletionTokensTransformer
from ccrouter.transformers.builtin.maxtoken import MaxTokenTransformer
from ccrouter.transformers.builtin.openrouter import OpenRouterTransformer
from ccrouter.transformers.builtin.sampling import SamplingTransformer
from ccrouter.transformers.builtin.streamoptions import StreamOptionsTransformer
from ccrouter.transformers.registry import BrokenTransformer, TransformerRegistry
from tests.transformers.kit import chunk, completion, ctx, provider_config

# claude-code-router's catalogue (docs/transformers.md lists what ccrouter does with each)
CCR_NAMES = [
    "Anthropic", "OpenAI", "openrouter", "deepseek", "gemini", "groq", "cerebras", "maxtoken",
    "maxcompletiontokens", "sampling", "customparams", "streamoptions", "cleancache", "tooluse",
    "enhancetool", "reasoning",
]  # fmt: skip


def test_every_builtin_is_a_real_transformer_registered_under_its_name() -> None:
    for name, cls in BUILTINS.items():
        assert issubclass(cls, Transformer) and cls is not Transformer
        assert cls.name == name


@pytest.mark.parametrize("name", CCR_NAMES)
def test_ccr_names_are_known_in_any_case(name: str) -> None:
    registry = TransformerRegistry()
    for spelling in (name, name.lower(), name.upper()):
        transformer = registry.instantiate(TransformerSpec(spelling, {"max_tokens": 5}))
        assert not isinstance(transformer, BrokenTransformer)
        assert transformer.name.lower() == name.lower()
        assert transformer.options == {"max_tokens": 5}


# The built-ins that change only requests: answers and stream chunks pass them as they came.
REQUEST_ONLY = [
    CerebrasTransformer(),
    CleanCacheTransformer(),
    CustomParamsTransformer({"x": 1}),
    MaxCompletionTokensTransformer(),
    MaxTokenTransformer({"max_tokens": 10}),
    OpenRouterTransformer(),
    SamplingTransformer({"temperature": 0.2, "top_p": 0.9, "top_k": 40}),
    StreamOptionsTransformer(),
]


@pytest.mark.parametrize("transformer", REQUEST_ONLY, ids=lambda t: t.name)
def test_responses_and_streams_pass_untouched(transformer: Transformer) -> None:
    body = completion({"content": "hi", "reasoning": "r"})
    piece = chunk(
        {"content": "x", "tool_calls": [{"index": 0, "id": "7", "function": {"name": "a"}}]}
    )
    assert transformer.transform_response(copy.deepcopy(body), ctx()) == body
    assert transformer.transform_chunk(copy.deepcopy(piece), ctx()) == [piece]
    assert transformer.finish_stream(ctx()) == []


def write(tmp_path: Path, config: dict[str, Any]) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


def test_an_unknown_name_is_a_config_error_naming_provider_model_and_known_names(
    tmp_path: Path,
) -> None:
    config = provider_config(
        "acme", use=["deepseek", "nosuch"], model_use={"big-model": ["maxtoken", "vercel"]}
    )
    with pytest.raises(ConfigError) as info:
        build_state(write(tmp_path, config))
    message = info.value.message
    assert "'nosuch'" in message and "'acme'" in message
    assert "'vercel'" in message and "model 'big-model'" in message
    assert "Providers[1].transformer.use" in message
    for known in ("enhancetool", "tooluse", "openrouter", "Anthropic"):
        assert known in message


def test_known_names_load(tmp_path: Path) -> None:
    config = provider_config(
        "acme", use=[["maxtoken", {"max_tokens": 10}], "EnhanceTool"], model_use={"m": ["TOOLUSE"]}
    )
    state = build_state(write(tmp_path, config))
    chain = state.registry.chain_for(state.config.providers["acme"], "m")
    assert [t.name for t in chain] == ["maxtoken", "enhancetool", "tooluse"]
