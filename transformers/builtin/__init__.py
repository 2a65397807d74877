"""The built-in transformer catalogue: claude-code-router's names -> classes.

Names are matched case-insensitively by the registry. What each one does is in its module's
docstring and in ``docs/transformers.md``.
"""

from __future__ import annotations

from ccrouter.transformers.base import Transformer
from ccrouter.transformers.builtin.cerebras import CerebrasTransformer
from ccrouter.transformers.builtin.cleancache import CleanCacheTransformer
from ccrouter.transformers.builtin.customparams import CustomParamsTransformer
from ccrouter.transformers.builtin.deepseek import DeepSeekTransformer
from ccrouter.transformers.builtin.enhancetool import EnhanceToolTransformer
from ccrouter.transformers.builtin.gemini import GeminiTransformer
from ccrouter.transformers.builtin.groq import GroqTransformer
from ccrouter.transformers.builtin.maxcompletiontokens import MaxCompletionTokensTransformer
from ccrouter.transformers.builtin.maxtoken import MaxTokenTransformer
from ccrouter.transformers.builtin.openrouter import OpenRouterTransformer
from ccrouter.transformers.builtin.reasoning import ReasoningTransformer
from ccrouter.transformers.builtin.sampling import SamplingTransformer
from ccrouter.transformers.builtin.streamoptions import StreamOptionsTransformer
from ccrouter.transformers.builtin.tooluse import ToolUseTransformer


class AnthropicTransformer(Transformer):
    """``Anthropic`` (option ``UseBearer``): marks a provider that speaks Anthropic Messages.

    The config turns such a provider into a pass-through (``kind == "anthropic"``) and the
    registry leaves this name out of chains; the class exists so the name is known.
    """

    name = "Anthropic"


class OpenAITransformer(Transformer):
    """``OpenAI``: CCR's inbound OpenAI endpoint marker; on a provider it changes nothing."""

    name = "OpenAI"


BUILTINS: dict[str, type[Transformer]] = {
    cls.name: cls
    for cls in (
        OpenRouterTransformer,
        DeepSeekTransformer,
        GeminiTransformer,
        GroqTransformer,
        CerebrasTransformer,
        MaxTokenTransformer,
        MaxCompletionTokensTransformer,
        StreamOptionsTransformer,
        SamplingTransformer,
        CleanCacheTransformer,
        CustomParamsTransformer,
        ToolUseTransformer,
        EnhanceToolTransformer,
        ReasoningTransformer,
        AnthropicTransformer,
        OpenAITransformer,
    )
}
