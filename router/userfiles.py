"""Import one user Python file (a custom router or a user transformer) as a fresh module.

The one loader both kinds of user file go through (mitmproxy's ``load_script``):

- the module gets a unique name, ``<prefix>_<stem>_<digest of path and source>``, so an edited
  file imports as a new module while an unchanged one keeps its name;
- the module is in ``sys.modules`` *before* its code runs, so ``@dataclass`` and typing look-ups
  inside it work (with ``from __future__ import annotations`` too), and stays there after;
- any failure, ``SystemExit`` included, becomes one ``UserFileError`` naming the file and what
  happened, and the half-run module is removed again;
- before its code runs here, the file is try-imported in a child process
  (``ccrouter.userprobe``), so a file that hangs, calls ``os._exit`` or crashes the interpreter
  at import is refused with what happened, instead of taking ccrouter with it.

Importing runs the file's code: the server calls this off its event loop (reloads run in a
thread), never from a request.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from ccrouter import userprobe
from ccrouter.errors import PluginError


class UserFileError(PluginError):
    """A user file could not be imported; ``str()`` is ``"<file name>: <what happened>"``."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(f"{path.name}: {what}")
        self.path = path
        self.what = what  # e.g. "RuntimeError: configure me"


def what_happened(exc: BaseException) -> str:
    """One line for a load problem: ``"<type>: <message>"``; a ``UserFileError``'s ``what``."""
    if isinstance(exc, UserFileError):
        return exc.what
    return f"{type(exc).__name__}: {exc}"


def module_name(path: Path, source: bytes, prefix: str) -> str:
    digest = hashlib.sha256(str(path).encode() + b"\0" + source).hexdigest()[:12]
    return f"{prefix}_{path.stem}_{digest}"


def file_signature(path: Path) -> tuple[int, int] | None:
    """(mtime in ns, size): what tells an edited file from an unchanged one; None if unreadable."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def load_user_module(path: Path, prefix: str, *, probe: bool = True) -> ModuleType:
    """Import ``path`` under a unique module name starting with ``prefix``; raises ``UserFileError``.

    ``probe``: try-import it in a child process first (once per version of the file).
    """
    if path.suffix != ".py":
        raise UserFileError(path, "not a Python file; ccrouter imports user code from .py files")
    refused = userprobe.verdict(path, prefix) if probe else None
    if refused is not None:
        raise UserFileError(
            path, f"{refused} (tried in a separate process; fix it and save to retry)"
        )
    try:
        source = path.read_bytes()
    except OSError as exc:
        raise UserFileError(path, f"cannot be read: {what_happened(exc)}") from exc
    name = module_name(path, source, prefix)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py path always has a loader
        raise UserFileError(path, "cannot be imported")
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(name)  # the same file, unchanged, loaded by an earlier snapshot
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # a file calling sys.exit() must not stop ccrouter
        if previous is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = previous
        raise UserFileError(path, what_happened(exc)) from exc
    return module
