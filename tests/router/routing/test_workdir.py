from __future__ import annotations

from typing import Any

from ccrouter.routing.workdir import normalise, working_directory


def env(cwd: str) -> str:
    return f"# Environment\n - Primary working directory: {cwd}\n - Is a git repository: true\n"


def test_the_system_role_message_comes_first() -> None:
    body: dict[str, Any] = {
        "system": env("/from/system"),
        "messages": [
            {"role": "system", "content": env("/from/system-message")},
            {"role": "user", "content": env("/from/user")},
        ],
    }
    assert working_directory(body) == "/from/system-message"


def test_a_reminder_in_the_first_user_message() -> None:
    body = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": env("/a/b/")}]},
            {"role": "user", "content": env("/later")},
        ]
    }
    assert working_directory(body) == "/a/b"


def test_the_system_prompt_as_blocks_or_given_text() -> None:
    body = {"system": [{"type": "text", "text": env("/sys")}], "messages": []}
    assert working_directory(body) == "/sys"
    assert working_directory({"messages": []}, system_text=env("/given")) == "/given"


def test_the_old_env_tag() -> None:
    body = {"system": "<env>Working directory: /old/style</env>", "messages": []}
    assert working_directory(body) == "/old/style"


def test_none_when_no_folder_is_named() -> None:
    assert working_directory({"messages": [{"role": "user", "content": "hi"}]}) is None
    assert working_directory({"messages": "not a list"}) is None


def test_normalise() -> None:
    assert normalise(" C:\\proj\\x\\ ") == "C:/proj/x"
    assert normalise("///") == "/"
