"""Sessions, key and CSRF checks, the loopback rule and the cookie's flags."""

from __future__ import annotations

from ccrouter.ui import auth


def test_sessions_open_get_close_and_expire() -> None:
    sessions = auth.Sessions()
    session = sessions.open(by_key=True)
    assert sessions.get(session.token) == session and session.by_key
    assert sessions.get("nope") is None and sessions.get(None) is None
    sessions.close(session.token)
    assert sessions.get(session.token) is None
    expired = auth.Sessions(ttl_s=-1).open(by_key=False)
    assert auth.Sessions(ttl_s=-1).get(expired.token) is None


def test_sessions_are_bounded() -> None:
    sessions = auth.Sessions(size=2)
    first = sessions.open(by_key=False)
    sessions.open(by_key=False)
    sessions.open(by_key=False)
    assert sessions.get(first.token) is None


def test_key_and_csrf_checks() -> None:
    assert auth.key_matches("secret-key", "secret-key")
    assert not auth.key_matches("secret-kez", "secret-key")
    session = auth.Sessions().open(by_key=True)
    assert auth.csrf_ok(session, session.csrf)
    assert not auth.csrf_ok(session, None) and not auth.csrf_ok(session, "x")


def test_loopback_needs_a_loopback_client_and_host_name() -> None:
    assert auth.loopback_request("127.0.0.1", "127.0.0.1:3456")
    assert auth.loopback_request("::1", "[::1]:3456")
    assert auth.loopback_request("127.0.0.1", "localhost:3456")
    assert not auth.loopback_request("10.0.0.5", "127.0.0.1:3456")
    assert not auth.loopback_request("127.0.0.1", "evil.example:3456")  # DNS rebinding
    assert not auth.loopback_request(None, "127.0.0.1")


def test_cookie_is_httponly_strict_and_scoped() -> None:
    header = auth.cookie_header(auth.Sessions().open(by_key=True))
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/ui" in header
    assert "Max-Age=0" in auth.clear_cookie_header()
