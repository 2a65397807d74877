from __future__ import annotations

from typing import Any

from ccrouter.transformers.chat.content import (
    collapse,
    document_parts,
    image_part,
    limit_cache_breakpoints,
    strip_billing_header,
    text_part,
    tool_result,
    user_parts,
)
from ccrouter.transformers.context import TranslationContext

EPHEMERAL = {"type": "ephemeral"}


def ctx(model: str = "deepseek/deepseek-chat") -> TranslationContext:
    return TranslationContext(requested_model="claude-opus-5-5", upstream_model=model)


def b64_image(data: str = "iVBORw0KGgo=", media_type: str = "image/png") -> dict[str, Any]:
    return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}


# --- billing header -----------------------------------------------------------------------------


def test_billing_header_line_is_stripped_from_merged_text() -> None:
    text = "x-anthropic-billing-header: cc_version=2.1.329.0a8; cch=1f2e3;\nYou are Claude Code."
    assert strip_billing_header(text) == "You are Claude Code."


def test_billing_header_only_block_becomes_empty() -> None:
    assert (
        strip_billing_header("x-anthropic-billing-header: cc_version=1; cc_entrypoint=cli;") == ""
    )


def test_text_without_billing_header_is_returned_unchanged() -> None:
    text = "Mentions x-anthropic-billing-header: in the middle of a line."
    assert strip_billing_header(text) is text


# --- user blocks --------------------------------------------------------------------------------


def test_base64_image_becomes_a_data_url() -> None:
    part = image_part(b64_image("AAAA", "image/jpeg"))
    assert part == {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,AAAA"}}


def test_url_image_keeps_its_url() -> None:
    block = {"type": "image", "source": {"type": "url", "url": "https://x.test/a.png"}}
    assert image_part(block) == {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}


def test_data_url_is_never_prefixed_twice() -> None:
    part = image_part(b64_image("data:image/png;base64,AAAA"))
    assert part is not None
    assert part["image_url"]["url"] == "data:image/png;base64,AAAA"


def test_image_payload_string_is_reused_not_copied() -> None:
    data = "A" * 100_000
    block = {"type": "image", "source": {"type": "url", "url": data}}
    part = image_part(block)
    assert part is not None and part["image_url"]["url"] is data


def test_file_id_images_have_no_upstream_form_and_are_skipped() -> None:
    assert image_part({"type": "image", "source": {"type": "file", "file_id": "file_1"}}) is None


def test_base64_pdf_becomes_a_file_part_named_after_its_title() -> None:
    block = {
        "type": "document",
        "title": "spec.pdf",
        "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0x"},
    }
    assert document_parts(block) == [
        {
            "type": "file",
            "file": {"filename": "spec.pdf", "file_data": "data:application/pdf;base64,JVBERi0x"},
        }
    ]


def test_url_pdf_uses_the_url_as_file_data_and_a_default_name() -> None:
    block = {"type": "document", "source": {"type": "url", "url": "https://x.test/a.pdf"}}
    assert document_parts(block) == [
        {"type": "file", "file": {"filename": "document.pdf", "file_data": "https://x.test/a.pdf"}}
    ]


def test_plain_text_document_becomes_text_prefixed_with_its_title() -> None:
    block = {
        "type": "document",
        "title": "notes",
        "source": {"type": "text", "media_type": "text/plain", "data": "line one"},
    }
    assert document_parts(block) == [{"type": "text", "text": "notes\nline one"}]


def test_content_document_becomes_its_text_parts() -> None:
    block = {
        "type": "document",
        "source": {"type": "content", "content": [{"type": "text", "text": "a"}, "b"]},
    }
    assert document_parts(block) == [{"type": "text", "text": "a\nb"}]


def test_search_result_becomes_text() -> None:
    block = {
        "type": "search_result",
        "title": "Docs",
        "source": "https://x.test",
        "content": [{"type": "text", "text": "snippet"}],
    }
    assert user_parts(block, ctx()) == [{"type": "text", "text": "Docs\nhttps://x.test\nsnippet"}]


def test_unknown_user_blocks_are_skipped() -> None:
    assert user_parts({"type": "container_upload", "file_id": "f"}, ctx()) == []
    assert user_parts(42, ctx()) == []


def test_blank_text_blocks_are_dropped() -> None:
    assert user_parts({"type": "text", "text": " \n\t"}, ctx()) == []
    assert user_parts({"type": "text", "text": ""}, ctx()) == []


def test_cache_control_is_dropped_for_families_without_breakpoints() -> None:
    block = {"type": "text", "text": "hi", "cache_control": EPHEMERAL}
    assert user_parts(block, ctx("deepseek/deepseek-chat")) == [{"type": "text", "text": "hi"}]


