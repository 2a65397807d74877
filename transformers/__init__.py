"""Provider transformers: Anthropic Messages <-> OpenAI chat completions, and provider quirks."""
