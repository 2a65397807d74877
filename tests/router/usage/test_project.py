from __future__ import annotations

from typing import Any

from ccrouter.usage.project import MAX_PROJECT, project_of, session_project, shown_path

HOME = "/home/ann"


def body_in(cwd: str) -> dict[str, Any]:
    env = (
        f"<system-reminder>\n# Environment\n - Primary working directory: {cwd}\n</system-reminder>"
    )
    return {"messages": [{"role": "user", "content": [{"type": "text", "text": env}]}]}


def test_the_working_directory_under_home_is_shown_with_a_tilde() -> None:
    assert project_of(body_in("/home/ann/code/x/"), {}, "s1", HOME) == "~/code/x"


def test_a_directory_outside_home_is_kept() -> None:
    assert project_of(body_in("/srv/oss"), {}, "s1", HOME) == "/srv/oss"


def test_the_old_env_block_of_the_system_prompt() -> None:
    body = {"system": "x\n<env>\nWorking directory: /home/ann/p\n</env>", "messages": []}
    assert project_of(body, {}, None, HOME) == "~/p"


def test_the_header_overrides_the_working_directory() -> None:
    headers = {"x-ccrouter-project": " client-x "}
    assert project_of(body_in("/srv/oss"), headers, "s1", HOME) == "client-x"
    assert project_of({}, {"x-ccrouter-project": "/home/ann/z"}, None, HOME) == "~/z"


def test_without_a_folder_the_session_names_the_project() -> None:
    assert project_of({"messages": []}, {}, "abc", HOME) == "session abc"
    assert project_of({"messages": []}, {}, None, HOME) is None
    assert session_project(None) is None


def test_names_are_capped() -> None:
    assert len(project_of({}, {"x-ccrouter-project": "p" * 1000}, None, HOME) or "") == MAX_PROJECT


def test_shown_path_edges() -> None:
    assert shown_path("/home/ann", HOME) == "~"
    assert shown_path("/home/anna/x", HOME) == "/home/anna/x"  # not inside /home/ann
    assert shown_path("C:\\Users\\ann\\x", "C:\\Users\\ann") == "~/x"
    assert shown_path("/x", "/") == "/x"
