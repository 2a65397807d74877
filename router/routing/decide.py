"""One routing decision: count tokens, build the request view, classify.

The server and ``ccrouter explain`` both call ``decide``, so an explanation is exactly what the
server would do with the same request and config.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ccrouter.config.state import RouterState
from ccrouter.routing.custom import classify_custom
from ccrouter.routing.features import RouteRequest, build_route_request, session_id_of
from ccrouter.routing.rules import Decision, classify_builtin, with_chain
from ccrouter.routing.tokens import Method, TokenCounter
from ccrouter.transformers.context import Recall


@dataclass(frozen=True)
class Decided:
    view: RouteRequest
    decision: Decision
    tokens: int
    ms: float  # time taken, token counting included
    token_method: Method = "tiktoken"  # how ``tokens`` was counted; the log line shows it


async def classify(state: RouterState, view: RouteRequest) -> Decision:
    """Custom routers first (in file order), then the built-in rules."""
    if state.custom_routers:
        decision = await classify_custom(state.custom_routers, view, state.config)
        if decision is not None:
            return with_chain(decision, state.config)
    return classify_builtin(view, state.config)


async def decide(
    state: RouterState,
    counter: TokenCounter,
    body: Mapping[str, Any],
    headers: Mapping[str, str],
    last_tokens: Callable[[str | None], int | None] = lambda session: None,
    recall: Recall | None = None,
    size: int = 0,
) -> Decided:
    """``size``: the body's length in bytes; a large body is counted off the event loop."""
    started = time.perf_counter()
    tokens, method = await counter.measure(body, size, recall)
    session = session_id_of(body, headers)  # parsed once: metadata.user_id is a JSON string
    view = build_route_request(body, headers, tokens, last_tokens(session), session)
    if state.custom_routers:
        decision = await classify(state, view)
    else:  # the common case, without a coroutine
        decision = classify_builtin(view, state.config)
    return Decided(view, decision, tokens, (time.perf_counter() - started) * 1000, method)
