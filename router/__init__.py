"""ccrouter: a rule-based router that takes Claude Code to OpenRouter and other providers."""

__version__ = "0.1.0"
