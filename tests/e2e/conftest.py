"""End-to-end fixtures: the real Claude Code CLI → ccrouter → the fake OpenRouter, on 127.0.0.1.

Every server is a subprocess started with ``sys.executable`` (so CI's ``.venv`` is used), logs to
a file under ``tmp_path`` and runs in its own process group, which teardown terminates (then
kills) even when the test failed. Every wait has a deadline. Logs are printed at teardown, so a
failing test shows them under "Captured stdout teardown".

The CLI runs with a fresh ``HOME`` in a fresh git repository, with no outside traffic, and with
``CLAUDE_CODE_MAX_RETRIES=0`` unless a test asks otherwise (a retry only slows a failure down).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
CLAUDE_VERSION = "2.1.329"
CLAUDE_TIMEOUT_S = 60.0
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0
STEP_TIMEOUT_S = 30.0  # one interactive step (a prompt answered, a dialog shown)
PROMPT_MARK = "❯"  # starts Claude Code's input line
IN_CI = os.environ.get("CI", "").lower() == "true"

PROVIDER_KEY = "sk-or-fake"
MODEL_A = "fake/model-a"
MODEL_B = "fake/model-b"
MODEL_BG = "fake/model-bg"
MODEL_VISION = "fake/vision"
MODEL_CLAUDE = "anthropic/claude-sonnet-4.5"  # a Claude-family upstream (signed reasoning)

# Keeps Claude Code off the network and out of first-run prompts (reference §16.2).
QUIET_ENV = {
    "DISABLE_TELEMETRY": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    "DISABLE_AUTOUPDATER": "1",
    "CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL": "1",
    "IS_SANDBOX": "1",  # root may use --dangerously-skip-permissions
    "CLAUDE_CODE_MAX_RETRIES": "0",
}
# Inherited variables that would point a process somewhere else or change what it sends.
_DROPPED_PREFIXES = ("ANTHROPIC_", "CLAUDE_CODE_", "CLAUDECODE", "CCROUTER_", "OPENROUTER_")
_PROXY_VARS = frozenset({"http_proxy", "https_proxy", "all_proxy", "no_proxy"})


def clean_env(**extra: str) -> dict[str, str]:
    """``os.environ`` without credentials, Claude/ccrouter settings or proxies, plus ``extra``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith(_DROPPED_PREFIXES) and name.lower() not in _PROXY_VARS
    }
    env.pop("CLAUDE_PATH", None)
    env.update(extra)
    return env


# --- finding the CLI -------------------------------------------------------------------------


def find_claude() -> tuple[str | None, str]:
    """(path, how it was looked up): ``$CLAUDE_PATH``, the repo's ``.claude-code``, PATH."""
    given = os.environ.get("CLAUDE_PATH")
    if given:
        found = shutil.which(given)
        return found, f"CLAUDE_PATH={given}"
    local = REPO / ".claude-code" / "node_modules" / ".bin" / "claude"
    if os.access(local, os.X_OK):
        return str(local), str(local)
    return shutil.which("claude"), f"{local}, then `claude` on PATH"


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the end-to-end tests must run, not skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def claude_bin() -> str:
    path, looked = find_claude()
    if path is None:
        _unavailable(
            f"Claude Code CLI not found (looked at {looked}); run scripts/install-claude-code"
        )
    assert path is not None
    try:
        version = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, env=clean_env()
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        _unavailable(f"{path} --version failed: {exc}")
    if CLAUDE_VERSION not in version:
        _unavailable(f"{path} is {version.strip()!r}; these tests pin Claude Code {CLAUDE_VERSION}")
    return path


@pytest.fixture(scope="session")
def tmux_bin() -> str:
    path = shutil.which("tmux")
    if path is None:
        _unavailable("tmux is not installed; the interactive tests drive Claude Code through it")
    assert path is not None
    return path


