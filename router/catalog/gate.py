"""One request's verdicts, model by model, for the fallback walk.

    gate = RequestGate(view, body, input_tokens)
    verdict = gate.verdict(target)       # FITS at the cost of one dict lookup when nothing is known
    gate.skip(target, verdict)           # remembered: which routes to try next, the final error
    gate.more_routes()                   # "longContext" after context skips, "image" after vision
    gate.error()                         # what to answer when every model was skipped

The error for prompts no model's window holds is Anthropic's own ("prompt is too long: N tokens
> M maximum"), which Claude Code reads as its cue to compact and retry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccrouter.catalog.facts import Price
from ccrouter.catalog.request import has_images, needs_of
from ccrouter.catalog.table import CatalogView
from ccrouter.catalog.verdict import FITS, Needs, Verdict, judge, too_long_message
from ccrouter.config.model import Target
from ccrouter.errors import InvalidRequestError

# Routes that can take a request a model was skipped for, by what that model lacked.
NEXT_ROUTE = {"context": "longContext", "vision": "image"}


class RequestGate:
    def __init__(self, view: CatalogView, body: Mapping[str, Any], input_tokens: int) -> None:
        self._view = view
        self._body = body
        self._tokens = input_tokens
        self._needs: Needs | None = None
        self._images_known = False
        self.skipped: list[tuple[Target, Verdict]] = []

    def verdict(self, target: Target) -> Verdict:
        facts = self._view.lookup(target.provider, target.model)
        if facts is None:
            return FITS
        needs = self._needs or needs_of(self._body, self._tokens)
        if facts.vision is False and not self._images_known:  # scan only when it can matter
            self._images_known = True
            needs = needs_of(self._body, self._tokens, images=has_images(self._body))
        self._needs = needs
        return judge(facts, needs)

    def price(self, target: Target) -> Price | None:
        """The model's catalog prices, when any is known (for the cost of its answer)."""
        facts = self._view.lookup(target.provider, target.model)
        return facts.price if facts is not None and facts.price.known else None

    def skip(self, target: Target, verdict: Verdict) -> None:
        self.skipped.append((target, verdict))

    def more_routes(self) -> list[str]:
        """Routes worth trying once the chain is used up, in the order their need came up."""
        routes = [NEXT_ROUTE[v.lacks] for _, v in self.skipped if v.lacks in NEXT_ROUTE]
        return list(dict.fromkeys(routes))

    def error(self) -> InvalidRequestError:
        """Every model was skipped: say why, in Anthropic's words for a prompt that is too long."""
        contexts = [v.context for _, v in self.skipped if v.lacks == "context" and v.context]
        if contexts and len(contexts) == len(self.skipped):
            limit = max(contexts) - (self._needs.reserve if self._needs else 0)
            return InvalidRequestError(too_long_message(self._tokens, max(1, limit)))
        why = "; ".join(f"{target} ({verdict.why})" for target, verdict in self.skipped)
        return InvalidRequestError(
            f"no model of this route can take this request: {why}. Route it to a model that "
            "can (Router in the config), or correct the model's facts there (Providers[].models)"
        )
