"""Who may use the dashboard, and the session cookie and CSRF token that say so.

- With an ``APIKEY``: the login page posts the key once; a match (constant time) opens a
  session, sent as an ``HttpOnly; SameSite=Strict`` cookie scoped to ``/ui``. The key is never
  stored in the page or the cookie.
- Without one: only loopback clients, and only under a loopback ``Host`` (a DNS-rebinding page
  on some other name gets nothing); a session opens on the first visit.
- Every write also carries the session's CSRF token in ``X-CSRF-Token`` (and a JSON body, which
  a cross-site form cannot send).

Sessions live in memory: a restart signs everyone out, which is what a restart should do.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

from ccrouter.config.checks import is_loopback

COOKIE = "ccrouter_ui"
CSRF_HEADER = "x-csrf-token"
SESSION_S = 12 * 3600.0
MAX_SESSIONS = 200


@dataclass(frozen=True)
class Session:
    token: str
    csrf: str
    expires: float
    by_key: bool  # opened with the APIKEY (else: a loopback visit while no APIKEY was set)


class Sessions:
    def __init__(self, ttl_s: float = SESSION_S, size: int = MAX_SESSIONS) -> None:
        self._ttl = ttl_s
        self._size = size
        self._open: OrderedDict[str, Session] = OrderedDict()

    def open(self, by_key: bool) -> Session:
        session = Session(
            secrets.token_urlsafe(32), secrets.token_urlsafe(24), time.time() + self._ttl, by_key
        )
        self._open[session.token] = session
        while len(self._open) > self._size:
            self._open.popitem(last=False)
        return session

    def get(self, token: str | None) -> Session | None:
        session = self._open.get(token) if token else None
        if session is None or session.expires < time.time():
            return None
        return session

    def close(self, token: str | None) -> None:
        if token:
            self._open.pop(token, None)


def key_matches(given: str, apikey: str) -> bool:
    return hmac.compare_digest(given.encode(), apikey.encode())


def csrf_ok(session: Session, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), session.csrf.encode())


def host_name(host_header: str) -> str:
    """``127.0.0.1:3456`` -> ``127.0.0.1``; ``[::1]:3456`` -> ``::1``."""
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    return host_header.rpartition(":")[0] if host_header.count(":") == 1 else host_header


def loopback_request(client_host: str | None, host_header: str) -> bool:
    """A client on this machine, asking for this machine by a loopback name."""
    return (
        bool(client_host) and is_loopback(client_host or "") and is_loopback(host_name(host_header))
    )


def cookie_header(session: Session, secure: bool = False) -> str:
    max_age = max(0, int(session.expires - time.time()))
    flags = "; Secure" if secure else ""
    return (
        f"{COOKIE}={session.token}; Path=/ui; Max-Age={max_age}; HttpOnly; SameSite=Strict{flags}"
    )


def clear_cookie_header() -> str:
    return f"{COOKIE}=; Path=/ui; Max-Age=0; HttpOnly; SameSite=Strict"