# --- processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def spawn(
    command: Sequence[str], log: Path, env: Mapping[str, str], cwd: Path
) -> subprocess.Popen[bytes]:
    """Start ``command`` in its own process group, stdout and stderr appended to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )


def stop_group(process: subprocess.Popen[Any]) -> None:
    """SIGTERM the process group started by ``spawn``, SIGKILL it after STOP_TIMEOUT_S."""
    for sig, wait_s in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, STOP_TIMEOUT_S)):
        try:
            os.killpg(process.pid, sig)  # the group id is the leader's pid (start_new_session)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=wait_s)
            break
        except subprocess.TimeoutExpired:
            continue
    # The leader may be gone while children it started linger in the group.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def wait_until(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Poll ``check`` until it returns something truthy; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def read_text(path: Path) -> str:
    try:
        return path.read_text("utf-8", "replace")
    except FileNotFoundError:
        return ""


def get_json(url: str, timeout: float = 5.0) -> Any:
    response = httpx.get(url, timeout=timeout, trust_env=False)
    response.raise_for_status()
    return response.json()


def post_json(url: str, body: Any, timeout: float = 5.0) -> Any:
    response = httpx.post(url, json=body, timeout=timeout, trust_env=False)
    response.raise_for_status()
    return response.json()


# --- the fake OpenRouter ---------------------------------------------------------------------


@dataclass
class FakeOpenRouter:
    """Client for ``python -m ccrouter.testing.fake`` running in a subprocess."""

    url: str  # http://127.0.0.1:PORT
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def chat_url(self) -> str:
        return f"{self.url}/api/v1/chat/completions"

    def script(self, model: str | None, *responses: Mapping[str, Any]) -> None:
        """Queue answers (FIFO) for requests naming ``model`` (``None``: any model)."""
        post_json(f"{self.url}/_fake/script", {"model": model, "responses": list(responses)})

    def rule(self, when: str, response: Mapping[str, Any]) -> None:
        """A standing answer for requests matching ``when`` (``tool_result`` or ``always``)."""
        post_json(f"{self.url}/_fake/rule", {"when": when, "response": dict(response)})

    def requests(self) -> list[dict[str, Any]]:
        """Every upstream request so far: ``{method, path, headers, body}``."""
        recorded: list[dict[str, Any]] = get_json(f"{self.url}/_fake/requests")
        return recorded

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests() if r["path"].endswith("/chat/completions")]

    def models(self) -> list[str]:
        return [r["body"]["model"] for r in self.chat_requests()]


@pytest.fixture
def fake_openrouter(tmp_path: Path) -> Iterator[FakeOpenRouter]:
    log = tmp_path / "fake-openrouter.log"
    command = [sys.executable, "-m", "ccrouter.testing.fake", "--port", "0"]
    process = spawn(command, log, clean_env(PYTHONUNBUFFERED="1"), tmp_path)
    try:

        def announced() -> str | None:
            if process.poll() is not None:
                pytest.fail(f"the fake OpenRouter exited ({process.returncode}):\n{read_text(log)}")
            found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", read_text(log))
            return found.group(1) if found else None

        url = wait_until(announced, START_TIMEOUT_S, "the fake OpenRouter to listen")
        yield FakeOpenRouter(url, process, log)
    finally:
        stop_group(process)
        print(f"--- fake OpenRouter log ({log}) ---\n{read_text(log)}")


# --- ccrouter --------------------------------------------------------------------------------


def router_config(
    fake: FakeOpenRouter, routes: Mapping[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """A config whose only provider is the fake; ``routes`` replace entries of ``Router``."""
    router: dict[str, Any] = {
        "default": f"openrouter,{MODEL_A}",
        "background": f"openrouter,{MODEL_BG}",
        "image": f"openrouter,{MODEL_VISION}",
    }
    router.update(routes or {})
    return {
        "LOG_LEVEL": "info",  # one line per request, with the route and the model that answered
        "Providers": [
            {
                "name": "openrouter",
                "api_base_url": fake.chat_url,
                "api_key": PROVIDER_KEY,
                "models": [MODEL_A, MODEL_B, MODEL_BG, MODEL_VISION, MODEL_CLAUDE],
                "transformer": {"use": ["openrouter"]},
            }
        ],
        "Router": router,
        "CUSTOM_ROUTER_DIR": "no-custom-routers",
        **extra,
    }


@dataclass
class Router:
    """A ``ccrouter serve`` subprocess (or the service ``ccrouter code`` started)."""

    url: str
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = get_json(f"{self.url}/api/status")
        return status

    def decisions(self) -> list[dict[str, Any]]:
        """Recent routing decisions, oldest first: ``{route, target, reason, status, …}``."""
        recent: list[dict[str, Any]] = self.status()["recent"]
        return recent

    def log_text(self) -> str:
        return read_text(self.log)


def _serving(process: subprocess.Popen[bytes], url: str, config_path: Path) -> bool | str:
    """True once ``/health`` answers for this config; "exited" when the process ended."""
    if process.poll() is not None:
        return "exited"
    try:
        health = get_json(f"{url}/health", timeout=1.0)
    except (httpx.HTTPError, ValueError):
        return False
    return bool(health.get("config") == str(config_path))


def _start_router(config_path: Path, log: Path, cwd: Path) -> Router:
    """``ccrouter serve`` on a free port; a port taken meanwhile is retried with another."""
    for _ in range(3):
        port = free_port()
        command = [sys.executable, "-m", "ccrouter", "serve", "--config", str(config_path)]
        command += ["--host", "127.0.0.1", "--port", str(port)]
        # Its own home: the model catalog it fetches is written there, not to the user's.
        env = clean_env(PYTHONUNBUFFERED="1", CCROUTER_HOME=str(cwd / "ccrouter-home"))
        process = spawn(command, log, env, cwd)
        router = Router(f"http://127.0.0.1:{port}", log, process)
        try:
            state = wait_until(
                functools.partial(_serving, process, router.url, config_path),
                START_TIMEOUT_S,
                f"ccrouter /health at {router.url}",
            )
        except BaseException:
            stop_group(process)
            print(f"--- ccrouter log ({log}) ---\n{read_text(log)}")
            raise
        if state is True:
            return router
        if "address already in use" not in read_text(log).lower():
            pytest.fail(f"ccrouter serve exited ({process.returncode}):\n{read_text(log)}")
    pytest.fail(f"ccrouter serve found no free port:\n{read_text(log)}")


@pytest.fixture
def start_router(
    tmp_path: Path, fake_openrouter: FakeOpenRouter
) -> Iterator[Callable[..., Router]]:
    """``start_router(routes=None, **config)`` → a running ccrouter in front of the fake."""
    started: list[Router] = []

    def start(routes: Mapping[str, Any] | None = None, **extra: Any) -> Router:
        number = len(started) + 1
        config_path = tmp_path / f"ccrouter-{number}.json"
        config = router_config(fake_openrouter, routes, **extra)
        config_path.write_text(json.dumps(config, indent=2))
        router = _start_router(config_path, tmp_path / f"ccrouter-{number}.log", tmp_path)
        started.append(router)
        return router

    try:
        yield start
    finally:
        for router in started:
            if router.process is not None:
                stop_group(router.process)
            print(f"--- ccrouter log ({router.log}) ---\n{router.log_text()}")


@pytest.fixture
def router(start_router: Callable[..., Router]) -> Router:
    return start_router()


# --- Claude Code -----------------------------------------------------------------------------


@dataclass
class ClaudeResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def describe(self) -> str:
        return (
            f"command: {shlex.join(self.args)}\nexit: {self.returncode} after {self.seconds:.1f} s\n"
            f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"
        )


def run_captured(
    command: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float = CLAUDE_TIMEOUT_S
) -> ClaudeResult:
    """Run to completion in its own process group; on timeout kill the group and fail."""
    started = time.monotonic()
    process = subprocess.Popen(
        list(command),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env),
        cwd=cwd,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_group(process)
        stdout, stderr = process.communicate()
        result = ClaudeResult(list(command), -1, stdout, stderr, time.monotonic() - started)
        pytest.fail(f"timed out after {timeout:.0f} s\n{result.describe()}")
    finally:
        stop_group(process)  # whatever it left behind in its group
    return ClaudeResult(
        list(command), process.returncode, stdout, stderr, time.monotonic() - started
    )


def init_git_repo(path: Path) -> Path:
    """A git repository with one commit: Claude Code reads git status into its first prompt."""
    path.mkdir(parents=True, exist_ok=True)
    env = clean_env(
        GIT_AUTHOR_NAME="e2e",
        GIT_AUTHOR_EMAIL="e2e@example.invalid",
        GIT_COMMITTER_NAME="e2e",
        GIT_COMMITTER_EMAIL="e2e@example.invalid",
        GIT_CONFIG_GLOBAL="/dev/null",
    )
    (path / "README.md").write_text("# e2e scratch repository\n")
    for command in (
        ["git", "init", "-q"],
        ["git", "add", "README.md"],
        ["git", "commit", "-qm", "init"],
    ):
        subprocess.run(command, cwd=path, env=env, check=True, capture_output=True, timeout=30)
    return path


@dataclass
class Claude:
    """Runs the real CLI with a fresh HOME in a fresh git repository."""

    binary: str
    home: Path
    workdir: Path
    api_key: str = field(default_factory=lambda: f"sk-ant-e2e-{uuid.uuid4().hex}")

    def env(self, router_url: str | None, **extra: str) -> dict[str, str]:
        env = clean_env(HOME=str(self.home), **QUIET_ENV)
        if router_url is not None:
            env["ANTHROPIC_BASE_URL"] = router_url
            env["ANTHROPIC_AUTH_TOKEN"] = "e2e-client-token"
        env.update(extra)
        return env

    def run(
        self, router_url: str, *args: str, timeout: float = CLAUDE_TIMEOUT_S, **extra_env: str
    ) -> ClaudeResult:
        """``claude ARGS…`` against ``router_url``."""
        return run_captured(
            [self.binary, *args], self.env(router_url, **extra_env), self.workdir, timeout
        )

    def seed_interactive_state(self) -> None:
        """Pre-answer the first-run dialogs (reference §16.4): onboarding, key, folder trust."""
        state = {
            "hasCompletedOnboarding": True,
            "theme": "dark",
            "numStartups": 1,
            # 2.1.329 matches the LAST 20 characters of the key.
            "customApiKeyResponses": {"approved": [self.api_key[-20:]], "rejected": []},
            "projects": {
                str(self.workdir): {
                    "hasTrustDialogAccepted": True,
                    "allowedTools": [],
                    "hasCompletedProjectOnboarding": True,
                }
            },
        }
        (self.home / ".claude.json").write_text(json.dumps(state, indent=2))


@pytest.fixture
def claude(claude_bin: str, tmp_path: Path) -> Claude:
    home = tmp_path / "home"
    home.mkdir()
    # Resolve symlinks (/tmp may be one): Claude Code keys projects by the real path.
    return Claude(claude_bin, home, init_git_repo(tmp_path / "repo").resolve())


# --- tmux ------------------------------------------------------------------------------------


class Tmux:
    """One detached session on a private tmux server (``-L``), killed with it at teardown."""

    EXIT_MARK = "[e2e: claude exited with "

    def __init__(self, binary: str, workdir: Path, log_dir: Path) -> None:
        self.binary = binary
        self.socket = f"ccrouter-e2e-{uuid.uuid4().hex[:12]}"
        self.session = "e2e"
        self.workdir = workdir
        self.log_dir = log_dir
        self.pane_pid: int | None = None
        self.last_screen = ""

    def _tmux(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            [self.binary, "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=10,
            env=clean_env(TMUX=""),
        )
        if check and done.returncode != 0:
            pytest.fail(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(
        self, command: Sequence[str], env: Mapping[str, str], width: int = 160, height: int = 50
    ) -> None:
        """Run ``command`` in the session; when it ends the pane shows EXIT_MARK and its code."""
        script = self.log_dir / "tmux-launch.sh"
        exports = "".join(f"export {name}={shlex.quote(value)}\n" for name, value in env.items())
        script.write_text(
            f"{exports}cd {shlex.quote(str(self.workdir))}\n{shlex.join(command)}\n"
            f'echo "{self.EXIT_MARK}$?]"\nsleep 600\n'
        )
        self._tmux(
            "new-session",
            "-d",
            "-s",
            self.session,
            "-x",
            str(width),
            "-y",
            str(height),
            f"bash {shlex.quote(str(script))}",
        )
        self.pane_pid = int(self._tmux("display-message", "-p", "-t", self.session, "#{pane_pid}"))

    def screen(self) -> str:
        screen = self._tmux("capture-pane", "-p", "-J", "-t", self.session)
        self.last_screen = screen.replace("\xa0", " ")  # the input line pads with NBSPs
        return self.last_screen

    def type_line(self, text: str) -> None:
        """Type ``text`` literally, wait until the input box shows it, then press Enter as a
        separate key (an Enter sent with the text would arrive as a pasted newline)."""
        self._tmux("send-keys", "-t", self.session, "-l", text)
        self.wait_for(f"{PROMPT_MARK} {text}", f"{text!r} in the input box", timeout=10)
        self.press("Enter")

    def press(self, key: str) -> None:
        self._tmux("send-keys", "-t", self.session, key)

    def wait_for(
        self, check: Callable[[str], bool] | str, what: str, timeout: float = STEP_TIMEOUT_S
    ) -> str:
        """Poll the screen until ``check`` (a predicate or a substring) holds; fail with the screen."""
        test = (lambda screen: check in screen) if isinstance(check, str) else check
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if test(screen):
                return screen
            time.sleep(0.2)
        pytest.fail(
            f"timed out after {timeout:.0f} s waiting for {what}; screen:\n{self.last_screen}"
        )

    def kill(self) -> None:
        self._tmux("kill-server", check=False)
        if self.pane_pid is not None:  # the pane's shell leads the group claude runs in
            try:
                os.killpg(self.pane_pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


@pytest.fixture
def tmux(tmux_bin: str, claude: Claude, tmp_path: Path) -> Iterator[Tmux]:
    session = Tmux(tmux_bin, claude.workdir, tmp_path)
    try:
        yield session
    finally:
        session.kill()
        print(f"--- last tmux screen ---\n{session.last_screen}")
