"""Run every case's Claude Code CLI at once, each against its own recording server.

Each run gets a fresh ``HOME`` and a fresh git repository under ``root`` and the quiet environment
the end-to-end tests use; each runs in its own process group, which is killed on timeout and
after the run. The result is a ``Recordings``: the requests of every case, in the order the case
declares (``Case.sends``), checked against that declaration.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.conftest import CLAUDE_VERSION, QUIET_ENV, clean_env, find_claude, init_git_repo
from tests.recording.cases import CASES, ENDPOINTS, Case
from tests.recording.server import Recording, RecordingServer

RUN_TIMEOUT_S = 60.0
PARALLEL = 8  # CLI processes at once (the machine may have two cores)
AUTH_TOKEN = "test"


class RecordingError(Exception):
    """A case did not run cleanly or did not send what it declares."""


@dataclass(frozen=True)
class Recordings:
    """What the CLI sent, per case; ``"case/NNN"`` names one request (numbered from 001)."""

    cases: Mapping[str, list[Recording]]
    workdirs: Mapping[str, Path]  # the working directory each case ran in
    seconds: float  # wall time of the whole recording

    def request(self, name: str) -> Recording:
        case, _, number = name.partition("/")
        return self.cases[case][int(number) - 1]

    def body(self, name: str) -> dict[str, object]:
        body: dict[str, object] = self.request(name)["body"]
        return body

    def named(self) -> list[tuple[str, Recording]]:
        """Every request as ``("case/NNN", recording)``."""
        return [
            (f"{case}/{number:03d}", recording)
            for case, recordings in self.cases.items()
            for number, recording in enumerate(recordings, start=1)
        ]

    def summary(self) -> dict[str, int]:
        return {case: len(recordings) for case, recordings in self.cases.items()}


def claude_binary() -> str:
    """The pinned CLI (scripts/install-claude-code puts it in .claude-code/), checked."""
    path, looked = find_claude()
    if path is None:
        raise RecordingError(f"Claude Code not found at {looked}; run scripts/install-claude-code")
    try:
        done = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, env=clean_env()
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RecordingError(f"{path} --version failed: {exc}") from exc
    if CLAUDE_VERSION not in done.stdout:
        raise RecordingError(f"{path} is {done.stdout.strip()!r}, not Claude Code {CLAUDE_VERSION}")
    return path


def in_declared_order(case: Case, received: list[Recording]) -> list[Recording]:
    """``received`` reordered to match ``case.sends`` (arrival order within one kind)."""
    pending = list(received)
    ordered = []
    for kind in case.sends:
        method, path = ENDPOINTS[kind]
        match = next((r for r in pending if (r["method"], r["path"]) == (method, path)), None)
        if match is None:
            break
        pending.remove(match)
        ordered.append(match)
    if pending or len(ordered) != len(case.sends):
        seen = [f"{r['method']} {r['path']}" for r in received]
        raise RecordingError(f"{case.name}: expected {list(case.sends)}, the CLI sent {seen}")
    return ordered


def _kill_group(process: asyncio.subprocess.Process) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


async def _run(claude: str, case: Case, workdir: Path, home: Path, url: str) -> None:
    env = clean_env(
        HOME=str(home),
        ANTHROPIC_BASE_URL=url,
        ANTHROPIC_AUTH_TOKEN=AUTH_TOKEN,
        **QUIET_ENV,
        **case.env,
    )
    process = await asyncio.create_subprocess_exec(
        claude,
        "--dangerously-skip-permissions",
        *case.args,
        cwd=workdir,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(case.stdin.encode()), RUN_TIMEOUT_S)
    except TimeoutError:
        raise RecordingError(f"{case.name}: still running after {RUN_TIMEOUT_S:.0f} s") from None
    finally:
        _kill_group(process)  # whatever it left behind
    if process.returncode != 0:
        raise RecordingError(
            f"{case.name}: claude exited {process.returncode}\n"
            f"--- stdout ---\n{out.decode(errors='replace')}\n"
            f"--- stderr ---\n{err.decode(errors='replace')}"
        )


async def _record(claude: str, case: Case, root: Path, gate: asyncio.Semaphore) -> list[Recording]:
    workdir = root / case.name / "repo"
    shutil.copytree(root / "template", workdir)
    home = root / case.name / "home"
    home.mkdir()
    server = RecordingServer(case.script(workdir))
    try:
        async with gate:
            await _run(claude, case, workdir, home, server.url)
    finally:
        server.close()
    return in_declared_order(case, server.requests)


async def record_all(claude: str, root: Path) -> Recordings:
    """Record every case under ``root`` (an empty directory), all in parallel."""
    started = time.monotonic()
    # Resolve symlinks (/tmp may be one): Claude Code names its directory by the real path.
    init_git_repo(root.resolve() / "template")
    gate = asyncio.Semaphore(PARALLEL)
    results = await asyncio.gather(*(_record(claude, c, root.resolve(), gate) for c in CASES))
    return Recordings(
        cases={case.name: result for case, result in zip(CASES, results, strict=True)},
        workdirs={case.name: root.resolve() / case.name / "repo" for case in CASES},
        seconds=time.monotonic() - started,
    )
