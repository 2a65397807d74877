"""The environment that tells Claude Code the routed model's real window and output cap.

What the pinned CLI (2.1.329) reads, found in its bundle:

- ``CLAUDE_CODE_MAX_CONTEXT_TOKENS``: the context window of a model name it does not know as a
  Claude model (``provider,model``, ``deepseek/…``); ignored for ``claude-*`` names, which keep
  their built-in window. With it set, the "doesn't recognize the model … assumes a context window"
  notice is not shown.
- ``CLAUDE_CODE_AUTO_COMPACT_WINDOW``: where auto-compaction aims, for every name, capped by the
  model's window; values under 100,000 are raised to 100,000.
- ``CLAUDE_CODE_MAX_OUTPUT_TOKENS``: the ``max_tokens`` it sends.

A variable the user already set is left alone. Unknown facts export nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ccrouter.catalog.facts import ModelFacts
from ccrouter.catalog.store import Fetched
from ccrouter.catalog.table import build_view
from ccrouter.config.model import Config, Target


def claude_code_env(facts: ModelFacts | None, base: Mapping[str, str]) -> dict[str, str]:
    wanted: dict[str, int | None] = {}
    if facts is not None:
        wanted = {
            "CLAUDE_CODE_MAX_CONTEXT_TOKENS": facts.context,
            "CLAUDE_CODE_AUTO_COMPACT_WINDOW": facts.context,
            "CLAUDE_CODE_MAX_OUTPUT_TOKENS": facts.max_output,
        }
    return {name: str(value) for name, value in wanted.items() if value and not base.get(name)}


def session_target(config: Config, claude_args: Sequence[str]) -> Target | None:
    """The model a ``ccrouter code`` session talks to first: ``--model provider,model`` when
    given, else the default route's first model."""
    for index, arg in enumerate(claude_args):
        value = arg.partition("=")[2] if arg.startswith("--model=") else None
        if arg == "--model" and index + 1 < len(claude_args):
            value = claude_args[index + 1]
        if value and "," in value:
            return Target.parse(value)
    chain = config.chain("default")
    return chain[0] if chain else None


def session_facts(
    config: Config, entries: Mapping[str, Fetched], claude_args: Sequence[str]
) -> ModelFacts | None:
    target = session_target(config, claude_args)
    if target is None:
        return None
    return build_view(config, entries).lookup(target.provider, target.model)
