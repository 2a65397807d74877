"""Run the server in the foreground: bind checks, uvicorn settings for speed."""

from __future__ import annotations

import ipaddress
import logging
import socket
from pathlib import Path

import uvicorn

from ccrouter.app import create_app
from ccrouter.errors import ConfigError
from ccrouter.log import request_log, setup_logging

log = logging.getLogger("ccrouter.server.run")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(config_path: Path | None, host: str | None = None, port: int | None = None) -> int:
    app = create_app(config_path)
    config = app.holder.current().config
    setup_logging(config.log_level)
    if not config.log_enabled:  # claude-code-router's LOG: false — no per-request lines
        request_log.setLevel(logging.WARNING)
    host = host or config.host
    port = port if port is not None else config.port
    if not is_loopback(host) and not config.apikey:
        raise ConfigError(
            f"refusing to listen on {host}: without APIKEY in the config anyone who can reach "
            "this address could use your provider keys; set APIKEY or use 127.0.0.1"
        )
    for warning in config.warnings:
        log.warning("%s", warning)
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets only for TCP-protocol
    # listeners; without it every keep-alive response waits ~40 ms for delayed ACKs.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    log.info(
        "ccrouter listening on http://%s:%d (config: %s)",
        host,
        sock.getsockname()[1],
        config.path or "embedded default",
    )
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_keep_alive=75,
            loop="auto",
            http="auto",
            proxy_headers=False,  # ccrouter never reads the client address; skip the work
            server_header=False,  # "server: uvicorn" on every response says nothing useful
        )
    )
    server.run(sockets=[sock])
    return 0
