"""Try-import a user file in a short-lived child process before ccrouter imports it itself.

A user file (custom router or transformer) runs its top-level code when imported. Code that
hangs, calls ``os._exit`` or crashes the interpreter at import would take the service with it;
in a child process it only takes the child. ``verdict(path)`` imports the file in
``python -c`` through ``ccrouter.userfiles`` (the loader the service uses), with a time limit,
and says what went wrong, or ``None`` when the file can be imported here:

- ``"exited with code 1 at import"`` (``os._exit(1)``; a ``sys.exit()`` is caught by the loader);
- ``"did not finish importing within 5 s"``;
- ``"crashed with signal 11 (SIGSEGV) at import"``.

An ordinary exception at import is not the probe's business: the child reports success, and the
service's own import then fails with the usual message. The child proves it finished by writing
a random token after the import, so a file that ends the child with ``os._exit(0)`` is caught too.
Verdicts are cached by (path, mtime, size): an unchanged file is probed once per process.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TIMEOUT_S = 5.0

# The child: import the file the way the service would, then prove it got this far.
# A problem the loader reports (an exception, sys.exit) is the service's to report: still "ok".
_CHILD = """\
import os, sys
from pathlib import Path
try:
    from ccrouter.userfiles import UserFileError, load_user_module
except BaseException:
    sys.stdout.write(sys.argv[4]); sys.stdout.flush(); os._exit(0)
try:
    load_user_module(Path(sys.argv[1]), sys.argv[2], probe=False)
except UserFileError:
    pass
sys.stdout.write(sys.argv[3]); sys.stdout.flush(); os._exit(0)
"""

Key = tuple[str, int, int]
_verdicts: dict[Key, str | None] = {}


def _key(path: Path) -> Key | None:
    try:
        stat = path.stat()
    except OSError:
        return None  # the loader reports a file it cannot read
    return (str(path.resolve()), stat.st_mtime_ns, stat.st_size)


def run_probe(path: Path, prefix: str, timeout_s: float = TIMEOUT_S) -> str | None:
    """Import ``path`` in a child process now (no cache); what went wrong, or None."""
    ok, unavailable = secrets.token_hex(8), secrets.token_hex(8)
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path), prefix, ok, unavailable],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:  # the child is killed by run()
        return f"did not finish importing within {timeout_s:g} s"
    except OSError:  # no interpreter to start: nothing to learn, import as before
        return None
    out = done.stdout.decode("utf-8", "replace")
    if done.returncode == 0 and (ok in out or unavailable in out):
        return None
    code = done.returncode
    if code < 0:
        try:
            name = f" ({signal.Signals(-code).name})"
        except ValueError:
            name = ""
        return f"crashed with signal {-code}{name} at import"
    return f"exited with code {code} at import"


def verdict(path: Path, prefix: str, timeout_s: float = TIMEOUT_S) -> str | None:
    """``run_probe``, once per (path, mtime, size)."""
    key = _key(path)
    if key is None:
        return None
    if key not in _verdicts:
        _verdicts[key] = run_probe(path, prefix, timeout_s)
    return _verdicts[key]


def probe_all(paths: Iterable[Path], prefix: str, timeout_s: float = TIMEOUT_S) -> None:
    """Probe the files not probed yet side by side, so N new files cost one time limit, not N."""
    todo = {key: path for path in paths if (key := _key(path)) and key not in _verdicts}
    if len(todo) <= 1:
        for key, path in todo.items():
            _verdicts[key] = run_probe(path, prefix, timeout_s)
        return
    workers = min(len(todo), os.cpu_count() or 2, 8)
    with ThreadPoolExecutor(workers, thread_name_prefix="ccrouter-probe") as pool:
        found = pool.map(lambda path: run_probe(path, prefix, timeout_s), todo.values())
        _verdicts.update(zip(todo, found, strict=True))
