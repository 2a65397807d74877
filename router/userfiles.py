"""Import one user Python file (a custom router or a user transformer) as a fresh module.

The one loader both kinds of user file go through (mitmproxy's ``load_script``):

- the module gets a unique name, ``<prefix>_<stem>_<digest of path and source>``, so an edited
  file imports as a new module while an unchanged one keeps its name;
- the module is in ``sys.modules`` *before* its code runs, so ``@dataclass`` and typing look-ups
  inside it work (with ``from __future__ import annotations`` too), and stays there after;
- any failure, ``SystemExit`` included, becomes one ``UserFileError`` naming the file and what
  happened, and the half-run module is removed again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

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


def load_user_module(path: Path, prefix: str) -> ModuleType:
    """Import ``path`` under a unique module name starting with ``prefix``; raises ``UserFileError``."""
    if path.suffix != ".py":
        raise UserFileError(path, "not a Python file; ccrouter imports user code from .py files")
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
