"""Run the server in the foreground: start checks, uvicorn settings for speed, graceful stop.

SIGTERM (``ccrouter stop``) or Ctrl-C: one log line, no new connections, in-flight requests
(streams included) finish within ``GRACE_S`` seconds; whatever is still running then is cut.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import uvicorn

from ccrouter.app import create_app
from ccrouter.config.checks import bind_problems
from ccrouter.config.checks import is_loopback as is_loopback  # re-exported: tests, callers
from ccrouter.errors import ConfigError
from ccrouter.listen import bind_socket
from ccrouter.log import request_log, setup_logging
from ccrouter.server.body import positive_env
from ccrouter.server.protocol import DEFAULT_HEADER_TIMEOUT_S, AnthropicHttpToolsProtocol

log = logging.getLogger("ccrouter.server.run")

GRACE_S = 10  # seconds in-flight requests get to finish after SIGTERM
KEEP_ALIVE_S = 75  # an idle keep-alive connection is closed after this long
HEADER_TIMEOUT_ENV = "CCROUTER_HEADER_TIMEOUT_S"


class _Server(uvicorn.Server):
    on_stop: Callable[[], None] | None = None  # ends the dashboard's live streams first

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.on_stop is not None:
            self.on_stop()
        if not self.should_exit:
            busy = len(self.server_state.connections)
            log.info(
                "ccrouter stopping (%s): finishing %d open connection(s), at most %d s",
                signal.Signals(sig).name,
                busy,
                GRACE_S,
            )
        super().handle_exit(sig, frame)


def serve(config_path: Path | None, host: str | None = None, port: int | None = None) -> int:
    app = create_app(config_path)
    config = app.holder.current().config
    setup_logging(config.log_level)
    if not config.log_enabled:  # claude-code-router's LOG: false — no per-request lines
        request_log.setLevel(logging.WARNING)
    host = host or config.host
    port = port if port is not None else config.port
    problems = bind_problems(config, host)
    if problems:
        raise ConfigError(problems[0].message)
    app.bind_host = host  # every reload is checked against it too
    try:
        sock = bind_socket(host, port)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    log.info(
        "ccrouter listening on http://%s:%d (config: %s)",
        host,
        sock.getsockname()[1],
        config.path or "embedded default",
    )
    server = _Server(server_config(app))
    server.on_stop = app.ui.feed.close_soon  # an open dashboard must not hold the stop up
    server.run(sockets=[sock])
    return 0


def protocol_class(header_timeout_s: float) -> type[AnthropicHttpToolsProtocol]:
    """The HTTP protocol ccrouter serves with, its request-head deadline set."""
    return type(
        "CCRouterHttpProtocol",
        (AnthropicHttpToolsProtocol,),
        {"header_timeout_s": header_timeout_s},
    )


def server_config(app: object, header_timeout_s: float | None = None) -> uvicorn.Config:
    """uvicorn's settings: speed, and the bounds docs/hardening.md describes."""
    if header_timeout_s is None:
        header_timeout_s = positive_env(HEADER_TIMEOUT_ENV, DEFAULT_HEADER_TIMEOUT_S)
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_keep_alive=KEEP_ALIVE_S,
        timeout_graceful_shutdown=GRACE_S,
        loop="auto",
        http=protocol_class(header_timeout_s),  # httptools, answering in Anthropic's shape
        proxy_headers=False,  # ccrouter never reads the client address; skip the work
        server_header=False,  # "server: uvicorn" on every response says nothing useful
    )