def test_cache_control_is_kept_on_parts_for_claude() -> None:
    block = {"type": "text", "text": "hi", "cache_control": EPHEMERAL}
    assert user_parts(block, ctx("anthropic/claude-sonnet-4.5")) == [
        {"type": "text", "text": "hi", "cache_control": EPHEMERAL}
    ]


# --- tool_result content ------------------------------------------------------------------------


def test_string_tool_result_stays_a_string() -> None:
    assert tool_result({"type": "tool_result", "content": "ok"}, ctx()).text == "ok"


def test_string_tool_result_is_kept_verbatim_even_when_blank() -> None:
    for content in ("  \n", "", " two  words "):
        assert tool_result({"type": "tool_result", "content": content}, ctx()).text == content
    error = tool_result({"type": "tool_result", "content": "", "is_error": True}, ctx())
    assert (error.text, error.media, error.mark) == ("Error", [], None)


def test_missing_tool_result_content_is_empty_text() -> None:
    assert tool_result({"type": "tool_result"}, ctx()).text == ""


def test_tool_result_text_blocks_are_joined_into_one_string() -> None:
    block = {
        "type": "tool_result",
        "content": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}],
    }
    assert tool_result(block, ctx()).text == "one\ntwo"


def test_error_tool_results_are_prefixed() -> None:
    block = {"type": "tool_result", "content": "boom", "is_error": True}
    assert tool_result(block, ctx()).text == "Error: boom"


def test_is_error_false_adds_no_prefix() -> None:
    assert (
        tool_result({"type": "tool_result", "content": "hi", "is_error": False}, ctx()).text == "hi"
    )


def test_tool_reference_blocks_become_tool_loaded_text() -> None:
    block = {
        "type": "tool_result",
        "content": [
            {"type": "tool_reference", "tool_name": "WebSearch"},
            {"type": "text", "text": "Tool loaded."},
        ],
    }
    assert tool_result(block, ctx()).text == "Tool loaded: WebSearch\nTool loaded."


def test_tool_result_images_are_split_out_as_media_with_a_placeholder() -> None:
    result = tool_result({"type": "tool_result", "content": [b64_image("AAAA")]}, ctx())
    assert result.text == "(image attached below)"
    assert result.media == [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    ]


def test_tool_result_pdf_is_split_out_with_a_document_placeholder() -> None:
    pdf = {"type": "document", "source": {"type": "url", "url": "https://x.test/a.pdf"}}
    result = tool_result({"type": "tool_result", "content": [pdf]}, ctx())
    assert result.text == "(document attached below)"
    assert result.media[0]["type"] == "file"


def test_tool_result_text_is_kept_when_images_come_with_it() -> None:
    block = {"type": "tool_result", "content": [{"type": "text", "text": "a chart"}, b64_image()]}
    result = tool_result(block, ctx())
    assert result.text == "a chart"
    assert len(result.media) == 1


# --- content shape and breakpoints --------------------------------------------------------------


def test_all_text_parts_collapse_to_a_newline_joined_string() -> None:
    assert collapse([text_part("a"), text_part("b")]) == "a\nb"


def test_marked_text_collapses_to_one_joined_part_with_the_same_text() -> None:
    # The text is identical whether or not the breakpoint is on this turn: caches stay warm.
    assert collapse([text_part("a"), text_part("b", EPHEMERAL)]) == [
        {"type": "text", "text": "a\nb", "cache_control": EPHEMERAL}
    ]


def test_the_last_breakpoint_among_text_parts_is_the_one_kept() -> None:
    hour = {"type": "ephemeral", "ttl": "1h"}
    parts = [text_part("a", hour), text_part("b", EPHEMERAL), text_part("c")]
    assert collapse(parts) == [{"type": "text", "text": "a\nb\nc", "cache_control": EPHEMERAL}]
    assert collapse([text_part("a", hour)]) == [
        {"type": "text", "text": "a", "cache_control": hour}
    ]
    assert collapse([text_part("a")]) == "a"


def test_mixed_parts_stay_a_list() -> None:
    parts = [text_part("a"), {"type": "image_url", "image_url": {"url": "https://x.test/i.png"}}]
    assert collapse(parts) == parts


def test_only_the_last_breakpoints_are_kept() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": [text_part("s1", EPHEMERAL), text_part("s2", EPHEMERAL)]},
        {"role": "user", "content": [text_part("u", EPHEMERAL)]},
        {"role": "assistant", "content": "plain"},
    ]
    limit_cache_breakpoints(messages, 1)
    assert "cache_control" not in messages[0]["content"][0]
    assert "cache_control" not in messages[0]["content"][1]
    assert messages[1]["content"][0]["cache_control"] == EPHEMERAL
