"""``ccrouter ui``: open the dashboard, starting the service first when none is running.

The dashboard is served by the router itself under ``/ui/`` (``ccrouter.ui``); this command
only makes sure a router runs, prints the address and opens it in the default browser.
"""

from __future__ import annotations

import argparse
import os
import sys

from ccrouter.cli.common import ConfigArg, SubParsers, apikey_for, find_service, note


def dashboard_url(base: str) -> str:
    return base.rstrip("/") + "/ui/"


def _can_open_browser() -> bool:
    """A browser can appear: a desktop session (or macOS/Windows), or $BROWSER says which."""
    if os.environ.get("BROWSER"):
        return True
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_ui(args: argparse.Namespace) -> int:
    from ccrouter.cli.service import resolve_start, start_service
    from ccrouter.config.load import resolve_config_path

    service = find_service(resolve_config_path(args.config))
    config: str | None
    if service is None:
        record = start_service(resolve_start({"config": args.config}))
        note(f"started ccrouter at {record.url} (pid {record.pid}); `ccrouter stop` stops it")
        base, config = record.url, record.config
    else:
        base, config = service.url, service.config
    url = dashboard_url(base)
    print(url)
    if apikey_for(config):
        note("sign in with the APIKEY from your config")
    if args.no_open or not _can_open_browser():
        return 0
    import webbrowser

    if not webbrowser.open(url):
        note("no browser could be opened: open the address above yourself")
    return 0


def register(sub: SubParsers, config_arg: ConfigArg) -> None:
    ui = sub.add_parser(
        "ui",
        help="open the dashboard in the browser (starts the router if needed)",
        description="Print the dashboard's address (live requests, usage, routes, models, "
        "config) and open it in the default browser. Starts the background service first "
        "when no router is running.",
    )
    config_arg(ui)
    ui.add_argument("--no-open", action="store_true", help="only print the address")
    ui.set_defaults(func=cmd_ui)
