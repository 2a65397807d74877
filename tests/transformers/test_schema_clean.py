from __future__ import annotations

import copy
import json

from ccrouter.transformers.schema_clean import gemini_schema, without_schema_keyword
from tests.recording.driver import Recordings
from tests.transformers.kit import GEMINI_KEYWORDS, keywords


def test_drops_what_gemini_rejects_and_keeps_the_rest() -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "x",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "path": {"type": "string", "description": "a path", "format": "uri", "default": "."},
            "when": {"type": "string", "format": "date-time", "examples": ["2025-01-01T00:00:00Z"]},
            "mode": {"const": "fast"},
            "count": {"type": "integer", "exclusiveMinimum": 0, "minimum": 1, "format": "int32"},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "meta": {
                "type": "object",
                "propertyNames": {"pattern": "^a"},
                "patternProperties": {"^a": {}},
            },
            "default": {"type": "string"},  # a property called "default" stays
        },
        "required": ["path", "ghost"],
    }
    original = copy.deepcopy(schema)
    out = gemini_schema(schema)
    assert schema == original  # the input is never changed
    assert out == {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "a path"},
            "when": {"type": "string", "format": "date-time"},
            "mode": {"enum": ["fast"]},
            "count": {"type": "integer", "minimum": 1, "format": "int32"},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "meta": {"type": "object"},
            "default": {"type": "string"},
        },
        "required": ["path"],
    }


def test_nullable_types_and_unions() -> None:
    out = gemini_schema(
        {
            "type": "object",
            "properties": {
                "a": {"type": ["string", "null"]},
                "b": {"anyOf": [{"type": "integer"}, {"type": "null"}], "description": "b"},
                "c": {"oneOf": [{"type": "string"}, {"type": "number"}]},
                "d": {"type": ["string", "integer"]},
                "e": {"enum": ["x", None]},
            },
        }
    )
    props = out["properties"]
    assert props["a"] == {"type": "string", "nullable": True}
    assert props["b"] == {"type": "integer", "description": "b", "nullable": True}
    assert props["c"] == {"anyOf": [{"type": "string"}, {"type": "number"}]}
    assert props["d"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert props["e"] == {"enum": ["x"], "nullable": True}


def test_refs_are_inlined_and_definitions_dropped() -> None:
    out = gemini_schema(
        {
            "type": "object",
            "definitions": {"Item": {"type": "object", "properties": {"name": {"type": "string"}}}},
            "$defs": {
                "Node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}}}
            },
            "properties": {
                "item": {"$ref": "#/definitions/Item", "description": "one item"},
                "tree": {"$ref": "#/$defs/Node"},
                "lost": {"$ref": "#/definitions/Missing"},
            },
        }
    )
    assert "definitions" not in out and "$defs" not in out
    props = out["properties"]
    assert props["item"] == {
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "description": "one item",
    }
    assert props["tree"] == {
        "type": "object",
        "properties": {"child": {"type": "object"}},
    }  # cycle cut
    assert props["lost"] == {"type": "object"}
    assert "$ref" not in json.dumps(out)


def test_all_of_is_merged_and_arrays_get_items() -> None:
    out = gemini_schema(
        {
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                {"properties": {"b": {"type": "array"}}, "required": ["b"]},
            ]
        }
    )
    assert out == {
        "type": "object",
        "properties": {
            "a": {"type": "string"},
            "b": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["a", "b"],
    }


def test_every_claude_code_tool_schema_cleans_to_the_gemini_subset(
    claude_code: Recordings,
) -> None:
    body = claude_code.request("c_tool_bash/002")["body"]
    schemas = [tool["input_schema"] for tool in body["tools"] if "input_schema" in tool]
    assert len(schemas) > 5
    for schema in schemas:
        cleaned = gemini_schema(schema)
        assert keywords(cleaned) <= GEMINI_KEYWORDS, schema
        assert cleaned["type"] == "object"
        assert set(cleaned.get("properties", {})) == set(schema.get("properties", {}))


def test_without_schema_keyword_reaches_nested_schemas_only() -> None:
    schema = {
        "$schema": "s",
        "type": "object",
        "properties": {
            "$schema": {"type": "string"},  # a property name, kept
            "inner": {"$schema": "s", "type": "object", "items": {"$schema": "s"}},
        },
        "anyOf": [{"$schema": "s"}],
    }
    assert without_schema_keyword(schema, "$schema") == {
        "type": "object",
        "properties": {"$schema": {"type": "string"}, "inner": {"type": "object", "items": {}}},
        "anyOf": [{}],
    }
