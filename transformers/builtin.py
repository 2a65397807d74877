"""The built-in transformer catalogue (claude-code-router names), name -> class."""

from __future__ import annotations

from ccrouter.transformers.base import Transformer


def _placeholder(transformer_name: str) -> type[Transformer]:
    return type(transformer_name, (Transformer,), {"name": transformer_name})


# Filled in by the provider-transformer modules; names accepted today so CCR configs load.
BUILTINS: dict[str, type[Transformer]] = {
    name: _placeholder(name)
    for name in (
        "openrouter",
        "deepseek",
        "gemini",
        "groq",
        "maxtoken",
        "tooluse",
        "enhancetool",
        "reasoning",
        "sampling",
        "cleancache",
        "customparams",
        "Anthropic",
        "maxcompletiontokens",
        "streamoptions",
        "OpenAI",
    )
}
